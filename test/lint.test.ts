// `strata lint`: every problem of a layer folder as `file:line:col: severity code: message`, without composing;
// then the scenarios that fail to compose. Run on real temporary folders, through the built CLI (the library's
// own tests, which mutation runs see, are in test/lint-library.test.ts).
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeAutotunerProject } from "./helpers/project.js";
import { CLI, LAYERS_DIR, REPO_ROOT, fixtureDir } from "./helpers/paths.js";

const temps: string[] = [];
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temporary project: strata.yaml, `layers/` (a copy of `from`, plus `files`), and optional `test/scenarios/` files. */
function project(from: string | undefined, files: Record<string, string> = {}, scenarios?: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "strata-lint-"));
  temps.push(dir);
  writeAutotunerProject(dir, { scenarios: scenarios ? "test/scenarios" : undefined });
  if (from) cpSync(from, join(dir, "layers"), { recursive: true });
  for (const [path, text] of Object.entries(files)) write(join(dir, "layers", path), text);
  if (scenarios) for (const [path, text] of Object.entries(scenarios)) write(join(dir, "test", "scenarios", path), text);
  return dir;
}

function write(path: string, text: string) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

const lint = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [CLI, "lint", ...args], { cwd, encoding: "utf8" });

describe("strata lint on a folder of broken files", () => {
  // test/fixtures/lint-broken: one problem per file (base/base.yaml is the correct one).
  const EXPECTED = [
    `layers/base/bad-expression.yaml:4:60: error expression-syntax: JSONata syntax error: Expected ")" before end of expression`,
    "layers/base/bad-yaml.yaml:5:14: error parse-error: the list opened with '[' on line 5 is not closed: end it with ']'",
    "layers/base/unknown-field.yaml:3:1: error layer-schema: unknown field 'priority'",
    "layers/checks/config-typo.yaml:4:24: error unknown-config-field: check 'config-typo' reads '$config.paramters.tp-size', but the config has no field 'paramters' (did you mean 'parameters'?)",
    "layers/deployment/never-applies.yaml:3:7: error never-equal: layer 'never-applies' compares override_mode with 'merge', which it can never be (it is one of 'patch', 'replace')",
    `layers/deployment/never-applies.yaml:3:7: warning never-applies: layer 'never-applies' can never apply: its condition is false for every value of override_mode ("patch", "replace")`,
    "layers/deployment/unknown-stage.yaml:2:8: error unknown-stage: unknown stage 'deploy' (stages: base, deployment, runtime, profiles, user)",
    "layers/profiles/empty.yaml:4:9: error profile-empty: the profile has no layers: list at least one under `layers:` (or delete the file)",
    "layers/runtime/also-vllm.yaml:2:7: warning name-mismatch: layer 'vllm' is in a file named 'also-vllm.yaml'; name the file vllm.yaml",
    "layers/runtime/also-vllm.yaml:2:7: error duplicate-name: layer 'vllm' is defined twice (also in runtime/vllm.yaml)",
    "layers/runtime/bad-operator.yaml:3:9: error unknown-operator: unknown JSON-logic operator 'equals'",
    "layers/runtime/unknown-context-field.yaml:3:25: error unknown-context-field: layer 'unknown-context-field' reads 'base_runtim', but the context has no field 'base_runtim' (did you mean 'base_runtime'?)",
    "layers/runtime/unknown-context-field.yaml:5:20: error unknown-context-field: layer 'unknown-context-field' reads 'modle_name', but the context has no field 'modle_name' (did you mean 'model_name'?)",
    "layers/runtime/vllm.yaml:1:7: error duplicate-name: layer 'vllm' is defined twice (also in runtime/also-vllm.yaml)",
  ];

  it("reports every problem with its exact file:line:col, sorted by file, and exits 1", () => {
    const dir = project(fixtureDir("lint-broken"));
    const r = lint(dir, "layers");
    expect(r.stdout.trimEnd().split("\n")).toEqual(EXPECTED);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("strata lint: 12 error(s), 2 warning(s) in 13 file(s) under layers; the project declares no scenarios (add `scenarios: DIR` to its strata.yaml, or use --scenarios DIR)\n");
  });

  it("points at the right characters: each reported position holds what the message names", () => {
    const dir = project(fixtureDir("lint-broken"));
    const at = (line: string) => {
      const [, file, l, c] = line.match(/^([^:]+):(\d+):(\d+):/)!;
      return readFileSync(join(dir, file), "utf8").split("\n")[Number(l) - 1].slice(Number(c) - 1);
    };
    expect(at(EXPECTED[2])).toMatch(/^priority:/);
    expect(at(EXPECTED[3])).toMatch(/^"\$config\.paramters\.tp-size"/);
    expect(at(EXPECTED[6])).toMatch(/^deploy$/);
    expect(at(EXPECTED[9])).toMatch(/^vllm$/);
    expect(at(EXPECTED[10])).toMatch(/^"equals"/);
    expect(at(EXPECTED[11])).toMatch(/^"base_runtim"/);
    expect(at(EXPECTED[12])).toMatch(/^modle_name & "_sglang"/);
    expect(at(EXPECTED[13])).toMatch(/^vllm$/);
  });

  it("--format json gives the same issues as data", () => {
    const dir = project(fixtureDir("lint-broken"));
    const r = lint(dir, "layers", "--format", "json");
    expect(r.status).toBe(1);
    const data = JSON.parse(r.stdout);
    expect(data).toMatchObject({ ok: false, errors: 12, warnings: 2, layers_dir: "layers", files: 13, scenarios: { dir: null, count: 0, composed: false } });
    const asLines = data.issues.map((i: { file: string; line: number; column: number; severity: string; code: string; message: string }) => `${i.file}:${i.line}:${i.column}: ${i.severity} ${i.code}: ${i.message}`);
    expect(asLines).toEqual(EXPECTED);
    expect(data.issues.find((i: { code: string }) => i.code === "unknown-operator")).toMatchObject({ layer: "bad-operator", pointer: "/when/equals" });
  });
});

