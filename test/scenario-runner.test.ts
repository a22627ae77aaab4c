// The scenario runner and `strata test`: failures name file:line and show expected/actual or a YAML diff;
// `--update` rewrites only recorded values and keeps the file's comments and key order.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadLayerSet } from "../src/core/load.js";
import { loadScenarios, loadScenariosFromFiles, runScenario, updateScenarioText } from "../src/review/scenarios.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(root, "dist/cli.js");
const LAYERS = join(root, "layers");
const set = loadLayerSet(LAYERS, { schemasDir: join(root, "schemas") });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "strata-scenarios-"));
  mkdirSync(join(dir, "scenarios"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => writeFileSync(join(dir, "scenarios", name), text);
const read = (name: string) => readFileSync(join(dir, "scenarios", name), "utf8");
const strata = (...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, "test", "--project", root, "--scenarios", "scenarios", "--layers", LAYERS, ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const scenario = (text: string, id = "s.yaml") => {
  const loaded = loadScenariosFromFiles([{ path: id, text }], { dir: "scenarios" });
  expect(loaded.issues).toEqual([]);
  return loaded.scenarios[0];
};

const CONTEXT = `context:
  model_name: m
  base_runtime: sglang
  deployment_mode: docker
`;

// sglang on docker as composed today, except tp-size: the snapshot says [1, 2] where the layers give [1, 2, 4].
// Its keys are not in the order compose writes them (runtime_image_tag comes second): --update must keep that order.
const STALE = `# A scenario whose snapshot is out of date.
name: stale snapshot
${CONTEXT}expect:
  # The config, as it was when recorded.
  config:
    task_name: m_grid_search # generated from model_name
    runtime_image_tag: v0.5.2-cu126
    model:
      id_or_path: m
      namespace: autotuner
    base_runtime: sglang
    optimization:
      strategy: grid_search
      objective: minimize_latency
      max_iterations: 10
      timeout_per_iteration: 600
    benchmark:
      task: text-to-text
      model_name: m
      traffic_scenarios: ["D(100,100)"]
      num_concurrency: [1, 4]
    parameters:
      # Searched by the autotuner.
      tp-size: [1, 2]
      mem-fraction-static: [0.85, 0.9]
      schedule-policy: [lpm]
      enable-torch-compile: [true, false]
  match:
    parameters.tp-size: [1, 2]
`;

describe("runScenario", () => {
  it("a stale snapshot fails with the changed path and a unified diff of the YAML, at expect.config's line", async () => {
    const run = await runScenario(set, scenario(STALE));
    expect(run.passed).toBe(false);
    const snap = run.failures.find((f) => f.code === "scenario-config")!;
    expect(snap).toMatchObject({ file: "scenarios/s.yaml", line: 9, expectation: "config", updatable: true });
    expect(snap.changes).toEqual([{ pointer: "/parameters/tp-size", kind: "changed", before: [1, 2], after: [1, 2, 4] }]);
    expect(snap.message).toContain("parameters.tp-size");
    const diff = snap.diff!.split("\n");
    expect(diff[0]).toBe("--- expected (scenarios/s.yaml)");
    expect(diff[1]).toBe("+++ actual");
    // Lists read as in the file, so the one changed line is the one shown changed.
    expect(diff.filter((l) => /^[-+] /.test(l))).toEqual(["-  tp-size: [1, 2]", "+  tp-size: [1, 2, 4]"]);
    expect(diff.some((l) => /^@@ -\d+,\d+ \+\d+,\d+ @@$/.test(l))).toBe(true);
  });

  it("a match failure gives the path, the expected and the actual value, at the path's line", async () => {
    const run = await runScenario(set, scenario(STALE));
    const m = run.failures.find((f) => f.code === "scenario-match")!;
    expect(m).toMatchObject({ line: 33, column: 5, path: "parameters.tp-size", expected: [1, 2], actual: [1, 2, 4], updatable: true });
    expect(m.message).toBe("expect.match 'parameters.tp-size': expected [1, 2], got [1, 2, 4]");
  });

  it("passes when the snapshot matches as data, whatever its key order", async () => {
    const run = await runScenario(set, scenario(`name: ok\n${CONTEXT}expect:\n  match:\n    parameters.tp-size: [1, 2, 4]\n    model: { namespace: autotuner, id_or_path: m }\n  absent: [slo]\n  warnings: []\n  applied_layers: [base-model, base-optimization, docker-defaults, sglang-defaults]\n`));
    expect(run.failures).toEqual([]);
    expect(run.passed).toBe(true);
  });

  it("reports absent paths that are present, missing values, wrong layers and wrong warnings", async () => {
    const run = await runScenario(set, scenario(`name: wrong\n${CONTEXT}expect:\n  match:\n    parameters.nope: 1\n  absent: [runtime_image_tag]\n  applied_layers: [base-model, ome-defaults]\n  warnings: [tp-size-multi-node]\n`));
    const byCode = Object.fromEntries(run.failures.map((f) => [f.code, f]));
    expect(byCode["scenario-match"].message).toBe("expect.match 'parameters.nope': the config has no value there (expected 1)");
    expect(byCode["scenario-absent"].message).toBe(`expect.absent 'runtime_image_tag': the config has "v0.5.2-cu126" there`);
    expect(byCode["scenario-applied-layers"].message).toBe("expect.applied_layers: missing ome-defaults; unexpected base-optimization, docker-defaults, sglang-defaults");
    expect(byCode["scenario-warnings"].message).toBe("expect.warnings: missing tp-size-multi-node");
    expect(run.failures.map((f) => f.line)).toEqual([8, 9, 10, 11]);
  });

  it("an unexpected compose error fails the scenario and carries the errors, located in the scenario file", async () => {
    const run = await runScenario(set, scenario(`name: bad context\ncontext:\n  model_name: m\n  base_runtime: sglang\n  total_gpus: many\nexpect:\n  match:\n    task_name: m_grid_search\n`));
    const f = run.failures.find((x) => x.code === "scenario-compose-failed")!;
    expect(f.issues!.map((i) => [i.code, i.file, i.line])).toContainEqual(["context-invalid", "scenarios/s.yaml", 5]);
    expect(run.failures.find((x) => x.code === "scenario-match")!.message).toContain("no config was composed");
  });

  it("an expected error passes; a different one fails", async () => {
    const bad = `name: e\ncontext:\n  model_name: m\n  base_runtime: sglang\n  total_gpus: -1\nexpect:\n  errors:\n    - { code: context-invalid, path: total_gpus }\n`;
    expect((await runScenario(set, scenario(bad))).passed).toBe(true);
    const other = await runScenario(set, scenario(bad.replace("path: total_gpus", "path: model_name")));
    expect(other.failures.map((f) => f.code)).toEqual(["scenario-errors"]);
  });
});

describe("loadScenarios", () => {
  it("reports a broken scenario file with file:line:col and keeps the others", () => {
    write("a-good.yaml", `name: good\n${CONTEXT}expect:\n  match: { base_runtime: sglang }\n`);
    write("b-unknown-field.yaml", `name: typo\n${CONTEXT}expect:\n  matches:\n    base_runtime: sglang\n`);
    write("c-bad-yaml.yaml", `name: [oops\n`);
    write("d-no-expect.yaml", `name: lazy\n${CONTEXT}`);
    const { scenarios, issues } = loadScenarios(join(dir, "scenarios"));
    expect(scenarios.map((s) => s.name)).toEqual(["good"]);
    const at = issues.map((i) => `${i.file!.split("/").pop()}:${i.line}:${i.column} ${i.code}`);
    expect(at).toEqual(["b-unknown-field.yaml:7:3 scenario-schema", "c-bad-yaml.yaml:1:7 parse-error", "d-no-expect.yaml:1:1 scenario-schema"]);
    expect(issues[0].message).toBe("unknown field 'expect.matches'");
    expect(issues[2].message).toBe("missing required field 'expect'");
  });

  it("a missing directory is one clear issue, not a crash", () => {
    const { scenarios, issues } = loadScenarios(join(dir, "nowhere"));
    expect(scenarios).toEqual([]);
    expect(issues).toMatchObject([{ code: "scenarios-unreadable", message: expect.stringContaining("no such directory") }]);
  });

  it("user data takes no tags: !expr in a scenario is an error, never evaluated", () => {
    const { issues } = loadScenariosFromFiles([{ path: "x.yaml", text: `name: x\ncontext:\n  model_name: !expr '$string(1)'\n  base_runtime: sglang\nexpect: { match: { a: 1 } }\n` }]);
    expect(issues.map((i) => [i.code, i.line])).toEqual([["unknown-tag", 3]]);
  });
});

describe("strata test", () => {
  it("exits 1 and prints each failure with expected, actual and the YAML diff", () => {
    write("stale.yaml", STALE);
    const r = strata();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("FAIL  scenarios/stale.yaml  stale snapshot");
    expect(r.stdout).toContain("scenarios/stale.yaml:9:3: scenario-config: the composed config differs from the snapshot at 1 path(s): parameters.tp-size");
    expect(r.stdout).toMatch(/^ +-  tp-size: \[1, 2\]\n +\+  tp-size: \[1, 2, 4\]$/m);
    expect(r.stdout).toContain("scenarios/stale.yaml:33:5: scenario-match: expect.match 'parameters.tp-size': expected [1, 2], got [1, 2, 4]");
    expect(r.stdout).toMatch(/expected: \[1, 2\]\n +actual: +\[1, 2, 4\]/);
    expect(r.stdout).toContain("1 scenario(s): 0 passed, 1 failed");
  });

  it("exits 0 when every scenario passes; --format json gives the same as data", () => {
    write("ok.yaml", `name: ok\n${CONTEXT}expect:\n  match: { parameters.tp-size: [1, 2, 4] }\n`);
    expect(strata().code).toBe(0);
    write("stale.yaml", STALE);
    const r = strata("--format", "json");
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ ok: false, passed: 1, failed: 1 });
    expect(json.scenarios.find((s: { name: string }) => s.name === "stale snapshot").failures.map((f: { code: string }) => f.code)).toEqual(["scenario-config", "scenario-match"]);
  });

  it("a broken scenario file fails the run with its file:line:col", () => {
    write("typo.yaml", `name: typo\n${CONTEXT}expect:\n  matchh: {}\n`);
    const r = strata();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("FAIL  scenarios/typo.yaml:7:3: error scenario-schema: unknown field 'expect.matchh'");
  });

  it("--update rewrites the stale snapshot and the stale match value, keeps every comment and the key order", () => {
    write("stale.yaml", STALE);
    const r = strata("--update");
    const text = read("stale.yaml");
    // The only changes: the two tp-size lines. Comments (whole-line and trailing) and everything else stay byte for byte.
    expect(text).toBe(STALE.replace("      tp-size: [1, 2]\n", "      tp-size: [1, 2, 4]\n").replace("    parameters.tp-size: [1, 2]\n", "    parameters.tp-size: [1, 2, 4]\n"));
    expect(r.stdout).toContain("UPDATED  scenarios/stale.yaml  (expect.config, expect.match)");
    // What it said it could re-record, it did: the scenario passes now.
    expect(r.stdout).toContain("PASS  scenarios/stale.yaml");
    expect(r.code).toBe(0);
  });

  it("names what --update cannot rewrite (a match with no value, an absent path) as needing a hand edit, and leaves it", () => {
    const text = `name: by hand\n${CONTEXT}expect:\n  match:\n    parameters.tp-size: [1, 2]\n    parameters.no-such: 1\n  absent: [parameters.tp-size]\n`;
    write("hand.yaml", text);
    const before = strata();
    expect(before.code).toBe(1);
    expect(before.stdout).not.toContain("can be re-recorded");
    expect(before.stdout).toContain("2 failure(s) need a hand edit ('strata test --update' does not rewrite them):\n  scenarios/hand.yaml:9:5: expect.match 'parameters.no-such'\n  scenarios/hand.yaml:10:12: expect.absent 'parameters.tp-size'\n");
    const r = strata("--update");
    expect(r.code).toBe(1);
    // The match it can rewrite is rewritten; the rest is named and left as written.
    expect(read("hand.yaml")).toBe(text.replace("tp-size: [1, 2]\n", "tp-size: [1, 2, 4]\n"));
    expect(r.stdout).toContain("UPDATED  scenarios/hand.yaml  (expect.match)");
    expect(r.stdout).toContain("2 failure(s) need a hand edit:\n  scenarios/hand.yaml:9:5: expect.match 'parameters.no-such'\n");
  });

  it("--update fills in empty expectations and the result passes; passing files are not rewritten", () => {
    const fresh = `# yaml-language-server: $schema=../schemas/scenario.schema.json\nname: fresh\n${CONTEXT}expect:\n  # Filled in by --update.\n  applied_layers:\n  warnings:\n  config:\n`;
    write("fresh.yaml", fresh);
    write("ok.yaml", `name: ok\n${CONTEXT}expect:\n  match: { parameters.tp-size: [1, 2, 4] }\n`);
    const okBefore = statSync(join(dir, "scenarios/ok.yaml")).mtimeMs;
    const r = strata("--update");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("UPDATED  scenarios/fresh.yaml  (expect.applied_layers, expect.warnings, expect.config)");
    const text = read("fresh.yaml");
    expect(text.startsWith(fresh.slice(0, fresh.indexOf("  applied_layers:")))).toBe(true);
    expect(text).toContain("  # Filled in by --update.\n  applied_layers:\n    - base-model\n    - base-optimization\n    - docker-defaults\n    - sglang-defaults\n  warnings: []\n  config:\n    task_name: m_grid_search\n");
    expect(text).toContain("      tp-size: [1, 2, 4]\n");
    expect(parse(text).expect.config.parameters["enable-torch-compile"]).toEqual([true, false]);
    expect(statSync(join(dir, "scenarios/ok.yaml")).mtimeMs).toBe(okBefore);
    expect(strata().code).toBe(0);
  });

  it("--update keeps a detailed warning entry that still matches and adds new codes", async () => {
    const s = scenario(`name: w\ncontext:\n  model_name: m\n  base_runtime: vllm\n  deployment_mode: ome\n  profiles: [nope]\n  user_overrides: { parameters: { tp-size: [16] } }\nexpect:\n  warnings:\n    - { code: profile-not-found, message: profile 'nope' not found } # keep me\n`);
    const run = await runScenario(set, s);
    expect(run.failures.map((f) => f.code)).toEqual(["scenario-warnings"]);
    const next = updateScenarioText(run)!;
    // The entry and its comment stay (the rewritten list is written without padding inside braces).
    expect(next.text).toContain("    - {code: profile-not-found, message: profile 'nope' not found} # keep me\n    - tp-size-multi-node\n");
    const again = loadScenariosFromFiles([{ path: "s.yaml", text: next.text }]).scenarios[0];
    expect((await runScenario(set, again)).passed).toBe(true);
  });

  it("filters by file or name, and says so when nothing matches", () => {
    write("a.yaml", `name: alpha\n${CONTEXT}expect:\n  match: { base_runtime: sglang }\n`);
    write("stale.yaml", STALE);
    const r = strata("alpha");
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("stale");
    const none = strata("zzz");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no scenario matches 'zzz'");
  });

  it("a missing scenario directory is a usage error", () => {
    const r = strata("--scenarios", "nowhere");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot read scenario directory nowhere: no such directory");
  });
});
