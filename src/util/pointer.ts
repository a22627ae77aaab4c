// JSON Pointers (RFC 6901) and dotted paths: the one place that escapes (`~0`, `~1`) and unescapes them.

export type Path = readonly (string | number)[];

export function escapeToken(t: string | number): string {
  const s = String(t);
  // Almost no key needs escaping; checking first saves two regex replaces per key on every merge.
  return s.includes("~") || s.includes("/") ? s.replace(/~/g, "~0").replace(/\//g, "~1") : s;
}

// The pointers a compose writes and reads are the same few hundred on every compose: each child pointer is built
// once and kept, so merge, the trace and provenance get the same string (its hash already computed) instead of a
// new concatenation to hash on every write. Bounded: expressions can write ever new keys.
const childPointers = new Map<string, Map<string, string>>();
let childPointerCount = 0;
const MAX_CHILD_POINTERS = 50_000;

/** `${parent}/${escapeToken(key)}`, kept for the next call. */
export function childPointer(parent: string, key: string): string {
  let byKey = childPointers.get(parent);
  let child = byKey?.get(key);
  if (child !== undefined) return child;
  child = parent + "/" + escapeToken(key);
  if (childPointerCount < MAX_CHILD_POINTERS) {
    if (!byKey) childPointers.set(parent, (byKey = new Map()));
    byKey.set(key, child);
    childPointerCount++;
  }
  return child;
}

export function toPointer(path: Path): string {
  let s = "";
  for (const seg of path) s += "/" + escapeToken(seg);
  return s;
}

/** `a~1b` → `a/b`, `m~0n` → `m~n` (in this order: `~01` is `~1`, not `/`). */
export const unescapeToken = (t: string): string => t.replace(/~1/g, "/").replace(/~0/g, "~");

export function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer.slice(1).split("/").map(unescapeToken);
}

/** `parameters.tp-size` or `/parameters/tp-size` → path segments. */
export function parseDotPath(path: string): string[] {
  if (path.startsWith("/")) return parsePointer(path);
  return path.split(".").filter((s) => s !== "");
}

/** `/parameters/tp-size` → `parameters.tp-size`, as layer files and messages write paths. */
export function pointerToDots(pointer: string): string {
  return pointer.split("/").slice(1).map(unescapeToken).join(".");
}
