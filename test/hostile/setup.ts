// What the hostile-input tests share: the shipped layer files with one extra file, the CLI, a real server.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadLayerSetFromFiles, readLayerFiles, type LayerSet } from "../../src/index.js";
import type { SourceFile } from "../../src/core/source.js";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const LAYERS_DIR = join(ROOT, "layers");
export const SCHEMAS_DIR = join(ROOT, "schemas");
export const CLI = join(ROOT, "dist", "cli.js");

export const SHIPPED: readonly SourceFile[] = readLayerFiles(LAYERS_DIR);

/** The shipped layers plus the given files (paths relative to the layer directory). */
export function setWith(...extra: SourceFile[]): LayerSet {
  return loadLayerSetFromFiles([...SHIPPED, ...extra], { schemasDir: SCHEMAS_DIR });
}

export const errorsOf = (set: LayerSet) => set.issues.filter((i) => i.severity === "error");

/** Line and column (1-based) of the first match of `pattern` in `text`. */
export function positionIn(text: string, pattern: string | RegExp): { line: number; column: number } {
  const index = typeof pattern === "string" ? text.indexOf(pattern) : (pattern.exec(text)?.index ?? -1);
  if (index < 0) throw new Error(`'${String(pattern)}' not found in the text`);
  const before = text.slice(0, index).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

const temps: string[] = [];

export function tempDir(prefix = "strata-hostile-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

export function removeTemps(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Write files into a fresh temp directory; returns the directory. */
export function writeFiles(files: Record<string, string>, dir = tempDir()): string {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Run the built CLI (`dist/cli.js`); never through a shell. */
export function cli(args: string[], options: { cwd?: string; input?: string } = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: options.cwd ?? ROOT, input: options.input, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

/** POST a raw body (a string is sent as is: payloads must keep their own `__proto__` keys). */
export async function post(url: string, path: string, body: string, contentType = "application/json") {
  const res = await fetch(url + path, { method: "POST", headers: { "content-type": contentType }, body });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, body: json, text };
}

export async function get(url: string, path: string) {
  const res = await fetch(url + path);
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, body: json, text };
}
