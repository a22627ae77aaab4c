// The compiled JSONata path's helpers (src/lang/expression-compile.ts, lines 1–229: truthiness, name lookup,
// sequences, deep equality, the built-ins it claims, the entry points), each behaviour with its exact value and
// JSONata's own for the same expression. A separate file from test/expression-compile.test.ts so that mutation
// runs of these lines reuse that file's results (docs/testing.md, "Mutation testing").
import { describe, expect, it } from "vitest";
import { interpretedBecause, syncEvaluator } from "../src/lang/expression.js";
import { BUILTINS, compileSync, NEEDS_INTERPRETER, unclaimedReason } from "../src/lang/expression-compile.js";
import { jsonata } from "../src/vendor.js";

type Outcome = { value: unknown } | { code: string | undefined } | "interpreter";

function compiled(expr: string, input: unknown, bindings: Record<string, unknown> = {}): Outcome {
  const sync = syncEvaluator(expr);
  if (!sync) throw new Error(`${expr} is not compiled: ${interpretedBecause(expr)}`);
  try {
    return { value: sync(input, bindings) };
  } catch (e) {
    if (e === NEEDS_INTERPRETER) return "interpreter";
    return { code: (e as { code?: string }).code };
  }
}

async function interpreted(expr: string, input: unknown, bindings: Record<string, unknown> = {}): Promise<Outcome> {
  try {
    return { value: await jsonata(expr).evaluate(input, bindings) };
  } catch (e) {
    return { code: (e as { code?: string }).code };
  }
}

/** Sequences as plain lists (JSONata marks its own with a `sequence` flag). */
const plain = (o: Outcome): Outcome => (typeof o === "object" && "value" in o ? { value: JSON.parse(JSON.stringify(o.value ?? null)) } : o);

/** The compiled outcome is `expected`, and JSONata's interpreter gives the same. */
async function same(expr: string, input: unknown, expected: Outcome, bindings: Record<string, unknown> = {}): Promise<void> {
  const mine = compiled(expr, input, bindings);
  expect(plain(mine), `${expr} over ${JSON.stringify(input)}`).toEqual(plain(expected));
  expect(plain(await interpreted(expr, input, bindings)), `JSONata: ${expr}`).toEqual(plain(expected));
}

describe("truthiness (JSONata's boolean) in conditions, `and`/`or` and filters", () => {
  it.each<[string, unknown, string]>([
    ["nothing", {}, "f"],
    ["an empty list", { a: [] }, "f"],
    ["a list of one falsy item", { a: [0] }, "f"],
    ["a list of one truthy item", { a: [1] }, "t"],
    ["a list of falsy items", { a: [0, "", false] }, "f"],
    ["a list with one truthy item among more", { a: [0, "x"] }, "t"],
    ["a list of lists", { a: [[0], [0, []]] }, "f"],
    ["an empty text", { a: "" }, "f"],
    ["a text", { a: "x" }, "t"],
    ["zero", { a: 0 }, "f"],
    ["a number", { a: -0.5 }, "t"],
    ["an empty object", { a: {} }, "f"],
    ["an object with a key", { a: { b: null } }, "t"],
    ["true", { a: true }, "t"],
    ["false", { a: false }, "f"],
    ["null", { a: null }, "f"],
  ])("%s", async (_what, input, expected) => {
    await same("a ? 't' : 'f'", input, { value: expected });
    await same("a and true ? 't' : 'f'", input, { value: expected });
    await same("false or a ? 't' : 'f'", input, { value: expected });
  });

  it("a lambda, and a function handed in as a binding, are false", async () => {
    await same("($f := function($x){ $x }; $f ? 't' : 'f')", {}, { value: "f" });
    const fn = { _jsonata_function: true, implementation: () => 1 };
    expect(compiled("$g ? 't' : 'f'", {}, { g: fn })).toEqual({ value: "f" });
    expect(compiled("$g ? 't' : 'f'", {}, { g: () => 1 })).toEqual({ value: "f" });
    expect(compiled("$g ? 't' : 'f'", {}, { g: { _jsonata_function: false } })).toEqual({ value: "t" });
  });

  it("a filter keeps the items whose predicate is true, and reads numbers as indexes", async () => {
    await same("a[b]", { a: [{ b: true }, { b: false }, { b: [] }, { b: "x" }, { b: {} }] }, { value: [{ b: true }, { b: "x" }] });
    // A number is an index, compared with the item's own: the first (0) and the last (-1, from the end) are kept.
    await same("a[b]", { a: [{ b: 0 }, { b: 0 }, { b: -1 }] }, { value: [{ b: 0 }, { b: -1 }] });
    await same("a[[0, -1]]", { a: [5, 6, 7] }, { value: [5, 7] });
    await same("a[[1, 'x']]", { a: [5, 6, 7] }, { value: [5, 6, 7] });
    await same("a[$ > 5][0]", { a: [5, 6, 7] }, { value: 6 });
  });
});

