// Nothing placed in the layer directory can hang or exhaust loading (src/dir-walk.ts, readLayerFiles): a FIFO, a
// socket or a device named like a layer file, a 513 MB sparse file, a symlink loop, a deep tree of links, folders
// nested too deep, too many entries — each a located error (the path in the layer folder). In-process, so mutation
// runs see it; test/hostile-layer-dir.test.ts does the same through `strata lint`, `strata compose` and a server.
import { closeSync, mkdirSync, openSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadLayerSet } from "../src/index.js";
import { DIR_LIMITS } from "../src/core/dir-walk.js";
import { SCHEMAS_DIR } from "./helpers/paths.js";
import { closeSockets, dirErrorsOf as errorsOf, layerCopy, linkTree, mkfifo, removeLayerDirTemps, unixSocket } from "./hostile/layer-dir.js";

afterEach(() => {
  closeSockets();
  removeLayerDirTemps();
});

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
