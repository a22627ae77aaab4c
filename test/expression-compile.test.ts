// The compiled JSONata path (src/lang/expression-compile.ts) gives exactly what JSONata's interpreter gives:
// on JSONata's own published test cases (test/fixtures/jsonata-suite), on the cases that define its sequence
// semantics, and on random expressions of the claimed subset over random data (fast-check).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileExpression, interpretedBecause, syncEvaluator, INTERPRET } from "../src/lang/expression.js";
import { compileSync, NEEDS_INTERPRETER, unclaimedReason } from "../src/lang/expression-compile.js";
import { jsonata } from "../src/vendor.js";

/** Random expressions per run (STRATA_SLOW=1: many more). */
const RUNS = process.env.STRATA_SLOW === "1" ? 10_000 : 600;

const SUITE = join(import.meta.dirname, "fixtures", "jsonata-suite");

type Outcome = { value: unknown } | { code: string | undefined } | { needsInterpreter: true };

async function interpreted(expr: string, input: unknown, bindings: Record<string, unknown> = {}): Promise<Outcome> {
  try {
    return { value: await jsonata(expr).evaluate(input, bindings) };
  } catch (e) {
    return { code: (e as { code?: string }).code };
  }
}

function compiled(expr: string, input: unknown, bindings: Record<string, unknown> = {}): Outcome | undefined {
  const sync = syncEvaluator(expr);
  if (!sync) return undefined;
  try {
    // Frozen: the compiled path must never change its input (a write to it would throw here).
    return { value: sync(deepFreeze(structuredClone(input)), bindings) };
  } catch (e) {
    if (e === NEEDS_INTERPRETER) return { needsInterpreter: true };
    return { code: (e as { code?: string }).code };
  }
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}

/** Plain data of a result: sequences and constructed lists as lists, objects by their keys (in order). */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return { list: v.map(plain) };
  if (v !== null && typeof v === "object") {
    if ((v as { _jsonata_lambda?: boolean })._jsonata_lambda || (v as { _jsonata_function?: boolean })._jsonata_function) return "<function>";
    return { object: Object.keys(v).map((k) => [k, plain((v as Record<string, unknown>)[k])]) };
  }
  if (typeof v === "function") return "<function>";
  if (typeof v === "number" && Number.isNaN(v)) return "NaN";
  return v === undefined ? "<undefined>" : v;
}

const plainOutcome = (o: Outcome) => ("value" in o ? { value: plain(o.value) } : o);

interface SuiteCase {
  expr: string;
  data?: unknown;
  dataset?: string | null;
  bindings?: Record<string, unknown>;
  result?: unknown;
  undefinedResult?: boolean;
  code?: string;
}

