// Loading layer sets: broken files are issues with exact file, line and column; stage order comes from
// stages.yaml; order inside a stage is by `order`, then file path; expressions compile once, at load.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";

// Count JSONata compilations: every expression must be compiled at load and never again per compose.
const jsonataCalls = vi.hoisted(() => ({ count: 0 }));
vi.mock("jsonata", async (importOriginal) => {
  const real = ((await importOriginal()) as { default: (...args: unknown[]) => unknown }).default;
  const counted = (...args: unknown[]) => {
    jsonataCalls.count++;
    return real(...args);
  };
  return { default: counted };
});

import { compose, formatIssue, loadLayerSet, loadLayerSetFromFiles, readLayerFiles, type Issue } from "../src/index.js";
import { LAYERS_DIR, fixtureDir } from "./helpers/paths.js";

const brief = (i: Issue) => ({ code: i.code, severity: i.severity, file: i.file, line: i.line, column: i.column });

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
function tempCopyOfLayers(): string {
  const dir = mkdtempSync(join(tmpdir(), "strata-load-"));
  temps.push(dir);
  cpSync(LAYERS_DIR, join(dir, "layers"), { recursive: true });
  return join(dir, "layers");
}

/** A layer set from in-memory files, with the shipped stage order unless the files bring their own. */
function fromFiles(files: Record<string, string>) {
  const stages = readFileSync(join(LAYERS_DIR, "stages.yaml"), "utf8");
  return loadLayerSetFromFiles(Object.entries({ "stages.yaml": stages, ...files }).map(([path, text]) => ({ path, text })));
}

