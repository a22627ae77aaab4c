// The one way strata walks a folder of data files (layers, scenarios; the service's watcher too) and reads
// a file: bounded, so nothing placed in the folder can hang or exhaust the process. Only regular files are
// read (reading a FIFO blocks forever); a file's size is checked before it is read; links are followed, but
// a folder reached twice (a link loop, or two links to one folder) is read once, and depth and entry count
// are capped. Every problem is a value naming the path, never a throw.
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, statSync, type Stats } from "node:fs";
import { join } from "node:path";
import { decodeUtf8 } from "../util/utf8.js";

/** Bounds on one walk. `maxBytes` per file is `SOURCE_LIMITS.maxBytes` (src/source.ts). */
export const DIR_LIMITS = { maxDepth: 32, maxEntries: 10_000 };

export interface WalkedFile {
  /** Path relative to the root, with forward slashes. */
  path: string;
  full: string;
  size: number;
  mtimeMs: number;
}

export interface WalkProblem {
  /** Path relative to the root, with forward slashes (`.` for the root itself). */
  path: string;
  code: "not-a-file" | "link-loop" | "link-repeat" | "dir-too-deep" | "too-many-files" | "file-unreadable";
  message: string;
}

export interface Walk {
  /** Regular files whose name `accept`s, in path order (sizes and times from one stat; nothing is read). */
  files: WalkedFile[];
  /** Every folder read (absolute paths as walked), the root first. */
  dirs: string[];
  problems: WalkProblem[];
}

const kindOf = (st: Stats) =>
  st.isFIFO() ? "a FIFO (named pipe)" : st.isSocket() ? "a socket" : st.isCharacterDevice() || st.isBlockDevice() ? "a device" : st.isDirectory() ? "a folder" : "not a regular file";

/**
 * Every regular file under `root` whose name `accept`s (any depth; dot-names and node_modules skipped),
 * iteratively: no recursion, so no depth of folders can exhaust the stack. A missing root is a throw
 * (the caller says which folder it wanted); everything below it is a problem in the result.
 */
export function walkDir(root: string, accept: (name: string) => boolean): Walk {
  const out: Walk = { files: [], dirs: [], problems: [] };
  const rootStat = statSync(root); // throws ENOENT / ENOTDIR with the path: the caller's error
  if (!rootStat.isDirectory()) throw Object.assign(new Error(`${root} is not a folder`), { code: "ENOTDIR" });
  const seen = new Map<string, string>(); // dev:ino of every folder read → its path
  let entries = 0;
  // Each stack item: a folder to read, its relative path and the dev:ino keys of the folders above it.
  // `above`: the dev:ino of the folder and of every folder above it, to tell a loop from a second link.
  const stack: { full: string; rel: string; depth: number; above: Set<string> }[] = [{ full: root, rel: "", depth: 0, above: new Set([idOf(rootStat)]) }];
  seen.set(idOf(rootStat), ".");
  const problem = (path: string, code: WalkProblem["code"], message: string) => out.problems.push({ path: path || ".", code, message });
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let names: string[];
    try {
      names = readdirSync(dir.full).sort();
    } catch (e) {
      problem(dir.rel, "file-unreadable", `cannot read this folder: ${(e as Error).message}`);
      continue;
    }
    out.dirs.push(dir.full);
    const subdirs: typeof stack = [];
    for (const name of names) {
      if (name.startsWith(".") || name === "node_modules") continue;
      if (++entries > DIR_LIMITS.maxEntries) {
        problem("", "too-many-files", `the folder holds more than ${DIR_LIMITS.maxEntries} entries (counting every file and folder below it); the rest was not read`);
        return finish(out);
      }
      const full = join(dir.full, name);
      const rel = dir.rel ? `${dir.rel}/${name}` : name;
      let st: Stats;
      try {
        st = lstatSync(full);
        if (st.isSymbolicLink()) st = statSync(full);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ELOOP") problem(rel, "link-loop", "this link leads back to itself");
        // A link to nothing is reported only where a data file was expected.
        else if (accept(name)) problem(rel, "file-unreadable", code === "ENOENT" ? "this link points to nothing" : `cannot read it: ${(e as Error).message}`);
        continue;
      }
      if (st.isDirectory()) {
        const id = idOf(st);
        if (dir.above.has(id)) {
          problem(rel, "link-loop", `this folder is a link back to ${seen.get(id) === "." ? "the top folder" : `'${seen.get(id)}'`}, which contains it; it is not read again`);
        } else if (seen.has(id)) {
          problem(rel, "link-repeat", `this folder is the same as '${seen.get(id)}' (a link); its files are read once, there`);
        } else if (dir.depth + 1 > DIR_LIMITS.maxDepth) {
          problem(rel, "dir-too-deep", `folders nest deeper than ${DIR_LIMITS.maxDepth} levels here; nothing below is read`);
        } else {
          seen.set(id, rel);
          subdirs.push({ full, rel, depth: dir.depth + 1, above: new Set(dir.above).add(id) });
        }
      } else if (accept(name)) {
        if (st.isFile()) out.files.push({ path: rel, full, size: st.size, mtimeMs: st.mtimeMs });
        else problem(rel, "not-a-file", `${kindOf(st)} is named like a data file; only regular files are read`);
      }
    }
    // Depth first, in name order: push in reverse so the first name is read first.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
  }
  return finish(out);
}

