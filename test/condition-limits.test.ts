// JSON-logic has limits like JSONata's (src/lang/condition.ts): a condition or a check rule that loops too long or
// builds too much stops with a located error — `condition-timeout` / `condition-too-large` at the `when:` of
// the layer file (or the check rule) — instead of running for minutes or aborting Node out of memory. The
// wrapping changes no result: JSON-logic's published table, and random rules compared with an untouched copy.
// In-process (mutation testing runs it); the same limits through the CLI and HTTP: test/hostile-conditions.test.ts.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compose } from "../src/index.js";
import { applyLogic, KNOWN_OPERATORS, ownVar } from "../src/lang/condition.js";
import { positionIn, setWith } from "./hostile/setup.js";
import { CONTEXT, layerWith, RUNAWAYS } from "./hostile/conditions.js";


describe("conditions past the limits (library)", () => {
  it.each(RUNAWAYS)("%s stops with a located error", async (_what, when, code, message) => {
    const { file, at } = layerWith(when);
    const set = setWith(file);
    expect(set.issues.filter((i) => i.severity === "error")).toEqual([]);
    const result = await compose(set, CONTEXT);
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([{ code, severity: "error", message: `layer 'slow': ${message}`, file: "slow.yaml", line: at.line, column: at.column, layer: "slow", pointer: "/when" }]);
  });

  it("a check rule past the limits is a located error of its rule file", async () => {
    const text = `check: slow-check\nseverity: warning\nmessage: never\nwhen: ${RUNAWAYS[1][1]}\n`;
    const result = await compose(setWith({ path: "checks/slow-check.yaml", text }), CONTEXT);
    expect(result.errors).toEqual([
      { code: "condition-too-large", severity: "error", message: `check 'slow-check': ${RUNAWAYS[1][3]}`, file: "checks/slow-check.yaml", line: 1, column: 1, layer: "slow-check" },
    ]);
  });

  it("a profile layer's condition is located at its own when:", async () => {
    const text = `profile: slowp\ntitle: Slow\ndescription: slow\nlayers:\n  - name: slowp-params\n    when: ${RUNAWAYS[1][1]}\n    data: { description: slow }\n`;
    const result = await compose(setWith({ path: "profiles/slowp.yaml", text }), { ...CONTEXT, profiles: ["slowp"] });
    const at = positionIn(text, "when:");
    expect(result.errors).toEqual([
      { code: "condition-too-large", severity: "error", message: `layer 'slowp-params': ${RUNAWAYS[1][3]}`, file: "profiles/slowp.yaml", line: at.line, column: at.column, layer: "slowp-params", pointer: "/layers/0/when" },
    ]);
  });
});

// ---- The wrapping changes no result

/** json-logic-js loaded afresh (its own module instance, untouched by strata), with strata's own-property `var`. */
function pristineJsonLogic() {
  const require = createRequire(import.meta.url);
  const path = require.resolve("json-logic-js");
  const saved = require.cache[path];
  delete require.cache[path];
  try {
    const fresh = require("json-logic-js");
    fresh.add_operation("var", ownVar);
    fresh.rm_operation("log");
    return fresh as { apply(rule: unknown, data: unknown): unknown };
  } finally {
    if (saved) require.cache[path] = saved;
  }
}

const pristine = pristineJsonLogic();

const outcome = (f: () => unknown) => {
  try {
    return { value: f() };
  } catch (e) {
    return { error: (e as Error).message };
  }
};

describe("JSON-logic results are unchanged by the limits", () => {
  const table = JSON.parse(readFileSync(new URL("./json-logic/tests.json", import.meta.url), "utf8")) as unknown[];
  const rows = table.filter((r): r is [unknown, unknown, unknown] => Array.isArray(r));

  it("the untouched copy is a separate instance (so the comparison below means something)", () => {
    expect(pristine.apply).not.toBe(undefined);
    expect(outcome(() => pristine.apply({ merge: [[1], [2]] }, null))).toEqual({ value: [1, 2] });
    expect(rows).toHaveLength(72);
  });

  it.each(rows.map((r, i) => [i, ...r]))("published row %i: %j with %j gives %j", (_i, rule, data, expected) => {
    expect(applyLogic(rule, data)).toEqual(expected);
  });

  it("random rules over every allowed operator give what the untouched json-logic-js gives", () => {
    const ops = [...KNOWN_OPERATORS];
    const leaf = fc.oneof(
      fc.integer({ min: -3, max: 5 }),
      fc.constantFrom("a", "", "1", "ab", null, true, false, 0.5),
      fc.constantFrom({ var: "a" }, { var: "b" }, { var: "list" }, { var: "" }, { var: "current" }, { var: "accumulator" }, { var: ["nope", 7] }, { var: "o.x" }),
      fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
    );
    const rules = fc.letrec((tie) => ({
      rule: fc.oneof({ depthSize: "small" }, leaf, tie("op")),
      op: fc.tuple(fc.constantFrom(...ops), fc.array(tie("rule"), { maxLength: 3 })).map(([op, args]) => ({ [op]: args })),
    }));
    const data = fc.record({ a: fc.oneof(fc.integer(), fc.string({ maxLength: 3 })), b: fc.boolean(), list: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }), o: fc.constantFrom({ x: 1 }, {}) });
    fc.assert(
      fc.property(rules.rule, data, (rule, d) => {
        expect(outcome(() => applyLogic(rule, d))).toEqual(outcome(() => pristine.apply(rule, d)));
      }),
      { numRuns: 2000 },
    );
  });
});