// Each test loads its set itself: a set loaded while the tests are collected is code a mutation run cannot tie
// to a test (it would run every test for each mutant there).
describe("a folder of broken layer files (test/fixtures/broken)", () => {
  const broken = () => loadLayerSet(fixtureDir("broken"));

  it("reports every problem with its code, file, line and column, sorted by file", () => {
    const set = broken();
    expect(set.issues.map(brief)).toEqual([
      // tp-size: { $append: 8 } — at the directive's mapping
      { code: "bad-directive", severity: "error", file: "base/append-not-list.yaml", line: 5, column: 14 },
      // description: Note: …  — a colon and a space start a nested mapping
      { code: "parse-error", severity: "error", file: "base/bad-yaml.yaml", line: 3, column: 14 },
      // tp-size: { $patch: delete, values: [1] }
      { code: "bad-directive", severity: "error", file: "base/delete-not-alone.yaml", line: 5, column: 14 },
      // the second max_iterations
      { code: "duplicate-key", severity: "error", file: "base/duplicate-key.yaml", line: 6, column: 5 },
      // { $expr: 42 }: at the 42
      { code: "bad-expression", severity: "error", file: "base/expr-not-string.yaml", line: 5, column: 30 },
      // 'model_name & "_" &': at the dangling & inside the quotes
      { code: "expression-syntax", severity: "error", file: "base/expression-syntax.yaml", line: 4, column: 38 },
      // the first layer named twin: a duplicate names both files
      { code: "duplicate-name", severity: "error", file: "base/twin.yaml", line: 1, column: 7 },
      // condition: instead of when:
      { code: "layer-schema", severity: "error", file: "base/unknown-field.yaml", line: 3, column: 1 },
      // "equals" is not a JSON-logic operator
      { code: "unknown-operator", severity: "error", file: "base/unknown-operator.yaml", line: 6, column: 9 },
      // $patch: remove
      { code: "bad-directive", severity: "error", file: "base/unknown-patch.yaml", line: 6, column: 7 },
      // stage: middle — at the value
      { code: "unknown-stage", severity: "error", file: "base/unknown-stage.yaml", line: 2, column: 8 },
      // !env is not a tag strata knows
      { code: "unknown-tag", severity: "error", file: "base/unknown-tag.yaml", line: 5, column: 17 },
      // order: first — at the value
      { code: "layer-schema", severity: "error", file: "base/wrong-type.yaml", line: 3, column: 8 },
      // the second layer named twin
      { code: "duplicate-name", severity: "error", file: "runtime/twin.yaml", line: 1, column: 7 },
    ]);
  });

  it("says what is wrong in words a layer author understands", () => {
    const set = broken();
    const byFile = new Map(set.issues.map((i) => [i.file, i]));
    expect(byFile.get("base/unknown-field.yaml")).toMatchObject({ message: "unknown field 'condition'", pointer: "/condition" });
    expect(byFile.get("base/wrong-type.yaml")).toMatchObject({ message: "'order' must be integer", pointer: "/order" });
    expect(byFile.get("base/unknown-operator.yaml")).toMatchObject({
      message: "unknown JSON-logic operator 'equals'",
      pointer: "/when/and/1/equals",
      layer: "unknown-operator",
    });
    expect(byFile.get("base/expression-syntax.yaml")).toMatchObject({ pointer: "/data/task_name", layer: "expression-syntax" });
    expect(byFile.get("base/expression-syntax.yaml")!.message).toMatch(/^JSONata syntax error: /);
    expect(byFile.get("base/expr-not-string.yaml")).toMatchObject({ message: "$expr must be a string holding a JSONata expression", pointer: "/data/optimization/max_iterations" });
    expect(byFile.get("base/unknown-stage.yaml")!.message).toBe("unknown stage 'middle' (stages: base, runtime, profiles, user)");
    expect(byFile.get("base/unknown-tag.yaml")!.message).toMatch(/!env.*the only tag strata knows is !expr/);
    expect(byFile.get("runtime/twin.yaml")!.message).toBe("layer 'twin' is defined twice (also in base/twin.yaml)");
    expect(byFile.get("base/unknown-patch.yaml")).toMatchObject({ message: "unknown $patch directive 'remove' (use delete, replace or merge)", pointer: "/data/parameters/tp-size" });
    expect(byFile.get("base/delete-not-alone.yaml")!.message).toBe("`$patch: delete` must stand alone");
    expect(byFile.get("base/append-not-list.yaml")!.message).toBe("`$append` takes a list");
  });

  it("formats each issue as one compiler-style line", () => {
    const set = broken();
    expect(set.issues.map(formatIssue)[1]).toBe("base/bad-yaml.yaml:3:14: error parse-error: 'Note: a colon and a space start a mappi…' is a 'key: value' inside the value of 'description' on the same line: put it on a line of its own, indented below 'description:', or quote the value (\"…\") if the ':' is part of the text");
    for (const line of set.issues.map(formatIssue)) expect(line).toMatch(/^[\w/.-]+\.yaml:\d+:\d+: error [a-z-]+: \S/);
  });

  it("a broken set composes nothing and hands back its issues", async () => {
    const set = broken();
    const result = await compose(set, { model_name: "m", base_runtime: "sglang" });
    expect(result.ok).toBe(false);
    expect(result.config).toBeUndefined();
    expect(result.errors.map(brief)).toEqual(set.issues.map(brief));
  });
});