function finish(out: Walk): Walk {
  out.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return out;
}

const idOf = (st: Stats) => `${st.dev}:${st.ino}`;

/** Why a file could not be read: its size, its kind, or the system's error. */
export class FileReadError extends Error {
  constructor(
    readonly code: "file-too-large" | "not-a-file" | "file-unreadable" | "file-not-utf8",
    message: string,
    cause?: unknown,
    /** Where in the file (`file-not-utf8`: the first byte that is not UTF-8). */
    readonly at?: { line: number; column: number },
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/** A file's bytes as text: UTF-8 only; bytes that are not are a `file-not-utf8` error at their line and column. */
export function fileText(bytes: Uint8Array): string {
  const decoded = decodeUtf8(bytes);
  if (decoded.ok) return decoded.text;
  const { message, line, column } = decoded.problem;
  throw new FileReadError("file-not-utf8", `not UTF-8: ${message}; save the file as UTF-8`, undefined, { line, column });
}

/**
 * A regular file's text, at most `maxBytes` bytes. Opened without blocking (a FIFO put in its place after
 * a walk cannot stall the open), checked to be a regular file and measured before a byte is read, and read
 * no further than `maxBytes + 1` (a file that grows while being read is still bounded).
 */
export function readRegularFile(full: string, maxBytes: number): string {
  let fd: number;
  try {
    fd = openSync(full, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new FileReadError("file-unreadable", `cannot read it: ${(e as Error).message}`, e);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FileReadError("not-a-file", `${kindOf(st)}; only regular files are read`);
    if (st.size > maxBytes) throw new FileReadError("file-too-large", `file is larger than ${maxBytes} bytes`);
    return fileText(readAtMost(fd, maxBytes));
  } finally {
    closeSync(fd);
  }
}

/**
 * Up to `maxBytes` bytes from an open file descriptor (a file, a pipe, standard input); more than that is a
 * `file-too-large` error, found after reading at most `maxBytes + 1` bytes.
 */
export function readAtMost(fd: number, maxBytes: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes + 1 - total));
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EAGAIN") {
        // A non-blocking pipe (standard input) with nothing in it yet: wait a little, as a blocking read would.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if ((e as NodeJS.ErrnoException).code === "EOF") break;
      throw new FileReadError("file-unreadable", `cannot read it: ${(e as Error).message}`, e);
    }
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
    total += n;
    if (total > maxBytes) throw new FileReadError("file-too-large", `file is larger than ${maxBytes} bytes`);
  }
  return Buffer.concat(chunks, total);
}