function suiteCases(): { name: string; group: string; c: SuiteCase }[] {
  const out: { name: string; group: string; c: SuiteCase }[] = [];
  for (const group of readdirSync(join(SUITE, "groups")).sort()) {
    for (const file of readdirSync(join(SUITE, "groups", group)).sort()) {
      const parsed = JSON.parse(readFileSync(join(SUITE, "groups", group, file), "utf8")) as SuiteCase | SuiteCase[];
      const list = Array.isArray(parsed) ? parsed : [parsed];
      list.forEach((c, i) => out.push({ name: `${group}/${file}${list.length > 1 ? `#${i}` : ""}`, group, c }));
    }
  }
  return out;
}

const datasets = new Map(readdirSync(join(SUITE, "datasets")).map((f) => [f.replace(/\.json$/, ""), JSON.parse(readFileSync(join(SUITE, "datasets", f), "utf8"))]));

/** True when the expression reads nothing of its input (so a case whose dataset was not copied can still run). */
function readsNoInput(expr: string): boolean {
  const stack: unknown[] = [jsonata(expr).ast()];
  while (stack.length > 0) {
    const n = stack.pop();
    if (Array.isArray(n)) stack.push(...n);
    else if (n !== null && typeof n === "object") {
      const node = n as { type?: string; value?: unknown };
      if (node.type === "name" || node.type === "wildcard" || (node.type === "variable" && (node.value === "" || node.value === "$"))) return false;
      stack.push(...Object.values(n));
    }
  }
  return true;
}

describe("JSONata's published test cases through the compiled path", () => {
  const cases = suiteCases();
  const claimed = new Map<string, number>();

  for (const { name, group, c } of cases) {
    it(name, async () => {
      const hasData = c.dataset === undefined || c.dataset === null || datasets.has(c.dataset);
      if (!hasData && !readsNoInput(c.expr)) return; // its dataset is not copied, and it reads it
      const input = c.dataset ? datasets.get(c.dataset) : c.data;
      const mine = compiled(c.expr, input, c.bindings);
      if (!mine) return; // not claimed: the interpreter runs it
      claimed.set(group, (claimed.get(group) ?? 0) + 1);
      const reference = await interpreted(c.expr, input, c.bindings);
      expect(mine).not.toHaveProperty("needsInterpreter");
      expect(plainOutcome(mine)).toEqual(plainOutcome(reference));
      // And what the suite publishes.
      if (c.code !== undefined) expect(mine).toEqual({ code: c.code });
      else if (c.undefinedResult) expect(mine).toEqual({ value: undefined });
      else expect(plain((mine as { value: unknown }).value)).toEqual(plain(c.result));
    });
  }

  it("claims the cases of every construct it compiles", () => {
    // Runs after the cases above (vitest runs a file's tests in order).
    for (const group of ["array-constructor", "comparison-operators", "conditionals", "function-count", "function-exists", "function-lookup", "function-merge", "lambdas", "numeric-operators", "object-constructor", "string-concat"]) {
      expect(claimed.get(group), group).toBeGreaterThan(0);
    }
  });

  it("leaves recursion, grouping and a lambda called in place to the interpreter", () => {
    expect(interpretedBecause("($f := function($n) { $n = 0 ? 0 : $f($n - 1) }; $f(3))")).toMatch(/recursion/);
    expect(interpretedBecause("($even := function($n) { $n = 0 ? true : $odd($n-1) }; $odd := function($n) { $n = 0 ? false : $even($n-1) }; $odd(5))")).toMatch(/recursion/);
    expect(interpretedBecause("a{b: c}")).toMatch(/group/);
    expect(interpretedBecause("function($x){$x*$x}(5)")).toMatch(/named function/);
    expect(interpretedBecause("$g := function($h) { $h(1) }")).toMatch(/lambda bound by name/);
    expect(interpretedBecause("[1..5]")).toMatch(/'\.\.'/);
    expect(interpretedBecause('$match("a", /a/)')).toBeDefined();
    expect(interpretedBecause("[$x := 1, $x]")).toMatch(/binding outside a block/);
    expect(interpretedBecause("$f(1)")).toMatch(/lambda bound by name/);
    expect(interpretedBecause("($f := 1; $f(1))")).toMatch(/lambda bound by name/);
  });
});

describe("the compiled path: sequences, undefined and errors exactly as JSONata", () => {
  const exprs: [string, unknown][] = [
    ["[1,2,4][$<=1]", {}],
    ["[1,2,4][$>5]", {}],
    ["[1,2,4][$>1]", {}],
    ["a[0]", { a: [[1, 2], [3]] }],
    ["a[-1]", { a: [1, 2, 3] }],
    ["a[[0, 2]]", { a: [1, 2, 3] }],
    ["a.b", { a: [{ b: [1, 2] }, { b: 3 }] }],
    ["a.b[]", { a: { b: 1 } }],
    ["a[]", { a: [1] }],
    ["a", { a: [1] }],
    ["a.b", { a: [{ b: [1] }] }],
    ["$.a", [{ a: 1 }, { a: 2 }]],
    ["$", [1, 2]],
    ["$$", [1]],
    ["*", { a: 1, b: [2, 3] }],
    ["a.*", { a: { x: [1, [2]], y: 3 } }],
    ["nothing", {}],
    ["nothing + 1", {}],
    ["false + 1", {}],
    ['1 + "a"', {}],
    ['1 < "a"', {}],
    ["{} < 1", {}],
    ["-a", { a: "x" }],
    ["a & b", { a: { x: 1 }, b: [1.1, 2] }],
    ["1/0", {}],
    ["a = b", { a: { x: [1, { y: 2 }] }, b: { x: [1, { y: 2 }] } }],
    ["a in b", { a: 1, b: [1, 2] }],
    ["a in b", { a: 1, b: 1 }],
    ['{"k": a}', { a: [] }],
    ['{a: 1}', { a: "k" }],
    ['{a: 1}', { a: 5 }],
    ['a.{"v": $}', { a: [1, 2] }],
    ['{"x": 1, "x": 2}', {}],
    ["$merge(a)", { a: [{ x: 1 }, { y: 2 }] }],
    ["$merge(a)", { a: 5 }],
    ['$lookup(a, "x")', { a: [{ x: 1 }, { x: [2, 3] }] }],
    ['$lookup(a, 1)', { a: {} }],
    ["$count(a)", { a: [[1, 2], 3] }],
    ["$string(a)", { a: { x: 1.1e-7, y: [1, 2] } }],
    ["$string(1/0)", {}],
    ["$exists(a.b)", { a: { c: 1 } }],
    ["$keys(a)", { a: [{ x: 1 }, { y: 1, x: 2 }] }],
    ["$sum(a)", { a: [1, "2"] }],
    ["$append(a, 3)", { a: [1, 2] }],
    ["(x; y)", { x: 1, y: 2 }],
    ["()", {}],
    ["($a := [1, 2]; $a[1])", {}],
    ["($f := function($v) { $v * 2 }; $f(3) + $f(a))", { a: 5 }],
    ["($f := function($v) { [$v[$ > 1]] }; $f(a))", { a: [1, 2, 3] }],
    ["($f := function($v) { [$v[$ > 1]] }; $f(a))", { a: [1] }],
    ["($f := function($a, $b) { $a & $b }; $f(1))", {}],
    ["($x := 1; ($x := 2); $x)", {}],
    ["a ? 1 : 2", { a: [0, ""] }],
    ["a ? 1", { a: {} }],
    ["a and b or c", { a: 1, b: [], c: "x" }],
    ["a[b]", { a: [{ b: true }, { b: 0 }, { b: "x" }] }],
    ["a[$ = 2][0]", { a: [1, 2, 2] }],
    ["a.b.c", { a: [{ b: [{ c: 1 }, { c: [2, 3] }] }, { b: { c: 4 } }] }],
    ['a."b c"', { a: { "b c": 1 } }],
    ["$config.x", {}],
    // Index predicates: floored, from the end when negative, computed per item, repeated.
    ["a[1.5]", { a: [1, 2, 3] }],
    ["a[0 - 1]", { a: [1, 2, 3] }],
    ["a[[0.5, -1]]", { a: [1, 2, 3] }],
    ["a[-4]", { a: [1, 2, 3] }],
    ["a[[0, 0]]", { a: [1, 2] }],
    ['a["x"]', { a: [1, 2] }],
    ["$[0]", [5, 6]],
    ["a.b.c[0]", { a: [{ b: { c: [1, 2] } }, { b: { c: 3 } }] }],
    ["a[0].b", { a: [{ b: 1 }, { b: 2 }] }],
    ["[a][0]", { a: [1, 2] }],
    // Wildcards over a list input, and their flattening.
    ["*", [{ a: 1 }, { b: 2 }]],
    ["$.*", [{ a: 1 }, { b: 2 }]],
    ["*", { a: [1, [2, [3]]], b: 4 }],
    ["a.$", { a: [1, [2]] }],
    ["a.b[]", { a: [{ b: 1 }, { b: 2 }] }],
    ["a.b[]", { a: { b: 1 } }],
    ["nothing[]", {}],
    // Array constructors: nested ones kept, others flattened; a constructed list as a path's first step.
    ["[1,2].$", {}],
    ["[[1,2],[3]].$", {}],
    ["[[1, 2], 3, a]", { a: [4, 5] }],
    // Undefined on either side.
    ['nothing & "x"', {}],
    ['"x" & nothing', {}],
    ["a != b", { a: 1, b: 2 }],
    ["nothing = 1", {}],
    ["nothing != 1", {}],
    ["nothing < 1", {}],
    ['[].{"a": 1}', {}],
    ['$.{"a": 1}', []],
    ['{"a": 1}', []],
    // Lambdas: called before they are bound, handed to a built-in, closing over their own frame.
    ["($f(1); $f := function($x){$x})", {}],
    ["($f := function($x){$x}; $string($f))", {}],
    ["($f := function($x){$x}; $exists($f))", {}],
    ["($x := 1; $f := function($y){ $x + $y }; ($x := 10; $f(1)))", {}],
    ["($f := function($a, $b){ $b }; $f(1, 2))", {}],
    ["$append(1, 2)", {}],
    ['$keys({"x": 1})', {}],
    // `[]` after a call keeps its sequence of one a list.
    ["$keys(a)[]", { a: { x: 1 } }],
    ["$keys(a)", { a: { x: 1 } }],
    ["$uppercase()", "abc"],
    // A predicate over one value (not a list), and past the end of a list kept by `[]`.
    ["a[0]", { a: 5 }],
    ["a[0]", { a: "xyz" }],
    ["a[$ > 1]", { a: 5 }],
    ["a[5][]", { a: [1] }],
    ["a[$ > 5][]", { a: [1] }],
    ["a[0][0]", { a: [[1, 2]] }],
    ["$[0].a", [{ a: 1 }]],
    // A constructed list: as the first step, evaluated once over a list input; in a later step, kept whole.
    ["[1,2].$", [5, 6]],
    ["a.[b, c]", { a: [{ b: 1, c: 2 }, { b: 3, c: 4 }] }],
    ["[nothing].a", {}],
    // A path through lists in lists, a block or $ as a step, and through a function (which has no fields).
    ["a.b", { a: [[{ b: 1 }], { b: [2] }] }],
    ["a.(b)", { a: [{ b: [1, 2] }] }],
    ["$.$", [1, 2]],
    ["($f := function($x){$x}; $f.*)", {}],
    ["($f := function($x){$x}; $f.a)", {}],
    ["$merge(a)", { a: [{ x: 1 }, { x: 2 }] }],
    ["$merge()", { x: 1 }],
  ];
  for (const [expr, input] of exprs) {
    it(expr, async () => {
      const mine = compiled(expr, input, { config: { x: [1] } });
      expect(mine, `${expr} is compiled`).toBeDefined();
      expect(plainOutcome(mine!)).toEqual(plainOutcome(await interpreted(expr, input, { config: { x: [1] } })));
    });
  }

  it("fails with JSONata's own error: code, position, token and values", async () => {
    const detail = (e: unknown) => {
      const { code, position, token, value, value2 } = e as Record<string, unknown>;
      return { code, position, token, value, value2 };
    };
    const failures: [string, unknown, Record<string, unknown>][] = [
      ["false + 1", {}, { code: "T2001", position: 7, token: "+", value: false }],
      ["1 + false", {}, { code: "T2002", position: 3, token: "+", value: false }],
      ["a * 1", { a: "x" }, { code: "T2001", position: 3, token: "*", value: "x" }],
      ["a[0] + 1", { a: ["x"] }, { code: "T2001", position: 6, token: "+", value: "x" }],
      ['1 < "a"', {}, { code: "T2009", position: 3, token: "<", value: 1, value2: "a" }],
      ["{} < 1", {}, { code: "T2010", position: 4, token: "<", value: {} }],
      ["1 < {}", {}, { code: "T2010", position: 3, token: "<", value: {} }],
      ["a < b", { a: true, b: 1 }, { code: "T2010", position: 3, token: "<", value: true }],
      ["-a", { a: "x" }, { code: "D1002", position: 1, token: "-", value: "x" }],
      ["a & b", { a: 1, b: 1 / 0 }, { code: "D3001", position: 3, token: "&", value: 1 / 0 }],
      ["$string(1/0)", {}, { code: "D3001", position: 8, token: "string", value: 1 / 0 }],
      ["a & $string(b)", { a: 1, b: 1 / 0 }, { code: "D3001", position: 12, token: "string", value: 1 / 0 }],
      ["$sum(a)", { a: [1, "2"] }, { code: "T0412", position: 5, token: "sum", value: [1, "2"] }],
      ["$count(1, 2)", {}, { code: "T0410", position: 7, token: "count", value: 2 }],
      ["$uppercase(1)", {}, { code: "T0410", position: 11, token: "uppercase", value: 1 }],
      ['$number("x")', {}, { code: "D3030", position: 8, token: "number", value: "x" }],
      ["{a: 1}", { a: 5 }, { code: "T1003", position: 1, value: 5 }],
      ['{"x": 1, "x": 2}', {}, { code: "D1009", position: 1, value: "x" }],
      ['{"_jsonata_lambda": 1}', {}, { code: "D1013", position: 1, value: "_jsonata_lambda" }],
      ['{"_jsonata_function": 1}', {}, { code: "D1013", position: 1, value: "_jsonata_function" }],
      ["($f(1); $f := function($x){$x})", {}, { code: "T1006", position: 4, token: "f" }],
    ];
    for (const [expr, input, expected] of failures) {
      const sync = syncEvaluator(expr);
      expect(sync, `${expr} is compiled`).toBeDefined();
      let mine: unknown = "no error";
      try {
        sync!(input, {});
      } catch (e) {
        mine = detail(e);
      }
      let reference: unknown = "no error";
      try {
        await jsonata(expr).evaluate(input, {});
      } catch (e) {
        reference = detail(e);
      }
      expect(mine, expr).toEqual(reference);
      expect(mine, expr).toEqual({ value2: undefined, token: undefined, ...expected });
    }
  });

  it("[1,2,4][$<=1] is 1 and an empty filter is undefined", () => {
    expect(compiled("[1,2,4][$<=1]", {})).toEqual({ value: 1 });
    expect(compiled("[1,2,4][$>5]", {})).toEqual({ value: undefined });
    expect(compiled("false + 1", {})).toEqual({ code: "T2001" });
  });

  it("hands an evaluation that grows past its small bounds to the interpreter", async () => {
    const big = { a: Array.from({ length: 20_000 }, (_, i) => i) };
    expect(compiled("a[$ > 0]", big)).toEqual({ needsInterpreter: true });
    expect(compiled('a & a', { a: "x".repeat(600) })).toEqual({ needsInterpreter: true });
    // Through compileExpression the interpreter then answers, the same as before.
    const e = compileExpression("a & a");
    expect(e.compiled).toBe(true);
    const scope = { context: { a: "x".repeat(600) }, config: {} };
    expect(e.evaluateSync(scope)).toBe(INTERPRET);
    expect(await e.evaluate(scope)).toBe("x".repeat(1200));
  });
});

describe("compiled and interpreted agree on random expressions and data (property)", () => {
  const data = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.integer({ min: -3, max: 5 }),
      fc.constantFrom(0.5, -1.25, 1e21),
      fc.constantFrom("a", "b", "", "x y"),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(fc.constantFrom("a", "b", "c"), tie("value"), { maxKeys: 3 }),
    ),
  })).value;

  const expr = fc.letrec<{ e: string; path: string }>((tie) => ({
    path: fc.oneof(
      { depthSize: "small" },
      fc.constantFrom("a", "b", "c", "$", "$$", "$v", "$config", "*"),
      fc.tuple(tie("path"), fc.constantFrom("a", "b", "c", "*")).map(([p, n]) => `${p}.${n}`),
      fc.tuple(tie("path"), tie("e")).map(([p, f]) => `${p}[${f}]`),
      fc.tuple(tie("path"), fc.integer({ min: -2, max: 2 })).map(([p, i]) => `${p}[${i}]`),
      tie("path").map((p) => `${p}[]`),
    ),
    e: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      tie("path"),
      fc.constantFrom("1", "2", "0.5", '"a"', '""', "true", "false", "null", "$ > 1", "$ = \"a\""),
      fc.tuple(tie("e"), fc.constantFrom("+", "-", "*", "/", "%", "=", "!=", "<", "<=", ">", ">=", "&", "and", "or", "in"), tie("e")).map(([l, op, r]) => `(${l} ${op} ${r})`),
      fc.tuple(tie("e"), tie("e"), tie("e")).map(([c, t, f]) => `(${c} ? ${t} : ${f})`),
      fc.tuple(tie("e"), tie("e")).map(([c, t]) => `(${c} ? ${t})`),
      fc.array(tie("e"), { maxLength: 3 }).map((items) => `[${items.join(", ")}]`),
      fc.array(fc.tuple(fc.constantFrom('"a"', '"b"', "a", "b"), tie("e")), { maxLength: 3 }).map((ps) => `{${ps.map(([k, v]) => `${k}: ${v}`).join(", ")}}`),
      tie("e").map((x) => `-${x}`),
      fc.tuple(fc.constantFrom("$exists", "$count", "$string", "$boolean", "$not", "$keys", "$sum", "$merge", "$uppercase", "$length", "$number"), tie("e")).map(([f, a]) => `${f}(${a})`),
      fc.tuple(tie("e"), fc.constantFrom('"a"', '"b"')).map(([a, k]) => `$lookup(${a}, ${k})`),
      fc.tuple(tie("e"), tie("e")).map(([a, b]) => `$append(${a}, ${b})`),
      fc.tuple(tie("e"), tie("e")).map(([v, body]) => `($v := ${v}; ${body})`),
      fc.tuple(tie("e"), tie("e")).map(([body, arg]) => `($f := function($v) { ${body} }; $f(${arg}))`),
    ),
  })).e;

  it("gives the same value or the same error code", async () => {
    let claimed = 0;
    await fc.assert(
      fc.asyncProperty(expr, data, data, async (source, input, config) => {
        let mine: Outcome | undefined;
        try {
          mine = compiled(source, input, { config });
        } catch {
          return; // not an expression JSONata parses
        }
        if (!mine || "needsInterpreter" in mine) return;
        claimed++;
        const reference = await interpreted(source, input, { config });
        // JSONata evaluates the items of an array or object constructor concurrently: when two items fail, which
        // error arrives first depends on their awaits. Both sides then fail, and strata reruns any compiled
        // failure on the interpreter (src/lang/expression.ts), so the error reported is always JSONata's own.
        if ("code" in mine && "code" in reference && mine.code !== reference.code && /[[{]/.test(source)) return;
        expect(plainOutcome(mine)).toEqual(plainOutcome(reference));
      }),
      { numRuns: RUNS },
    );
    expect(claimed).toBeGreaterThan(RUNS / 3);
  }, 300_000);
});

