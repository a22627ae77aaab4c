// Nothing placed in the layer directory can hang or exhaust a process (src/dir-walk.ts): a FIFO, a socket or
// a device named like a layer file, a 513 MB sparse file, a symlink loop, a deep tree of links, folders nested
// too deep, too many entries — through the library, `strata lint`, `strata compose`, and a live reload of a
// running server. Each is a located error (the path in the layer folder); the process keeps answering.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdirSync, symlinkSync, truncateSync, writeFileSync, closeSync, openSync } from "node:fs";
import { createServer as createNetServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadLayerSet } from "../src/index.js";
import { DIR_LIMITS } from "../src/core/dir-walk.js";
import type { RunningServer } from "../src/server/app.js";
import { LAYERS_DIR, SCHEMAS_DIR, CLI, ROOT, removeTemps, tempDir } from "./hostile/setup.js";
import { CURL_EXAMPLE, get, post, removeTempDirs, startServer, waitFor } from "./server-helpers.js";

const servers: RunningServer[] = [];
const sockets: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const s of sockets.splice(0)) s.close();
  removeTemps();
  removeTempDirs();
});

/** A copy of the shipped layers (and schemas beside them) to plant things in. */
function layerCopy(): { root: string; layers: string } {
  const root = tempDir("strata-layer-dir-");
  cpSync(LAYERS_DIR, join(root, "layers"), { recursive: true });
  cpSync(SCHEMAS_DIR, join(root, "schemas"), { recursive: true });
  return { root, layers: join(root, "layers") };
}

const errorsOf = (dir: string) => loadLayerSet(dir, { schemasDir: SCHEMAS_DIR }).issues.filter((i) => i.severity === "error");

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

function mkfifo(path: string): void {
  execFileSync("mkfifo", [path]);
}

/** A Unix socket bound at `path` (a file system entry of type socket). */
async function unixSocket(path: string): Promise<void> {
  const s = createNetServer();
  sockets.push(s);
  await new Promise<void>((resolve) => s.listen(path, resolve));
}

/**
 * A link `at` to the first of `depth + 1` folders (outside the layer folder), each holding two links `x` and
 * `y` to the next: 2^depth paths through depth + 1 folders. Returns the last folder.
 */
function linkTree(at: string, depth: number): string {
  const base = tempDir("strata-link-tree-");
  for (let i = 0; i <= depth; i++) mkdirSync(join(base, `d${i}`));
  for (let i = 0; i < depth; i++) {
    symlinkSync(join(base, `d${i + 1}`), join(base, `d${i}`, "x"));
    symlinkSync(join(base, `d${i + 1}`), join(base, `d${i}`, "y"));
  }
  symlinkSync(join(base, "d0"), at);
  return join(base, `d${depth}`);
}

const SMALL_CONTEXT = "model_name: m\nbase_runtime: vllm\nbenchmark_task: text-to-text\n";

describe("special files in the layer directory (library)", () => {
  it("a FIFO named like a layer file is a located error, never a blocking read", () => {
    const { layers } = layerCopy();
    mkfifo(join(layers, "runtime", "pipe.yaml"));
    expect(errorsOf(layers)).toEqual([
      { code: "not-a-file", severity: "error", message: "a FIFO (named pipe) is named like a data file; only regular files are read", file: "runtime/pipe.yaml" },
    ]);
  });

  it("a socket and a device named like layer files are located errors", async () => {
    const { layers } = layerCopy();
    await unixSocket(join(layers, "sock.yaml"));
    symlinkSync("/dev/zero", join(layers, "zero.yaml")); // a device: reading it would never end
    expect(errorsOf(layers).map((i) => [i.code, i.file, i.message])).toEqual([
      ["not-a-file", "sock.yaml", "a socket is named like a data file; only regular files are read"],
      ["not-a-file", "zero.yaml", "a device is named like a data file; only regular files are read"],
    ]);
  });

  it("a 513 MB sparse file is refused by its size, unread (reading it would not even fit in one string)", () => {
    const { layers } = layerCopy();
    const big = join(layers, "base", "huge.yaml");
    closeSync(openSync(big, "w"));
    truncateSync(big, 513 * 1024 * 1024);
    expect(errorsOf(layers)).toEqual([
      { code: "file-too-large", severity: "error", message: "file is larger than 1048576 bytes", file: "base/huge.yaml", line: 1, column: 1 },
    ]);
  });

  it("a symlink loop is read once and reported: a link to an ancestor, and a link to itself", () => {
    const { layers } = layerCopy();
    symlinkSync("..", join(layers, "runtime", "up"));
    symlinkSync("self", join(layers, "self"));
    expect(errorsOf(layers).map((i) => [i.code, i.file, i.message])).toEqual([
      ["link-loop", "runtime/up", "this folder is a link back to the top folder, which contains it; it is not read again"],
      ["link-loop", "self", "this link leads back to itself"],
    ]);
  });

  it("a deep tree of links (2^24 paths through 25 folders) is walked once per folder", () => {
    const { layers } = layerCopy();
    const last = linkTree(join(layers, "tree"), 24);
    writeFileSync(join(last, "leaf.yaml"), "name: leaf\nstage: finalize\ndata: {}\n");
    const errors = errorsOf(layers);
    // Each folder is read under its first path (tree/x/x/…); every second link to it is named once.
    expect(errors.map((i) => i.code)).toEqual(Array(24).fill("link-repeat"));
    expect(errors[0]).toMatchObject({ file: "tree/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/y", message: `this folder is the same as '${"tree" + "/x".repeat(24)}' (a link); its files are read once, there` });
    expect(errors[23]).toMatchObject({ file: "tree/y", message: "this folder is the same as 'tree/x' (a link); its files are read once, there" });
    const set = loadLayerSet(layers, { schemasDir: SCHEMAS_DIR });
    expect(set.files.filter((f) => f.endsWith("leaf.yaml"))).toEqual([`tree${"/x".repeat(24)}/leaf.yaml`]);
  });

  it(`folders nested deeper than ${DIR_LIMITS.maxDepth} levels stop there, located`, () => {
    const { layers } = layerCopy();
    const segs = Array.from({ length: DIR_LIMITS.maxDepth + 3 }, (_, i) => `n${i}`);
    mkdirSync(join(layers, ...segs), { recursive: true });
    const tooDeep = segs.slice(0, DIR_LIMITS.maxDepth + 1).join("/");
    expect(errorsOf(layers)).toEqual([
      { code: "dir-too-deep", severity: "error", message: `folders nest deeper than ${DIR_LIMITS.maxDepth} levels here; nothing below is read`, file: tooDeep },
    ]);
  });

  it("more entries than the limit stop the walk with one error at the top folder", () => {
    const { layers } = layerCopy();
    const saved = DIR_LIMITS.maxEntries;
    DIR_LIMITS.maxEntries = 60;
    try {
      mkdirSync(join(layers, "many"));
      for (let i = 0; i < 61; i++) writeFileSync(join(layers, "many", `f${i}.txt`), "");
      expect(errorsOf(layers).filter((i) => i.code === "too-many-files")).toEqual([
        { code: "too-many-files", severity: "error", message: "the folder holds more than 60 entries (counting every file and folder below it); the rest was not read", file: "." },
      ]);
    } finally {
      DIR_LIMITS.maxEntries = saved;
    }
  });
});

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