describe("numbers: not a number, and numbers JSON cannot hold", () => {
  it("arithmetic on NaN is refused as JSONata refuses it; an infinite operand is D1001", async () => {
    await same("(0/0) + 1", {}, { code: "T2001" });
    await same("1 + (0/0)", {}, { code: "T2002" });
    await same("(1e308 * 10) + 1", {}, { code: "D1001" });
    await same("1 + (1e308 * 10)", {}, { code: "D1001" });
    await same("-(1e308 * 10)", {}, { code: "D1001" });
    await same("a[(1e308 * 10)]", { a: [1] }, { code: "D1001" });
    await same("-(0/0)", {}, { code: "D1002" });
  });

  it("NaN and infinity as truth values", async () => {
    await same("(0/0) ? 't' : 'f'", {}, { value: "f" });
    await same("(1e308 * 10) ? 't' : 'f'", {}, { code: "D1001" });
  });

  it("the error carries its code, the value and a stack, as JSONata's do", () => {
    const sync = syncEvaluator("-a")!;
    let caught: Record<string, unknown> | undefined;
    try {
      sync({ a: "x" }, {});
    } catch (e) {
      caught = e as Record<string, unknown>;
    }
    expect(caught).toMatchObject({ code: "D1002", value: "x", token: "-", position: 1 });
    expect(typeof caught!.stack).toBe("string");
  });
});

describe("looking a name up", () => {
  it("an object's own keys only, through lists at any depth, never in a function", async () => {
    await same("a.constructor", { a: {} }, { value: undefined });
    await same("a.toString", { a: { b: 1 } }, { value: undefined });
    await same("a.b", { a: [[{ b: 1 }, { b: [2, [3]] }], { c: 0 }, { b: 4 }] }, { value: [1, 2, [3], 4] });
    await same("a.b", { a: [{ b: null }, 5, "x", null] }, { value: null });
    await same("($f := function($x){ $x }; $f.input)", {}, { value: undefined });
    expect(compiled("$g.implementation", {}, { g: { _jsonata_function: true, implementation: 1 } })).toEqual({ value: undefined });
    expect(compiled("$g.implementation", {}, { g: { _jsonata_function: false, implementation: 1 } })).toEqual({ value: 1 });
  });

  it("$$ is the input, $config a binding, an unbound name nothing", () => {
    expect(compiled("$$.a", { a: 1 })).toEqual({ value: 1 });
    expect(compiled("$config.x", {}, { config: { x: 2 } })).toEqual({ value: 2 });
    expect(compiled("$nothing", {}, { config: {} })).toEqual({ value: undefined });
    expect(compiled("$toString", {}, {})).toEqual({ value: undefined });
  });
});

describe("the wildcard and sequences", () => {
  it("* flattens the lists among an object's values into one sequence", async () => {
    await same("*", { a: [1, [2, [3]]], b: 4, c: { d: 5 } }, { value: [1, 2, 3, 4, { d: 5 }] });
    // JSONata's append of an empty list gives a plain empty list, not an empty sequence: [] rather than nothing.
    await same("*", { a: [] }, { value: [] });
    await same("*", {}, { value: undefined });
    await same("*", 5, { value: undefined });
    await same("a.*", { a: [{ x: 1 }, { y: [2, 3] }] }, { value: [1, 2, 3] });
  });

  it("a sequence past JSONata's sequence option is D2015, at the edge exactly", () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => i);
    expect(compiled("*", { a: list(60_000), b: list(40_001) })).toEqual({ code: "D2015" });
    let caught: unknown;
    try {
      syncEvaluator("*")!({ a: list(60_000), b: list(40_001) }, {});
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: "D2015", value: 100_001 });
    // 100,000 is allowed by JSONata's option, but past the compiled path's own list bound.
    expect(compiled("*", { a: list(60_000), b: list(40_000) })).toBe("interpreter");
    expect(compiled("*", { a: list(6_000), b: list(4_000) })).toEqual({ value: list(6_000).concat(list(4_000)) });
  });

  it("an array constructor appends a sequence's items and keeps a nested constructor whole", async () => {
    await same("[a, b]", { a: [1, 2], b: 3 }, { value: [1, 2, 3] });
    await same("[a, [b]]", { a: 1, b: [2, 3] }, { value: [1, [2, 3]] });
    await same("[a, b]", { b: 3 }, { value: [3] });
    await same("[a, b]", { a: 1 }, { value: [1] });
  });
});

