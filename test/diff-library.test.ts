// src/review/diff.ts in-process, on real temporary git repositories holding a copy of the shipped layers, schemas and
// scenarios (mutation runs see these; test/diff.test.ts runs the built CLI; test/diff-units.test.ts has small sides
// built in memory). Every layer set loads inside a test.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, unlinkSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { diffSides, openRepo, readRevision, readWorkingTree, repoPaths, DiffError, type DiffReport } from "../src/review/diff.js";
import { formatMarkdown, formatText } from "../src/cli/diff.js";
import { readLayerFiles } from "../src/core/load.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
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
async function diff(dir: string, base: string, head?: string): Promise<DiffReport> {
  const repo = openRepo(dir);
  const paths = repoPaths(repo, dir, {});
  return diffSides(readRevision(repo, base, paths), head ? readRevision(repo, head, paths) : readWorkingTree(repo, paths), paths);
}
const changedIds = (r: DiffReport) => r.scenarios.filter((s) => s.status === "changed").map((s) => s.id);

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

  it("reports exactly the scenarios that use that profile, and nothing else", async () => {
    const r = await diff(dir, "HEAD~1", "HEAD");
    const using = scenariosUsing("low-latency");
    expect(using.length).toBeGreaterThanOrEqual(2);
    expect(changedIds(r)).toEqual(using);
    expect(r.summary).toEqual({ total: r.scenarios.length, changed: using.length, unchanged: r.scenarios.length - using.length, added: 0, removed: 0, uncovered: 0 });
    expect(r.units).toEqual([{
      id: "profile:low-latency:low-latency-params", kind: "profile-layer", name: "profile:low-latency:low-latency-params", status: "modified",
      file: "layers/profiles/low-latency.yaml", line: 6, scenarios: using.map((f) => `test/scenarios/${f}`), changed: using.map((f) => `test/scenarios/${f}`), covered: true,
    }]);
    expect(r.files).toEqual([{ file: "layers/profiles/low-latency.yaml", status: "modified" }]);
    for (const s of r.scenarios.filter((x) => x.status === "changed")) {
      expect(s.changes).toEqual([{
        path: "parameters.mem-fraction-static", pointer: "/parameters/mem-fraction-static", kind: "changed", before: [0.7, 0.8], after: [0.75, 0.8],
        origin: expect.objectContaining({ source: "profile:low-latency:low-latency-params", file: "layers/profiles/low-latency.yaml", line: 12 }),
      }]);
      expect([s.nowApplies, s.noLongerApplies, s.warningsAdded, s.errorsAdded]).toEqual([[], [], [], []]);
    }
  });
});

describe("strata diff: the working tree as head", () => {
  it("sees uncommitted changes and leaves the working tree exactly as it was", async () => {
    const dir = makeRepo();
    edit(dir, "layers/profiles/quick-test.yaml", "max_iterations: 2", "max_iterations: 3");
    const statusBefore = git(dir, "status", "--porcelain");
    const r = await diff(dir, "HEAD");
    expect(r.head.label).toBe("working tree");
    expect(changedIds(r)).toEqual(scenariosUsing("quick-test"));
    const change = r.scenarios.find((s) => s.id === "profiles/quick-test.yaml")!.changes;
    expect(change).toMatchObject([{ path: "optimization.max_iterations", before: 2, after: 3, origin: { file: "layers/profiles/quick-test.yaml", line: 9 } }]);
    // Reading HEAD came from git's object store: the edit is still on disk, nothing else moved.
    expect(readFileSync(join(dir, "layers/profiles/quick-test.yaml"), "utf8")).toContain("max_iterations: 3");
    expect(git(dir, "status", "--porcelain")).toBe(statusBefore);
    // Comparing two commits ignores the working tree.
    expect((await diff(dir, "HEAD", "HEAD")).summary.changed).toBe(0);
  });
});

