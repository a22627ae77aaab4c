// `strata test` through the built CLI: failures name file:line and show expected/actual or a YAML diff; `--update`
// rewrites only recorded values and keeps the file's comments and key order. The runner's own tests, which mutation
// runs see, are in test/scenario-runner-library.test.ts.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONTEXT, STALE } from "./helpers/scenario-texts.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(root, "dist/cli.js");
const LAYERS = join(root, "layers");

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
