// The two documented ways to run the CLI: `npm link --ignore-scripts` once, then plain `strata` from any folder
// (what a reviewer running explain/lint/diff in a loop should use), and `npx strata` with no set-up at all.
// npm runs with a temporary prefix, cache and user config, offline: nothing outside the repository and the
// temporary folder is read or written.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, strata, type Run } from "./helpers/cli.js";
import { REPO_ROOT } from "./helpers/paths.js";

let tmp: string;
let npmEnv: NodeJS.ProcessEnv;

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = npmEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), "strata-link-"));
  npmEnv = {
    ...process.env,
    npm_config_prefix: join(tmp, "prefix"),
    npm_config_cache: join(tmp, "npm-cache"),
    npm_config_userconfig: join(tmp, "npmrc"),
    npm_config_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
  };
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("running the installed CLI", () => {
  it("npm link --ignore-scripts puts `strata` on the PATH, linked to this checkout, and it runs from any folder", async () => {
    const link = await run("npm", ["link", "--ignore-scripts"], REPO_ROOT);
    expect(link.code, link.stderr).toBe(0);
    const bin = join(tmp, "prefix", "bin", "strata");
    expect(readlinkSync(bin)).toBe("../lib/node_modules/strata/dist/cli.js");

    // From a folder outside any project, naming this one: the same config as `node dist/cli.js` in the checkout.
    const elsewhere = mkdtempSync(join(tmp, "elsewhere-"));
    const onPath = { ...npmEnv, PATH: `${join(tmp, "prefix", "bin")}:${process.env.PATH}` };
    const example = join(REPO_ROOT, "examples", "design-example.yaml");
    const linked = await run("strata", ["compose", "-c", example, "--project", REPO_ROOT], elsewhere, onPath);
    const direct = await strata(["compose", "-c", example]);
    expect(linked.code, linked.stderr).toBe(0);
    expect(linked.stdout).toContain("task_name: llama-3-2-1b-instruct_grid_search\n");
    expect(linked.stdout).toBe(direct.stdout);
    const typo = await run("strata", ["compse"], elsewhere, onPath);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe("strata: unknown command 'compse'; did you mean 'compose'?\nRun 'strata --help' to list the commands.\n");

    const unlink = await run("npm", ["unlink", "-g", "strata", "--ignore-scripts"], REPO_ROOT);
    expect(unlink.code, unlink.stderr).toBe(0);
    expect(existsSync(bin)).toBe(false);
  }, 60_000);

  // The first `npx strata` with an npm cache that has not seen this checkout links it into the cache and runs its
  // `prepare` (a full build); --ignore-scripts keeps that rebuild from rewriting dist/ under the other tests.
  it("npx strata needs no set-up inside the checkout", async () => {
    const r = await run("npx", ["--ignore-scripts", "strata", "--version"], REPO_ROOT);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe((await strata(["--version"])).stdout);
  }, 60_000);
});