describe("strata lint on good layers", () => {
  it("finds nothing in the shipped layers and composes every shipped scenario", () => {
    const r = lint(REPO_ROOT);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^strata lint: no problems in \d+ file\(s\) under layers; \d+ scenario\(s\) composed from test\/scenarios\n$/);
    expect(r.status).toBe(0);
  });

  it("exits 0 with warnings only, 1 with --strict", () => {
    const dir = project(LAYERS_DIR, { "runtime/typo.yaml": "name: typo\nstage: runtime\ndata:\n  parameters:\n    tp_size: [1]\n" });
    const r = lint(dir);
    expect(r.stdout).toBe("layers/runtime/typo.yaml:5:5: warning likely-typo: layer 'typo' writes 'tp_size' in 'parameters', which takes any key but knows 'tp-size': did you mean 'tp-size'?\n");
    expect(r.status).toBe(0);
    expect(lint(dir, "--strict").status).toBe(1);
  });

  it("a check rule's path to nothing is an error", () => {
    const dir = project(LAYERS_DIR, { "checks/odd-path.yaml": "check: odd-path\nseverity: warning\npath: parameter.tp-size\nwhen: false\nmessage: never\n" });
    const r = lint(dir);
    expect(r.stdout).toBe("layers/checks/odd-path.yaml:3:7: error unknown-config-field: check 'odd-path' is about 'parameter.tp-size', but the config has no field 'parameter' (did you mean 'parameters'?)\n");
    expect(r.status).toBe(1);
  });
});

describe("strata lint composes the scenarios", () => {
  const CONTEXT = "  model_name: m\n  base_runtime: vllm\n";
  const scenarios = {
    "ok.yaml": `name: fine\ncontext:\n${CONTEXT}expect:\n  match:\n    base_runtime: vllm\n`,
    // The override misspells a field: the config fails validation, blamed on the override's line.
    "bad-override.yaml": `name: misspelt override\ncontext:\n${CONTEXT}  user_overrides:\n    optimization:\n      max_iteration: 3\nexpect:\n  match:\n    base_runtime: vllm\n`,
    // Expected errors are strata test's business, not a lint problem.
    "expects-errors.yaml": `name: expected failure\ncontext:\n  model_name: m\nexpect:\n  errors: [context-invalid]\n`,
    "broken.yaml": `context:\n${CONTEXT}expect:\n  match:\n    base_runtime: vllm\n`,
  };

  it("reports each scenario whose config fails, and each broken scenario file", () => {
    const dir = project(LAYERS_DIR, {}, scenarios);
    const r = lint(dir);
    expect(r.stdout.trimEnd().split("\n")).toEqual([
      "test/scenarios/bad-override.yaml:7:7: error scenario-fails: scenario 'misspelt override' does not compose: config-invalid: unknown field 'optimization.max_iteration' [set by user_patch]",
      "test/scenarios/broken.yaml:1:1: error scenario-schema: missing required field 'name'",
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/; 3 scenario\(s\) composed from test\/scenarios\n$/);
  });

  it("names the layer that set a value that fails, with its file:line:col", () => {
    // An expression's result is known only at compose (a static value would be refused at load).
    const ome = readFileSync(join(LAYERS_DIR, "deployment/ome-defaults.yaml"), "utf8").replace(/tp-size: \[[^\]]*\]/, 'tp-size: !expr "4"');
    const dir = project(LAYERS_DIR, { "deployment/ome-defaults.yaml": ome }, {
      "ome.yaml": `name: on ome\ncontext:\n${CONTEXT}  deployment_mode: ome\nexpect:\n  applied_layers: null\n`,
      "docker.yaml": `name: on docker\ncontext:\n${CONTEXT}expect:\n  applied_layers: null\n`,
    });
    const line = ome.split("\n").findIndex((l) => l.includes('tp-size: !expr "4"')) + 1;
    const r = lint(dir);
    expect(r.stdout).toBe(`test/scenarios/ome.yaml:2:1: error scenario-fails: scenario 'on ome' does not compose: config-invalid: 'parameters.tp-size' must be array or object [set by ome-defaults (layers/deployment/ome-defaults.yaml:${line}:5)]\n`);
    expect(r.status).toBe(1);
  });

  it("does not compose scenarios with a broken layer set, and says so", () => {
    const dir = project(LAYERS_DIR, { "runtime/broken.yaml": "name: broken\nstage: nowhere\ndata: {}\n" }, scenarios);
    const r = lint(dir, "--format", "json");
    const data = JSON.parse(r.stdout);
    expect(data.scenarios).toEqual({ dir: "test/scenarios", count: 3, composed: false });
    expect(data.issues.map((i: { code: string }) => i.code)).toEqual(["unknown-stage", "scenario-schema"]);
    expect(lint(dir).stderr).toContain("scenarios in test/scenarios not composed: fix the layer errors first");
    expect(lint(dir, "--no-scenarios").stdout).not.toContain("scenario");
  });
});

