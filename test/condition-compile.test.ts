// Conditions compiled to closures (testCondition) give what the JSON-logic interpreter gives
// (evaluateLogic over logicData), on JSON-logic's published test table and on random rules and data.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluateLogic, isCompiledCondition, logicData, testCondition } from "../src/lang/condition.js";
import { loadLayerSet } from "../src/index.js";

/** What a call gives: its truthiness, or the message it throws. */
function outcome(f: () => boolean): { value: boolean } | { error: string } {
  try {
    return { value: f() };
  } catch (e) {
    return { error: (e as Error).message };
  }
}
const same = (rule: unknown, context: Record<string, unknown>, config: unknown) =>
  expect(outcome(() => testCondition(rule, context, config)), JSON.stringify({ rule, context, config })).toEqual(
    outcome(() => evaluateLogic(rule, logicData(context, config))),
  );

describe("compiled conditions", () => {
  it("agree with the interpreter on JSON-logic's published table (rows whose data a context can hold)", () => {
    const table = JSON.parse(readFileSync(join(__dirname, "json-logic", "tests.json"), "utf8")) as unknown[];
    let compiled = 0;
    for (const row of table) {
      if (!Array.isArray(row)) continue;
      const [rule, data] = row;
      const isObject = data !== null && typeof data === "object" && !Array.isArray(data);
      // A context is an object: other data only for rules that read none.
      if (isObject ? Object.hasOwn(data, "$config") : JSON.stringify(rule).includes('"var"')) continue;
      const context = (isObject ? data : {}) as Record<string, unknown>;
      if (isCompiledCondition(rule)) compiled++;
      same(rule, context, undefined);
      // The same rule reading the config: every `var` path under `$config.`.
      same(JSON.parse(JSON.stringify(rule).replace(/"var":(\s*\[?\s*)"([^"]+)"/g, '"var":$1"$config.$2"')), {}, data);
    }
    expect(compiled).toBeGreaterThan(30);
  });

  it("compile every condition and check of the shipped layers", () => {
    const set = loadLayerSet(join(__dirname, "..", "layers"), { schemasDir: join(__dirname, "..", "schemas") });
    const rules = [...set.stages.flatMap((s) => s.layers), ...[...set.profiles.values()].flatMap((p) => p.layers)].map((l) => l.when).filter((w) => w !== undefined);
    rules.push(...set.checks.map((c) => c.when));
    expect(rules.length).toBeGreaterThan(8);
    for (const r of rules) expect(isCompiledCondition(r), JSON.stringify(r)).toBe(true);
  });

  it("agree with the interpreter on random rules over random contexts and configs", () => {
    const field = fc.constantFrom("a", "b", "c", "$config.x", "$config.x.y", "$config.l", "$config.l.length", "a.b", "missing", "l.0");
    const scalar = fc.oneof(fc.constantFrom(null, true, false, 0, 1, 8, -1, "", "x", "vllm", "0"), fc.integer({ min: -3, max: 10 }));
    const data: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: "small" }, scalar, fc.array(tie("v"), { maxLength: 3 }), fc.dictionary(fc.constantFrom("a", "b", "x", "y", "l", "indexOf", "length"), tie("v"), { maxKeys: 3 })),
    })).v;
    const rule: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      r: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        scalar,
        fc.record({ var: field }),
        fc.record({ var: fc.tuple(field, scalar) }),
        fc.array(scalar, { maxLength: 3 }),
        ...["==", "!=", "===", "!==", ">", ">=", "<", "<=", "in"].map((op) => fc.tuple(tie("r"), tie("r")).map((args) => ({ [op]: args }))),
        ...["!", "!!"].map((op) => tie("r").map((x) => ({ [op]: [x] }))),
        ...["and", "or", "if"].map((op) => fc.array(tie("r"), { maxLength: 4 }).map((args) => ({ [op]: args }))),
        ...["some", "all", "none"].map((op) => fc.tuple(tie("r"), fc.oneof(fc.constant({ ">": [{ var: "" }, 1] }), fc.constant({ "==": [{ var: "a" }, "x"] }), tie("r"))).map((args) => ({ [op]: args }))),
      ),
    })).r;
    let compiled = 0;
    fc.assert(
      fc.property(rule, fc.dictionary(fc.constantFrom("a", "b", "c", "l"), data, { maxKeys: 4 }), data, (r, context, config) => {
        if (isCompiledCondition(r)) compiled++;
        same(r, context, config);
      }),
      { numRuns: 3000, seed: 16 },
    );
    // The rules drawn are the compiled subset: nearly all of them run as closures.
    expect(compiled).toBeGreaterThan(2500);
  });
});
