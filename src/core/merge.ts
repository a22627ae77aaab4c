// Deep merge with directives, recording who wrote what.
//
// Objects merge key by key; lists and scalars replace (a profile must be able to narrow a search space).
// Directives, the same for layers and user patches:
//   key: { $patch: delete }            remove the key
//   key: { $patch: replace, a: 1 }     the object replaces the old value instead of merging into it
//   key: { $append: [x, y] }           add items to the end of the list (creates it when absent)
//   key: { $prepend: [x, y] }          add items to the front of the list
// Merging never mutates its inputs: changed objects are copied on the way down, and every value taken
// from a patch is copied, so the result shares nothing mutable with a layer or a request.
import type { Origin } from "./issues.js";
import { cloneData, findTooDeep, hasOwn, isPlainObject, setOwn } from "../util/data.js";
import { describeValue } from "../util/data.js";
import { childPointer } from "../util/pointer.js";
import { SOURCE_LIMITS } from "./source.js";

export type WriteOp = "set" | "replace" | "delete" | "append" | "prepend";

export interface Write {
  /** Global order of the write within one compose. */
  seq: number;
  op: WriteOp;
  origin: Origin;
  /** What was written (for delete: undefined; for append/prepend: the items). */
  value: unknown;
}

/** All writes of one compose, by JSON Pointer. */
/** Who is writing: one origin, or one per pointer (a layer gives each write the line that produced it). */
export type OriginAt = Origin | ((pointer: string) => Origin);

export class Trace {
  readonly writes = new Map<string, Write[]>();
  private seq = 0;
  record(pointer: string, op: WriteOp, origin: OriginAt, value: unknown): void {
    const list = this.writes.get(pointer);
    const w: Write = { seq: this.seq++, op, origin: typeof origin === "function" ? origin(pointer) : origin, value };
    if (list) list.push(w);
    else this.writes.set(pointer, [w]);
  }
}

export class MergeError extends Error {
  constructor(message: string, readonly pointer: string) {
    super(message);
  }
}

const DELETE = Symbol("delete");

/**
 * Merge `patch` over `base`; returns a new value. `trace` (optional) receives every write. `depthChecked`: the
 * caller has checked both against SOURCE_LIMITS.maxDepth already (compose: layer data at load or after rendering,
 * the context when normalized, the config as the product of such merges), so the two walks are skipped.
 */
export function merge(base: unknown, patch: unknown, origin: OriginAt, trace?: Trace, pointer = "", depthChecked = false): unknown {
  // Checked before the walks below, which recurse once per level: no data can exhaust the stack.
  for (const [what, v] of depthChecked ? [] : ([["patch", patch], ["base", base]] as const)) {
    const deep = findTooDeep(v, SOURCE_LIMITS.maxDepth);
    if (deep !== undefined) throw new MergeError(`the ${what} nests deeper than ${SOURCE_LIMITS.maxDepth} levels`, deep);
  }
  const out = mergeAt(base, patch, pointer, origin, trace);
  return out === DELETE ? undefined : out;
}

function mergeAt(base: unknown, patch: unknown, pointer: string, origin: OriginAt, trace?: Trace): unknown {
  if (isPlainObject(patch)) {
    if (hasOwn(patch, "$patch")) {
      const mode = patch.$patch;
      if (mode === "delete") {
        if (Object.keys(patch).length > 1) throw new MergeError("`$patch: delete` must stand alone", pointer);
        trace?.record(pointer, "delete", origin, undefined);
        return DELETE;
      }
      if (mode === "replace") {
        const value = materialize(withoutKey(patch, "$patch"), pointer);
        // The replace hides everything written below before it; the nodes then say exactly where each came from.
        if (trace) recordValue(value, pointer, origin, trace, "replace");
        return value;
      }
      if (mode !== "merge") throw new MergeError(`unknown $patch directive ${describeValue(mode)} (use delete, replace or merge)`, pointer);
      patch = withoutKey(patch, "$patch");
    } else if (hasOwn(patch, "$append") || hasOwn(patch, "$prepend")) {
      const op = hasOwn(patch, "$append") ? "append" : "prepend";
      const items = patch[`$${op}`];
      if (Object.keys(patch).length > 1) throw new MergeError(`\`$${op}\` must stand alone`, pointer);
      if (!Array.isArray(items)) throw new MergeError(`\`$${op}\` takes a list`, pointer);
      if (base !== undefined && !Array.isArray(base)) throw new MergeError(`cannot ${op} to a value that is not a list`, pointer);
      const added = materialize(items, pointer) as unknown[];
      trace?.record(pointer, op, origin, added);
      const existing = (base as unknown[] | undefined) ?? [];
      return op === "append" ? [...existing, ...added] : [...added, ...existing];
    }
    const p = patch as Record<string, unknown>;
    if (!isPlainObject(base)) {
      // Nothing to merge into: the object (with its directives resolved) becomes the value.
      const value = materialize(p, pointer);
      if (trace) recordValue(value, pointer, origin, trace, "set");
      return value;
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(base)) setOwn(out, k, base[k]);
    for (const k of Object.keys(p)) {
      const child = childPointer(pointer, k);
      const v = mergeAt(hasOwn(base, k) ? base[k] : undefined, p[k], child, origin, trace);
      if (v === DELETE) delete out[k];
      else setOwn(out, k, v);
    }
    return out;
  }
  const value = cloneData(patch);
  trace?.record(pointer, "set", origin, value);
  return value;
}

/**
 * One write for a new value and one `set` per node inside it (objects too, not only leaves), so provenance
 * is exact to the line and a field missing inside a new object names who wrote that object — also when the
 * object replaced a scalar or a list, whose older write must not be taken for the new value's.
 */
function recordValue(v: unknown, pointer: string, origin: OriginAt, trace: Trace, op: WriteOp): void {
  trace.record(pointer, op, origin, v);
  if (isPlainObject(v)) {
    for (const k of Object.keys(v)) recordValue(v[k], childPointer(pointer, k), origin, trace, "set");
  }
}

/** A patch applied to nothing: directives resolve against an empty value, and the data is copied. */
function materialize(v: unknown, pointer: string): unknown {
  if (!isPlainObject(v)) return cloneData(v);
  if (hasOwn(v, "$patch") || hasOwn(v, "$append") || hasOwn(v, "$prepend")) {
    const out = mergeAt(undefined, v, pointer, NO_ORIGIN, undefined);
    return out === DELETE ? undefined : out;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const child = materialize(v[k], childPointer(pointer, k));
    if (child !== undefined) setOwn(out, k, child);
  }
  return out;
}

const NO_ORIGIN: Origin = { source: "", stage: "" };

function withoutKey(o: Record<string, unknown>, key: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) if (k !== key) setOwn(out, k, o[k]);
  return out;
}
