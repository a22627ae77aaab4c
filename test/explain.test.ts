// `strata explain`: every value annotated with the layer file:line that set it, the history of one value, and
// why layers were skipped — through the library (src/explain.ts) and the CLI, on a real temporary layer folder.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { compose, type ComposeResult } from "../src/core/compose.js";
import { describeSkip, explainPath, explainProfiles, explainSkipped, explainValues, inlineYaml, layerWritesPath, findLayer } from "../src/review/explain.js";
import { loadLayerSet, type LayerSet } from "../src/core/load.js";
import { writeAutotunerProject } from "./helpers/project.js";
import { CLI, LAYERS_DIR, SCHEMAS_DIR } from "./helpers/paths.js";

// The design document's example: sglang on docker, low-latency then production, the user patches tp-size.
const DESIGN_CONTEXT = `model_name: llama-3-2-1b-instruct
base_runtime: sglang
deployment_mode: docker
profiles: [low-latency, production]
user_overrides:
  parameters:
    tp-size: [2]
`;
const DESIGN = parseYaml(DESIGN_CONTEXT);

/** 1-based line of the first line in a shipped layer file that contains `text` (so expectations follow the file). */
function lineOf(file: string, text: string): number {
  const lines = readFileSync(join(LAYERS_DIR, file), "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`${text} not in ${file}`);
  return i + 1;
}

let set: LayerSet;
let design: ComposeResult;
beforeAll(async () => {
  set = loadLayerSet(LAYERS_DIR, { schemasDir: SCHEMAS_DIR });
  design = await compose(set, DESIGN);
  expect(design.ok).toBe(true);
});

describe("explain (library)", () => {
  it("gives every leaf the layer, file and line that set it", () => {
    const values = new Map(explainValues(design).map((v) => [v.path, v]));
    // Every leaf of the config is there, in the config's order.
    expect([...values.keys()].slice(0, 3)).toEqual(["task_name", "model.id_or_path", "model.namespace"]);
    expect(values.get("task_name")!.origin).toMatchObject({ source: "base-model", file: "base/base-model.yaml", line: lineOf("base/base-model.yaml", "task_name:") });
    expect(values.get("runtime_image_tag")!.origin).toMatchObject({ source: "docker-defaults", file: "deployment/docker-defaults.yaml", line: lineOf("deployment/docker-defaults.yaml", "runtime_image_tag:") });
    expect(values.get("parameters.mem-fraction-static")!.origin).toMatchObject({
      source: "profile:low-latency:low-latency-params", file: "profiles/low-latency.yaml", line: lineOf("profiles/low-latency.yaml", "mem-fraction-static:"),
    });
    expect(values.get("optimization.max_iterations")!.origin).toMatchObject({ source: "profile:production:production-params", line: lineOf("profiles/production.yaml", "max_iterations:") });
    expect(values.get("parameters.tp-size")).toMatchObject({ value: [2], origin: { source: "user_patch" } });
  });

  it("tells the history of parameters.tp-size: docker-defaults, low-latency-params, then user_patch, which wins", () => {
    const h = explainPath(design, "parameters.tp-size", set);
    expect(h).toMatchObject({ path: "parameters.tp-size", pointer: "/parameters/tp-size", present: true, value: [2], object: false });
    expect(h.writes.map((w) => [w.origin.source, w.value, w.won])).toEqual([
      ["docker-defaults", [1, 2, 4], false],
      ["profile:low-latency:low-latency-params", [1, 2], false],
      ["user_patch", [2], true],
    ]);
    expect(h.writes[0].origin).toMatchObject({ file: "deployment/docker-defaults.yaml", line: lineOf("deployment/docker-defaults.yaml", "tp-size:") });
    expect(h.writes[1].origin).toMatchObject({ file: "profiles/low-latency.yaml", line: lineOf("profiles/low-latency.yaml", "tp-size:") });
    // The pointer form names the same value.
    expect(explainPath(design, "/parameters/tp-size").writes).toHaveLength(3);
  });

  it("counts a write of a whole object above the path, with the part it wrote there", async () => {
    // slo-config replaces the whole slo that production wrote: ttft's threshold changes (the replacement records
    // each value it brings, so the write is listed where it is most precise), tpot goes away with the replace.
    const r = await compose(set, { ...DESIGN, slo_config: { ttft: { threshold: 3 } } });
    const threshold = explainPath(r, "slo.ttft.threshold");
    expect(threshold.writes.map((w) => [w.origin.source, w.relation, w.at, w.value, w.won])).toEqual([
      ["profile:production:production-params", "self", "slo.ttft.threshold", 1, false],
      ["slo-config", "self", "slo.ttft.threshold", 3, true],
    ]);
    const tpot = explainPath(r, "slo.tpot");
    expect(tpot.present).toBe(false);
    expect(tpot.writes.map((w) => [w.origin.source, w.op, w.relation, w.at, w.value, w.won])).toEqual([
      ["profile:production:production-params", "set", "self", "slo.tpot", { threshold: 0.05, weight: 2 }, false],
      ["slo-config", "replace", "ancestor", "slo", undefined, true],
    ]);
  });

  it("lists a user's delete and a replacement that leaves a value out as the last word", async () => {
    const deleted = await compose(set, { model_name: "m", base_runtime: "vllm", user_overrides: { parameters: { "enable-chunked-prefill": { $patch: "delete" } } } });
    expect(explainPath(deleted, "parameters.enable-chunked-prefill").writes.map((w) => [w.origin.source, w.op, w.won])).toEqual([
      ["vllm-defaults", "set", false],
      ["user_patch", "delete", true],
    ]);
    const replaced = await compose(set, { model_name: "m", base_runtime: "vllm", override_mode: "replace", user_overrides: { parameters: { "tp-size": [1] } } });
    const h = explainPath(replaced, "model.id_or_path");
    expect(h.present).toBe(false);
    expect(h.writes.map((w) => [w.origin.source, w.value, w.won])).toEqual([
      ["base-model", "m", false],
      ["user_replace", undefined, true],
    ]);
  });

  it("counts the list that items were appended to as part of the final value", async () => {
    const r = await compose(set, { ...DESIGN, user_overrides: { parameters: { "mem-fraction-static": { $append: [0.9] } } } });
    const h = explainPath(r, "parameters.mem-fraction-static");
    expect(h).toMatchObject({ value: [0.7, 0.8, 0.9], combined: true });
    expect(h.writes.map((w) => [w.origin.source, w.op, w.value, w.won])).toEqual([
      ["docker-defaults", "set", [0.85, 0.9], false],
      ["profile:low-latency:low-latency-params", "set", [0.7, 0.8], true],
      ["user_patch", "append", [0.9], true],
    ]);
    expect(explainPath(design, "parameters.tp-size").combined).toBe(false);
  });

  it("for an object, marks each write that is still part of the final value", () => {
    const h = explainPath(design, "parameters", set);
    expect(h.object).toBe(true);
    const bySource = h.writes.map((w) => [w.origin.source, w.below ?? "", w.won]);
    // docker-defaults wrote the whole object, but the profile and the user replaced both its values.
    expect(bySource[0]).toEqual(["docker-defaults", "", false]);
    expect(bySource).toContainEqual(["user_patch", "tp-size", true]);
    expect(bySource).toContainEqual(["profile:low-latency:low-latency-params", "tp-size", false]);
    expect(bySource).toContainEqual(["profile:low-latency:low-latency-params", "mem-fraction-static", true]);
  });

  it("says why vllm-defaults was skipped: its condition and the base_runtime it read", () => {
    const skipped = explainSkipped(design);
    const vllm = skipped.find((s) => s.layer === "vllm-defaults")!;
    expect(vllm).toMatchObject({ file: "runtime/vllm-defaults.yaml", line: lineOf("runtime/vllm-defaults.yaml", "name:"), condition: 'base_runtime == "vllm"', because: ['base_runtime is "sglang"'] });
    expect(describeSkip(vllm)).toBe('vllm-defaults: when base_runtime == "vllm" → false (base_runtime is "sglang")');
    const gpu = skipped.find((s) => s.layer === "gpu-aware")!;
    expect(gpu.because).toEqual(["gpu_type is not set"]);
    // Applied layers are never listed as skipped.
    expect(skipped.map((s) => s.layer)).not.toContain("docker-defaults");
  });

  it("names unknown profiles with close names, and the profiles not selected", async () => {
    const r = await compose(set, { ...DESIGN, profiles: ["lowlatency", "production"] });
    expect(explainProfiles(r, set)).toEqual({
      unknown: [{ name: "lowlatency", pointer: "/profiles/0", suggestions: ["low-latency"] }],
      not_selected: ["high-throughput", "low-latency", "quick-test"],
    });
  });

  it("knows which skipped layers would have written a path", () => {
    expect(layerWritesPath(findLayer(set, "ome-defaults"), ["parameters", "tp-size"])).toBe("yes");
    expect(layerWritesPath(findLayer(set, "vllm-defaults"), ["parameters", "tp-size"])).toBe("no");
    expect(layerWritesPath(findLayer(set, "gpu-aware"), ["parameters", "tp-size"])).toBe("yes");
    const h = explainPath(design, "parameters.tp-size", set);
    expect(h.skipped_writers.map((s) => [s.layer, s.writes])).toContainEqual(["ome-defaults", "yes"]);
    expect(h.skipped_writers.map((s) => s.layer)).not.toContain("vllm-defaults");
  });

  it("writes values as one line of YAML", () => {
    expect(inlineYaml([1, 2, 4])).toBe("[1, 2, 4]");
    expect(inlineYaml("D(100,100)")).toBe('"D(100,100)"');
    expect(inlineYaml({ threshold: 1 })).toBe("{threshold: 1}");
    expect(inlineYaml("two\nlines")).toBe('"two\\nlines"');
  });
});

describe("strata explain (CLI)", () => {
  let dir: string;
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, "explain", ...args], { cwd: dir, encoding: "utf8" });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "strata-explain-"));
    cpSync(LAYERS_DIR, join(dir, "layers"), { recursive: true });
    cpSync(SCHEMAS_DIR, join(dir, "schemas"), { recursive: true });
    writeAutotunerProject(dir, { schemas: "schemas" });
    writeFileSync(join(dir, "ctx.yaml"), DESIGN_CONTEXT);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const userLine = DESIGN_CONTEXT.split("\n").findIndex((l) => l.includes("tp-size")) + 1;

  it("prints the config as YAML with each value's layer and file:line as an aligned comment", () => {
    const r = run("--context", "ctx.yaml");
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n");
    const line = (key: string) => lines.find((l) => l.trimStart().startsWith(key + ":"))!;
    expect(line("task_name")).toMatch(new RegExp(`^task_name: llama-3-2-1b-instruct_grid_search +# base-model  layers/base/base-model\\.yaml:${lineOf("base/base-model.yaml", "task_name:")}$`));
    expect(line("tp-size")).toMatch(new RegExp(`^  tp-size: \\[2\\] +# user_patch  ctx\\.yaml:${userLine}$`));
    expect(line("mem-fraction-static")).toMatch(new RegExp(`# profile:low-latency:low-latency-params  layers/profiles/low-latency\\.yaml:${lineOf("profiles/low-latency.yaml", "mem-fraction-static:")}$`));
    // Aligned: every annotation starts in the same column.
    const columns = new Set(lines.filter((l) => /^\s*[\w-]+: .*# /.test(l) && !l.startsWith("#")).map((l) => l.indexOf("# ")));
    expect(columns.size).toBe(1);
    // The annotations are comments: the output is the config itself.
    const composed = spawnSync(process.execPath, [CLI, "compose", "--context", "ctx.yaml", "--json"], { cwd: dir, encoding: "utf8" });
    expect(parseYaml(r.stdout)).toEqual(JSON.parse(composed.stdout).config);
  });

  it("lists each skipped layer with its file:line, its condition and what it read", () => {
    const r = run("--context", "ctx.yaml");
    const vllmLine = lineOf("runtime/vllm-defaults.yaml", "name:");
    expect(r.stdout).toContain(`#   layers/runtime/vllm-defaults.yaml:${vllmLine}: vllm-defaults: when base_runtime == "vllm" → false (base_runtime is "sglang")\n`);
    expect(r.stdout).toContain("# Skipped layers (6):");
    expect(r.stdout).toContain("# Profiles not selected: high-throughput, quick-test");
    expect(r.stdout).toContain("# Applied layers (7), in order: base-model, base-optimization, docker-defaults, sglang-defaults, profile:low-latency:low-latency-params, profile:production:production-params, user_patch");
  });

  it("--path parameters.tp-size shows every write in order, user_patch winning", () => {
    const r = run("--context", "ctx.yaml", "--path", "parameters.tp-size");
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe(`parameters.tp-size: [2]   (set by user_patch, ctx.yaml:${userLine})`);
    const rows = lines.filter((l) => /^ {2}\d /.test(l)).map((l) => l.trim().split(/ {2,}/));
    expect(rows).toEqual([
      ["1", "docker-defaults", `layers/deployment/docker-defaults.yaml:${lineOf("deployment/docker-defaults.yaml", "tp-size:")}`, "[1, 2, 4]"],
      ["2", "profile:low-latency:low-latency-params", `layers/profiles/low-latency.yaml:${lineOf("profiles/low-latency.yaml", "tp-size:")}`, "[1, 2]"],
      ["3", "user_patch", `ctx.yaml:${userLine}`, "[2]", "← wins"],
    ]);
    expect(r.stdout).toMatch(/Skipped layers that would have written parameters\.tp-size \(\d+\):\n {2}layers\/deployment\/ome-defaults\.yaml:\d+: ome-defaults: when deployment_mode == "ome" → false \(deployment_mode is "docker"\)/);
    expect(r.stdout).toMatch(/Other skipped layers \(\d+\):[^]*vllm-defaults: when base_runtime == "vllm" → false \(base_runtime is "sglang"\)/);
  });

  it("--json gives the same as data", () => {
    const r = run("--context", "ctx.yaml", "--path", "parameters.tp-size", "--json");
    expect(r.status).toBe(0);
    const data = JSON.parse(r.stdout);
    expect(data.history.writes.map((w: { origin: { source: string; file: string }; value: unknown; won: boolean }) => [w.origin.source, w.origin.file, w.value, w.won])).toEqual([
      ["docker-defaults", "layers/deployment/docker-defaults.yaml", [1, 2, 4], false],
      ["profile:low-latency:low-latency-params", "layers/profiles/low-latency.yaml", [1, 2], false],
      ["user_patch", "ctx.yaml", [2], true],
    ]);
    expect(data.history.writes[2].origin.line).toBe(userLine);
    const vllm = data.skipped_layers.find((s: { layer: string }) => s.layer === "vllm-defaults");
    expect(vllm).toMatchObject({ file: "layers/runtime/vllm-defaults.yaml", condition: 'base_runtime == "vllm"', read: { base_runtime: "sglang" }, because: ['base_runtime is "sglang"'] });

    const full = JSON.parse(run("--context", "ctx.yaml", "--json").stdout);
    const tp = full.values.find((v: { path: string }) => v.path === "parameters.tp-size");
    expect(tp).toEqual({ path: "parameters.tp-size", pointer: "/parameters/tp-size", value: [2], origin: { source: "user_patch", stage: "user", file: "ctx.yaml", line: userLine, column: 5 } });
    expect(full.values.find((v: { path: string }) => v.path === "task_name").origin).toMatchObject({ source: "base-model", file: "layers/base/base-model.yaml", line: lineOf("base/base-model.yaml", "task_name:") });
  });

  it("locates --set overrides on the command line and names unknown profiles", () => {
    const r = run("--context", "ctx.yaml", "--set", "parameters.tp-size=[4]", "--profile", "lowlatency");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {2}tp-size: \[4\] +# user_patch {2}--set parameters\.tp-size=\[4\]$/m);
    expect(r.stdout).toContain("# Unknown profile 'lowlatency' (context profiles[2]): not found, nothing applied; did you mean low-latency?");
    expect(r.stderr).toContain("warning profile-not-found: profile 'lowlatency' not found");
  });

  it("still shows an invalid config, with the error under the value, and exits 1", () => {
    const r = run("--context", "ctx.yaml", "--set", "parameters.tp-size=4");
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^ {2}tp-size: 4 +# user_patch {2}--set parameters\.tp-size=4\n {2}# \^ error config-invalid: 'parameters\.tp-size' must be array or object$/m);
    expect(r.stderr).toContain("error config-invalid: 'parameters.tp-size' must be array or object");
  });

  it("with an invalid context, prints the located errors and exits 2", () => {
    writeFileSync(join(dir, "bad.yaml"), "model_name: m\nbase_runtime: 3\n");
    const r = run("--context", "bad.yaml");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("bad.yaml:2:15: error context-invalid: 'base_runtime' must be string\n");
    expect(r.stdout).toBe("strata explain bad.yaml: the context is invalid, nothing was composed (see the errors above)\n");
  });

  it("refuses a path that nothing wrote, suggesting the one meant", () => {
    const r = run("--context", "ctx.yaml", "--path", "parameters.tp_size");
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("--path parameters.tp_size: the config has no value there and no layer wrote it; did you mean parameters.tp-size?");
  });

  it("reads the context from standard input and rejects bad usage with exit 2", () => {
    const stdin = spawnSync(process.execPath, [CLI, "explain", "--context", "-", "--path", "parameters.tp-size"], { cwd: dir, encoding: "utf8", input: DESIGN_CONTEXT });
    expect(stdin.status).toBe(0);
    expect(stdin.stdout).toContain("3  user_patch");
    expect(run().status).toBe(2);
    expect(run("--context", "ctx.yaml", "--mode", "merge").stderr).toContain("--mode must be patch or replace");
    expect(run("--context", "missing.yaml").stderr).toContain("cannot read missing.yaml: no such file");
    expect(run("--help").stdout).toContain("Usage: strata explain --context FILE|- [--path PATH] [options]");
  });
});