describe("the compiled path's own bounds, at their edge: past one, the interpreter takes over", () => {
  const list = (n: number) => Array.from({ length: n }, (_, i) => i);
  /** What the compiled path answers: a value (lists by their length), or that it needs the interpreter. */
  function answer(expr: string, input: unknown): unknown {
    const sync = syncEvaluator(expr);
    expect(sync, `${expr} is compiled`).toBeDefined();
    try {
      const v = sync!(input, {});
      return Array.isArray(v) ? { length: v.length } : v;
    } catch (e) {
      if (e === NEEDS_INTERPRETER) return "interpreter";
      throw e;
    }
  }

  it("a list of 10,000 items, a string of 1,024 characters", () => {
    expect(answer("a", { a: list(10_000) })).toEqual({ length: 10_000 });
    expect(answer("a", { a: list(10_001) })).toBe("interpreter");
    expect(answer("a", { a: "x".repeat(1024) })).toBe("x".repeat(1024));
    expect(answer("a", { a: "x".repeat(1025) })).toBe("interpreter");
  });

  it("20,000 keys walked by one `=`, `&` or $string", () => {
    // a: 10,000 keys (its indexes); b: 1 + 9,999.
    expect(answer("a = b", { a: list(10_000), b: { k: list(9_999) } })).toBe(false);
    expect(answer("a = b", { a: list(10_000), b: { k: list(10_000) } })).toBe("interpreter");
    expect(answer("$length(a & b)", { a: list(2), b: { k: list(19_997) } })).toBe("interpreter");
    expect(answer("$length($string(b))", { b: { k: list(1) } })).toBe(9); // {"k":[0]}
    expect(answer("$length($string(b))", { b: { k: list(20_000) } })).toBe("interpreter");
    expect(answer("$count($keys($merge(b)))", { b: { k: list(19_999) } })).toBe(1);
    expect(answer("$count($keys($merge(b)))", { b: { k: list(20_000) } })).toBe("interpreter");
  });

  it("100,000 items and keys built by constructors in one evaluation", () => {
    // Each [a] builds its items and one more; the outer list its 10 items and one more.
    const nested = `[${Array(9).fill("[a]").join(", ")}, [b]]`;
    expect(answer(nested, { a: list(9_998), b: list(9_997) })).toEqual({ length: 10 }); // 9 × 9,999 + 9,998 + 11 = 100,000
    expect(answer(nested, { a: list(9_998), b: list(9_998) })).toBe("interpreter");
    const objects = `[${Array(10).fill('a.{"k": $}').join(", ")}]`;
    expect(answer(objects, { a: list(9_000) })).toBe("interpreter");
    expect(answer(objects, { a: list(10) })).toEqual({ length: 100 });
  });

  it("20,000 steps (the path and its name, and a predicate of three nodes per item: 2 + 3 × 6,666 is 20,000)", () => {
    expect(answer("a[$ > 0]", { a: list(6_666) })).toEqual({ length: 6_665 });
    expect(answer("a[$ > 0]", { a: list(6_667) })).toBe("interpreter");
  });

  it("only lists count as lists (an object with a length key is an object)", () => {
    expect(answer("a", { a: { length: 10_001 } })).toEqual({ length: 10_001 });
  });

  it("an expression of 400 nodes and 150 levels is compiled; one more node, or one more level, is not", () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `a${i}`).join(".");
    expect(interpretedBecause(names(399))).toBeUndefined(); // the path and 399 names
    expect(interpretedBecause(names(400))).toBe("too large");
    const nested = (n: number) => "(".repeat(n) + "1" + ")".repeat(n);
    expect(interpretedBecause(nested(149))).toBeUndefined();
    expect(interpretedBecause(nested(150))).toBe("too deep to be sure of JSONata's stack limit");
    expect(answer(nested(149), {})).toBe(1);
  });
});

