// src/review/lint.ts in-process (mutation runs see these; test/lint.test.ts runs the built CLI): the checks
// loading does not do (conditions that never hold, sections set to null, an empty profile), what a layer's
// conditions and expressions read, and the scenarios that fail to compose. Every layer set loads inside a test.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import jsonata from "jsonata";
import { lintLayerFiles, lintScenarios } from "../src/review/lint.js";
import { loadScenariosFromFiles } from "../src/review/scenarios.js";
import { readLayerFiles } from "../src/core/load.js";
import { expressionRefs } from "../src/lang/expression-reads.js";
import { varRefs } from "../src/lang/condition.js";
import { writeAutotunerProject } from "./helpers/project.js";
import { LAYERS_DIR, SCHEMAS_DIR, fixtureDir } from "./helpers/paths.js";

const temps: string[] = [];
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temporary project: strata.yaml and `layers/` (a copy of `from`, plus `files`). */
function project(from: string | undefined, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "strata-lint-"));
  temps.push(dir);
  writeAutotunerProject(dir);
  if (from) cpSync(from, join(dir, "layers"), { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, "layers", path)), { recursive: true });
    writeFileSync(join(dir, "layers", path), text);
  }
  return dir;
}

describe("context and config references", () => {
  const lintFiles = (files: Record<string, string>) => {
    const dir = project(LAYERS_DIR, files);
    return lintLayerFiles(readLayerFiles(join(dir, "layers")), { schemasDir: SCHEMAS_DIR }).issues.filter((i) => i.code !== "name-mismatch");
  };

  it("follows nested context fields through the schema, and $config paths", () => {
    const issues = lintFiles({
      "finalize/nested.yaml": [
        "name: nested",
        "stage: finalize",
        'when: { "<": [{ "var": "slo_config.ttft.treshold" }, { "var": "$config.slo.ttft.treshold" }] }',
        "data:",
        "  slo: !expr slo_config.ttft.threshold",
        "",
      ].join("\n"),
    });
    expect(issues.map((i) => [i.severity, i.code, i.line, i.column, i.message])).toEqual([
      ["error", "unknown-context-field", 3, 24, "layer 'nested' reads 'slo_config.ttft.treshold', but the context has no field 'slo_config.ttft.treshold' (did you mean 'slo_config.ttft.threshold'?)"],
      ["error", "unknown-config-field", 3, 63, "layer 'nested' reads '$config.slo.ttft.treshold', but the config has no field 'slo.ttft.treshold' (did you mean 'slo.ttft.threshold'?)"],
    ]);
  });

  it("leaves alone what a per-item condition or a predicate reads, and open parts of the schemas", () => {
    const issues = lintFiles({
      "finalize/items.yaml": [
        "name: items",
        "stage: finalize",
        'when: { "some": [{ "var": "$config.parameters.tp-size" }, { ">": [{ "var": "anything" }, 8] }] }',
        "data:",
        "  parameters:",
        '    tp-size: !expr $config.parameters."tp-size"[$ <= $$.total_gpus and whatever > 0]',
        "",
      ].join("\n"),
    });
    expect(issues).toEqual([]);
  });

  it("reads a multi-line expression's field at its own line and column", () => {
    const issues = lintFiles({
      "finalize/block.yaml": ["name: block", "stage: finalize", "data:", "  task_name: !expr |", "    (", "      $x := 1;", "      modelname & $string($x)", "    )", ""].join("\n"),
    });
    expect(issues.map((i) => [i.code, i.file, i.line, i.column])).toEqual([["unknown-context-field", "finalize/block.yaml", 7, 7]]);
  });

  it("varRefs skips the item scope of some/all/none/map/filter/reduce", () => {
    const rule = { and: [{ var: "total_gpus" }, { all: [{ var: "num_concurrency" }, { ">": [{ var: "item_field" }, 0] }] }, { missing: ["gpu_type"] }] };
    expect(varRefs(rule, "/when")).toEqual([
      { path: "total_gpus", pointer: "/when/and/0/var" },
      { path: "num_concurrency", pointer: "/when/and/1/all/0/var" },
      { path: "gpu_type", pointer: "/when/and/2/missing/0" },
    ]);
  });

  it("expressionRefs finds top-level names, $$ and $config paths, not item fields or variables", () => {
    const refs = (src: string) => expressionRefs(jsonata(src).ast(), src).map((r) => [r.path.join("."), r.offset]);
    expect(refs('model_name & "_" & optimization_strategy')).toEqual([["model_name", 0], ["optimization_strategy", 19]]);
    expect(refs('$config.parameters."tp-size"')).toEqual([["$config.parameters.tp-size", 8]]);
    expect(refs("$values[$ <= $$.total_gpus]")).toEqual([["total_gpus", 16]]);
    expect(refs("($x := slo_config; $x.ttft)")).toEqual([["slo_config", 7]]);
    // After a filter, later steps read the filtered items: only the first name is a context field.
    expect(refs("items[price > 1].name")).toEqual([["items", 0]]);
  });

  it("does not claim a condition on a free-form field can never apply", () => {
    const issues = lintFiles({ "runtime/odd.yaml": 'name: odd\nstage: runtime\nwhen: { "==": [{ "var": "base_runtime" }, "no-such-runtime"] }\ndata: {}\n' });
    expect(issues).toEqual([]);
  });
});

