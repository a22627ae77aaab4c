// src/review/scenarios.ts in-process (mutation runs see these; test/scenario-runner.test.ts runs `strata test` through
// the built CLI): failures name file:line and carry expected/actual or a YAML diff; `--update`'s rewriting keeps the
// file's comments and key order. The shipped layer set loads inside the tests (once, on first use).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadLayerSet, type LayerSet } from "../src/core/load.js";
import { loadScenarios, loadScenariosFromFiles, runScenario, updateScenarioText } from "../src/review/scenarios.js";
import { CONTEXT, STALE } from "./helpers/scenario-texts.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
let shipped: LayerSet | undefined;
const layers = (): LayerSet => (shipped ??= loadLayerSet(join(root, "layers"), { schemasDir: join(root, "schemas") }));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "strata-scenarios-"));
  mkdirSync(join(dir, "scenarios"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => writeFileSync(join(dir, "scenarios", name), text);
const scenario = (text: string, id = "s.yaml") => {
  const loaded = loadScenariosFromFiles([{ path: id, text }], { dir: "scenarios" });
  expect(loaded.issues).toEqual([]);
  return loaded.scenarios[0];
};

describe("runScenario", () => {
  it("a stale snapshot fails with the changed path and a unified diff of the YAML, at expect.config's line", async () => {
    const run = await runScenario(layers(), scenario(STALE));
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
    const run = await runScenario(layers(), scenario(STALE));
    const m = run.failures.find((f) => f.code === "scenario-match")!;
    expect(m).toMatchObject({ line: 33, column: 5, path: "parameters.tp-size", expected: [1, 2], actual: [1, 2, 4], updatable: true });
    expect(m.message).toBe("expect.match 'parameters.tp-size': expected [1, 2], got [1, 2, 4]");
  });

  it("passes when the snapshot matches as data, whatever its key order", async () => {
    const run = await runScenario(layers(), scenario(`name: ok\n${CONTEXT}expect:\n  match:\n    parameters.tp-size: [1, 2, 4]\n    model: { namespace: autotuner, id_or_path: m }\n  absent: [slo]\n  warnings: []\n  applied_layers: [base-model, base-optimization, docker-defaults, sglang-defaults]\n`));
    expect(run.failures).toEqual([]);
    expect(run.passed).toBe(true);
  });

  it("reports absent paths that are present, missing values, wrong layers and wrong warnings", async () => {
    const run = await runScenario(layers(), scenario(`name: wrong\n${CONTEXT}expect:\n  match:\n    parameters.nope: 1\n  absent: [runtime_image_tag]\n  applied_layers: [base-model, ome-defaults]\n  warnings: [tp-size-multi-node]\n`));
    const byCode = Object.fromEntries(run.failures.map((f) => [f.code, f]));
    expect(byCode["scenario-match"].message).toBe("expect.match 'parameters.nope': the config has no value there (expected 1)");
    expect(byCode["scenario-absent"].message).toBe(`expect.absent 'runtime_image_tag': the config has "v0.5.2-cu126" there`);
    expect(byCode["scenario-applied-layers"].message).toBe("expect.applied_layers: missing ome-defaults; unexpected base-optimization, docker-defaults, sglang-defaults");
    expect(byCode["scenario-warnings"].message).toBe("expect.warnings: missing tp-size-multi-node");
    expect(run.failures.map((f) => f.line)).toEqual([8, 9, 10, 11]);
  });

  it("an unexpected compose error fails the scenario and carries the errors, located in the scenario file", async () => {
    const run = await runScenario(layers(), scenario(`name: bad context\ncontext:\n  model_name: m\n  base_runtime: sglang\n  total_gpus: many\nexpect:\n  match:\n    task_name: m_grid_search\n`));
    const f = run.failures.find((x) => x.code === "scenario-compose-failed")!;
    expect(f.issues!.map((i) => [i.code, i.file, i.line])).toContainEqual(["context-invalid", "scenarios/s.yaml", 5]);
    expect(run.failures.find((x) => x.code === "scenario-match")!.message).toContain("no config was composed");
  });

  it("an expected error passes; a different one fails", async () => {
    const bad = `name: e\ncontext:\n  model_name: m\n  base_runtime: sglang\n  total_gpus: -1\nexpect:\n  errors:\n    - { code: context-invalid, path: total_gpus }\n`;
    expect((await runScenario(layers(), scenario(bad))).passed).toBe(true);
    const other = await runScenario(layers(), scenario(bad.replace("path: total_gpus", "path: model_name")));
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

describe("updateScenarioText", () => {
  it("--update keeps a detailed warning entry that still matches and adds new codes", async () => {
    const s = scenario(`name: w\ncontext:\n  model_name: m\n  base_runtime: vllm\n  deployment_mode: ome\n  profiles: [nope]\n  user_overrides: { parameters: { tp-size: [16] } }\nexpect:\n  warnings:\n    - { code: profile-not-found, message: profile 'nope' not found } # keep me\n`);
    const run = await runScenario(layers(), s);
    expect(run.failures.map((f) => f.code)).toEqual(["scenario-warnings"]);
    const next = updateScenarioText(run)!;
    // The entry and its comment stay (the rewritten list is written without padding inside braces).
    expect(next.text).toContain("    - {code: profile-not-found, message: profile 'nope' not found} # keep me\n    - tp-size-multi-node\n");
    const again = loadScenariosFromFiles([{ path: "s.yaml", text: next.text }]).scenarios[0];
    expect((await runScenario(layers(), again)).passed).toBe(true);
  });
});