describe("order", () => {
  const ordered = () => loadLayerSet(fixtureDir("order"));

  it("stage order comes from stages.yaml, not from folder names", () => {
    const set = ordered();
    expect(set.issues).toEqual([]);
    expect(set.stages.map((s) => s.name)).toEqual(["zeta", "alpha", "profiles", "user"]);
    expect(set.stages.map((s) => s.source)).toEqual(["layers", "layers", "profiles", "overrides"]);
  });

  it("inside a stage: by order (default 0), then by file path — not by layer name", () => {
    const set = ordered();
    const alpha = set.stages.find((s) => s.name === "alpha")!;
    expect(alpha.layers.map((l) => [l.name, l.order, l.file])).toEqual([
      ["b-early", -1, "alpha/b-early.yaml"],
      ["c-mid", 0, "alpha/c-mid.yaml"],
      ["d-mid", 0, "alpha/d-mid.yaml"],
      ["a-mid", 0, "alpha/sub/a-mid.yaml"],
      ["a-late", 5, "alpha/a-late.yaml"],
    ]);
  });

  it("the shipped stages are the design's, in its order", () => {
    const shipped = loadLayerSet(LAYERS_DIR);
    expect(shipped.issues).toEqual([]);
    expect(shipped.stages.map((s) => [s.name, s.layers.map((l) => l.name)])).toEqual([
      ["base", ["base-model", "base-optimization"]],
      ["deployment", ["docker-defaults", "ome-defaults"]],
      ["runtime", ["sglang-defaults", "trtllm-defaults", "vllm-defaults"]],
      ["hardware", ["gpu-aware"]],
      ["profiles", []],
      ["user", []],
      ["finalize", ["slo-config", "tp-size-limit"]],
    ]);
    expect([...shipped.profiles.keys()].sort()).toEqual(["high-throughput", "low-latency", "production", "quick-test"]);
    expect(shipped.checks.map((c) => c.name).sort()).toEqual(["slo-ttft-below-tpot", "tp-size-multi-node", "tp-size-none-left"]);
  });

  it("reordering stages.yaml reorders composition, with no code change", async () => {
    const dir = tempCopyOfLayers();
    const stagesFile = join(dir, "stages.yaml");
    // Move the profiles stage after the user stage: a profile now wins over the user's patch.
    const text = readFileSync(stagesFile, "utf8");
    const profiles = "  - name: profiles\n    description: The presets the context lists in `profiles`, in that order.\n    source: profiles\n";
    expect(text).toContain(profiles);
    const userAt = text.indexOf("  - name: finalize");
    writeFileSync(stagesFile, text.replace(profiles, "").replace("  - name: finalize", profiles + "  - name: finalize"));
    expect(userAt).toBeGreaterThan(0);
    const set = loadLayerSet(dir);
    expect(set.issues).toEqual([]);
    const r = await compose(set, { model_name: "m", base_runtime: "sglang", profiles: ["low-latency"], user_overrides: { parameters: { "tp-size": [2] } } });
    expect(r.applied_layers).toEqual(["base-model", "base-optimization", "docker-defaults", "sglang-defaults", "user_patch", "profile:low-latency:low-latency-params"]);
    expect((r.config!.parameters as Record<string, unknown>)["tp-size"]).toEqual([1, 2]);
  });
});