describe("the keys a layer writes, against the task-config schema", () => {
  it("leaves open maps, expressions and directive objects alone, and finds nothing in the shipped layers", () => {
    const files = readLayerFiles(fixtureDir("lint-config-keys"));
    const { issues } = lintLayerFiles(files.filter((f) => f.path === "stages.yaml" || f.path === "base/base.yaml"));
    expect(issues).toEqual([]);
    const shipped = lintLayerFiles(readLayerFiles(LAYERS_DIR)).issues;
    expect(shipped.filter((i) => i.code === "unknown-config-key" || i.code === "empty-section")).toEqual([]);
    // The same layer with a directive object, an expression and an open map holding unknown keys: no issue.
    const layer = { path: "runtime/open.yaml", text: "name: open\nstage: runtime\ndata:\n  model: { $patch: replace, id_or_path: m }\n  optimization: !expr '{\"whatever\": 1}'\n  parameters: { any-flag: [1] }\n  quant_config: { anything: 1 }\n" };
    expect(lintLayerFiles([files.find((f) => f.path === "stages.yaml")!, layer]).issues).toEqual([]);
  });
});

// A small project of its own, so that each check meets exactly the schema it needs.
const STAGES = "stages:\n  - name: base\n  - name: profiles\n    source: profiles\n  - name: user\n    source: overrides\n";
const CONTEXT = JSON.stringify({
  type: "object",
  required: ["e1", "w1", "w2"],
  properties: {
    e1: { enum: ["a", "b"] },
    e2: { enum: ["c", "d"] },
    // json-logic's `in` calls the second operand's indexOf: this value makes it throw.
    e3: { enum: [{ indexOf: 1 }, "q"] },
    flag: { type: "boolean" },
    opt: { type: "boolean", default: false },
    free: { type: "string" },
    obj: { type: "object", properties: { mode: { enum: ["x"] } } },
    // 32 values each: 32 × 32 = 1,024 combinations, the most tried; with w3's 33, too many.
    w1: { enum: Array.from({ length: 32 }, (_, i) => `a${i}`) },
    w2: { enum: Array.from({ length: 32 }, (_, i) => `b${i}`) },
    w3: { enum: Array.from({ length: 32 }, (_, i) => `c${i}`) },
    profiles: { type: "array", items: { type: "string" } },
    user_overrides: { type: "object" },
    override_mode: { enum: ["patch", "replace"] },
  },
});
const OUTPUT = JSON.stringify({
  type: "object",
  properties: {
    sec: { type: "object", properties: { inner: { type: "object", properties: { v: { type: "number" } } }, n: { type: ["object", "null"] } } },
    // Two branches that both lead to `s`: one report for it.
    either: { anyOf: [{ type: "object", properties: { s: { type: "object" } } }, { type: "object", properties: { s: { type: "object", properties: { q: {} } } } }] },
    plain: { type: "string" },
  },
});
const ROLES = { profiles: "profiles", overrides: "user_overrides", override_mode: "override_mode" };
const lintSmall = (files: Record<string, string>) =>
  lintLayerFiles(Object.entries({ "stages.yaml": STAGES, ...files }).map(([path, text]) => ({ path, text })), { schemaTexts: { context: CONTEXT, output: OUTPUT }, roles: ROLES });
