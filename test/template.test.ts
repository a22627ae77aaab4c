// src/core/template.ts in-process: a layer's `data` compiled once (static parts frozen, `{ $expr }` compiled, the
// directives checked) and rendered per compose, asynchronously or synchronously. Mutation testing
// (docs/testing.md) found these behaviours guarded only by the CLI and hostile tests, or not at all.
import { describe, expect, it } from "vitest";
import {
  compileTemplate,
  isCompiledTemplate,
  isExprNode,
  renderTemplate,
  renderTemplateSync,
  RenderError,
  templateExpressions,
  type Template,
  type TemplateProblem,
} from "../src/core/template.js";
import { ExpressionLimitError, INTERPRET, type CompiledExpression, type Scope } from "../src/lang/expression.js";

const SCOPE: Scope = { context: { model_name: "m", n: 2, list: [1, 2], obj: { a: 1 } }, config: { x: "from-config" } };

/** Compile `data`; the template and the problems found. */
function compiled(data: unknown, pointer = "/data") {
  const problems: TemplateProblem[] = [];
  const template = compileTemplate(data, pointer, problems);
  return { template, problems };
}

/** An expression whose three paths say which one ran. */
function fakeExpr(sync: unknown, compiledFlag = true): CompiledExpression {
  return {
    source: "fake",
    ast: () => ({ type: "fake" }),
    evaluate: async () => "evaluated",
    interpret: async () => "interpreted",
    evaluateSync: () => sync,
    compiled: compiledFlag,
  };
}

describe("compileTemplate: static parts", () => {
  it("data without expressions is one frozen static value, the same object", () => {
    const data = { a: [1, { b: 2 }], c: "x" };
    const { template, problems } = compiled(data);
    expect(problems).toEqual([]);
    expect(template).toEqual({ kind: "static", value: data });
    expect((template as { value: unknown }).value).toBe(data);
    expect(Object.isFrozen(data)).toBe(true);
    expect(Object.isFrozen(data.a[1])).toBe(true);
    expect(compileTemplate(5)).toEqual({ kind: "static", value: 5 });
    expect(compileTemplate(null)).toEqual({ kind: "static", value: null });
    const list = [1, [2]];
    expect(compileTemplate(list)).toEqual({ kind: "static", value: list });
    expect(Object.isFrozen(list[1])).toBe(true);
  });

  it("an expression anywhere makes its containers templates, each part with its pointer (keys escaped)", () => {
    const { template, problems } = compiled({ "a/b": [1, { $expr: "model_name" }], "c~": { $expr: "n", $patch: "replace" }, d: { e: 1 } });
    expect(problems).toEqual([]);
    expect(template.kind).toBe("object");
    const t = template as Extract<Template, { kind: "object" }>;
    expect(t.entries.map(([k, i]) => [k, i.kind])).toEqual([["a/b", "array"], ["c~", "expr"], ["d", "static"]]);
    const arr = t.entries[0][1] as Extract<Template, { kind: "array" }>;
    expect(arr.items[0]).toEqual({ kind: "static", value: 1 });
    expect(arr.items[1]).toMatchObject({ kind: "expr", pointer: "/data/a~1b/1", replace: false });
    expect(t.entries[1][1]).toMatchObject({ kind: "expr", pointer: "/data/c~0", replace: true });
    expect(templateExpressions(template).map(({ pointer, source }) => [pointer, source])).toEqual([["/data/a~1b/1", "model_name"], ["/data/c~0", "n"]]);
  });

  it("isExprNode: an object with its own $expr", () => {
    expect(isExprNode({ $expr: 1 })).toBe(true);
    expect(isExprNode({ $exp: "a" })).toBe(false);
    expect(isExprNode(Object.create({ $expr: "a" }))).toBe(false);
    expect(isExprNode([{ $expr: "a" }])).toBe(false);
  });
});

