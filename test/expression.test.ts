// src/lang/expression.ts in-process: what mutation testing (docs/testing.md, "Mutation testing") found unguarded.
// test/hostile-expressions.test.ts checks the same limits end to end through compose and the server, but it is
// left out of mutation runs (it races the 1 s timeout and spawns the server); these tests call the module itself.
// A limit read at evaluation time (EXPRESSION_LIMITS) is lowered for a test and put back, so its edge is cheap.
import { afterEach, describe, expect, it } from "vitest";
import {
  compileExpression,
  describeEvaluationError,
  EXPRESSION_LIMITS,
  ExpressionLimitError,
  ExpressionSyntaxError,
  INTERPRET,
  interpretedBecause,
  LinearRegExp,
  syncEvaluator,
} from "../src/lang/expression.js";
import { jsonata } from "../src/vendor.js";

const DEFAULTS = { ...EXPRESSION_LIMITS };
afterEach(() => {
  Object.assign(EXPRESSION_LIMITS, DEFAULTS);
});

/** The code and message an evaluation ends with, or its value. */
async function outcome(p: Promise<unknown>): Promise<{ value: unknown } | { code: string; message: string }> {
  try {
    return { value: await p };
  } catch (e) {
    return describeEvaluationError(e);
  }
}

const scope = (context: unknown = {}, config: unknown = {}) => ({ context, config });
const evaluate = (source: string, context: unknown = {}, config: unknown = {}) => outcome(compileExpression(source).evaluate(scope(context, config)));
/** On JSONata's interpreter (strata's step hook and bounded functions), even where the compiled path would answer. */
const interpret = (source: string, context: unknown = {}) => outcome(compileExpression(source).interpret(scope(context)));

function syntaxError(source: string): { message: string; offset: number } {
  try {
    compileExpression(source);
  } catch (e) {
    expect(e).toBeInstanceOf(ExpressionSyntaxError);
    return { message: (e as ExpressionSyntaxError).message, offset: (e as ExpressionSyntaxError).offset };
  }
  throw new Error(`${source} compiled`);
}

describe("refused at load, with the offset of the offending token", () => {
  it.each([
    ["a.__proto__", "'__proto__' reads a prototype key, which is not allowed", 2],
    ["a.`constructor`", "'constructor' reads a prototype key, which is not allowed", 2],
    ['{"prototype": 1}', "'prototype' names a prototype key, which is not allowed", 1],
    ['x & $eval("1")', "$eval is not allowed: it would evaluate data as an expression", 4],
    ["$match(a, /(a)\\1/i)", "the regex /(a)\\1/ cannot be used: invalid escape sequence: `\\1` (regexes run in linear time, which rules out lookahead, lookbehind and backreferences)", 10],
    ["a ~> $contains(/(?=b)/)", "the regex /(?=b)/ cannot be used: invalid or unsupported Perl syntax: `(?=` (regexes run in linear time, which rules out lookahead, lookbehind and backreferences)", 15],
    // The first in the text is reported, however deep.
    ["[a.constructor, b.prototype]", "'constructor' reads a prototype key, which is not allowed", 3],
    ["{'k': [1, (x; y.`__proto__`)]}", "'__proto__' reads a prototype key, which is not allowed", 16],
    // JSONata's own syntax errors: the offset of the token (JSONata counts one past it).
    ["a.b(", 'Expected ")" before end of expression', 3],
    ["(", 'Expected ")" before end of expression', 0],
  ])("%s", (source, message, offset) => {
    expect(syntaxError(source)).toEqual({ message, offset });
  });

  it("names and strings that merely contain a prototype key load", async () => {
    expect(await evaluate('{"my_prototype": a.constructors}', { a: { constructors: 1 } })).toEqual({ value: { my_prototype: 1 } });
    expect(await evaluate("$evaluate", {})).toEqual({ value: undefined });
  });
});

