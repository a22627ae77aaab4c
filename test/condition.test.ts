// src/lang/condition.ts in-process, function by function: the static look at a rule (checkLogic, walkLogic,
// varRefs, varsRead, comparedLiterals, describeLogic), the own-property `var`, and the limits JSON-logic runs
// within. Mutation testing (docs/testing.md) found these reached only through the CLI, the server or explain.
// The differential tests of the compiled conditions are in test/condition-compile.test.ts; the limits seen
// through `strata compose` and the HTTP API in test/hostile-conditions.test.ts.
import { describe, expect, it } from "vitest";
import {
  applyLogic,
  argAt,
  checkLogic,
  comparedLiterals,
  describeLogic,
  evaluateLogic,
  isCompiledCondition,
  KNOWN_OPERATORS,
  ownVar,
  testCondition,
  varRefs,
  varsRead,
  walkLogic,
  type LogicNode,
} from "../src/lang/condition.js";
import { EXPRESSION_LIMITS } from "../src/lang/expression.js";

/** What a call gives: its value, or the class, code and message of what it throws. */
function outcome(f: () => unknown): unknown {
  try {
    return { value: f() };
  } catch (e) {
    return { error: (e as Error).constructor.name, code: (e as { code?: string }).code, message: (e as Error).message };
  }
}

describe("checkLogic: the operators docs/authoring.md lists, and nothing else", () => {
  // docs/authoring.md, "Operators": the table, then "Also available".
  const DOCUMENTED = [
    "==", "===", "!=", "!==", "<", "<=", ">", ">=", "and", "or", "!", "!!", "in", "some", "all", "none", "missing",
    "if", "?:", "%", "+", "-", "*", "/", "min", "max", "cat", "substr", "merge", "filter", "map", "reduce", "missing_some", "var",
  ];

  it("every documented operator loads; the set is exactly those", () => {
    for (const op of DOCUMENTED) expect(checkLogic({ [op]: [] }), op).toEqual([]);
    expect([...KNOWN_OPERATORS].sort()).toEqual([...DOCUMENTED].sort());
  });

  it("`log` (it writes to the console) and other names are unknown operators, at the operator key", () => {
    expect(checkLogic({ log: "x" })).toEqual([{ pointer: "/log", code: "unknown-operator", message: "unknown JSON-logic operator 'log'" }]);
    expect(checkLogic({ and: [true, { "a/b": [1] }] }, "/when")).toEqual([
      { pointer: "/when/and/1/a~1b", code: "unknown-operator", message: "unknown JSON-logic operator 'a/b'" },
    ]);
    // Nothing inside an unknown operator is looked at.
    expect(checkLogic({ nope: [{ other: 1 }] })).toEqual([{ pointer: "/nope", code: "unknown-operator", message: "unknown JSON-logic operator 'nope'" }]);
  });

  it("an object with no key or several keys is no operator, named with its keys; nothing inside is looked at", () => {
    expect(checkLogic({})).toEqual([{ pointer: "", code: "unknown-operator", message: "a condition object must have exactly one operator key, found none" }]);
    expect(checkLogic({ or: [{ "==": [1, 1], var: "x", nope: { bad: 1 } }] }, "/w")).toEqual([
      { pointer: "/w/or/0", code: "unknown-operator", message: "a condition object must have exactly one operator key, found '==', 'var', 'nope'" },
    ]);
  });

  it("a var reaching for a prototype key, at any segment, is forbidden-path; other vars and the rest of the rule are still checked", () => {
    expect(checkLogic({ and: [{ var: "a.constructor" }, { var: ["__proto__", 1] }, { var: "prototypes" }, { bad: 1 }] }, "/when")).toEqual([
      { pointer: "/when/and/0/var", code: "forbidden-path", message: "'a.constructor' reads a prototype key, which is not allowed" },
      { pointer: "/when/and/1/var", code: "forbidden-path", message: "'__proto__' reads a prototype key, which is not allowed" },
      { pointer: "/when/and/3/bad", code: "unknown-operator", message: "unknown JSON-logic operator 'bad'" },
    ]);
    // The same key as a literal, or a computed path, is not a read.
    expect(checkLogic({ "==": ["constructor", { var: { cat: ["__pro", "to__"] } }] })).toEqual([]);
  });
});

