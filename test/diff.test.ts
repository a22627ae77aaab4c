// `strata diff` through the built CLI, on real temporary git repositories holding a copy of the shipped layers, schemas
// and scenarios (the library's own tests, which mutation runs see, are in test/diff-library.test.ts).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, unlinkSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { DiffReport } from "../src/review/diff.js";
import { readLayerFiles } from "../src/core/load.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(root, "dist/cli.js");
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com",
  GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1",
};

const tmp: string[] = [];
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A fresh repository with one commit holding strata.yaml, layers/, schemas/ and test/scenarios/ as shipped. */
function makeRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), "strata-diff-"));
  tmp.push(dir);
  cpSync(join(root, "strata.yaml"), join(dir, "strata.yaml"));
  cpSync(join(root, "layers"), join(dir, "layers"), { recursive: true });
  cpSync(join(root, "schemas"), join(dir, "schemas"), { recursive: true });
  cpSync(join(root, "test/scenarios"), join(dir, "test/scenarios"), { recursive: true });
  git(dir, "init", "-q", "-b", "main");
  commit(dir, "layers as shipped");
  return dir;
}
const git = (dir: string, ...args: string[]) => execFileSync("git", args, { cwd: dir, env: GIT_ENV }).toString();
function commit(dir: string, message: string) {
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", message);
}
function edit(dir: string, file: string, from: string, to: string) {
  const path = join(dir, file);
  const text = readFileSync(path, "utf8");
  expect(text).toContain(from);
  writeFileSync(path, text.replace(from, to));
}
const strata = (dir: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, "diff", ...args], { cwd: dir, encoding: "utf8", env: GIT_ENV });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

/** Scenario files (relative to test/scenarios) whose context lists `profile`, read straight from the files. */
function scenariosUsing(profile: string): string[] {
  return readLayerFiles(join(root, "test/scenarios"))
    .filter((f) => (parse(f.text).context.profiles ?? []).includes(profile))
    .map((f) => f.path)
    .sort();
}

describe("strata diff: one profile value changed", () => {
  let dir: string;
  beforeAll(() => {
    dir = makeRepo();
    edit(dir, "layers/profiles/low-latency.yaml", "mem-fraction-static: [0.7, 0.8]", "mem-fraction-static: [0.75, 0.8]");
    commit(dir, "low-latency: more memory");
  });

  it("prints each change as old → new with the head layer file:line, then the unchanged scenarios", () => {
    const r = strata(dir, "--base", "HEAD~1", "--head", "HEAD");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/^strata diff: [0-9a-f]{7} → [0-9a-f]{7}$/);
    const using = scenariosUsing("low-latency");
    expect(lines[1]).toBe(`${using.length} of ${lines[1].match(/of (\d+)/)![1]} scenario(s) changed, 0 added, 0 removed, ${Number(lines[1].match(/of (\d+)/)![1]) - using.length} unchanged`);
    expect(r.stdout).toContain("changed  test/scenarios/profiles/low-latency.yaml — low-latency profile\n  parameters.mem-fraction-static: [0.7, 0.8] → [0.75, 0.8]   layers/profiles/low-latency.yaml:12 (profile:low-latency:low-latency-params)");
    const unchanged = r.stdout.slice(r.stdout.indexOf("unchanged ("));
    expect(unchanged).toContain("test/scenarios/matrix/sglang-docker.yaml — sglang on docker");
    expect(unchanged).not.toContain("low-latency.yaml");
  });

  it("--format markdown gives a PR comment: marker, summary table, a details table per scenario, unchanged list", () => {
    const r = strata(dir, "--base", "HEAD~1", "--head", "HEAD", "--format", "markdown");
    expect(r.code).toBe(0);
    const md = r.stdout;
    expect(md.startsWith("<!-- strata-diff -->\n### strata diff: `")).toBe(true);
    expect(md).toMatch(/\*\*\d+\*\* of \d+ scenario\(s\) changed · 0 added · 0 removed · \d+ unchanged/);
    expect(md).toContain("| Scenario | File | Status | Values changed | Also |\n|---|---|---|---|---|\n");
    expect(md).toContain("| low-latency profile | `test/scenarios/profiles/low-latency.yaml` | changed | 1 |  |");
    expect(md).toContain("| `parameters.mem-fraction-static` | `[0.7, 0.8]` | `[0.75, 0.8]` | `layers/profiles/low-latency.yaml:12` (profile:low-latency:low-latency-params) |");
    const unchanged = md.slice(md.search(/<details><summary>\d+ unchanged scenario\(s\)<\/summary>/));
    expect(unchanged).toContain("\n- sglang on docker (`test/scenarios/matrix/sglang-docker.yaml`)\n");
    expect(unchanged).not.toContain("low-latency.yaml");
    // Every table row has the same number of cells as its header: no stray pipes from values.
    for (const line of md.split("\n").filter((l) => l.startsWith("| `"))) expect(line.replace(/\\\|/g, "").split("|").length).toBe(6);
  });

  it("--format json gives the report as data", () => {
    const r = strata(dir, "--base", "HEAD~1", "--head", "HEAD", "--format", "json");
    const json = JSON.parse(r.stdout) as DiffReport;
    expect(json.summary.changed).toBe(scenariosUsing("low-latency").length);
    expect(json.scenarios.find((s) => s.id === "profiles/low-latency.yaml")!.changes[0].after).toEqual([0.75, 0.8]);
  });

  it("--exit-code exits 1 when a rendered config changed, 0 when none did", () => {
    expect(strata(dir, "--base", "HEAD~1", "--head", "HEAD", "--exit-code").code).toBe(1);
    expect(strata(dir, "--base", "HEAD", "--exit-code").code).toBe(0);
    expect(strata(dir, "--base", "HEAD~1", "--head", "HEAD").code).toBe(0);
  });
});