describe("LinearRegExp: JSONata's regex engine, on RE2", () => {
  it("takes the source and flags of a RegExp, or a pattern and flags", () => {
    const fromRegExp = new LinearRegExp(/a.b/is);
    expect([fromRegExp.source, fromRegExp.flags]).toEqual(["a.b", "is"]);
    const fromString = new LinearRegExp("a.b");
    expect([fromString.source, fromString.flags]).toEqual(["a.b", ""]);
  });

  it("applies the i, m and s flags", () => {
    expect(new LinearRegExp("b", "i").exec("aB")?.index).toBe(1);
    expect(new LinearRegExp("b").exec("aB")).toBeNull();
    expect(new LinearRegExp("^b", "m").exec("a\nb")?.index).toBe(2);
    expect(new LinearRegExp("^b").exec("a\nb")).toBeNull();
    expect(new LinearRegExp("a.b", "s").exec("a\nb")?.[0]).toBe("a\nb");
    expect(new LinearRegExp("a.b").exec("a\nb")).toBeNull();
  });

  it("gives every group (undefined where one did not take part), the index and the input", () => {
    const m = new LinearRegExp(/(a)|(b)(c)/).exec("xbc")!;
    expect([...m]).toStrictEqual(["bc", undefined, "b", "c"]);
    expect([m.index, m.input]).toEqual([1, "xbc"]);
  });

  it("moves lastIndex past each match, and back to 0 when none is left", () => {
    const re = new LinearRegExp("a+");
    expect(re.exec("aa-a")?.[0]).toBe("aa");
    expect(re.lastIndex).toBe(2);
    const second = re.exec("aa-a")!;
    expect([second[0], second.index, re.lastIndex]).toEqual(["a", 3, 4]);
    expect(re.exec("aa-a")).toBeNull();
    expect(re.lastIndex).toBe(0);
    // lastIndex at the very end can still match an empty string; past the end nothing does.
    const empty = new LinearRegExp("x*");
    empty.lastIndex = 2;
    expect(empty.exec("ab")?.index).toBe(2);
    empty.lastIndex = 3;
    expect(empty.exec("ab")).toBeNull();
    expect(empty.lastIndex).toBe(0);
  });

  it("matches at most maxRegexInput characters: one more is an error before matching", () => {
    EXPRESSION_LIMITS.maxRegexInput = 5;
    expect(new LinearRegExp("y").exec("xxxxy")?.index).toBe(4);
    let error: unknown;
    try {
      new LinearRegExp("y").exec("xxxxxy");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ExpressionLimitError);
    expect(describeEvaluationError(error)).toEqual({ code: "expression-too-large", message: "a regex was given 6 characters to match (limit 5)" });
  });
});

describe("describeEvaluationError: every way an evaluation fails, as a code and a sentence", () => {
  it.each([
    [new ExpressionLimitError("too-deep", "built too deep"), { code: "too-deep", message: "built too deep" }],
    [{ code: "D1012", message: "timeout" }, { code: "expression-timeout", message: "expression ran longer than 1000 ms and was stopped" }],
    [{ code: "D1011", message: "stack" }, { code: "expression-too-deep", message: "expression recursed deeper than 200 calls and was stopped" }],
    [{ code: "D2015", message: "sequence" }, { code: "expression-too-large", message: "expression built a sequence longer than 100000 items and was stopped" }],
    [new RangeError("Maximum call stack size exceeded"), { code: "expression-too-deep", message: "expression exhausted the stack: Maximum call stack size exceeded" }],
    [new RangeError("Maximum Call Stack size exceeded"), { code: "expression-too-deep", message: "expression exhausted the stack: Maximum Call Stack size exceeded" }],
    [new RangeError("Invalid string length"), { code: "expression-too-large", message: "expression built a value too large to hold (Invalid string length) and was stopped" }],
    [{ code: "T2001", message: "The left side of the + operator must evaluate to a number" }, { code: "expression-failed", message: "T2001: The left side of the + operator must evaluate to a number" }],
    [new Error("no code"), { code: "expression-failed", message: "no code" }],
    ["a thrown string", { code: "expression-failed", message: "a thrown string" }],
    [undefined, { code: "expression-failed", message: "undefined" }],
  ])("%j", (error, expected) => {
    expect(describeEvaluationError(error)).toEqual(expected);
  });

  it("takes the limits from EXPRESSION_LIMITS as they are", () => {
    EXPRESSION_LIMITS.timeoutMs = 5;
    expect(describeEvaluationError({ code: "D1012" }).message).toBe("expression ran longer than 5 ms and was stopped");
  });
});