describe("compileTemplate: problems, each with its code, pointer and message", () => {
  it.each([
    ["$expr that is not a string", { v: { $expr: 3 } }, [{ pointer: "/data/v", code: "bad-expression", message: "$expr must be a string holding a JSONata expression" }]],
    ["a key beside $expr", { v: { $expr: "n", b: 1 } }, [{ pointer: "/data/v", code: "bad-expression", message: "beside $expr only `$patch: replace` is allowed" }]],
    ["$patch other than replace beside $expr", { v: { $expr: "n", $patch: "merge" } }, [{ pointer: "/data/v", code: "bad-expression", message: "beside $expr only `$patch: replace` is allowed" }]],
    ["a misspelt directive", { v: { $exp: "n" } }, [{ pointer: "/data/v", code: "bad-directive", message: "unknown directive '$exp' (did you mean $expr?); keys starting with $ are directives: $expr, $patch, $append, $prepend" }]],
    ["an unknown directive like no other", { v: { $somethingelse: 1 } }, [{ pointer: "/data/v", code: "bad-directive", message: "unknown directive '$somethingelse'; keys starting with $ are directives: $expr, $patch, $append, $prepend" }]],
    ["an unknown $patch", { v: { $patch: "remove" } }, [{ pointer: "/data/v", code: "bad-directive", message: "unknown $patch directive 'remove' (use delete, replace or merge)" }]],
    ["a $patch that is not text", { v: { $patch: ["delete"] } }, [{ pointer: "/data/v", code: "bad-directive", message: "unknown $patch directive [\"delete\"] (use delete, replace or merge)" }]],
    ["$patch: delete beside a key", { v: { $patch: "delete", a: 1 } }, [{ pointer: "/data/v", code: "bad-directive", message: "`$patch: delete` must stand alone" }]],
    ["$append beside a key", { v: { a: 1, $append: [1] } }, [{ pointer: "/data/v", code: "bad-directive", message: "`$append` must stand alone" }]],
    ["$prepend beside $append", { v: { $prepend: [1], $append: [2] } }, [{ pointer: "/data/v", code: "bad-directive", message: "`$append` must stand alone" }]],
    ["$prepend beside a key", { v: { $prepend: [1], a: 2 } }, [{ pointer: "/data/v", code: "bad-directive", message: "`$prepend` must stand alone" }]],
    ["$append of a number", { v: { $append: 3 } }, [{ pointer: "/data/v", code: "bad-directive", message: "`$append` takes a list" }]],
    ["$prepend of an object", { v: { $prepend: { a: 1 } } }, [{ pointer: "/data/v", code: "bad-directive", message: "`$prepend` takes a list" }]],
    ["a directive problem, then one inside it", { $patch: "nope", v: { $expr: 1 } }, [
      { pointer: "/data", code: "bad-directive", message: "unknown $patch directive 'nope' (use delete, replace or merge)" },
      { pointer: "/data/v", code: "bad-expression", message: "$expr must be a string holding a JSONata expression" },
    ]],
  ])("%s", (_what, data, problems) => {
    const got = compiled(data);
    expect(got.problems).toEqual(problems);
  });

  it.each([
    ["$patch: delete alone", { $patch: "delete" }],
    ["$patch: replace beside keys", { $patch: "replace", a: 1 }],
    ["$patch: merge beside keys", { $patch: "merge", a: 1 }],
    ["$append of a list", { $append: [1] }],
    ["$prepend of an expression", { $prepend: { $expr: "list" } }],
    ["$expr with $patch: replace", { $expr: "obj", $patch: "replace" }],
  ])("no problem: %s", (_what, data) => {
    expect(compiled({ v: data }).problems).toEqual([]);
  });

  it("a JSONata syntax error: expression-syntax with the offset inside the source; the node is nothing", () => {
    const { template, problems } = compiled({ v: { $expr: "n +" }, w: 1 });
    expect(problems).toEqual([{ pointer: "/data/v", code: "expression-syntax", message: "JSONata syntax error: Unexpected end of expression", offset: 2 }]);
    expect(template.kind).toBe("static"); // a layer with a problem never renders: loading stops
    expect(compiled({ $expr: "n +" }).template).toEqual({ kind: "static", value: undefined });
    expect(compiled({ $expr: 3 }).template).toEqual({ kind: "static", value: undefined });
  });

  it("problems are collected into the list given, which is returned empty by default", () => {
    const problems: TemplateProblem[] = [{ pointer: "/x", code: "bad-directive", message: "earlier" }];
    compileTemplate({ a: { $expr: 1 } }, "", problems);
    expect(problems).toEqual([
      { pointer: "/x", code: "bad-directive", message: "earlier" },
      { pointer: "/a", code: "bad-expression", message: "$expr must be a string holding a JSONata expression" },
    ]);
    expect(compileTemplate({ a: { $expr: "n" } })).toMatchObject({ kind: "object", entries: [["a", { kind: "expr", pointer: "/a" }]] });
  });
});