describe("strata diff: the working tree as head", () => {
  it("the CLI's default head is the working tree too", () => {
    const dir = makeRepo();
    edit(dir, "layers/profiles/quick-test.yaml", "max_iterations: 2", "max_iterations: 3");
    const cli = strata(dir, "--base", "HEAD", "--exit-code");
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/^strata diff: [0-9a-f]{7} → working tree$/m);
    expect(cli.stdout).toContain("optimization.max_iterations: 2 → 3   layers/profiles/quick-test.yaml:9 (profile:quick-test:quick-test-params)");
  });
});

describe("strata diff: scenarios and layers that come and go", () => {
  it("added and removed scenarios alone do not count for --exit-code", () => {
    const dir = makeRepo();
    unlinkSync(join(dir, "test/scenarios/more/unknown-gpu.yaml"));
    mkdirSync(join(dir, "test/scenarios/new"));
    writeFileSync(join(dir, "test/scenarios/new/a100.yaml"), "name: A100 ranges\ncontext:\n  model_name: m\n  base_runtime: vllm\n  gpu_type: A100\nexpect:\n  match: { parameters.tp-size: [1, 2, 4] }\n");
    commit(dir, "scenarios: A100 instead of an unknown GPU");
    expect(strata(dir, "--base", "HEAD~1", "--head", "HEAD", "--exit-code").code).toBe(0);
  });
});