describe("the result must be JSON data of bounded size and depth", () => {
  it("a function, data too deep and data too large each have their code", async () => {
    expect(await evaluate("function($x){ $x }")).toEqual({
      code: "expression-not-data",
      message: "expression produced a function at the top, which is not JSON data (call it, or leave the $ off its name)",
    });
    expect(await evaluate('$reduce([1..100], function($acc, $i){ {"a": $acc} }, 0)')).toEqual({ code: "too-deep", message: "expression built data nested deeper than 64 levels" });
    EXPRESSION_LIMITS.maxResultSize = 10;
    expect(await evaluate('$pad("", 8, "x")')).toEqual({ value: "xxxxxxxx" });
    expect(await evaluate('$pad("", 9, "x")')).toEqual({ code: "expression-too-large", message: "expression built a value of more than 10 characters as JSON (limit) and was stopped" });
  });

  it("a compiled expression whose result is too large is handed to the interpreter, which refuses it", async () => {
    // As data, a list is 2, each item 1 more, each number 8: [1, 2, 3] is 29.
    EXPRESSION_LIMITS.maxResultSize = 30;
    const e = compileExpression("[1, 2, 3, 4]");
    expect(e.compiled).toBe(true);
    expect(e.evaluateSync(scope())).toBe(INTERPRET);
    expect(await outcome(e.evaluate(scope()))).toEqual({ code: "expression-too-large", message: "expression built a value of more than 30 characters as JSON (limit) and was stopped" });
    const small = compileExpression("[1, 2, 3]");
    expect(small.evaluateSync(scope())).toEqual([1, 2, 3]);
  });

  it("a compiled expression whose result is too deep, or a function, is handed to the interpreter, which refuses it", async () => {
    const deep = compileExpression("[".repeat(65) + "1" + "]".repeat(65));
    expect(deep.compiled).toBe(true);
    expect(deep.evaluateSync(scope())).toBe(INTERPRET);
    expect(await outcome(deep.evaluate(scope()))).toEqual({ code: "too-deep", message: "expression built data nested deeper than 64 levels" });
    expect(compileExpression("[".repeat(64) + "1" + "]".repeat(64)).evaluateSync(scope())).toEqual(JSON.parse("[".repeat(64) + "1" + "]".repeat(64)));
    const lambda = compileExpression("($f := function($x){ $x }; $f)");
    expect(lambda.compiled).toBe(true);
    expect(lambda.evaluateSync(scope())).toBe(INTERPRET);
    expect(await outcome(lambda.evaluate(scope()))).toEqual({
      code: "expression-not-data",
      message: "expression produced a function at the top, which is not JSON data (call it, or leave the $ off its name)",
    });
  });

  it("an expression the compiled path does not claim answers INTERPRET to evaluateSync", async () => {
    const e = compileExpression('$pad(model_name, 3, "-")');
    expect(e.compiled).toBe(false);
    expect(e.evaluateSync(scope({ model_name: "m" }))).toBe(INTERPRET);
    expect(await e.evaluate(scope({ model_name: "m" }))).toBe("m--");
    expect(await e.interpret(scope({ model_name: "n" }))).toBe("n--");
    // Its syntax tree is JSONata's, for the static checks (what it reads).
    expect(e.ast()).toEqual(jsonata('$pad(model_name, 3, "-")').ast());
    expect(compileExpression("a.b").ast()).toEqual(jsonata("a.b").ast());
  });

  it("a compiled expression that fails is handed to the interpreter, whose error is reported", async () => {
    const e = compileExpression("false + 1");
    expect(e.compiled).toBe(true);
    expect(e.evaluateSync(scope())).toBe(INTERPRET);
    expect(await outcome(e.evaluate(scope()))).toEqual({ code: "expression-failed", message: 'T2001: The left side of the "+" operator must evaluate to a number' });
  });

  it("hands out a copy: changing a result changes neither the context nor the next result", async () => {
    const context = { a: { b: [1, 2] } };
    for (const source of ["(a)", "a", "$config.a"]) {
      const e = compileExpression(source);
      const sync = e.evaluateSync(scope(context, context)) as { b: number[] };
      sync.b.push(3);
      const value = (await e.evaluate(scope(context, context))) as { b: number[] };
      expect(value).toEqual({ b: [1, 2] });
      value.b.push(4);
      expect(context).toEqual({ a: { b: [1, 2] } });
    }
    const interpreted = (await compileExpression("$merge([a, {}])").evaluate(scope(context))) as { b: number[] };
    interpreted.b.push(5);
    expect(context).toEqual({ a: { b: [1, 2] } });
  });
});