describe("renderTemplate and renderTemplateSync: the patch for one scope", () => {
  const data = {
    name: { $expr: "model_name" },
    gone: { $expr: "no_such_field" },
    list: [{ $expr: "n" }, { $expr: "no_such_field" }, 3],
    replaced: { $expr: "obj", $patch: "replace" },
    replacedList: { $expr: "list", $patch: "replace" },
    fromConfig: { $expr: "$config.x" },
    app: { $append: { $expr: "list" } },
    fixed: { a: 1 },
  };
  const expected = {
    name: "m",
    list: [2, 3],
    replaced: { a: 1, $patch: "replace" },
    replacedList: [1, 2],
    fromConfig: "from-config",
    app: { $append: [1, 2] },
    fixed: { a: 1 },
  };

  it("an expression giving nothing leaves its key or item out; `$patch: replace` marks an object result only", async () => {
    const { template, problems } = compiled(data);
    expect(problems).toEqual([]);
    const got = await renderTemplate(template, SCOPE);
    expect(got).toStrictEqual(expected);
    expect(Object.keys(got as object)).toEqual(Object.keys(expected));
    expect(await renderTemplate(template, SCOPE, true)).toStrictEqual(expected);
    expect(isCompiledTemplate(template)).toBe(true);
    expect(renderTemplateSync(template, SCOPE)).toStrictEqual(expected);
  });

  it("the rendered object result of a replace is a copy: the context's object is left as it was", async () => {
    const scope = { context: { obj: { a: 1 } }, config: {} };
    const { template } = compiled({ r: { $expr: "obj", $patch: "replace" } });
    expect(await renderTemplate(template, scope)).toEqual({ r: { a: 1, $patch: "replace" } });
    expect(scope.context.obj).toEqual({ a: 1 });
  });

  it("a key named __proto__ is an own key of the patch", async () => {
    const { template } = compiled(JSON.parse('{"__proto__": {"$expr": "n"}, "b": 1}'));
    for (const got of [await renderTemplate(template, SCOPE), renderTemplateSync(template, SCOPE)] as Record<string, unknown>[]) {
      expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(got, "__proto__")).toEqual({ value: 2, enumerable: true, writable: true, configurable: true });
      expect(Object.keys(got)).toEqual(["__proto__", "b"]);
    }
  });

  it.each(["$append", "$prepend"])("%s of an expression that gives nothing: a RenderError at the expression, expression-not-data", async (op) => {
    const { template } = compiled({ l: { [op]: { $expr: "no_such_field" } } });
    const check = (e: unknown) => {
      expect(e).toBeInstanceOf(RenderError);
      const err = e as RenderError;
      expect(err.pointer).toBe(`/data/l/${op}`);
      expect(err.cause).toBeInstanceOf(ExpressionLimitError);
      expect((err.cause as ExpressionLimitError).code).toBe("expression-not-data");
      expect(err.message).toBe(`expression produced nothing (undefined) for ${op}, which takes a list`);
    };
    await renderTemplate(template, SCOPE).then(() => expect.unreachable(), check);
    let thrown: unknown;
    try {
      renderTemplateSync(template, SCOPE);
    } catch (e) {
      thrown = e;
    }
    check(thrown);
  });

  it("a key that is not $append or $prepend may give nothing; so may a static value under $append", async () => {
    const { template } = compiled({ other: { $expr: "no_such_field" }, l: { $append: [1] } });
    expect(await renderTemplate(template, SCOPE)).toStrictEqual({ l: { $append: [1] } });
  });

  it("an expression that fails: a RenderError at its pointer, with the failure as its message and cause", async () => {
    const { template } = compiled({ a: [0, { $expr: "$error('planted')" }] });
    const e = await renderTemplate(template, SCOPE).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(RenderError);
    expect((e as RenderError).pointer).toBe("/data/a/1");
    expect((e as RenderError).message).toBe("planted");
    expect(((e as RenderError).cause as Error).message).toBe("planted");
    expect(new RenderError("/p", "text").message).toBe("text");
    expect(new RenderError("/p", undefined).message).toBe("undefined");
  });

  it("renderTemplate runs `evaluate`, or `interpret` when asked; a static template is its value", async () => {
    const t: Template = { kind: "object", entries: [["a", { kind: "array", items: [{ kind: "expr", expr: fakeExpr(1), pointer: "/a/0", replace: false }] }]] };
    expect(await renderTemplate(t, SCOPE)).toEqual({ a: ["evaluated"] });
    expect(await renderTemplate(t, SCOPE, true)).toEqual({ a: ["interpreted"] });
    expect(await renderTemplate({ kind: "static", value: 7 }, SCOPE)).toBe(7);
  });

  it("renderTemplateSync gives INTERPRET as soon as one expression, at any depth, needs the interpreter", () => {
    const expr = (sync: unknown): Template => ({ kind: "expr", expr: fakeExpr(sync), pointer: "/x", replace: false });
    expect(renderTemplateSync({ kind: "object", entries: [["a", expr(1)], ["b", { kind: "array", items: [expr(2), expr(undefined)] }]] }, SCOPE)).toStrictEqual({ a: 1, b: [2] });
    expect(renderTemplateSync({ kind: "object", entries: [["a", expr(1)], ["b", { kind: "array", items: [expr(2), expr(INTERPRET)] }]] }, SCOPE)).toBe(INTERPRET);
    expect(renderTemplateSync({ kind: "array", items: [{ kind: "object", entries: [["a", expr(INTERPRET)]] }, expr(1)] }, SCOPE)).toBe(INTERPRET);
    expect(renderTemplateSync({ kind: "object", entries: [["a", expr(INTERPRET)], ["b", expr(1)]] }, SCOPE)).toBe(INTERPRET);
    expect(renderTemplateSync(expr(INTERPRET), SCOPE)).toBe(INTERPRET);
    expect(renderTemplateSync({ kind: "expr", expr: fakeExpr({ a: 1 }), pointer: "/x", replace: true }, SCOPE)).toEqual({ a: 1, $patch: "replace" });
    expect(renderTemplateSync({ kind: "static", value: "s" }, SCOPE)).toBe("s");
  });

  it("isCompiledTemplate: every expression, at any depth, compiled", () => {
    const expr = (c: boolean): Template => ({ kind: "expr", expr: fakeExpr(1, c), pointer: "/x", replace: false });
    expect(isCompiledTemplate({ kind: "static", value: 1 })).toBe(true);
    expect(isCompiledTemplate(expr(false))).toBe(false);
    expect(isCompiledTemplate({ kind: "array", items: [expr(true), expr(false)] })).toBe(false);
    expect(isCompiledTemplate({ kind: "array", items: [expr(true), expr(true)] })).toBe(true);
    expect(isCompiledTemplate({ kind: "object", entries: [["a", expr(true)], ["b", { kind: "array", items: [expr(false)] }]] })).toBe(false);
    expect(isCompiledTemplate({ kind: "object", entries: [["a", expr(true)], ["b", { kind: "array", items: [expr(true)] }]] })).toBe(true);
  });

  it("templateExpressions: every expression in order, with its pointer, source and syntax tree", () => {
    const e = fakeExpr(1);
    const t: Template = { kind: "object", entries: [["a", { kind: "expr", expr: e, pointer: "/a", replace: false }], ["b", { kind: "array", items: [{ kind: "static", value: 1 }, { kind: "expr", expr: e, pointer: "/b/1", replace: true }] }]] };
    const got = templateExpressions(t);
    expect(got.map(({ pointer, source, ast }) => [pointer, source, ast()])).toEqual([["/a", "fake", { type: "fake" }], ["/b/1", "fake", { type: "fake" }]]);
    const out = [{ pointer: "/before", source: "s", ast: () => null }];
    expect(templateExpressions(t, out)).toBe(out);
    expect(out).toHaveLength(3);
  });
});