describe("deep equality (=, !=)", () => {
  it.each<[unknown, unknown, boolean]>([
    [[1, 2], [1, 2, 3], false],
    [[1, 2, 3], [1, 2], false],
    [[1, [2, { x: 3 }]], [1, [2, { x: 3 }]], true],
    [[1, [2, { x: 3 }]], [1, [2, { x: 4 }]], false],
    [{ x: 1 }, { y: 1 }, false],
    [{ x: 1 }, { x: 1, y: 2 }, false],
    [{ x: 1, y: 2 }, { y: 2, x: 1 }, true],
    [{ x: 1, y: 2 }, { x: 2, y: 1 }, false],
    [{}, {}, true],
    [{}, [], false],
    [[], {}, false],
    [null, {}, false],
    [{}, null, false],
    [null, null, true],
    [5, {}, false],
    [{}, 5, false],
    ["", {}, false],
    [[], "", false],
    ["1", 1, false],
    [{ a: { b: [1] } }, { a: { b: [1] } }, true],
    [{ a: { b: [1] } }, { a: { c: [1] } }, false],
  ])("%j = %j is %s", async (a, b, equal) => {
    await same("a = b", { a, b }, { value: equal });
    await same("a != b", { a, b }, { value: !equal });
  });
});

describe("the built-in functions the compiled path claims", () => {
  it("claims every one of BUILTINS and calls JSONata's own", async () => {
    expect(BUILTINS).toEqual(["lookup", "exists", "merge", "count", "string", "boolean", "not", "keys", "append", "length", "sum", "max", "min", "uppercase", "lowercase", "number", "abs", "floor", "ceil", "round", "trim"]);
    const calls: [string, unknown][] = [
      ['$lookup(a, "x")', 1], ["$exists(a)", true], ['$merge([a, {"y": 2}])', { x: 1, y: 2 }], ["$count(n)", 3],
      ["$string(a)", '{"x":1}'], ["$boolean(n)", true], ["$not(n)", false], ["$keys(a)", "x"], ["$append(n, 4)", [1.5, -2, 3, 4]],
      ["$length(s)", 4], ["$sum(n)", 2.5], ["$max(n)", 3], ["$min(n)", -2], ["$uppercase(s)", " AB "], ["$lowercase(s)", " ab "],
      ['$number("7")', 7], ["$abs(-2)", 2], ["$floor(1.5)", 1], ["$ceil(1.5)", 2], ["$round(2.5)", 2], ["$trim(s)", "aB"],
    ];
    expect(calls.map(([e]) => e.slice(1, e.indexOf("(")))).toEqual(BUILTINS);
    const input = { a: { x: 1 }, n: [1.5, -2, 3], s: " aB " };
    for (const [expr, value] of calls) {
      expect(interpretedBecause(expr), expr).toBeUndefined();
      await same(expr, input, { value });
    }
  });

  it("other functions of JSONata are left to the interpreter", () => {
    expect(interpretedBecause("$substring(s, 1)")).toBe("$substring() is not claimed");
    expect(interpretedBecause("$reverse(n)")).toBe("$reverse() is not claimed");
  });
});

describe("the entry points", () => {
  const options = { functions: new Map(), stringify: String, maxSequence: 10 };

  it("compileSync: a function for what it claims, undefined for what it does not", () => {
    const sync = compileSync(jsonata("a + 1").ast(), options);
    expect(sync!({ a: 1 }, {})).toBe(2);
    expect(compileSync(jsonata("a ~> $f").ast(), options)).toBeUndefined();
    expect(unclaimedReason(jsonata("a ~> $f").ast(), options)).toBe("'apply' is not claimed");
    expect(unclaimedReason(jsonata("a + 1").ast(), options)).toBeUndefined();
  });

  it("a tree it cannot read is an error of the caller, not a refusal", () => {
    const broken = { type: "block", expressions: 5 };
    expect(() => compileSync(broken, options)).toThrow(TypeError);
    expect(() => unclaimedReason(broken, options)).toThrow(TypeError);
  });
});