const layerWhen = (when: string) => lintSmall({ "base/l.yaml": `name: l\nstage: base\nwhen: ${when}\ndata: {}\n` }).issues;
const never = (values: string) => ({
  code: "never-applies", severity: "warning", message: `layer 'l' can never apply: its condition is false for every value of ${values}`,
  file: "base/l.yaml", line: 3, column: 7, layer: "l", pointer: "/when",
});

describe("lint's own checks on the broken-files fixture, in-process", () => {
  it("renames only the empty profile's minItems, and finds the layer that never applies, each as a whole issue", () => {
    const { issues } = lintLayerFiles(readLayerFiles(fixtureDir("lint-broken")));
    expect(issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.code}`)).toEqual([
      "base/bad-expression.yaml:4:60 expression-syntax",
      "base/bad-yaml.yaml:5:14 parse-error",
      "base/unknown-field.yaml:3:1 layer-schema",
      "checks/config-typo.yaml:4:24 unknown-config-field",
      "deployment/never-applies.yaml:3:7 never-equal",
      "deployment/never-applies.yaml:3:7 never-applies",
      "deployment/unknown-stage.yaml:2:8 unknown-stage",
      "profiles/empty.yaml:4:9 profile-empty",
      "runtime/also-vllm.yaml:2:7 name-mismatch",
      "runtime/also-vllm.yaml:2:7 duplicate-name",
      "runtime/bad-operator.yaml:3:9 unknown-operator",
      "runtime/unknown-context-field.yaml:3:25 unknown-context-field",
      "runtime/unknown-context-field.yaml:5:20 unknown-context-field",
      "runtime/vllm.yaml:1:7 duplicate-name",
    ]);
    expect(issues.filter((i) => i.code === "never-applies" || i.code === "profile-empty")).toEqual([
      {
        code: "never-applies", severity: "warning", message: `layer 'never-applies' can never apply: its condition is false for every value of override_mode ("patch", "replace")`,
        file: "deployment/never-applies.yaml", line: 3, column: 7, layer: "never-applies", pointer: "/when",
      },
      {
        code: "profile-empty", severity: "error", message: "the profile has no layers: list at least one under `layers:` (or delete the file)",
        file: "profiles/empty.yaml", line: 4, column: 9, pointer: "/layers", keyword: "minItems",
      },
    ]);
  });
});

describe("profile-empty names only an empty profile", () => {
  it("an empty stage order keeps its own code and message", () => {
    const { issues } = lintLayerFiles([{ path: "stages.yaml", text: "stages: []\n" }], { schemaTexts: { context: CONTEXT, output: OUTPUT }, roles: ROLES });
    expect(issues.filter((i) => i.keyword === "minItems").map((i) => [i.code, i.pointer])).toEqual([["layer-schema", "/stages"]]);
  });

  it("a profile whose layers are not a list is not called empty", () => {
    const { issues } = lintSmall({ "profiles/p.yaml": "profile: p\ntitle: P\ndescription: d\nlayers: none\n" });
    expect(issues.map((i) => [i.code, i.pointer, i.keyword])).toEqual([["layer-schema", "/layers", "type"]]);
  });
});

describe("never-applies: a condition false for every value of the fields it reads", () => {
  it("tries every combination of two fields, an optional one with null, and names them all", () => {
    expect(layerWhen('{ "==": [{ "var": "e1" }, { "var": "e2" }] }')).toEqual([never('e1 ("a", "b") and e2 ("c", "d", null)')]);
    expect(layerWhen('{ "and": [{ "var": "flag" }, { "!": { "var": "flag" } }] }')).toEqual([never("flag (true, false, null)")]);
    // A field with a default is never missing: null is not one of its values.
    expect(layerWhen('{ "==": [{ "var": "opt" }, null] }')).toEqual([never("opt (true, false)")]);
  });

  it("says nothing when one combination applies", () => {
    expect(layerWhen('{ "and": [{ "==": [{ "var": "e1" }, "b"] }, { "==": [{ "var": "e2" }, "d"] }] }')).toEqual([]);
    expect(layerWhen('{ "==": [{ "var": "e2" }, null] }')).toEqual([]);
  });

  it("claims nothing for a condition that reads no field, a nested field, a free-form field, or one that throws", () => {
    expect(layerWhen("false")).toEqual([]);
    expect(layerWhen('{ "==": [{ "var": "obj.mode" }, { "var": "e1" }] }')).toEqual([]);
    expect(layerWhen('{ "==": [{ "var": "free" }, { "var": "e1" }] }')).toEqual([]);
    // False for "q" and for a missing e3; for the other value json-logic throws: unknown, so no claim.
    expect(layerWhen('{ "in": ["z", { "var": "e3" }] }')).toEqual([]);
  });

  it("tries up to 1,024 combinations, and no more", () => {
    const w = (n: number) => Array.from({ length: 32 }, (_, i) => `"${String.fromCharCode(97 + n)}${i}"`).join(", ");
    expect(layerWhen('{ "==": [{ "var": "w1" }, { "var": "w2" }] }')).toEqual([never(`w1 (${w(0)}) and w2 (${w(1)})`)]);
    expect(layerWhen('{ "and": [{ "==": [{ "var": "w1" }, { "var": "w2" }] }, { "var": "w3" }] }')).toEqual([]);
  });

  it("points a profile layer's warning at its own `when`", () => {
    const { issues } = lintSmall({ "profiles/p.yaml": 'profile: p\ntitle: P\ndescription: d\nlayers:\n  - name: a\n    data: {}\n  - name: b\n    when: { "==": [{ "var": "e1" }, "zz"] }\n    data: {}\n' });
    expect(issues.filter((i) => i.code === "never-applies")).toEqual([
      { code: "never-applies", severity: "warning", message: `layer 'b' can never apply: its condition is false for every value of e1 ("a", "b")`, file: "profiles/p.yaml", line: 8, column: 11, layer: "b", pointer: "/layers/1/when" },
    ]);
  });
});

describe("empty-section: null where the task config wants a section", () => {
  const empty = (name: string, dots: string, line: number, column: number, pointer: string, file = "base/l.yaml") => ({
    code: "empty-section", severity: "warning",
    message: `layer '${name}' sets '${dots}' to nothing (null), where the task config expects a section: it replaces the whole section with null (delete the line, or write the keys under it)`,
    file, line, column, layer: name, pointer,
  });

  it("warns for a nested section and once for a section two branches lead to; not where null is allowed, nor for a plain value", () => {
    const { issues } = lintSmall({ "base/l.yaml": "name: l\nstage: base\ndata:\n  sec:\n    inner: null\n    n: null\n  either: { s: null }\n  plain: null\n" });
    expect(issues).toEqual([empty("l", "sec.inner", 5, 5, "/data/sec/inner"), empty("l", "either.s", 7, 13, "/data/either/s")]);
  });

  it("looks inside a layer whose data holds an expression, and inside a profile's layers", () => {
    expect(lintSmall({ "base/l.yaml": 'name: l\nstage: base\ndata:\n  plain: !expr "\'x\'"\n  sec: null\n' }).issues).toEqual([empty("l", "sec", 5, 3, "/data/sec")]);
    expect(lintSmall({ "profiles/p.yaml": "profile: p\ntitle: P\ndescription: d\nlayers:\n  - name: a\n    data: { sec: null }\n" }).issues).toEqual([
      empty("a", "sec", 6, 13, "/layers/0/data/sec", "profiles/p.yaml"),
    ]);
  });

  it("leaves a directive object alone", () => {
    expect(lintSmall({ "base/l.yaml": "name: l\nstage: base\ndata:\n  sec: { $patch: replace, inner: null }\n" }).issues).toEqual([]);
  });
});

describe("lintScenarios: the scenarios whose config fails", () => {
  const set = () =>
    lintSmall({
      "base/l.yaml": 'name: l\nstage: base\nwhen: { "==": [{ "var": "e1" }, "b"] }\ndata:\n  plain: !expr "1"\n',
      "base/chk.yaml": 'check: chk\nseverity: error\npath: plain\nwhen: { "==": [{ "var": "e2" }, "d"] }\nmessage: no d\n',
    }).set;
  const scenarios = (files: Record<string, string>) => {
    const loaded = loadScenariosFromFiles(Object.entries(files).map(([path, text]) => ({ path, text })), { dir: "sc" });
    expect(loaded.issues).toEqual([]);
    return loaded.scenarios;
  };

  it("blames each error where it comes from: the override's line, the layer's file, the context's line, the check's file", async () => {
    const list = scenarios({
      "a-ok.yaml": "name: ok\ncontext:\n  e1: a\n  w1: a0\n  w2: b0\nexpect:\n  match: { x: 1 }\n",
      "b-user.yaml": "name: user\ncontext:\n  e1: a\n  w1: a0\n  w2: b0\n  user_overrides:\n    plain: 1\nexpect:\n  match: { x: 1 }\n",
      "c-layer.yaml": "name: layer\ncontext:\n  e1: b\n  w1: a0\n  w2: b0\nexpect:\n  match: { x: 1 }\n",
      "d-ctx.yaml": "name: ctx\ncontext:\n  e1: zz\n  w1: a0\n  w2: b0\nexpect:\n  match: { x: 1 }\n",
      "e-chk.yaml": "name: chk\ncontext:\n  e1: a\n  e2: d\n  w1: a0\n  w2: b0\nexpect:\n  match: { x: 1 }\n",
      // Errors it expects are strata test's business.
      "f-exp.yaml": "name: exp\ncontext:\n  e1: zz\nexpect:\n  errors: [context-invalid]\n",
    });
    expect(await lintScenarios(set(), list, (f) => `L/${f}`)).toEqual([
      {
        code: "scenario-fails", severity: "error", message: "scenario 'user' does not compose: config-invalid: 'plain' must be string",
        file: "sc/b-user.yaml", line: 7, column: 5, pointer: "/plain", origin: { source: "user_patch", stage: "user" },
      },
      {
        code: "scenario-fails", severity: "error", message: "scenario 'layer' does not compose: config-invalid: 'plain' must be string",
        file: "sc/c-layer.yaml", line: 2, column: 1, pointer: "/plain", origin: { source: "l", layer: "l", stage: "base", file: "L/base/l.yaml", line: 5, column: 3 },
      },
      {
        code: "scenario-fails", severity: "error", message: `scenario 'ctx' does not compose: context-invalid: 'e1' must be one of "a", "b" (did you mean 'a'?)`,
        file: "sc/d-ctx.yaml", line: 3, column: 7, pointer: "/e1",
      },
      {
        code: "scenario-fails", severity: "error", message: "scenario 'chk' does not compose: chk: no d (L/base/chk.yaml:1:1)",
        file: "sc/e-chk.yaml", line: 2, column: 1, pointer: "/plain",
      },
    ]);
  });

  it("blames a replacing override at its own line too", async () => {
    const list = scenarios({ "r.yaml": "name: replace\ncontext:\n  e1: a\n  w1: a0\n  w2: b0\n  override_mode: replace\n  user_overrides:\n    plain: 1\nexpect:\n  match: { x: 1 }\n" });
    expect(await lintScenarios(set(), list)).toEqual([
      {
        code: "scenario-fails", severity: "error", message: "scenario 'replace' does not compose: config-invalid: 'plain' must be string",
        file: "sc/r.yaml", line: 8, column: 5, pointer: "/plain", origin: { source: "user_replace", stage: "user" },
      },
    ]);
  });

  it("shows layer files as they are without a function to show them", async () => {
    const list = scenarios({ "c-layer.yaml": "name: layer\ncontext:\n  e1: b\n  w1: a0\n  w2: b0\nexpect:\n  match: { x: 1 }\n" });
    expect((await lintScenarios(set(), list)).map((i) => i.origin)).toEqual([{ source: "l", layer: "l", stage: "base", file: "base/l.yaml", line: 5, column: 3 }]);
  });
});