describe("walkLogic and argAt", () => {
  it("visits every object outside in, with its pointers and whether var reads the item there; false skips the inside", () => {
    const seen: Omit<LogicNode, "keys">[] = [];
    const rule = { and: [{ some: [{ var: "l" }, { "==": [{ var: "" }, 1] }] }, { "!": { var: "x" } }, [{ skip: { var: "no" } }], { a: 1, b: 2 }] };
    walkLogic(rule, ({ keys: _keys, ...n }) => {
      seen.push(n);
      return n.op !== "skip";
    }, "/when");
    const node = (op: string | undefined, args: unknown[], listed: boolean, at: string, opAt: string, item = false) => ({ op, args, listed, at, opAt, item });
    expect(seen).toEqual([
      node("and", rule.and, true, "/when", "/when/and"),
      node("some", rule.and[0].some as unknown[], true, "/when/and/0", "/when/and/0/some"),
      node("var", ["l"], false, "/when/and/0/some/0", "/when/and/0/some/0/var"),
      node("==", [{ var: "" }, 1], true, "/when/and/0/some/1", "/when/and/0/some/1/==", true),
      node("var", [""], false, "/when/and/0/some/1/==/0", "/when/and/0/some/1/==/0/var", true),
      node("!", [{ var: "x" }], false, "/when/and/1", "/when/and/1/!"),
      node("var", ["x"], false, "/when/and/1/!", "/when/and/1/!/var"),
      node("skip", [{ var: "no" }], false, "/when/and/2/0", "/when/and/2/0/skip"),
      node(undefined, [], false, "/when/and/3", "/when/and/3"),
    ]);
  });

  it("the first argument of a per-item operator reads the context; only the second reads the item", () => {
    for (const op of ["map", "filter", "all", "none", "some", "reduce"]) {
      const items: [string, boolean][] = [];
      walkLogic({ [op]: [{ var: "a" }, { var: "b" }, { var: "c" }] }, (n) => {
        if (n.op === "var") items.push([n.args[0] as string, n.item]);
      });
      expect(items, op).toEqual([["a", false], ["b", true], ["c", false]]);
    }
    const items: boolean[] = [];
    walkLogic({ if: [{ var: "a" }, { var: "b" }] }, (n) => void (n.op === "var" && items.push(n.item)));
    expect(items).toEqual([false, false]);
  });

  it("without a starting pointer, pointers start at the rule itself", () => {
    const at: string[] = [];
    walkLogic({ "!": [{ var: "a" }] }, (n) => void at.push(n.at, n.opAt));
    expect(at).toEqual(["", "/!", "/!/0", "/!/0/var"]);
  });

  it("argAt: the listed argument's index, or the operator key itself", () => {
    const base = { op: "x", keys: ["x"], args: [], at: "/w", opAt: "/w/x", item: false };
    expect(argAt({ ...base, listed: true }, 2)).toBe("/w/x/2");
    expect(argAt({ ...base, listed: false }, 0)).toBe("/w/x");
  });
});