describe("what the compiled path leaves to the interpreter, and why", () => {
  it.each([
    ["($f := function($f){ $f }; $f(1))", "$f is bound to a lambda and to other values"],
    ["($f := 1; $f := function($x){ $x }; $f(2))", "$f bound twice"],
    ["($f := function($x){ $x }; $f := function($x){ $x }; $f(2))", "$f bound twice"],
    ["($f := function($x){ $x }; $f := 2)", "$f bound twice"],
    ["$sum := 1", "binding $sum is not claimed"],
    ["($ := 1)", "binding $ is not claimed"],
    ["$string()", "$string() of the context is not claimed"],
    ["$now()", "$now() is not claimed"],
    ["$millis", "$millis as a value is not claimed"],
    ["$lookup", "$lookup as a value is not claimed"],
    ["a ~> $string()", "'apply' is not claimed"],
    ["a.b#$i", "'index' on 'name' is not claimed"],
    ["a@$x", "'focus' on 'name' is not claimed"],
    ["a^(b)", "'sort' is not claimed"],
    ["[1, 2][$x := 1]", "a binding outside a block is not claimed"],
    ["($g := function($x){ $h($x) }; $h := function($x){ $g($x) }; $g(1))", "recursion is not claimed"],
    ["$e(1)", "$e() calls what may not be a lambda bound by name"],
    ["a ? 1 : 2", undefined],
    ["-a", undefined],
    ["$string(a)", undefined],
    ["($f := function($x){ $x }; $f)", undefined],
    ["($g := function($x){ $x + 1 }; $h := function($x){ $g($x) * 2 }; $h(1) + $g(2))", undefined],
  ])("%s: %s", (expr, reason) => {
    expect(interpretedBecause(expr)).toBe(reason);
  });
});