describe("field references skip the engine where they can", () => {
  it("read the context, or $config, through plain objects", async () => {
    const context = { model: "m", a: { b: { c: 7 } } };
    const config = { a: { b: "from-config" }, x: 1 };
    expect(compileExpression("a.b.c").evaluateSync(scope(context, config))).toBe(7);
    expect(compileExpression("  a.b.c\n").evaluateSync(scope(context, config))).toBe(7);
    expect(compileExpression("$config.a.b").evaluateSync(scope(context, config))).toBe("from-config");
    expect(compileExpression("$config").evaluateSync(scope(context, config))).toEqual(config);
    expect(compileExpression("a.b.missing").evaluateSync(scope(context, config))).toBeUndefined();
    // A missing field on the way: JSONata decides.
    expect(compileExpression("a.missing.c").evaluateSync(scope(context, config))).toBe(INTERPRET);
    // Names of any length (the compiled path, which is not taken here, would answer undefined).
    expect(compileExpression("ab.missing.cd").evaluateSync(scope({ ab: {} }, config))).toBe(INTERPRET);
    expect(compileExpression("$config.ab.missing.cd").evaluateSync(scope(context, { ab: {} }))).toBe(INTERPRET);
    expect(syncEvaluator("ab.missing.cd")?.({ ab: {} }, {})).toBeUndefined();
    expect(compileExpression("model").compiled).toBe(true);
  });

  it("true, false and null are JSONata's values, not fields of the context (regression: they read the context)", async () => {
    const context = { true: "field", false: "field", null: "field" };
    for (const [source, value] of [["true", true], ["false", false], [" null ", null]] as const) {
      const e = compileExpression(source);
      expect(e.evaluateSync(scope(context))).toBe(value);
      expect(await e.evaluate(scope(context))).toBe(value);
    }
    expect(await evaluate("$.`true`", context)).toEqual({ value: "field" });
  });

  it("only a whole expression of names is a field reference", async () => {
    const context = { a: { b: 7 }, b: 2, x: 3 };
    const config = { a: "c" };
    expect(await evaluate("a.b + 1", context, config)).toEqual({ value: 8 });
    expect(await evaluate("1 + a.b", context, config)).toEqual({ value: 8 });
    expect(await evaluate("x-b", context, config)).toEqual({ value: 1 });
    expect(await evaluate("x*b", context, config)).toEqual({ value: 6 });
    expect(await evaluate('$config.a & "d"', context, config)).toEqual({ value: "cd" });
    expect(await evaluate("a.b.$string()", context, config)).toEqual({ value: "7" });
  });

  it("leave anything but a plain object to the interpreter, which maps over lists", async () => {
    const context = { a: [{ b: 1 }, { b: 2 }], s: "text" };
    const list = compileExpression("a.b");
    expect(list.evaluateSync(scope(context))).toBe(INTERPRET);
    expect(await list.evaluate(scope(context))).toEqual([1, 2]);
    const fromConfig = compileExpression("$config.a.b");
    expect(fromConfig.evaluateSync(scope({}, context))).toBe(INTERPRET);
    expect(await fromConfig.evaluate(scope({}, context))).toEqual([1, 2]);
    expect(compileExpression("s.length").evaluateSync(scope(context))).toBe(INTERPRET);
  });
});