describe("strata diff: every change, with the scenarios it affects", () => {
  let dir: string;
  beforeAll(() => {
    dir = makeRepo();
    // A new profile no scenario asks for, a comment-only edit, and a check rule's message reworded.
    writeFileSync(join(dir, "layers/profiles/staging.yaml"), "profile: staging\ntitle: Staging\ndescription: Like production, shorter.\nlayers:\n  - name: staging-params\n    data:\n      optimization: { max_iterations: 12 }\n");
    edit(dir, "layers/runtime/vllm-defaults.yaml", "name: vllm-defaults\n", "name: vllm-defaults\n# a comment changes nothing\n");
    edit(dir, "layers/checks/tp-size-multi-node.yaml", "message: tp-size > 8 may require multiple nodes", "message: tp-size above 8 may need several nodes");
    commit(dir, "staging profile; reworded check");
  });

  it("says NOT COVERED loudly in text and markdown, and --exit-code fails on it even when no result changed", () => {
    const t = strata(dir, "--base", "HEAD~1", "--head", "HEAD");
    expect(t.stdout).toMatch(/scenario\(s\) changed, 0 added, 0 removed, \d+ unchanged; 2 change\(s\) NOT COVERED by any scenario\n/);
    expect(t.stdout).toContain("NOT COVERED: 2 change(s) apply in no scenario, so this report cannot show what they do:\n  added    profile staging (layers/profiles/staging.yaml:1)\n  added    profile:staging:staging-params (layers/profiles/staging.yaml:5)\n");
    expect(t.stdout).toMatch(/  modified check tp-size-multi-node \(layers\/checks\/tp-size-multi-node.yaml:2\)\n {11}applies in \d+ scenario\(s\), \d+ changed: test\/scenarios\//);
    const md = strata(dir, "--base", "HEAD~1", "--head", "HEAD", "--format", "markdown").stdout;
    expect(md).toContain("> [!WARNING]\n> **Not covered**: 2 change(s) apply in no scenario, so this report cannot show what they do: `profile staging` (added), `profile:staging:staging-params` (added).");
    expect(md).toContain("| added `profile:staging:staging-params` | `layers/profiles/staging.yaml:5` | **not covered** |");
    // Only the staging profile, which changes no scenario's result: --exit-code still fails.
    const only = makeRepo();
    writeFileSync(join(only, "layers/profiles/staging.yaml"), "profile: staging\ntitle: Staging\ndescription: x\nlayers:\n  - name: staging-params\n    data:\n      optimization: { max_iterations: 12 }\n");
    const cli = strata(only, "--base", "HEAD", "--exit-code");
    expect(cli.stdout).toMatch(/^0 of \d+ scenario\(s\) changed/m);
    expect(cli.code).toBe(1);
    // Once a scenario asks for it, it is covered (and that scenario is added, which alone does not count).
    writeFileSync(join(only, "test/scenarios/profiles/staging.yaml"), "name: staging profile\ncontext:\n  model_name: m\n  base_runtime: vllm\n  profiles: [staging]\nexpect:\n  match: { optimization.max_iterations: 12 }\n");
    const covered = strata(only, "--base", "HEAD", "--exit-code", "--format", "json");
    expect(covered.code).toBe(0);
    expect((JSON.parse(covered.stdout) as DiffReport).units.map((u) => [u.id, u.scenarios])).toEqual([
      ["profile:staging", ["test/scenarios/profiles/staging.yaml"]],
      ["profile:staging:staging-params", ["test/scenarios/profiles/staging.yaml"]],
    ]);
  });

});

describe("strata test --coverage", () => {
  const test = (dir: string, ...args: string[]) => spawnSync(process.execPath, [CLI, "test", ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });

  it("the shipped scenarios apply every shipped layer, profile and check", () => {
    const r = test(root, "--coverage");
    expect(r.stdout).toMatch(/\ncoverage: all \d+ layers, profiles, profile layers, checks and table rows apply in some scenario\n/);
  });

  it("lists what no scenario applies, with file:line; --format json has it as data", () => {
    const dir = makeRepo();
    writeFileSync(join(dir, "layers/profiles/staging.yaml"), "profile: staging\ntitle: Staging\ndescription: x\nlayers:\n  - name: staging-params\n    data:\n      optimization: { max_iterations: 12 }\n");
    const r = test(dir, "--coverage");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\ncoverage: 2 of \d+ layers, profiles, profile layers, checks and table rows apply in no scenario:\n  layers\/profiles\/staging.yaml:1  profile staging\n  layers\/profiles\/staging.yaml:5  profile:staging:staging-params\n/);
    const json = JSON.parse(test(dir, "--coverage", "--format", "json").stdout);
    expect(json.coverage.uncovered.map((u: { id: string; file: string }) => [u.id, u.file])).toEqual([["profile:staging", "layers/profiles/staging.yaml"], ["profile:staging:staging-params", "layers/profiles/staging.yaml"]]);
    expect(json.coverage.units.find((u: { id: string }) => u.id === "layer:gpu-aware").scenarios.length).toBeGreaterThan(0);
  });
});

describe("strata diff: clear errors", () => {
  let dir: string;
  beforeAll(() => {
    dir = makeRepo();
  });

  it("outside a git repository", () => {
    const outside = mkdtempSync(join(tmpdir(), "strata-nogit-"));
    tmp.push(outside);
    const r = strata(outside, "--base", "HEAD");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is not inside a git repository");
  });

  it("an unknown revision, or one that looks like an option", () => {
    const r = strata(dir, "--base", "no-such-branch");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("strata diff: unknown revision 'no-such-branch'");
    expect(strata(dir, "--base=--output=/tmp/x").stderr).toContain("unknown revision '--output=/tmp/x'");
  });

  it("--base is required; --format is checked", () => {
    expect(strata(dir).stderr).toContain("--base REV is required");
    expect(strata(dir, "--base", "HEAD", "--format", "html").stderr).toContain("--format must be text, markdown or json");
  });

  it("a broken layer set at head lists its problems with file:line:col", () => {
    const broken = makeRepo();
    writeFileSync(join(broken, "layers/profiles/low-latency.yaml"), "profile: low-latency\ntitle: x\ndescription: y\nlayers:\n  - name: a\n    dta: {}\n");
    const r = strata(broken, "--base", "HEAD");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("layers/profiles/low-latency.yaml:6:5: error layer-schema: unknown field 'layers.0.dta'");
    expect(r.stderr).toContain("the layer set at head (working tree) has");
  });

  it("a revision without the layer directory", () => {
    const r = strata(dir, "--base", "HEAD", "--layers", "test");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has no layer files in test\/|has \d+ error/);
  });
});