describe("load checks beyond single files", () => {
  it("no stages.yaml is an error", () => {
    const set = loadLayerSetFromFiles([{ path: "base/a.yaml", text: "name: a\nstage: base\ndata: {}\n" }]);
    expect(set.issues.map((i) => i.code)).toEqual(["missing-stages"]);
  });

  it("exactly one stage takes profiles and one the overrides", () => {
    const set = loadLayerSetFromFiles([{ path: "stages.yaml", text: "stages:\n  - name: base\n  - name: p1\n    source: profiles\n  - name: p2\n    source: profiles\n" }]);
    expect(set.issues.map((i) => [i.code, i.message])).toEqual([
      ["stage-source", "exactly one stage must have `source: profiles` (found 2)"],
      ["stage-source", "exactly one stage must have `source: overrides` (found 0)"],
    ]);
  });

  it("a layer in a stage that takes no layer files", () => {
    const set = fromFiles({ "x.yaml": "name: x\nstage: profiles\ndata: {}\n" });
    expect(set.issues.map(brief)).toEqual([{ code: "unknown-stage", severity: "error", file: "x.yaml", line: 2, column: 8 }]);
  });

  it("a file named differently from its layer is a warning, not an error", () => {
    const set = fromFiles({ "base/extra.yaml": "name: extras\nstage: base\ndata: {}\n" });
    expect(set.issues.map((i) => [i.code, i.severity, i.line, i.column])).toEqual([["name-mismatch", "warning", 1, 7]]);
    expect(set.stages[0].layers.map((l) => l.name)).toContain("extras");
  });

  it("a prototype key in a layer file is refused with its line", () => {
    const set = fromFiles({ "base/x.yaml": "name: x\nstage: base\ndata:\n  quant_config:\n    __proto__: { polluted: true }\n" });
    expect(set.issues.map(brief)).toEqual([{ code: "forbidden-key", severity: "error", file: "base/x.yaml", line: 5, column: 5 }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("profiles: a duplicate profile name and a duplicate layer inside one profile", () => {
    const p = (name: string) => `profile: ${name}\ntitle: T\ndescription: D\nlayers:\n  - name: l\n    data: {}\n  - name: l\n    data: {}\n`;
    const set = fromFiles({ "profiles/one.yaml": p("one"), "profiles/z/one.yaml": p("one") });
    expect(set.issues.map((i) => [i.code, i.file, i.line])).toEqual([
      ["duplicate-name", "profiles/one.yaml", 1],
      ["duplicate-name", "profiles/one.yaml", 7],
      ["duplicate-name", "profiles/z/one.yaml", 1],
    ]);
  });

  it("a profile file without a title or description", () => {
    const set = fromFiles({ "profiles/bare.yaml": "profile: bare\nlayers:\n  - name: l\n    data: {}\n" });
    expect(set.issues.map((i) => [i.code, i.message])).toEqual([
      ["layer-schema", "missing required field 'title'"],
      ["layer-schema", "missing required field 'description'"],
    ]);
  });

  it("a check rule with an unknown operator and a missing message", () => {
    const set = fromFiles({ "checks/c.yaml": "check: c\nseverity: warning\nwhen: { nope: [1] }\n" });
    expect(set.issues.map((i) => [i.code, i.message])).toEqual([["layer-schema", "missing required field 'message'"]]);
    const set2 = fromFiles({ "checks/c.yaml": "check: c\nseverity: warning\nwhen: { nope: [1] }\nmessage: m\n" });
    expect(set2.issues.map(brief)).toEqual([{ code: "unknown-operator", severity: "error", file: "checks/c.yaml", line: 3, column: 9 }]);
  });

  it("JSON layer files get lines and columns too", () => {
    const set = fromFiles({ "base/j.json": '{\n  "name": "j",\n  "stage": "base",\n  "data": { "task_name": { "$expr": "(" } }\n}\n' });
    expect(set.issues.map((i) => [i.code, i.file, i.line])).toEqual([["expression-syntax", "base/j.json", 4]]);
  });

  it("an unreadable layer directory is an issue, not a crash", () => {
    const set = loadLayerSet(join(tmpdir(), "strata-no-such-dir-" + process.pid));
    expect(set.issues.map((i) => i.code)).toEqual(["layers-unreadable"]);
  });

  it("the hash follows the content of the files", () => {
    const dir = tempCopyOfLayers();
    const before = loadLayerSet(dir).hash;
    expect(loadLayerSet(dir).hash).toBe(before);
    writeFileSync(join(dir, "runtime", "vllm-defaults.yaml"), readFileSync(join(dir, "runtime", "vllm-defaults.yaml"), "utf8") + "\n# a comment\n");
    expect(loadLayerSet(dir).hash).not.toBe(before);
  });
});

describe("expressions compile once, at load", () => {
  it("loading compiles each expression once; composing compiles none", async () => {
    const expressions = readLayerFiles(LAYERS_DIR).reduce((n, f) => n + (f.text.match(/!expr\b|\$expr:/g)?.length ?? 0), 0);
    expect(expressions).toBeGreaterThan(5);
    jsonataCalls.count = 0;
    const set = loadLayerSet(LAYERS_DIR);
    expect(jsonataCalls.count).toBe(expressions);
    const contexts = [
      { model_name: "m", base_runtime: "sglang", gpu_type: "H100", total_gpus: 2, slo_config: { ttft: { threshold: 1 } } },
      { model_name: "n", base_runtime: "vllm", profiles: ["production", "quick-test"] },
      { model_name: "o", base_runtime: "trtllm", deployment_mode: "ome", gpu_type: "A100", total_gpus: 4 },
    ];
    for (const c of contexts) expect((await compose(set, c)).ok).toBe(true);
    expect(jsonataCalls.count).toBe(expressions);
  });
});

// Regression: a JSON or YAML file saved with a byte-order mark was rejected with an invisible character.
describe("a byte-order mark at the start of a file", () => {
  it("is not content, in JSON or YAML", async () => {
    const { parseSource } = await import("../src/core/source.js");
    for (const path of ["ctx.json", "ctx.yaml"]) {
      const parsed = parseSource({ path, text: '\uFEFF{"model_name": "m"}' });
      expect(parsed.issues).toEqual([]);
      expect(parsed.source?.data).toEqual({ model_name: "m" });
    }
  });
});