describe("JSONata's own limits are set from EXPRESSION_LIMITS when the expression is compiled", () => {
  it("the sequence limit", async () => {
    EXPRESSION_LIMITS.maxSequence = 10;
    const e = compileExpression("$count([1..n])");
    EXPRESSION_LIMITS.maxSequence = DEFAULTS.maxSequence;
    expect(await outcome(e.evaluate(scope({ n: 10 })))).toEqual({ value: 10 });
    expect(await outcome(e.evaluate(scope({ n: 11 })))).toEqual({ code: "expression-too-large", message: "expression built a sequence longer than 100000 items and was stopped" });
  });

  it("the depth limit: a lambda recursing 10 levels needs more than 30 of JSONata's frames", async () => {
    const recursion = "($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(10))";
    expect(await evaluate(recursion)).toEqual({ value: 10 });
    EXPRESSION_LIMITS.maxDepth = 30;
    expect(await evaluate(recursion)).toEqual({ code: "expression-too-deep", message: "expression recursed deeper than 30 calls and was stopped" });
  });

  it("the time limit", async () => {
    EXPRESSION_LIMITS.timeoutMs = 20;
    expect(await evaluate("($f := function($n){ $f($n + 1) }; $f(0))")).toEqual({ code: "expression-timeout", message: "expression ran longer than 20 ms and was stopped" });
  });
});

