// Nothing placed in the layer directory can hang or exhaust a process (src/dir-walk.ts): a FIFO, a socket or
// a device named like a layer file, a 513 MB sparse file, a symlink loop, a deep tree of links — through
// `strata lint`, `strata compose`, and a live reload of a running server. Each is a located error (the path in the
// layer folder); the process keeps answering. The library's side, in-process: test/load-special-files.test.ts.
import { execFileSync } from "node:child_process";
import { closeSync, openSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunningServer } from "../src/server/app.js";
import { CLI, ROOT, removeTemps, tempDir } from "./hostile/setup.js";
import { closeSockets, layerCopy, linkTree, mkfifo, removeLayerDirTemps } from "./hostile/layer-dir.js";
import { CURL_EXAMPLE, get, post, removeTempDirs, startServer, waitFor } from "./server-helpers.js";

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  closeSockets();
  removeTemps();
  removeLayerDirTemps();
  removeTempDirs();
});

/** The CLI as a child that may not block: a hang shows as a kill after 30 s, and the test fails on it. */
function cli(args: string[], cwd = ROOT) {
  try {
    const stdout = execFileSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", timeout: 30_000, stdio: ["pipe", "pipe", "pipe"], input: "" });
    return { status: 0, stdout, stderr: "" };
  } catch (e) {
    const err = e as { status: number | null; signal: string | null; stdout: string; stderr: string };
    return { status: err.status, signal: err.signal, stdout: err.stdout, stderr: err.stderr };
  }
}

const SMALL_CONTEXT = "model_name: m\nbase_runtime: vllm\nbenchmark_task: text-to-text\n";

describe("special files in the layer directory (CLI)", () => {
  it("strata lint reports a FIFO, a huge sparse file, a link loop and a link tree, and exits 1", () => {
    const { layers } = layerCopy();
    mkfifo(join(layers, "pipe.yaml"));
    const big = join(layers, "huge.json");
    closeSync(openSync(big, "w"));
    truncateSync(big, 513 * 1024 * 1024);
    symlinkSync(".", join(layers, "loop"));
    linkTree(join(layers, "tree"), 20);
    const r = cli(["lint", layers, "--no-scenarios"]);
    expect(r.signal ?? null).toBe(null);
    expect(r.status).toBe(1);
    const lines = r.stdout.trim().split("\n").map((l) => l.replace(layers, "LAYERS"));
    expect(lines.filter((l) => !l.includes("link-repeat"))).toEqual([
      "LAYERS/huge.json:1:1: error file-too-large: file is larger than 1048576 bytes",
      "LAYERS/loop: error link-loop: this folder is a link back to the top folder, which contains it; it is not read again",
      "LAYERS/pipe.yaml: error not-a-file: a FIFO (named pipe) is named like a data file; only regular files are read",
    ]);
    expect(lines.filter((l) => l.includes("link-repeat"))).toHaveLength(20);
  });

  it("strata compose stops on them with exit 2, naming each, never blocking", () => {
    const { root, layers } = layerCopy();
    mkfifo(join(layers, "pipe.yaml"));
    symlinkSync("..", join(layers, "base", "up"));
    writeFileSync(join(root, "ctx.yaml"), SMALL_CONTEXT);
    const r = cli(["compose", "-c", join(root, "ctx.yaml"), "--layers", layers]);
    expect(r.signal ?? null).toBe(null);
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split("\n").map((l) => l.replace(layers, "LAYERS"));
    expect(lines).toEqual([
      "LAYERS/base/up: error link-loop: this folder is a link back to the top folder, which contains it; it is not read again",
      "LAYERS/pipe.yaml: error not-a-file: a FIFO (named pipe) is named like a data file; only regular files are read",
      "strata compose: the layer set in LAYERS has 2 error(s)",
    ]);
  });

  it("a context file of 513 MB (sparse) is refused after reading at most the limit", () => {
    const dir = tempDir();
    const big = join(dir, "ctx.yaml");
    closeSync(openSync(big, "w"));
    truncateSync(big, 513 * 1024 * 1024);
    const r = cli(["compose", "-c", big]);
    expect(r.status).toBe(2);
    expect(r.stderr.replaceAll(dir, "DIR").trim().split("\n")).toEqual([
      "DIR/ctx.yaml:1:1: error file-too-large: file is larger than 1048576 bytes",
      "strata compose: cannot read DIR/ctx.yaml",
    ]);
  });
});

describe("special files added while the server runs (live reload)", () => {
  it("a FIFO, a link loop and a deep link tree are each reported at /api/layers/status; the last good set keeps serving", async () => {
    const { root, layers } = layerCopy();
    const server = await startServer({ layersDir: layers, schemasDir: join(root, "schemas"), watch: true, watchDebounceMs: 50, watchPollMs: 200 });
    servers.push(server);
    const good = (await get(server, "/api/layers/status")).body;
    const statusWith = (code: string) =>
      waitFor(async () => {
        const s = (await get(server, "/api/layers/status")).body;
        return !s.ok && s.errors.some((e: { code: string }) => e.code === code) ? s : undefined;
      }, 15_000, code);

    mkfifo(join(layers, "runtime", "pipe.yaml"));
    const fifo = await statusWith("not-a-file");
    expect(fifo.errors).toEqual([
      { code: "not-a-file", severity: "error", message: "a FIFO (named pipe) is named like a data file; only regular files are read", file: "runtime/pipe.yaml" },
    ]);
    expect(fifo.hash).toBe(good.hash);

    symlinkSync("..", join(layers, "runtime", "up"));
    const loop = await statusWith("link-loop");
    expect(loop.errors.map((e: { code: string; file: string }) => [e.code, e.file])).toEqual([
      ["not-a-file", "runtime/pipe.yaml"],
      ["link-loop", "runtime/up"],
    ]);

    linkTree(join(layers, "tree"), 22);
    const tree = await statusWith("link-repeat");
    expect(tree.errors.filter((e: { code: string }) => e.code === "link-repeat")).toHaveLength(22);
    expect(tree.hash).toBe(good.hash);

    // Still answering, with the last good set.
    const health = await get(server, "/api/health");
    expect(health.status).toBe(200);
    const preview = await post(server, "/api/config/preview", CURL_EXAMPLE);
    expect(preview.body.layer_set_hash).toBe(good.hash);
    expect(preview.body.ok).toBe(true);
  });
});