describe("the survey of bindings, calls and lambdas (which expressions are claimed)", () => {
  it.each([
    // A binding's value may itself bind (in order, as JSONata evaluates it); so may a lambda's body.
    ["($a := $b := 2; $a + $b)", undefined],
    ["($f := function($x){ $y := $x + 1 }; $f(1))", undefined],
    // Every argument of a call is surveyed, also of a call in a lambda's body (JSONata's tail-call thunk).
    ["$count($millis)", "$millis as a value is not claimed"],
    ["($f := function($x){ $count($millis) }; $f(1))", "$millis as a value is not claimed"],
    ["($f := function($count){ $count }; $f(1))", "parameter not claimed"],
  ])("%s: %s", (expr, reason) => {
    expect(interpretedBecause(expr)).toBe(reason);
  });

  it("values of what it claims here", () => {
    expect(compiled("($a := $b := 2; $a + $b)", {})).toEqual({ value: 4 });
    expect(compiled("($f := function($x){ $y := $x + 1 }; $f(1))", {})).toEqual({ value: 2 });
    expect(compiled("($f := function($x){ $count($x) }; $f(a))", { a: [1, 2] })).toEqual({ value: 2 });
  });

  it("a built-in the engine does not define is not claimed", () => {
    const options = { functions: new Map(), stringify: String, maxSequence: 10 };
    expect(unclaimedReason(jsonata("$count(a)").ast(), options)).toBe("$count is not available");
    expect(compileSync(jsonata("$count(a)").ast(), options)).toBeUndefined();
    expect(unclaimedReason(jsonata("$e(a)").ast(), options)).toBe("$e() calls what may not be a lambda bound by name");
  });
});

