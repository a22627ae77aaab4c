// parseSource with a cache kept between runs: the YAML parser is most of a cold CLI start, and layer files rarely
// change between two runs. Off unless the process turns it on (the `strata` command does; the library never).
// An entry is named by the SHA-256 of everything the result depends on — the file's text and path, the options,
// the limits and the code that parses (`codeId`) — so an edited file or another strata never finds an old entry.
// Only clean results whose data JSON holds exactly are kept; anything else is parsed as without the cache.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { parseSource as parseUncached, SOURCE_LIMITS, type LineCol, type ParsedSource, type SourceFile } from "./source.js";

export interface ParseCacheOptions {
  /** The folder entries go in (made when first written). */
  dir: string;
  /** Names the code that parses (the `strata` command passes the hash of its bundled script). */
  codeId: string;
  /** The most entries the folder keeps (default 4,000): the first write of a process that finds this many or more
   * deletes the oldest written until half are left. Edited files and new builds leave entries nobody reads again. */
  maxEntries?: number;
}

export const DEFAULT_MAX_ENTRIES = 4000;

let cache: ParseCacheOptions | undefined;
let pruned = false;

/** Keep parsed files in `options.dir` from now on in this process; `undefined` turns the cache off. */
export function useParseCache(options: ParseCacheOptions | undefined): void {
  cache = options;
  pruned = false;
}

/** `parseSource` of source.ts, through the cache when it is on. */
export function parseSource(file: SourceFile, options: { expressions?: boolean } = {}): ReturnType<typeof parseUncached> {
  if (!cache || file.unreadable) return parseUncached(file, options);
  const key = entryKey(cache.codeId, file, options);
  const path = join(cache.dir, `${key}.json`);
  const hit = readEntry(path, key);
  if (hit) return { source: hit, issues: [] };
  const parsed = parseUncached(file, options);
  if (parsed.source && parsed.issues.length === 0) {
    if (!pruned) {
      pruned = true;
      pruneEntries(cache.dir, cache.maxEntries ?? DEFAULT_MAX_ENTRIES);
    }
    writeEntry(cache.dir, path, key, parsed.source);
  }
  return parsed;
}

/** The entry's name: every input of the parse, each length-prefixed so no two inputs run together. */
export function entryKey(codeId: string, file: SourceFile, options: { expressions?: boolean }): string {
  const h = createHash("sha256");
  const parts = ["strata-parse-cache 1", codeId, process.version, JSON.stringify(SOURCE_LIMITS), options.expressions === false ? "data" : "layer", file.path, file.text];
  // UTF-8 says a well-formed text exactly; one with a lone surrogate (which UTF-8 would hash as U+FFFD) goes in
  // as its UTF-16 code units, under a mark of its own.
  for (const p of parts) {
    const exact = wellFormed(p);
    h.update(`${p.length}${exact ? ":" : "!"}`).update(p, exact ? "utf8" : "utf16le");
  }
  return h.digest("hex");
}

/** No lone surrogate (String.prototype.isWellFormed: ES2024, in Node 20 but not in this project's ES2022 types). */
const wellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

interface Entry {
  key: string;
  data: unknown;
  /** [pointer, line, column] of each position, in the map's order. */
  positions: [string, number, number][];
}

function readEntry(path: string, key: string): ParsedSource | undefined {
  let entry: Entry;
  try {
    entry = JSON.parse(readFileSync(path, "utf8")) as Entry;
  } catch {
    return undefined; // none yet, or unreadable: parse
  }
  // A file that is not a whole entry for this key (cut short, renamed, edited) is not used.
  if (entry === null || typeof entry !== "object" || entry.key !== key || !Array.isArray(entry.positions)) return undefined;
  const positions = new Map<string, LineCol>();
  for (const [pointer, line, column] of entry.positions) positions.set(pointer, { line, column });
  return { data: entry.data, positions };
}

function writeEntry(dir: string, path: string, key: string, source: ParsedSource): void {
  if (!heldByJson(source.data, 0)) return; // .nan, .inf, -0: JSON would change them
  const entry: Entry = { key, data: source.data, positions: [...source.positions].map(([p, at]) => [p, at.line, at.column]) };
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, JSON.stringify(entry));
    renameSync(tmp, path); // whole or not at all: a reader never sees half an entry
  } catch {
    // A cache that cannot be written (read-only home, full disk) only costs the next run a parse.
  }
}

/** At `max` entries or more (a cut-short write's `.tmp` counts as one), delete the oldest written (then by name) until `max / 2` are left. Once per process
 * that writes, so a run whose files are all cached never lists the folder. Whatever fails is left as it is. */
export function pruneEntries(dir: string, max: number): void {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith(".json") || f.endsWith(".tmp")); // .tmp: a write cut short
  } catch {
    return; // no folder yet
  }
  if (names.length < max) return;
  const aged: { name: string; mtime: number }[] = [];
  for (const name of names) {
    try {
      aged.push({ name, mtime: statSync(join(dir, name)).mtimeMs });
    } catch {
      // removed meanwhile (another strata pruning)
    }
  }
  aged.sort((a, b) => a.mtime - b.mtime || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { name } of aged.slice(0, aged.length - Math.floor(max / 2))) {
    try {
      rmSync(join(dir, name), { force: true });
    } catch {
      return; // a folder we may not write to: leave it
    }
  }
}

/** Whether JSON.parse(JSON.stringify(v)) gives `v` back exactly: plain objects, arrays, strings, booleans, null, finite numbers (not -0). */
export function heldByJson(v: unknown, depth: number): boolean {
  if (depth > SOURCE_LIMITS.maxDepth + 1) return false;
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v) && !Object.is(v, -0);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!(i in v) || !heldByJson(v[i], depth + 1)) return false;
    return true;
  }
  if (typeof v !== "object" || Object.getPrototypeOf(v) !== Object.prototype) return false;
  return Object.keys(v).every((k) => heldByJson((v as Record<string, unknown>)[k], depth + 1));
}