describe("strata diff: scenarios and layers that come and go", () => {
  it("reports added and removed scenarios", async () => {
    const dir = makeRepo();
    unlinkSync(join(dir, "test/scenarios/more/unknown-gpu.yaml"));
    mkdirSync(join(dir, "test/scenarios/new"));
    writeFileSync(join(dir, "test/scenarios/new/a100.yaml"), "name: A100 ranges\ncontext:\n  model_name: m\n  base_runtime: vllm\n  gpu_type: A100\nexpect:\n  match: { parameters.tp-size: [1, 2, 4] }\n");
    commit(dir, "scenarios: A100 instead of an unknown GPU");
    const r = await diff(dir, "HEAD~1", "HEAD");
    expect(r.scenarios.filter((s) => s.status === "added")).toMatchObject([{ id: "new/a100.yaml", name: "A100 ranges", file: "test/scenarios/new/a100.yaml", appliedLayers: ["base-model", "base-optimization", "docker-defaults", "vllm-defaults", "gpu-aware"] }]);
    expect(r.scenarios.filter((s) => s.status === "removed")).toMatchObject([{ id: "more/unknown-gpu.yaml", name: "an unknown GPU type changes nothing" }]);
    expect(r.summary).toMatchObject({ changed: 0, added: 1, removed: 1 });
    expect(r.files).toEqual([]);
    expect(formatText(r)).toContain("added    test/scenarios/new/a100.yaml — A100 ranges\n  applied layers: base-model, base-optimization, docker-defaults, vllm-defaults, gpu-aware");
    expect(formatText(r)).toContain("removed  test/scenarios/more/unknown-gpu.yaml — an unknown GPU type changes nothing");
    expect(formatMarkdown(r)).toContain("| A100 ranges | `test/scenarios/new/a100.yaml` | added |  |  |");
  });

  it("reports layers that no longer apply or now apply, and values they no longer set", async () => {
    const dir = makeRepo();
    // docker-defaults now applies to nothing; a new runtime layer applies to sglang.
    // (deployment_mode is a closed set: comparing it with "podman" would be refused at load, so the layer asks for a model no scenario has.)
    edit(dir, "layers/deployment/docker-defaults.yaml", `{ "var": "deployment_mode" }, "docker"]`, `{ "var": "model_name" }, "podman"]`);
    writeFileSync(join(dir, "layers/runtime/sglang-extra.yaml"), "name: sglang-extra\nstage: runtime\norder: 1\nwhen: { \"==\": [{ \"var\": \"base_runtime\" }, \"sglang\"] }\ndata:\n  parameters:\n    chunked-prefill-size: [4096]\n");
    commit(dir, "podman instead of docker; sglang-extra");
    const r = await diff(dir, "HEAD~1", "HEAD");
    const sglangDocker = r.scenarios.find((s) => s.id === "matrix/sglang-docker.yaml")!;
    expect(sglangDocker.noLongerApplies).toEqual(["docker-defaults"]);
    expect(sglangDocker.nowApplies).toEqual(["sglang-extra"]);
    expect(sglangDocker.changes.find((c) => c.path === "runtime_image_tag")).toMatchObject({
      kind: "removed", before: "v0.5.2-cu126", was: { source: "docker-defaults", file: "layers/deployment/docker-defaults.yaml", line: 7 },
    });
    expect(sglangDocker.changes.find((c) => c.path === "parameters.chunked-prefill-size")).toMatchObject({ kind: "added", after: [4096], origin: { file: "layers/runtime/sglang-extra.yaml", line: 7 } });
    // An ome scenario of another runtime sees neither change.
    expect(r.scenarios.find((s) => s.id === "matrix/vllm-ome.yaml")!.status).toBe("unchanged");
    expect(r.files).toEqual([
      { file: "layers/deployment/docker-defaults.yaml", status: "modified" },
      { file: "layers/runtime/sglang-extra.yaml", status: "added" },
    ]);
    const text = formatText(r);
    expect(text).toContain("runtime_image_tag: \"v0.5.2-cu126\" → (absent)");
    expect(text).toContain("no longer set (was layers/deployment/docker-defaults.yaml:7 (docker-defaults))");
    expect(text).toContain("  no longer applies: docker-defaults\n");
    expect(text).toContain("  now applies: sglang-extra\n");
    expect(formatMarkdown(r)).toContain("Now applies: `sglang-extra`");
    expect(formatMarkdown(r)).toContain("| total_gpus keeps the tp-sizes that fit | `test/scenarios/finalize/total-gpus-several-left.yaml` | changed | 4 | 1 layer now applies, 2 layers no longer apply |");
    expect(formatMarkdown(r)).toContain("| sglang on docker | `test/scenarios/matrix/sglang-docker.yaml` | changed | 4 | 1 layer now applies, 1 layer no longer applies |");
  });

  it("reports new warnings and values removed by a layer", async () => {
    const dir = makeRepo();
    // high-throughput now also searches tp-size 16 (a multi-node warning) and drops the SLO's latency.
    edit(dir, "layers/profiles/high-throughput.yaml", "tp-size: [4, 8]", "tp-size: [4, 8, 16]");
    edit(dir, "layers/profiles/production.yaml", "      slo:\n", "      benchmark:\n        traffic_scenarios: { $patch: delete }\n      slo:\n");
    commit(dir, "bigger high-throughput; production drops the traffic scenarios");
    const r = await diff(dir, "HEAD~1", "HEAD");
    const ht = r.scenarios.find((s) => s.id === "profiles/high-throughput.yaml")!;
    expect(ht.warningsAdded).toMatchObject([{ code: "tp-size-multi-node", path: "parameters.tp-size", where: "layers/checks/tp-size-multi-node.yaml:2" }]);
    const prod = r.scenarios.find((s) => s.id === "profiles/production.yaml")!;
    expect(prod.changes).toMatchObject([{ path: "benchmark.traffic_scenarios", kind: "removed", origin: { source: "profile:production:production-params", file: "layers/profiles/production.yaml", line: 12 } }]);
    expect(formatText(r)).toContain("+ warning tp-size-multi-node: tp-size > 8 may require multiple nodes (at parameters.tp-size) [layers/checks/tp-size-multi-node.yaml:2]");
    expect(formatText(r)).toContain("removed by layers/profiles/production.yaml:12 (profile:production:production-params)");
    expect(formatMarkdown(r)).toContain("| high-throughput profile | `test/scenarios/profiles/high-throughput.yaml` | changed | 1 | 1 new warning |");
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

  it("lists each changed layer, profile and check with the scenarios that apply it; a change none applies is not covered", async () => {
    const r = await diff(dir, "HEAD~1", "HEAD");
    // The comment-only edit is a changed file, but no changed unit.
    expect(r.files.map((f) => f.file)).toContain("layers/runtime/vllm-defaults.yaml");
    expect(r.units.map((u) => [u.id, u.status, u.covered])).toEqual([
      ["check:tp-size-multi-node", "modified", true],
      ["profile:staging", "added", false],
      ["profile:staging:staging-params", "added", false],
    ]);
    const check = r.units[0];
    expect(check).toMatchObject({ kind: "check", file: "layers/checks/tp-size-multi-node.yaml", line: 2 });
    // The scenarios in which the check fires, read from what they expect (their warnings name it).
    const firing = readLayerFiles(join(root, "test/scenarios"))
      .filter((f) => JSON.stringify(parse(f.text).expect.warnings ?? []).includes("tp-size-multi-node"))
      .map((f) => `test/scenarios/${f.path}`);
    expect(firing.length).toBeGreaterThan(0);
    expect(check.scenarios).toEqual(firing.sort());
    expect(check.changed).toEqual(check.scenarios);
    expect(r.summary).toMatchObject({ uncovered: 2, changed: firing.length });
  });

  it("a table row is a change of its own: a new GPU row no scenario uses is not covered, an edited row names the scenarios that pick it", async () => {
    const d = makeRepo();
    edit(d, "layers/hardware/gpu-aware.yaml", "    A100:\n", "    B200:\n      parameters:\n        tp-size: [1, 2, 4, 8, 16]\n    A100:\n");
    edit(d, "layers/hardware/gpu-aware.yaml", "mem-fraction-static: [0.8, 0.85]", "mem-fraction-static: [0.8, 0.9]");
    const r = await diff(d, "HEAD");
    const a100 = readLayerFiles(join(root, "test/scenarios")).filter((f) => parse(f.text).context.gpu_type === "A100").map((f) => `test/scenarios/${f.path}`);
    expect(a100.length).toBeGreaterThan(0);
    expect(r.units.map((u) => [u.id, u.kind, u.status, u.covered, u.scenarios])).toEqual([
      ["row:gpu-aware:B200", "table-row", "added", false, []],
      ["row:gpu-aware:A100", "table-row", "modified", true, a100],
    ]);
    expect(formatText(r)).toContain("NOT COVERED: 1 change(s) apply in no scenario, so this report cannot show what they do:\n  added    table row gpu-aware: B200 (layers/hardware/gpu-aware.yaml:16)\n");
  });

  it("a changed file that holds no layer (the stage order) affects every scenario", async () => {
    const d = makeRepo();
    edit(d, "layers/stages.yaml", "description: What every task gets", "description: What each task gets");
    const r = await diff(d, "HEAD");
    expect(r.units).toEqual([{ id: "layers/stages.yaml", kind: "file", name: "layers/stages.yaml", status: "modified", file: "layers/stages.yaml", scenarios: r.scenarios.map((s) => s.file), changed: [], covered: true }]);
    expect(formatText(r)).toContain(`  modified layers/stages.yaml\n           affects every scenario (${r.summary.total}), 0 changed\n`);
  });
});

describe("strata diff: clear errors", () => {
  it("outside a git repository", () => {
    const outside = mkdtempSync(join(tmpdir(), "strata-nogit-"));
    tmp.push(outside);
    expect(() => openRepo(outside)).toThrow(DiffError);
  });
});