describe("the bound of JSONata's depth counter: each construct at 150 levels (one more is left to the interpreter)", () => {
  const rep = (s: string, n: number) => s.repeat(n);
  it.each<[string, (n: number) => string, number]>([
    // n nodes around one leaf: a depth of n + 1, refused past 150.
    ["blocks", (n) => rep("(", n) + "1" + rep(")", n), 150],
    ["binary operators (their left side)", (n) => "1" + rep("+1", n), 150],
    ["conditions (their then)", (n) => rep("true ? ", n) + "1", 150],
    ["array constructors nested", (n) => rep("[", n) + "1" + rep("]", n), 150],
    ["object constructors (their values)", (n) => rep('{"a": ', n) + "1" + rep("}", n), 150],
    ["index predicates", (n) => rep("[1][", n) + "0" + rep("]", n), 150],
    ["built-in calls", (n) => rep("$count(", n) + "1" + rep(")", n), 150],
    // One more level around them: the block, the path of a name.
    ["bindings", (n) => "(" + rep("$a := ", n) + "1)", 149],
    ["negations", (n) => rep("-", n) + "a", 149],
    ["an object constructor's key", (n) => "{" + rep("(", n) + '"k"' + rep(")", n) + ": 1}", 149],
    // Two nodes a level: the path and its name, the name and its filter, the path and the block.
    ["filters", (n) => rep("a[", n) + "1" + rep("]", n), 75],
    ["paths", (n) => rep("a.(", n) + "b" + rep(")", n), 75],
    ["binary operators (their right side)", (n) => rep("1+(", n) + "1" + rep(")", n), 75],
    // The items of a constructor add up (JSONata evaluates them concurrently): n paths of 2.
    ["an array constructor's items", (n) => "[" + Array(n).fill("a").join(", ") + "]", 75],
    ["an object constructor's values", (n) => "{" + Array.from({ length: n }, (_, i) => `"k${i}": a`).join(", ") + "}", 75],
    // A call of a lambda bound by name: 2 more than its body, inside the call, the root block.
    ["a lambda's body", (n) => "($f := function($x){ " + rep("(", n) + "$x" + rep(")", n) + " }; $f(1))", 146],
    // A lambda never called: its body inside the lambda, the binding, the root block.
    ["a lambda's body, not called", (n) => "($f := function($x){ " + rep("(", n) + "$x" + rep(")", n) + " }; $f)", 147],
    ["a lambda's argument", (n) => "($f := function($x){ $x }; $f(" + rep("(", n) + "1" + rep(")", n) + "))", 148],
  ])("%s", (_what, make, levels) => {
    // Each construct nests at most 2 nodes a level: far under the 400 nodes.
    expect(interpretedBecause(make(levels - 1))).toBeUndefined();
    expect(interpretedBecause(make(levels))).toBe("too deep to be sure of JSONata's stack limit");
  });
});