describe("the parts of each node the compiled path reads (a node with any other part is left to the interpreter)", () => {
  it.each<[string, unknown, unknown]>([
    ["a[]", { a: 1 }, [1]], // path.keepSingletonArray, name.keepArray
    ["a.b[0]", { a: { b: [1, 2] } }, 1], // name.stages
    ['"x"[0]', {}, "x"], // string.predicate
    ["a.*[0]", { a: { b: [1, 2], c: 3 } }, 1], // wildcard.stages
    ["*[0]", { b: [1, 2], c: 3 }, 1], // wildcard.predicate
    ["$[0]", [4, 5], 4], // variable.predicate
    ["a.$[0]", { a: [4, 5] }, [4, 5]], // variable.stages
    ["a.$count(b)[0]", { a: [{ b: [1] }, { b: [1, 2] }] }, [1, 2]], // function.stages
    ["$count(b)[0]", { b: [1, 2] }, 2], // function.predicate
    ["[1, 2][0]", {}, 1], // unary.expressions, unary.predicate
    ["[a].b", { a: { b: 1 } }, 1], // unary.consarray
    ["a ? b : c", { a: true, b: 1, c: 2 }, 1], // condition.*
    ["-a", { a: 1 }, -1], // unary.expression
    ['{"a": b}', { b: 1 }, { a: 1 }], // unary.lhs
    ["($x := 1; $x + 1)", {}, 2], // block.expressions, bind.*
    ["($f := function($x){ $x * 2 }; $f(2))", {}, 4], // lambda.arguments, lambda.body, function.*
    ["($g := function($x){ $x }; $f := function($x){ $g($x) }; $f(3))", {}, 3], // lambda.thunk (a tail call)
  ])("%s", (expr, input, value) => {
    expect(interpretedBecause(expr)).toBeUndefined();
    expect(plain(compiled(expr, input))).toEqual({ value });
  });

  it("a string literal's stages (JSONata's parser makes a name of a quoted step; a hand-made tree may have them)", () => {
    const options = { functions: new Map(), stringify: String, maxSequence: 10 };
    const zero = { type: "filter", expr: { type: "number", value: 0 } };
    expect(unclaimedReason({ type: "string", value: "x", stages: [zero] }, options)).toBeUndefined();
    expect(unclaimedReason({ type: "number", value: 1, stages: [zero] }, options)).toBe("'stages' on 'number' is not claimed");
    expect(unclaimedReason({ type: "value", value: null, stages: [zero] }, options)).toBe("'stages' on 'value' is not claimed");
  });
});

describe("a function given to a built-in (a JavaScript function or a built-in handed in as a binding, or a lambda)", () => {
  // The compiled path read a strict-mode function's `arguments` for its arity, which throws a TypeError: JSONata
  // reads a lambda's parameters, a built-in's implementation, or the function's own length.
  const arrow = () => 1;
  function two(a: unknown, b: unknown) {
    return [a, b];
  }
  const builtin = { _jsonata_function: true, implementation: (x: unknown) => x };
  it.each<[string, unknown]>([
    ["an arrow function", arrow],
    ["a function", two],
    ["a built-in", builtin],
  ])("%s", async (_what, g) => {
    for (const [expr, value] of [["$exists($g)", true], ["$count($g)", 1], ["$string($g)", ""], ["$boolean($g)", false], ["$not($g)", true], ["$count([$g, $g])", 2]] as const) {
      await same(expr, {}, { value }, { g });
    }
  });

  it("a lambda", async () => {
    await same("($f := function($x, $y){ $x }; [$count($f), $string($f), $boolean($f), $exists($f)])", {}, { value: [1, "", false, true] });
  });
});

describe("a step's results: a list of one is the value itself, a sequence of one is unwrapped", () => {
  it("x.(a[]): the block's kept singleton is not kept by the step around it (JSONata's own quirk)", async () => {
    await same("x.(a[])", { x: { a: 1 } }, { value: 1 });
    await same("x.(a.b[])", { x: { a: { b: 1 } } }, { value: 1 });
    await same("x.(a[])", { x: { a: [1] } }, { value: [1] });
    await same("x.a[]", { x: { a: 1 } }, { value: [1] });
  });
});

describe("a JavaScript function given to a built-in is wrapped, as JSONata wraps it", () => {
  it("$append($g, 1) holds a wrapper that calls $g, not $g itself", async () => {
    const g = (x: unknown) => [x];
    const mine = compiled("$append($g, 1)", {}, { g }) as { value: unknown[] };
    const theirs = (await interpreted("$append($g, 1)", {}, { g })) as { value: unknown[] };
    for (const value of [mine.value, theirs.value]) {
      expect(value).toHaveLength(2);
      expect(value[0]).not.toBe(g);
      expect(value[1]).toBe(1);
    }
    expect((mine.value[0] as (x: number) => unknown)(5)).toEqual([5]);
  });
});