describe("varRefs and varsRead: what a rule reads from the context or $config", () => {
  it("var, missing and missing_some names with their pointers; not inside per-item logic, not empty or computed paths", () => {
    const rule = {
      and: [
        { var: "a.b" },
        { var: ["c", 1] },
        { var: "" },
        { var: 3 },
        { missing: ["d", "", 4, "e"] },
        { missing: "f" },
        { missing_some: [1, ["g", "", "h"]] },
        { missing_some: [1, "i"] },
        { all: [{ var: "list" }, { var: "inside" }] },
        { var: "a.b" },
      ],
    };
    expect(varRefs(rule, "/when")).toEqual([
      { path: "a.b", pointer: "/when/and/0/var" },
      { path: "c", pointer: "/when/and/1/var/0" },
      { path: "d", pointer: "/when/and/4/missing/0" },
      { path: "e", pointer: "/when/and/4/missing/3" },
      { path: "f", pointer: "/when/and/5/missing" },
      { path: "g", pointer: "/when/and/6/missing_some/1/0" },
      { path: "h", pointer: "/when/and/6/missing_some/1/2" },
      { path: "list", pointer: "/when/and/8/all/0/var" },
      { path: "a.b", pointer: "/when/and/9/var" },
    ]);
    expect(varsRead(rule)).toEqual(["a.b", "c", "d", "e", "f", "g", "h", "list"]);
  });

  it("a list beside another operator is not a list of names, and only text in missing_some's list is a name", () => {
    expect(varRefs({ and: [{ in: [{ var: "x" }, ["a", "b"]] }, { missing_some: [1, ["c", 2, null]] }] }, "")).toEqual([
      { path: "x", pointer: "/and/0/in/0/var" },
      { path: "c", pointer: "/and/1/missing_some/1/0" },
    ]);
  });

  it("varsRead: one frozen list per rule, given again on the next call; a rule that is not an object reads nothing", () => {
    const rule = { "==": [{ var: "$config.x" }, { var: "y" }] };
    const first = varsRead(rule);
    expect(first).toEqual(["$config.x", "y"]);
    expect(Object.isFrozen(first)).toBe(true);
    expect(varsRead(rule)).toBe(first);
    expect(varsRead({ "==": [{ var: "$config.x" }, { var: "y" }] })).not.toBe(first);
    expect(varsRead(true)).toEqual([]);
    expect(varsRead(null)).toEqual([]);
  });
});

describe("comparedLiterals: the text values a rule compares a field with", () => {
  it("== and === with the field on either side, `in` a list; not other operators, non-text values, or per-item logic", () => {
    expect(comparedLiterals({
      and: [
        { "==": [{ var: "base_runtime" }, "vllm"] },
        { "===": ["docker", { var: ["deployment_mode", "x"] }] },
        { "==": [{ var: "gpu_type" }, null] },
        { "==": [{ var: "a" }, "x", "extra"] },
        { "!=": [{ var: "a" }, "y"] },
        { "!==": [{ var: "a" }, ["z"]] },
        { "==": ["p", "q"] },
        { "==": [null, { var: "n" }] },
        { "==": [{ var: "" }, "r"] },
        { "==": [{ var: 3 }, "s"] },
        { in: [{ var: "gpu_type" }, ["H100", 1, "A100"]] },
        { in: [{ var: "gpu_type" }, "H100-80GB"] },
        { in: [{ var: "gpu_type" }, ["z"], "extra"] },
        { in: ["H100", [{ var: "gpu_type" }]] },
        { some: [{ var: "l" }, { "==": [{ var: "name" }, "u"] }] },
        { "==": [{ var: "$config.x" }, "w"] },
      ],
    })).toEqual([
      { field: "base_runtime", value: "vllm" },
      { field: "deployment_mode", value: "docker" },
      { field: "gpu_type", value: "H100" },
      { field: "gpu_type", value: "A100" },
      { field: "$config.x", value: "w" },
    ]);
  });

  it("a field compared with another field is not a literal", () => {
    expect(comparedLiterals({ "==": [{ var: "a" }, { var: "b" }] })).toEqual([]);
  });
});

describe("describeLogic: a rule in words", () => {
  it.each([
    [{ "==": [{ var: "base_runtime" }, "vllm"] }, 'base_runtime == "vllm"'],
    [{ "<=": [{ var: "total_gpus" }, 8] }, "total_gpus <= 8"],
    [{ "===": [1, 2, 3] }, "===(1, 2, 3)"],
    [{ in: ["H100", { var: "gpu_type" }] }, '"H100" in gpu_type'],
    [{ and: [{ var: "total_gpus" }, { "!=": [{ var: "$config.parameters.tp-size" }, null] }] }, "total_gpus and $config.parameters.tp-size != null"],
    [{ or: [{ and: [true, false] }, { or: [1, 2] }, { "!": 0 }] }, "(true and false) or (1 or 2) or not 0"],
    [{ and: [{ "!!": [{ var: "slo_config" }] }] }, "slo_config is set"],
    [{ var: "" }, "(context)"],
    [{ var: ["a", 1] }, "a"],
    [{ var: { cat: ["a", "b"] } }, 'var(cat("a", "b"))'],
    [{ some: [{ var: "l" }, { ">": [{ var: "" }, 1] }] }, "some(l, (context) > 1)"],
    [{ missing: ["a", "b"] }, 'missing("a", "b")'],
    [[1, "x", null], '[1, "x", null]'],
    [{ if: [] }, "if()"],
    [undefined, "null"],
  ])("%j is %s", (rule, text) => {
    expect(describeLogic(rule)).toBe(text);
  });

  it.each(["==", "===", "!=", "!==", ">", ">=", "<", "<=", "in", "%", "+", "-", "*", "/"])("%s between two operands is written between them", (op) => {
    expect(describeLogic({ [op]: [{ var: "a" }, 2] })).toBe(`a ${op} 2`);
  });

  it.each(["min", "max", "cat", "merge", "?:"])("%s is written as a call, even with two operands", (op) => {
    expect(describeLogic({ [op]: [{ var: "a" }, 2] })).toBe(`${op}(a, 2)`);
  });
});