describe("operators, constructors and calls one by one: the value, or the whole error, as the interpreter's", () => {
  /** The value (as plain data), or the error's code, position, token and values. */
  async function both(expr: string, input: unknown): Promise<[unknown, unknown]> {
    const detail = (e: unknown) => {
      const { code, position, token, value, value2 } = e as Record<string, unknown>;
      return { code, position, token, value: plain(value), value2: plain(value2) };
    };
    const sync = syncEvaluator(expr);
    expect(sync, `${expr} is compiled`).toBeDefined();
    let mine: unknown;
    try {
      mine = { value: plain(sync!(deepFreeze(structuredClone(input)), {})) };
    } catch (e) {
      mine = e === NEEDS_INTERPRETER ? "interpreter" : detail(e);
    }
    let reference: unknown;
    try {
      reference = { value: plain(await jsonata(expr).evaluate(input, {})) };
    } catch (e) {
      reference = detail(e);
    }
    return [mine, reference];
  }

  // Expected: the value as plain data (lists as {list}, objects as {object}), or the error.
  it.each<[string, unknown, unknown]>([
    // Arithmetic, each operator, and undefined on either side.
    ["7 % 3", {}, 1],
    ["-7 % 3", {}, -1],
    ["7 / 2", {}, 3.5],
    ["3 * 4", {}, 12],
    ["5 - 7", {}, -2],
    ["1 + nothing", {}, undefined],
    ["nothing - nothing", {}, undefined],
    // A number JSON cannot hold: D1001 at the operator (not at the unary minus, as JSONata).
    ["(1e308*10) + 1", {}, { code: "D1001", position: 12, token: "+", value: Infinity }],
    ["1 + (1e308*10)", {}, { code: "D1001", position: 3, token: "+", value: Infinity }],
    ["-(1e308*10)", {}, { code: "D1001", value: Infinity }],
    ["(1e308*10) ? 1 : 2", {}, { code: "D1001", value: Infinity }],
    ["$not(1e308*10)", {}, { code: "D1001", position: 5, token: "not", value: Infinity }],
    // and/or: undefined is false; an error on the right, or in judging either side, is the operator's.
    ["nothing and true", {}, false],
    ["true and nothing", {}, false],
    ["nothing or nothing", {}, false],
    ["true or nothing", {}, true],
    ["a and b", { a: 1, b: 0 }, false],
    ["a or b", { a: 0, b: "" }, false],
    ["true and (false + 1)", {}, { code: "T2001", position: 8, token: "and", value: false }],
    ["false or (false + 1)", {}, { code: "T2001", position: 8, token: "or", value: false }],
    ["(false + 1) and true", {}, { code: "T2001", position: 8, token: "+", value: false }],
    ["(1e308*10) and true", {}, { code: "D1001", position: 14, token: "and", value: Infinity }],
    ["true and (1e308*10)", {}, { code: "D1001", position: 8, token: "and", value: Infinity }],
    ["(1e308*10) or true", {}, { code: "D1001", position: 13, token: "or", value: Infinity }],
    ["[1][$ = 1 and (false+1)]", {}, { code: "T2001", position: 13, token: "and", value: false }],
    // Comparisons at equality, strings, undefined, and what cannot be compared.
    ["1 < 1", {}, false],
    ["1 <= 1", {}, true],
    ["1 > 1", {}, false],
    ["1 >= 1", {}, true],
    ["1 >= 2", {}, false],
    ['"b" > "a"', {}, true],
    ['"a" < "b"', {}, true],
    ["1 < nothing", {}, undefined],
    ["nothing > 1", {}, undefined],
    ["nothing >= nothing", {}, undefined],
    ['a < "x"', { a: null }, { code: "T2010", position: 3, token: "<", value: null }],
    ['"x" < a', { a: null }, { code: "T2010", position: 5, token: "<", value: null }],
    ["a > b", { a: [1], b: 2 }, { code: "T2010", position: 3, token: ">", value: { list: [1] } }],
    // in, = and != (deep, key order aside), &.
    ["a in b", { a: { x: 1 }, b: [{ x: 1 }] }, false],
    ["a in nothing", { a: 1 }, false],
    ["nothing in b", { b: [1] }, false],
    ['"x" in b', { b: ["a", "x"] }, true],
    ["2 in b", { b: [1, 2, 3] }, true],
    ["[1,2] = [1,2]", {}, true],
    ["[1,2] != [1,3]", {}, true],
    ["a = b", { a: { x: 1, y: 2 }, b: { y: 2, x: 1 } }, true],
    ["a = b", { a: { x: 1 }, b: { y: 1 } }, false],
    ["a = b", { a: [1], b: { "0": 1 } }, false],
    ['1 = "1"', {}, false],
    ["null = null", {}, true],
    ["1 & true", {}, "1true"],
    ["a & b", { a: { x: [1] }, b: null }, '{"x":[1]}null'],
    // Negation; object constructors: an undefined value leaves its key out; grouping by key.
    ["-a", { a: 2 }, -2],
    ["-nothing", {}, undefined],
    ["-a", { a: [1] }, { code: "D1002", position: 1, token: "-", value: { list: [1] } }],
    ['{"a": nothing}', {}, { object: [] }],
    ['{"a": 1, "b": 2}', {}, { object: [["a", 1], ["b", 2]] }],
    ["a.{b: c}", { a: [{ b: "x", c: 1 }, { b: "x", c: 2 }, { b: "y", c: 3 }] }, { list: [{ object: [["x", 1]] }, { object: [["x", 2]] }, { object: [["y", 3]] }] }],
    ["{a.b: a.c}", { a: [{ b: "x", c: 1 }] }, { object: [["x", 1]] }],
    ["{a.b: a.c}", { a: [{ b: "x", c: 1 }, { b: "x", c: 2 }] }, { code: "T1003", position: 1, value: { list: ["x", "x"] } }],
    // A list in a list is one item of a step: the constructor groups its items by key.
    ['a.{"k": $}', { a: [[1, 2]] }, { object: [["k", { list: [1, 2] }]] }],
    ["a.{$string($): $}", { a: [[1, 2, 1]] }, { object: [["1", { list: [1, 1] }], ["2", 2]] }],
    ['a.{"k": $count($)}', { a: [[1, 2]] }, { object: [["k", 2]] }],
    ['a.{"k": $, "k": 1}', { a: [[1, 2]] }, { code: "D1009", position: 3, value: "k" }],
    ['a.{b: c, "d": 1}', { a: [{ b: "d", c: 1 }] }, { code: "D1009", position: 3, value: "d" }],
    // Lambdas: the input they were defined on, missing and extra arguments, one calling another, handed to built-ins.
    ["($f := function(){ a }; b.$f())", { a: 1, b: { a: 2 } }, 1],
    ["($f := function($x, $y){ $y }; $f(1))", {}, undefined],
    ["($f := function($x){ $x }; $f(1, 2))", {}, 1],
    ["($g := function($x){ $x * 2 }; $f := function($x){ $g($x) + 1 }; $f(3))", {}, 7],
    ["($f := function($x){$x}; $keys($f))", {}, undefined],
    ["($f := function($x){$x}; $append($f, 1))", {}, { list: ["<function>", 1] }],
    ["($f := function($x){$x}; $string([$f]))", {}, '[""]'],
    // Built-ins: errors of an argument keep their own position.
    ["$count($string(1/0))", {}, { code: "D3001", position: 15, token: "string", value: Infinity }],
    ["$string(-a)", { a: "x" }, { code: "D1002", position: 9, token: "-", value: "x" }],
    ["$sum([1, 2])", {}, 3],
    ["$max([])", {}, undefined],
    ['$lookup({"a": 1}, "a")', {}, 1],
    ['$trim("  x ")', {}, "x"],
    ["$round(2.5)", {}, 2],
    ["$not(a)", { a: [] }, true],
    ["$boolean([0])", {}, false],
    ['$number("12")', {}, 12],
    // A path from a variable is evaluated once, also on a list given to it by a step (a list in a list).
    ['($x := {"b": 1}; a.($x.b))', { a: [[1, 2]] }, 1],
    ["a.($.b)", { a: [[{ b: 1 }, { b: 2 }]] }, { list: [1, 2] }],
  ])("%s", async (expr, input, expected) => {
    const [mine, reference] = await both(expr, input);
    expect(mine).toEqual(reference);
    if (expected !== null && typeof expected === "object" && "code" in expected) {
      expect(mine).toEqual({ position: undefined, token: undefined, value2: "<undefined>", ...expected });
    } else expect(mine).toEqual({ value: expected === undefined ? "<undefined>" : expected });
  });
});