describe("strata's bounds inside an evaluation (the step hook), at their edge", () => {
  it("a string longer than maxStringLength stops the step that built it", async () => {
    EXPRESSION_LIMITS.maxStringLength = 10;
    expect(await interpret("s & t", { s: "x".repeat(9), t: "y" })).toEqual({ value: "x".repeat(9) + "y" });
    expect(await interpret("s & t", { s: "x".repeat(10), t: "y" })).toEqual({ code: "expression-too-large", message: "expression built a string of 11 characters (limit 10) and was stopped" });
  });

  it("a list longer than maxSequence stops the step that built it", async () => {
    // JSONata's own sequence limit is fixed at compile time; the step hook reads the table as it is.
    const e = compileExpression("[1, 2, 3, 4, 5, 6]");
    EXPRESSION_LIMITS.maxSequence = 6;
    expect(await outcome(e.interpret(scope()))).toEqual({ value: [1, 2, 3, 4, 5, 6] });
    EXPRESSION_LIMITS.maxSequence = 5;
    expect(await outcome(e.interpret(scope()))).toEqual({ code: "expression-too-large", message: "expression built a list of 6 items (limit 5) and was stopped" });
  });

  it("strings of more than 1024 characters count towards maxBuilt, each step that returns one", async () => {
    // Above the size of the context itself (every step's data is measured too), below one long string.
    EXPRESSION_LIMITS.maxBuilt = 1100;
    expect(await interpret("$string(s)", { s: "x".repeat(1024) })).toEqual({ value: "x".repeat(1024) });
    expect(await interpret("$string(s)", { s: "x".repeat(1025) })).toEqual({ code: "expression-too-large", message: "expression built more than 1100 characters in all (limit) and was stopped" });
    // Two steps return the string: `s`, then `$string(s)`.
    EXPRESSION_LIMITS.maxBuilt = 2 * 1100;
    expect(await interpret("$string(s)", { s: "x".repeat(1100) })).toEqual({ value: "x".repeat(1100) });
    expect(await interpret("$string(s)", { s: "x".repeat(1101) })).toEqual({ code: "expression-too-large", message: "expression built more than 2200 characters in all (limit) and was stopped" });
  });

  it("the count starts again at every evaluation", async () => {
    EXPRESSION_LIMITS.maxBuilt = 3000;
    const e = compileExpression("$string(s)");
    const s = "x".repeat(1100);
    for (let i = 0; i < 3; i++) expect(await outcome(e.interpret(scope({ s })))).toEqual({ value: s });
  });

  it("data is measured as JSON would write it, a part shared by two keys counted twice", async () => {
    // {"a": [1,2,3], "b": [1,2,3]}: the object 1, each key 2 ("a" and its colon), each list 1 + 3 items = 13.
    const shared = '($x := [1, 2, 3]; {"a": $x, "b": $x})';
    EXPRESSION_LIMITS.maxBuilt = 13;
    expect(await interpret(shared)).toEqual({ value: { a: [1, 2, 3], b: [1, 2, 3] } });
    EXPRESSION_LIMITS.maxBuilt = 12;
    expect(await interpret(shared)).toEqual({ code: "expression-too-large", message: "expression built data of more than 12 values and characters (limit) and was stopped" });
    // Strings count their characters and one more; keys their length and one more.
    const strings = '{"key": ["ab", "cde"]}';
    EXPRESSION_LIMITS.maxBuilt = 1 + 4 + 1 + 3 + 4;
    expect(await interpret(strings)).toEqual({ value: { key: ["ab", "cde"] } });
    EXPRESSION_LIMITS.maxBuilt = 1 + 4 + 1 + 3 + 4 - 1;
    expect((await interpret(strings)) as { code: string }).toMatchObject({ code: "expression-too-large" });
  });

  it("a part shared many times over is measured, however large it becomes, without walking it each time", async () => {
    // Doubling 30 times: 2^30 values as JSON, in 30 steps of a shared object.
    const doubled = '$reduce([1..30], function($acc, $i){ {"l": $acc, "r": $acc} }, 1)';
    expect(await interpret(doubled)).toEqual({
      code: "expression-too-large",
      message: "expression built data of more than 20000000 values and characters (limit) and was stopped",
    });
    // 10 doublings are 2^10 leaves: (1 + 2 + 2) per inner object, 1 per leaf = 5 × 1023 + 1024 = 6139.
    const ten = '$reduce([1..10], function($acc, $i){ {"l": $acc, "r": $acc} }, 1)';
    EXPRESSION_LIMITS.maxBuilt = 6139;
    expect(await interpret(ten)).toMatchObject({ value: { l: { l: expect.any(Object) } } });
    EXPRESSION_LIMITS.maxBuilt = 6138;
    expect(await interpret(ten)).toMatchObject({ code: "expression-too-large" });
  });

  it("data read from the context is measured with everything nested in it", async () => {
    // a is 1, its key "b" 2, b 1 + 2 ("c"), c 1 + 3 items: 10.
    const context = { a: { b: { c: [1, 2, 3] } } };
    EXPRESSION_LIMITS.maxBuilt = 10;
    expect(await interpret("a.b", context)).toEqual({ value: { c: [1, 2, 3] } });
    EXPRESSION_LIMITS.maxBuilt = 9;
    expect(await interpret("a.b", context)).toEqual({ code: "expression-too-large", message: "expression built data of more than 9 values and characters (limit) and was stopped" });
  });

  it("a function in data is exactly one value", async () => {
    // The object 1, "f" 2 and the function 1, "s" 2 and "x" 2: 8.
    const source = '({"f": function($x){ $x }, "s": "x"}).s';
    EXPRESSION_LIMITS.maxBuilt = 8;
    expect(await interpret(source)).toEqual({ value: "x" });
    EXPRESSION_LIMITS.maxBuilt = 7;
    expect(await interpret(source)).toMatchObject({ code: "expression-too-large" });
  });

  it("a function held in data counts as one value, not as the environment it closes over", async () => {
    EXPRESSION_LIMITS.maxBuilt = 10;
    expect(await interpret('({"f": function($x){ $x + 1 }}).f(2)')).toEqual({ value: 3 });
    expect(await interpret('({"f": $uppercase}).f("a")')).toEqual({ value: "A" });
  });

  it("a long evaluation hands the event loop a turn now and then", async () => {
    // JSONata's own awaits only queue microtasks: without strata's yield, no macrotask runs until the end.
    let turns = 0;
    let counting = true;
    const tick = () => {
      if (!counting) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    // A loaded machine must not let the time limit end it first.
    EXPRESSION_LIMITS.timeoutMs = 120_000;
    const started = performance.now();
    const value = await compileExpression("$reduce([1..5000], function($a, $x){ $a + $x }, 0)").evaluate(scope());
    const took = performance.now() - started;
    counting = false;
    expect(value).toBe(12_502_500);
    // A turn every 1024 steps once 10 ms have passed: 5,000 items are tens of thousands of steps (50 ms or more).
    if (took > 15) expect(turns).toBeGreaterThan(0);
  });
});

describe("built-in functions that build their whole result in one call are bounded before the call", () => {
  const tooLarge = (what: string, n: number, limit: number) => ({ code: "expression-too-large", message: `${what} would build ${n} characters (limit ${limit}) and was stopped before it did` });

  it("$pad: the width (either sign) times the padding's length", async () => {
    EXPRESSION_LIMITS.maxStringLength = 10;
    expect(await evaluate('$pad("x", 10)')).toEqual({ value: "x" + " ".repeat(9) });
    expect(await evaluate('$pad("x", 11)')).toEqual(tooLarge("$pad to width 11", 11, 10));
    expect(await evaluate('$pad("x", -11)')).toEqual(tooLarge("$pad to width -11", 11, 10));
    expect(await evaluate('$pad("x", 10.9)')).toEqual({ value: "x" + " ".repeat(9) });
    expect(await evaluate('$pad("x", 5, "ab")')).toEqual({ value: "xabab" });
    expect(await evaluate('$pad("x", 6, "ab")')).toEqual(tooLarge("$pad to width 6", 12, 10));
    expect(await evaluate('$pad(nothing, 11)')).toEqual({ value: undefined });
  });

  it("$join: every string and a separator between each two", async () => {
    EXPRESSION_LIMITS.maxStringLength = 10;
    expect(await evaluate('$join(["abc", "def"], "----")')).toEqual({ value: "abc----def" });
    expect(await evaluate('$join(["abc", "def"], "-----")')).toEqual(tooLarge("$join", 11, 10));
    expect(await evaluate('$join(["abcde", "fghijk"])')).toEqual(tooLarge("$join", 11, 10));
    expect(await evaluate('$join(["abcde", "fghij"])')).toEqual({ value: "abcdefghij" });
    expect(await evaluate('$join(["abcdefghij"], "----------")')).toEqual({ value: "abcdefghij" });
    expect(await evaluate('$join(nothing, "-")')).toEqual({ value: undefined });
  });

  it("$string and $clone: the data's length as JSON", async () => {
    EXPRESSION_LIMITS.maxStringLength = 10;
    // Measured as dataProblem measures (an upper bound): {"a": "x"} is 2 for the object, 5 for the key, 3 for the string.
    expect(await evaluate('$string({"a": s})', { s: "x" })).toEqual({ value: '{"a":"x"}' });
    expect(await evaluate('$string({"a": s})', { s: "xx" })).toEqual(tooLarge("$string", 11, 10));
    expect(await evaluate('$string(s)', { s: "x".repeat(10) })).toEqual({ value: "x".repeat(10) });
    // A function in the data does not stop the measure (it is written as "").
    expect(await evaluate('$string({"f": $uppercase, "s": s})', { s: "xx" })).toEqual(tooLarge("$string", 11, 10));
    expect(await evaluate('$string([$uppercase, s, s])', { s: "xxxxx" })).toEqual(tooLarge("$string", 11, 10));
    expect(await evaluate('$clone({"a": s})', { s: "x" })).toEqual({ value: { a: "x" } });
    expect(await evaluate('$clone({"a": s})', { s: "xx" })).toEqual(tooLarge("$clone", 11, 10));
  });
});

describe("the compiled path alone, for tests", () => {
  it("syncEvaluator gives the compiled function, or undefined; interpretedBecause says why an expression is not compiled", () => {
    expect(syncEvaluator("a + 1")?.({ a: 2 }, {})).toBe(3);
    // The built-in functions it calls are JSONata's (and strata's bounded ones), fetched once.
    expect(syncEvaluator("$uppercase(a) & $string(n)")?.({ a: "x", n: 1 }, {})).toBe("X1");
    expect(syncEvaluator("[1..5]")).toBeUndefined();
    expect(interpretedBecause("[1..5]")).toBe("operator '..' is not claimed");
    expect(interpretedBecause("a + 1")).toBeUndefined();
  });
});

describe("remembered values (expressions that read only some context fields)", () => {
  // A remembered value is handed out without evaluating again: with the string limit lowered after the first
  // evaluation, a value computed again is refused, a remembered one is not. That is how these tests see the memo.
  const pad = "$pad(model_name, 3)";
  const again = async (e: ReturnType<typeof compileExpression>, context: unknown, limit = 2) => {
    EXPRESSION_LIMITS.maxStringLength = limit;
    try {
      return await outcome(e.evaluate(scope(context)));
    } finally {
      EXPRESSION_LIMITS.maxStringLength = DEFAULTS.maxStringLength;
    }
  };
  const refused = { code: "expression-too-large", message: "$pad to width 3 would build 3 characters (limit 2) and was stopped before it did" };

  it("are keyed by the value of each field read, a missing field apart from null", async () => {
    const e = compileExpression(pad);
    expect(e.compiled).toBe(false);
    expect(await e.evaluate(scope({ model_name: "a" }))).toBe("a  ");
    expect(await again(e, { model_name: "a", other: 1 })).toEqual({ value: "a  " });
    expect(await again(e, { model_name: "b" })).toEqual(refused);
    const s = compileExpression("$pad($string(model_name), 3)");
    expect(await s.evaluate(scope({}))).toBeUndefined();
    expect(await again(s, { model_name: null })).toEqual({ code: "expression-too-large", message: "expression built a string of 4 characters (limit 2) and was stopped" });
  });

  it("tell the fields apart: 1 and 23 is not 12 and 3", async () => {
    const e = compileExpression('$pad($string(a) & "/" & $string(b), 1)');
    expect(await e.evaluate(scope({ a: 1, b: 23 }))).toBe("1/23");
    expect(await e.evaluate(scope({ a: 12, b: 3 }))).toBe("12/3");
    expect(await e.evaluate(scope({ a: "1", b: 23 }))).toBe("1/23");
  });

  it("keep a key of at most 1024 characters", async () => {
    // The key of one field is its JSON and a separator: a name of n characters is n + 3.
    const e = compileExpression("$pad(model_name, 1)");
    const at = "x".repeat(1021);
    const over = "y".repeat(1022);
    expect(await e.evaluate(scope({ model_name: at }))).toBe(at);
    expect(await e.evaluate(scope({ model_name: over }))).toBe(over);
    expect(await again(e, { model_name: at }, 1000)).toEqual({ value: at });
    expect(await again(e, { model_name: over }, 1000)).toEqual({ code: "expression-too-large", message: "expression built a string of 1022 characters (limit 1000) and was stopped" });
  });

  it("keep a value of at most 16 KiB as JSON", async () => {
    const e = compileExpression('$pad("", n, "x")');
    expect(await e.evaluate(scope({ n: 16382 }))).toHaveLength(16382);
    expect(await e.evaluate(scope({ n: 16383 }))).toHaveLength(16383);
    expect(await again(e, { n: 16382 })).toEqual({ value: "x".repeat(16382) });
    expect(await again(e, { n: 16383 })).toEqual({ code: "expression-too-large", message: "$pad to width 16383 would build 16383 characters (limit 2) and was stopped before it did" });
  });

  it("keep at most 256 values, and start again when full", async () => {
    const e = compileExpression("$pad(model_name, 3)");
    for (let i = 0; i < 256; i++) await e.evaluate(scope({ model_name: String(i) }));
    expect(await again(e, { model_name: "0" })).toEqual({ value: "0  " });
    expect(await again(e, { model_name: "255" })).toEqual({ value: "255" });
    await e.evaluate(scope({ model_name: "256" }));
    expect(await again(e, { model_name: "256" })).toEqual({ value: "256" });
    expect(await again(e, { model_name: "0" })).toEqual(refused);
  });
});