describe("ownVar: var over own properties only", () => {
  const data = { a: { b: 0, u: undefined, n: null }, l: [10, 20] };

  it("reads own properties; a prototype key, a missing field or an undefined one gives the fallback, or null", () => {
    const v = (path: unknown, fallback?: unknown) => ownVar.call(data, path, fallback);
    expect(v("a.b")).toBe(0);
    expect(v("a.n", 7)).toBe(null);
    expect(v("l.1")).toBe(20);
    expect(v(1)).toBe(null);
    expect(v("a.u")).toBe(null);
    expect(v("a.u", "fb")).toBe("fb");
    expect(v("a.b.c", "fb")).toBe("fb");
    expect(v("a.n.x", "fb")).toBe("fb");
    expect(v("a.toString")).toBe(null);
    expect(v("l.length", "fb")).toBe(2); // a list's own property
    expect(v("x", false)).toBe(false);
    expect(v("")).toBe(data);
    expect(v(null)).toBe(data);
    expect(v(undefined)).toBe(data);
    expect(ownVar.call(null, "a", "fb")).toBe("fb");
  });
});

describe("the limits JSON-logic runs within", () => {
  it("a step that builds a long list or string: its own size past the limit, named as list or string", () => {
    const many = Array(EXPRESSION_LIMITS.maxSequence + 1).fill(1);
    expect(outcome(() => applyLogic({ map: [{ var: "xs" }, 1] }, { xs: many }))).toEqual({
      error: "LogicLimitError",
      code: "condition-too-large",
      message: `condition built a list of ${many.length} items (limit ${EXPRESSION_LIMITS.maxSequence}) and was stopped`,
    });
    expect(outcome(() => applyLogic({ map: [{ var: "xs" }, 1] }, { xs: many.slice(1) }))).toEqual({ value: many.slice(1) });
    const long = "x".repeat(EXPRESSION_LIMITS.maxStringLength + 1);
    expect(outcome(() => applyLogic({ substr: [{ var: "s" }, 0] }, { s: long }))).toEqual({
      error: "LogicLimitError",
      code: "condition-too-large",
      message: `condition built a string of ${long.length} characters (limit ${EXPRESSION_LIMITS.maxStringLength}) and was stopped`,
    });
  });

  it("what is built is counted over the whole evaluation, only for operators that build; the count starts again on each call", () => {
    const saved = EXPRESSION_LIMITS.maxBuilt;
    EXPRESSION_LIMITS.maxBuilt = 200;
    try {
      const s = "x".repeat(100);
      const tooMuch = `condition built more than 200 list items and characters in all (limit) and was stopped`;
      // Two substr of 100 characters: 200, at the limit; three: over it.
      expect(outcome(() => applyLogic({ cat: [{ substr: [{ var: "s" }, 0] }, { substr: [{ var: "s" }, 0] }] }, { s }))).toEqual({ error: "LogicLimitError", code: "condition-too-large", message: tooMuch });
      expect(outcome(() => applyLogic([{ substr: [{ var: "s" }, 0] }, { substr: [{ var: "s" }, 0] }], { s }))).toEqual({ value: [s, s] });
      expect(outcome(() => applyLogic([{ substr: [{ var: "s" }, 0] }, { substr: [{ var: "s" }, 0] }, { substr: [{ var: "s" }, 0] }], { s }))).toEqual({ error: "LogicLimitError", code: "condition-too-large", message: tooMuch });
      // `var` and `if` hand out what exists without building it: not counted.
      expect(outcome(() => applyLogic([{ var: "s" }, { var: "s" }, { if: [true, { var: "s" }, 0] }], { s }))).toEqual({ value: [s, s, s] });
      // 64 characters or fewer are not counted.
      const short = "x".repeat(64);
      expect(outcome(() => applyLogic([1, 2, 3, 4].map(() => ({ substr: [{ var: "s" }, 0] })), { s: short }))).toEqual({ value: [short, short, short, short] });
      expect(outcome(() => applyLogic([{ substr: [{ var: "s" }, 0] }, { substr: [{ var: "s" }, 0] }], { s }))).toEqual({ value: [s, s] });
    } finally {
      EXPRESSION_LIMITS.maxBuilt = saved;
    }
  });

  it.each([
    ["map", { map: [{ var: "l" }, 1] }],
    ["filter", { filter: [{ var: "l" }, true] }],
    ["merge", { merge: [{ var: "l" }] }],
    ["cat", { cat: [{ var: "s" }] }],
    ["substr", { substr: [{ var: "s" }, 0] }],
    ["missing", { missing: { var: "names" } }],
    ["missing_some", { missing_some: [200, { var: "names" }] }],
  ])("%s counts what it builds", (_op, rule) => {
    const data = { l: Array(101).fill(1), s: "x".repeat(101), names: Array.from({ length: 101 }, (_, i) => `n${i}`) };
    const saved = EXPRESSION_LIMITS.maxBuilt;
    EXPRESSION_LIMITS.maxBuilt = 100;
    try {
      expect(outcome(() => applyLogic(rule, data))).toEqual({ error: "LogicLimitError", code: "condition-too-large", message: "condition built more than 100 list items and characters in all (limit) and was stopped" });
      // What only hands on or picks (var, if, reduce, min) is not counted.
      expect(outcome(() => applyLogic([{ var: "l" }, { if: [true, { var: "s" }] }, { reduce: [[1], { var: "current" }, { var: "names" }] }], data))).toEqual({ value: [data.l, data.s, 1] });
    } finally {
      EXPRESSION_LIMITS.maxBuilt = saved;
    }
  });

  it("missing_some's list is counted once: json-logic-js builds it with `missing`, which is counted (regression: counted twice)", () => {
    const names = Array.from({ length: 101 }, (_, i) => `n${i}`);
    const saved = EXPRESSION_LIMITS.maxBuilt;
    EXPRESSION_LIMITS.maxBuilt = 150;
    try {
      expect(outcome(() => applyLogic({ missing_some: [200, { var: "names" }] }, { names }))).toEqual({ value: names });
      expect(outcome(() => applyLogic([{ missing_some: [200, { var: "names" }] }, { missing: { var: "names" } }], { names }))).toEqual({
        error: "LogicLimitError",
        code: "condition-too-large",
        message: "condition built more than 150 list items and characters in all (limit) and was stopped",
      });
    } finally {
      EXPRESSION_LIMITS.maxBuilt = saved;
    }
  });

  it("merge is measured before it builds: exactly the limit is built, one more item is refused", () => {
    const half = Array(EXPRESSION_LIMITS.maxSequence / 2).fill(1);
    expect(outcome(() => (applyLogic({ merge: [{ var: "h" }, { var: "h" }] }, { h: half }) as unknown[]).length)).toEqual({ value: EXPRESSION_LIMITS.maxSequence });
    expect(outcome(() => applyLogic({ merge: [{ var: "h" }, { var: "h" }, 1] }, { h: half }))).toEqual({
      error: "LogicLimitError",
      code: "condition-too-large",
      message: `condition built a list of ${EXPRESSION_LIMITS.maxSequence + 1} items (limit ${EXPRESSION_LIMITS.maxSequence}) and was stopped`,
    });
    expect(applyLogic({ merge: [[1], 2, [[3]], null] }, null)).toEqual([1, 2, [3], null]);
  });

  it("merge refuses a list past the limit before it reads a single item of what it would join", () => {
    const reads: string[] = [];
    const h = new Proxy(Array(EXPRESSION_LIMITS.maxSequence / 2).fill(1), {
      get(target, key, receiver) {
        if (typeof key === "string" && /^\d+$/.test(key)) reads.push(key);
        return Reflect.get(target, key, receiver);
      },
    });
    expect(outcome(() => applyLogic({ merge: [{ var: "h" }, 1, { var: "h" }] }, { h }))).toEqual({
      error: "LogicLimitError",
      code: "condition-too-large",
      message: `condition built a list of ${EXPRESSION_LIMITS.maxSequence + 1} items (limit ${EXPRESSION_LIMITS.maxSequence}) and was stopped`,
    });
    expect(reads).toEqual([]);
  });

  it("cat joins what JSON-logic joins, and stops past the string limit", () => {
    expect(applyLogic({ cat: ["a", 1, null, true, [1, 2], { var: "o" }, { var: "none" }] }, { o: {} })).toBe("a1true1,2[object Object]");
    // `reduce` over nothing without a start value gives null; a rule built in code can hand `cat` undefined:
    // both joined as nothing, as json-logic-js's own `cat` (Array.prototype.join) joins them.
    expect(applyLogic({ cat: ["a", { reduce: [[], 1] }, "b"] }, null)).toBe("ab");
    expect(applyLogic({ cat: ["a", undefined, "b"] }, null)).toBe("ab");
    const half = "x".repeat(EXPRESSION_LIMITS.maxStringLength / 2);
    expect((applyLogic({ cat: [{ var: "h" }, { var: "h" }] }, { h: half }) as string).length).toBe(EXPRESSION_LIMITS.maxStringLength);
    expect(outcome(() => applyLogic({ cat: [{ var: "h" }, { var: "h" }, "y"] }, { h: half }))).toEqual({
      error: "LogicLimitError",
      code: "condition-too-large",
      message: `condition built a string of more than ${EXPRESSION_LIMITS.maxStringLength} characters and was stopped`,
    });
  });

  it("each evaluation counts what it builds from zero", () => {
    const saved = EXPRESSION_LIMITS.maxBuilt;
    EXPRESSION_LIMITS.maxBuilt = 150;
    try {
      const s = "x".repeat(100);
      // Each call alone stays under 150; the count does not leak from one call into the next.
      for (let i = 0; i < 3; i++) expect(applyLogic({ substr: [{ var: "s" }, 0] }, { s })).toBe(s);
      expect(evaluateLogic({ substr: [{ var: "s" }, 0] }, { s })).toBe(true);
    } finally {
      EXPRESSION_LIMITS.maxBuilt = saved;
    }
  });

  it("a loop that runs past the time limit stops with condition-timeout, interpreted or compiled", () => {
    const ones = Array(20_000).fill(1);
    const timeout = { error: "LogicLimitError", code: "condition-timeout", message: `condition ran longer than ${EXPRESSION_LIMITS.timeoutMs} ms and was stopped` };
    const nested = { all: [{ var: "l" }, { none: [ones, { "!": { var: "" } }] }] };
    expect(isCompiledCondition(nested)).toBe(true);
    expect(outcome(() => testCondition(nested, { l: ones }, {}))).toEqual(timeout);
    expect(outcome(() => applyLogic({ reduce: [{ var: "l" }, { reduce: [ones, { "+": [{ var: "accumulator" }, 1] }, 0] }, 0] }, { l: ones }))).toEqual(timeout);
  });
});

