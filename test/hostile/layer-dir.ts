// Special files planted in a copy of the shipped layer folder: what test/load-special-files.test.ts (the library,
// in-process) and test/hostile-layer-dir.test.ts (the CLI and a running server) share.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { createServer as createNetServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadLayerSet } from "../../src/index.js";
import { LAYERS_DIR, SCHEMAS_DIR } from "../helpers/paths.js";

// Not ./setup.js, which reads the shipped layers when imported (code a mutation run cannot tie to a test).
const temps: string[] = [];
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}
export function removeLayerDirTemps(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A copy of the shipped layers (and schemas beside them) to plant things in. */
export function layerCopy(): { root: string; layers: string } {
  const root = tempDir("strata-layer-dir-");
  cpSync(LAYERS_DIR, join(root, "layers"), { recursive: true });
  cpSync(SCHEMAS_DIR, join(root, "schemas"), { recursive: true });
  return { root, layers: join(root, "layers") };
}

export const dirErrorsOf = (dir: string) => loadLayerSet(dir, { schemasDir: SCHEMAS_DIR }).issues.filter((i) => i.severity === "error");

export function mkfifo(path: string): void {
  execFileSync("mkfifo", [path]);
}

const sockets: Server[] = [];

/** A Unix socket bound at `path` (a file system entry of type socket); closed by `closeSockets`. */
export async function unixSocket(path: string): Promise<void> {
  const s = createNetServer();
  sockets.push(s);
  await new Promise<void>((resolve) => s.listen(path, resolve));
}

export function closeSockets(): void {
  for (const s of sockets.splice(0)) s.close();
}

/**
 * A link `at` to the first of `depth + 1` folders (outside the layer folder), each holding two links `x` and
 * `y` to the next: 2^depth paths through depth + 1 folders. Returns the last folder.
 */
export function linkTree(at: string, depth: number): string {
  const base = tempDir("strata-link-tree-");
  for (let i = 0; i <= depth; i++) mkdirSync(join(base, `d${i}`));
  for (let i = 0; i < depth; i++) {
    symlinkSync(join(base, `d${i + 1}`), join(base, `d${i}`, "x"));
    symlinkSync(join(base, `d${i + 1}`), join(base, `d${i}`, "y"));
  }
  symlinkSync(join(base, "d0"), at);
  return join(base, `d${depth}`);
}