describe("strata lint usage", () => {
  it("exits 2 on bad usage", () => {
    const dir = project(LAYERS_DIR);
    expect(lint(dir, "nowhere").stderr).toContain("strata lint: nowhere: no such directory");
    expect(lint(dir, "nowhere").status).toBe(2);
    expect(lint(dir, "--format", "xml").status).toBe(2);
    expect(lint(dir, "layers", "other").status).toBe(2);
    expect(lint(dir, "--help").stdout).toContain("Usage: strata lint [DIR] [options]");
  });
});

describe("strata lint checks the keys a layer writes against the task-config schema", () => {
  // test/fixtures/lint-config-keys: misspelt section and field keys, a section left empty, a profile layer
  // with a misspelt section; and what is not judged (open maps, expressions, directive objects).
  const EXPECTED = [
    "layers/profiles/fast.yaml:7:7: error unknown-config-key: layer 'fast-params' writes 'optimisation', but the config has no such key (did you mean 'optimization'?)",
    "layers/runtime/empty.yaml:5:3: warning empty-section: layer 'empty' sets 'parameters' to nothing (null), where the task config expects a section: it replaces the whole section with null (delete the line, or write the keys under it)",
    "layers/runtime/typos.yaml:5:3: error unknown-config-key: layer 'typos' writes 'paramters', but the config has no such key (did you mean 'parameters'?)",
    "layers/runtime/typos.yaml:9:5: error unknown-config-key: layer 'typos' writes 'max_iteration', but 'optimization' has no such key (did you mean 'max_iterations'?)",
    "layers/runtime/typos.yaml:13:29: error unknown-config-key: layer 'typos' writes 'anything', but 'model' has no such key",
    "layers/runtime/typos.yaml:15:5: error unknown-config-key: layer 'typos' writes 'zzzz', but 'storage' has no such key",
  ];

  it("reports each unknown key and empty section at its file:line:col, and exits 1", () => {
    const dir = project(fixtureDir("lint-config-keys"));
    const r = lint(dir, "layers");
    expect(r.stdout.trimEnd().split("\n")).toEqual(EXPECTED);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^strata lint: 5 error\(s\), 1 warning\(s\) in 5 file\(s\) under layers/);
  });

  it("points at the key itself", () => {
    const dir = project(fixtureDir("lint-config-keys"));
    const at = (line: string) => {
      const [, file, l, c] = line.match(/^([^:]+):(\d+):(\d+):/)!;
      return readFileSync(join(dir, file), "utf8").split("\n")[Number(l) - 1].slice(Number(c) - 1);
    };
    expect(EXPECTED.map(at)).toEqual(["optimisation:", "parameters:", "paramters:", "max_iteration: 10", "anything: goes }", "zzzz: !expr model_name"]);
  });

  it("gives the layer-file pointer of each key in --format json", () => {
    const dir = project(fixtureDir("lint-config-keys"));
    const data = JSON.parse(lint(dir, "layers", "--format", "json").stdout);
    expect(data.issues.map((i: { code: string; pointer: string }) => `${i.code} ${i.pointer}`)).toEqual([
      "unknown-config-key /layers/0/data/optimisation",
      "empty-section /data/parameters",
      "unknown-config-key /data/paramters",
      "unknown-config-key /data/optimization/max_iteration",
      "unknown-config-key /data/model/anything",
      "unknown-config-key /data/storage/zzzz",
    ]);
  });
});