describe("compiled conditions evaluate every argument, as the interpreter does", () => {
  it("a loop past the time limit in an extra argument stops the rule; a loop within it does not", () => {
    const l = Array(300).fill(0);
    const loop = { some: [{ var: "l" }, false] };
    const timeout = { error: "LogicLimitError", code: "condition-timeout", message: `condition ran longer than 0 ms and was stopped` };
    const rules = [
      ...["==", "!=", "===", "!==", "in"].map((op) => ({ [op]: [1, [1], loop] })),
      ...["!", "!!"].map((op) => ({ [op]: [1, loop] })),
    ];
    for (const rule of rules) {
      expect(isCompiledCondition(rule)).toBe(true);
      expect(outcome(() => testCondition(rule, { l }, {}))).toEqual(outcome(() => evaluateLogic(rule, { l })));
    }
    // Within the limit, 300 items are 300 steps (the clock is read every 256).
    expect(testCondition(loop, { l }, {})).toBe(false);
    expect(testCondition({ "!": [1, loop] }, { l }, {})).toBe(false);
    const saved = EXPRESSION_LIMITS.timeoutMs;
    EXPRESSION_LIMITS.timeoutMs = 0;
    try {
      for (const rule of rules) {
        expect(outcome(() => testCondition(rule, { l }, {}))).toEqual(timeout);
        expect(outcome(() => evaluateLogic(rule, { l }))).toEqual(timeout);
      }
    } finally {
      EXPRESSION_LIMITS.timeoutMs = saved;
    }
  });
});

