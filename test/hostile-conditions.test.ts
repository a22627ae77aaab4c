// JSON-logic has limits like JSONata's (src/condition.ts): a condition or a check rule that loops too long or
// builds too much stops with a located error — `condition-timeout` / `condition-too-large` at the `when:` of
// the layer file (or the check rule) — instead of running for minutes or aborting Node out of memory. The
// wrapping changes no result: JSON-logic's published table, and random rules compared with an untouched copy.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { compose } from "../src/index.js";
import { applyLogic, KNOWN_OPERATORS, ownVar } from "../src/lang/condition.js";
import { EXPRESSION_LIMITS } from "../src/lang/expression.js";
import { cli, positionIn, removeTemps, setWith, tempDir } from "./hostile/setup.js";
import { LAYERS_DIR, SCHEMAS_DIR } from "./hostile/setup.js";
import { cpSync } from "node:fs";
import { startServer, post, removeTempDirs } from "./server-helpers.js";

afterAll(() => {
  removeTemps();
  removeTempDirs();
});

const CONTEXT = { model_name: "m", base_runtime: "vllm", benchmark_task: "text-to-text", deployment_mode: "docker" };
const ones = (n: number) => JSON.stringify(Array(n).fill(1));

/** A finalize-stage layer whose condition is `when` (JSON text), its file text, and where `when:` is. */
function layerWith(when: string) {
  const text = `name: slow\nstage: finalize\nwhen: ${when}\ndata:\n  description: slow\n`;
  return { file: { path: "slow.yaml", text }, at: positionIn(text, "when:") };
}

/** Rules that run past each limit, and the code and message each stops with. */
const RUNAWAYS: [string, string, string, string][] = [
  [
    "a nested reduce over 20,000 items",
    `{"reduce": [${ones(20_000)}, {"reduce": [${ones(20_000)}, {"+": [{"var": "accumulator"}, 1]}, 0]}, 0]}`,
    "condition-timeout",
    `condition ran longer than ${EXPRESSION_LIMITS.timeoutMs} ms and was stopped`,
  ],
  [
    "a merge that doubles a list 40 times",
    `{"reduce": [${ones(40)}, {"merge": [{"var": "accumulator"}, {"var": "accumulator"}]}, [1]]}`,
    "condition-too-large",
    `condition built a list of 131072 items (limit ${EXPRESSION_LIMITS.maxSequence}) and was stopped`,
  ],
  [
    "a cat that doubles a string 40 times",
    `{"reduce": [${ones(40)}, {"cat": [{"var": "accumulator"}, {"var": "accumulator"}]}, "ab"]}`,
    "condition-too-large",
    `condition built a string of more than ${EXPRESSION_LIMITS.maxStringLength} characters and was stopped`,
  ],
  [
    "a map that builds a large string on every item",
    `{"map": [${ones(40)}, {"cat": ["${"x".repeat(600_000)}", {"var": ""}]}]}`,
    "condition-too-large",
    `condition built more than ${EXPRESSION_LIMITS.maxBuilt} list items and characters in all (limit) and was stopped`,
  ],
  [
    "a none inside an all, over 20,000 items each",
    `{"all": [${ones(20_000)}, {"none": [${ones(20_000)}, {"!": {"var": ""}}]}]}`,
    "condition-timeout",
    `condition ran longer than ${EXPRESSION_LIMITS.timeoutMs} ms and was stopped`,
  ],
];

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

describe("conditions past the limits (CLI and HTTP)", () => {
  const dir = () => {
    const root = tempDir("strata-conditions-");
    cpSync(LAYERS_DIR, join(root, "layers"), { recursive: true });
    cpSync(SCHEMAS_DIR, join(root, "schemas"), { recursive: true });
    writeFileSync(join(root, "layers", "slow.yaml"), layerWith(RUNAWAYS[1][1]).file.text);
    writeFileSync(join(root, "ctx.json"), JSON.stringify(CONTEXT));
    return root;
  };

  it("strata compose: exit 2 and the error at the layer's when:, no stack", () => {
    const root = dir();
    const r = cli(["compose", "-c", join(root, "ctx.json"), "--layers", join(root, "layers")]);
    expect(r.status).toBe(2);
    const { at } = layerWith(RUNAWAYS[1][1]);
    expect(r.stderr.replaceAll(root, "ROOT").trim()).toBe(`ROOT/layers/slow.yaml:${at.line}:${at.column}: error condition-too-large: layer 'slow': ${RUNAWAYS[1][3]}`);
  });

  it("POST /api/config/preview: 200, ok false, the error at the layer's when:", async () => {
    const root = dir();
    const server = await startServer({ layersDir: join(root, "layers"), schemasDir: join(root, "schemas") });
    try {
      const r = await post(server, "/api/config/preview", { model_name: "m", base_runtime: "vllm" });
      expect(r.status).toBe(200);
      expect(r.body.ok).toBe(false);
      expect(r.body.errors).toEqual([expect.objectContaining({ code: "condition-too-large", file: "slow.yaml", line: 3, column: 1, pointer: "/when" })]);
    } finally {
      await server.close();
    }
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