describe("what the compiled path refuses in a syntax tree JSONata's parser does not give (hand-made trees)", () => {
  // No built-in function is called in these trees, so none is given.
  const options = { functions: new Map(), stringify: String, maxSequence: 100_000 };
  const reason = (ast: unknown) => unclaimedReason(ast, options);
  const one = { type: "number", value: 1, position: 1 };

  it("a node that is not an object, or is a list", () => {
    expect(reason(null)).toBe("not a syntax tree");
    expect(reason(1)).toBe("not a syntax tree");
    expect(reason("a")).toBe("not a syntax tree");
    expect(reason([one])).toBe("not a syntax tree");
    expect(reason({ type: "path", steps: [[one]] })).toBe("not a syntax tree");
    expect(reason(one)).toBeUndefined();
  });

  it("a path without steps", () => {
    expect(reason({ type: "path", steps: [] })).toBe("empty path");
    expect(reason({ type: "path" })).toBe("empty path");
    expect(reason({ type: "path", steps: "a" })).toBe("empty path");
    expect(reason({ type: "path", steps: [{ type: "name", value: "a" }] })).toBeUndefined();
  });

  it("a predicate or stage that is not a filter", () => {
    expect(reason({ type: "name", value: "a", stages: [{ type: "index", value: "i" }] })).toBe("index binding is not claimed");
    expect(reason({ type: "name", value: "a", predicate: [{ type: "sort" }] })).toBe("index binding is not claimed");
    expect(reason({ type: "name", value: "a", stages: [{ type: "filter", expr: one }] })).toBeUndefined();
    // The filter's own expression is surveyed, with no binding allowed in it.
    expect(reason({ type: "name", value: "a", stages: [{ type: "filter", expr: { type: "wat" } }] })).toBe("'wat' is not claimed");
    expect(reason({ type: "name", value: "a", predicate: [{ type: "filter", expr: { type: "bind", lhs: { type: "variable", value: "x" }, rhs: one } }] })).toBe("a binding outside a block is not claimed");
  });

  it("an operator or a unary the compiled path does not know", () => {
    expect(reason({ type: "binary", value: "^", lhs: one, rhs: one })).toBe("operator '^' is not claimed");
    // Refused before its operands are looked at.
    expect(reason({ type: "binary", value: "^", lhs: { type: "variable", value: "sum" }, rhs: one })).toBe("operator '^' is not claimed");
    expect(reason({ type: "unary", value: "!", expression: one })).toBe("unary '!' is not claimed");
    expect(reason({ type: "unary", value: "-", expression: { type: "wat" } })).toBe("'wat' is not claimed");
  });

  it("a binding of anything but a variable, or of nothing to nothing", () => {
    const block = (bind: unknown) => ({ type: "block", expressions: [bind] });
    expect(reason(block({ type: "bind", value: ":=", lhs: { type: "name", value: "x" }, rhs: one }))).toBe("bad binding");
    expect(reason(block({ type: "bind", value: ":=", rhs: one }))).toBe("bad binding");
    expect(reason(block({ type: "bind", value: ":=", lhs: { type: "variable", value: "x" } }))).toBe("not a syntax tree");
    expect(reason(block({ type: "bind", value: ":=", lhs: { type: "variable", value: "x" }, rhs: one }))).toBeUndefined();
  });

  it("a key that is present but undefined is no key", () => {
    expect(reason({ ...one, stages: undefined, extra: undefined })).toBeUndefined();
    expect(reason({ ...one, extra: 1 })).toBe("'extra' on 'number' is not claimed");
  });
});

describe("the operators and bindings the compiled path claims", () => {
  it.each(["a + b", "a - b", "a * b", "a / b", "a % b", "a = b", "a != b", "a < b", "a <= b", "a > b", "a >= b", "a & b", "a and b", "a or b", "a in b", "-a", "[a]", "{\"k\": a}", "a ? b : c", "a ? b"])("%s", (expr) => {
    expect(interpretedBecause(expr)).toBeUndefined();
  });

  it("binds in a block, a lambda's body and at the root; not in a constructor, a condition's branch or a path step", () => {
    expect(interpretedBecause("$x := 1")).toBeUndefined();
    expect(interpretedBecause("($x := 1; $x)")).toBeUndefined();
    expect(interpretedBecause("($f := function($v) { $w := $v }; $f(1))")).toBeUndefined();
    expect(interpretedBecause("($x := $y := 1; $x)")).toBeUndefined();
    expect(interpretedBecause("{\"k\": $x := 1}")).toBe("a binding outside a block is not claimed");
    expect(interpretedBecause("a ? $x := 1 : 2")).toBe("a binding outside a block is not claimed");
    expect(interpretedBecause("a ? 1 : $x := 2")).toBe("a binding outside a block is not claimed");
    expect(interpretedBecause("($x := 1) = ($y := 1) ? 1 : 2")).toBeUndefined();
    expect(interpretedBecause("$x := 1 + ($y := 2)")).toBeUndefined();
    expect(interpretedBecause("-($x := 1)")).toBeUndefined();
    expect(interpretedBecause("a.($x := 1)")).toBeUndefined();
  });

  it("looks inside both operands of an operator", () => {
    expect(interpretedBecause("1 + $sum")).toBe("$sum as a value is not claimed");
    expect(interpretedBecause("$sum + 1")).toBe("$sum as a value is not claimed");
    expect(interpretedBecause("[$x := 1] + 1")).toBe("a binding outside a block is not claimed");
  });

  it("never binds $$ (the root) or $ (the context)", () => {
    expect(interpretedBecause("($$ := 1)")).toBe("binding $$ is not claimed");
    expect(interpretedBecause("($ := 1)")).toBe("binding $ is not claimed");
  });
});

describe("an input list is JSONata's outer wrapper; any other input is not wrapped", () => {
  const run = (expr: string, input: unknown) => syncEvaluator(expr)!(input, {});

  it("a predicate on the first step applies to the whole list, not to each item", async () => {
    const input = [{ a: [1, 2] }, { a: [3] }];
    expect(run("a[0]", input)).toBe(1);
    expect(await jsonata("a[0]").evaluate(input)).toBe(1);
  });

  it("`$` and `*` at the top read the list itself, not a list holding it", async () => {
    const input = [[1, 2], [3]];
    expect(run("$[0]", input)).toEqual([1, 2]);
    expect(run("$[1]", input)).toEqual([3]);
    expect(await jsonata("$[1]").evaluate(input)).toEqual([3]);
    expect(run("*", [[1, 2], { a: 3 }])).toEqual([1, 2, { a: 3 }]);
  });

  it("the context of a built-in function is the input itself", async () => {
    expect(run("$uppercase()", "abc")).toBe("ABC");
    expect(run("$length()", "abc")).toBe(3);
    expect(() => run("$uppercase()", ["abc"])).toThrow(expect.objectContaining({ code: "T0411" }));
    await expect(jsonata("$uppercase()").evaluate(["abc"])).rejects.toMatchObject({ code: "T0411" });
  });

  it("no input, or null", () => {
    expect(run("1", null)).toBe(1);
    expect(run("1", undefined)).toBe(1);
    expect(run("$", null)).toBe(null);
    expect(run("a", undefined)).toBe(undefined);
  });
});