describe("the operators strata changes in json-logic-js", () => {
  it("var reads own properties only; log is gone", () => {
    expect(applyLogic({ var: "a.toString" }, { a: {} })).toBe(null);
    expect(applyLogic({ var: "a.constructor" }, { a: {} })).toBe(null);
    expect(outcome(() => applyLogic({ log: "x" }, null))).toEqual({ error: "Error", code: undefined, message: "Unrecognized operation log" });
  });
});

describe("which rules run as closures", () => {
  it.each([
    [{ "==": [{ var: "a" }, 1] }, true],
    [{ var: ["a", 1] }, true],
    [{ var: 0 }, true],
    [{ var: "" }, false],
    [{ var: { cat: ["a"] } }, false],
    [{ some: [{ var: "l" }, { "==": [{ var: "" }, 1] }] }, true],
    [{ some: [{ var: "l" }] }, false],
    [{ all: [{ var: "l" }, { var: "" }] }, true],
    [{ none: [{ var: "l" }, { "!": { var: "" } }] }, true],
    [{ some: [{ var: "" }, true] }, false],
    [{ "==": [1, { var: "" }] }, false],
    [{ "!": { var: "" } }, false],
    [{ var: true }, false],
    [{ ">": [1, 2, 3] }, false],
    [{ "<": [1, 2] }, true],
    [{ "+": [1, 2] }, false],
    [{ and: [true, { cat: ["a"] }] }, false],
    [[1, { map: [[1], 1] }], false],
    [[1, { var: "x" }], true],
    [true, true],
    [{ a: 1, b: 2 }, true],
  ])("%j: %s", (rule, compiled) => {
    expect(isCompiledCondition(rule)).toBe(compiled);
  });

  it("a compiled rule reads the context's own fields and $config, like the interpreter", () => {
    const ctx = Object.assign(Object.create({ inherited: "yes" }), { a: { b: 1 }, u: undefined });
    expect(testCondition({ "==": [{ var: "inherited" }, null] }, ctx, {})).toBe(true);
    expect(testCondition({ "==": [{ var: ["u", "fb"] }, "fb"] }, ctx, {})).toBe(true);
    expect(testCondition({ "==": [{ var: ["$config", "fb"] }, "fb"] }, ctx, undefined)).toBe(true);
    expect(testCondition({ "==": [{ var: "$config.p.q" }, 2] }, ctx, { p: { q: 2 } })).toBe(true);
    expect(testCondition({ "==": [{ var: "a.b" }, 1] }, ctx, {})).toBe(true);
    expect(testCondition({ "==": [{ var: ["a.u", "fb"] }, "fb"] }, { a: { u: undefined } }, {})).toBe(true);
    // `var` of null reads the whole data (interpreted), not a field named "null".
    expect(testCondition({ var: [null] }, { null: 0 }, {})).toBe(true);
    expect(testCondition({ var: "a.toString" }, ctx, {})).toBe(false);
  });

  it("a rule that is not an object, and a rule that loops but uses an operator not compiled, give the interpreter's answer", () => {
    expect(testCondition(true, {}, {})).toBe(true);
    expect(testCondition(0, {}, {})).toBe(false);
    expect(testCondition("x", {}, {})).toBe(true);
    const mixed = { and: [{ some: [[1, 2], { ">": [{ var: "" }, 1] }] }, { "+": [{ var: "n" }, 1] }] };
    expect(isCompiledCondition(mixed)).toBe(false);
    expect(testCondition(mixed, { n: 1 }, {})).toBe(true);
    expect(testCondition(mixed, { n: -1 }, {})).toBe(false);
    // The same rule again: the answer does not depend on what was kept from the first time.
    expect(testCondition(mixed, { n: 1 }, {})).toBe(true);
  });
});
