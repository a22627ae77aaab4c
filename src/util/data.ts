// Plain-data helpers shared by every step: safe own-property access, copies, plain-data and limit checks.
import { parsePointer, pointerToDots, toPointer, type Path } from "./pointer.js";

/** How deep objects and lists may nest: in a file, a context, or what a layer or an expression builds. */
export const MAX_DEPTH = 64;

/** Keys that must never reach an object's prototype, whatever their source. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Set an own, enumerable data property; `__proto__` becomes a plain key instead of a prototype change. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** Read a value by path using own properties only (never the prototype chain). */
export function getOwnPath(root: unknown, path: Path): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    const key = String(seg);
    if (!hasOwn(cur as object, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/**
 * Deep copy of JSON-like data into fresh plain objects and arrays (also strips JSONata's sequence flags).
 * Iterative: no depth of data can exhaust the stack (a cycle would never end: check data with
 * findTooDeep or dataProblem first, as every caller does).
 */
export function cloneData<T>(v: T): T {
  if (v === null || typeof v !== "object") return v;
  const copyOf = (x: object): object => (Array.isArray(x) ? new Array(x.length) : {});
  const root = copyOf(v);
  const stack: [object, object][] = [[v, root]];
  while (stack.length > 0) {
    const [from, to] = stack.pop()!;
    if (Array.isArray(from)) {
      for (let i = 0; i < from.length; i++) {
        const x = from[i];
        if (x !== null && typeof x === "object") {
          const c = copyOf(x);
          (to as unknown[])[i] = c;
          stack.push([x, c]);
        } else (to as unknown[])[i] = x;
      }
    } else {
      for (const k of Object.keys(from)) {
        const x = (from as Record<string, unknown>)[k];
        if (x !== null && typeof x === "object") {
          const c = copyOf(x);
          setOwn(to as Record<string, unknown>, k, c);
          stack.push([x, c]);
        } else setOwn(to as Record<string, unknown>, k, x);
      }
    }
  }
  return root as T;
}

/** Every key from FORBIDDEN_KEYS found in data, as JSON Pointers to the offending key (iterative, in document order). */
export function findForbiddenKeys(v: unknown): string[] {
  const found: string[] = [];
  // Each entry links to its parent, so a pointer is spelled out only for a key that is found (linear at any depth).
  type Entry = { v: unknown; key?: string | number; parent?: Entry };
  const pointerOf = (e: Entry) => {
    const path: (string | number)[] = [];
    for (let x: Entry | undefined = e; x?.parent; x = x.parent) path.push(x.key!);
    return toPointer(path.reverse());
  };
  const stack: Entry[] = [{ v }];
  while (stack.length > 0) {
    const e = stack.pop()!;
    const x = e.v;
    if (x === FOUND) found.push(pointerOf(e));
    else if (Array.isArray(x)) {
      for (let i = x.length - 1; i >= 0; i--) stack.push({ v: x[i], key: i, parent: e });
    } else if (x !== null && typeof x === "object") {
      const keys = Object.keys(x);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i];
        stack.push({ v: FORBIDDEN_KEYS.has(k) ? FOUND : (x as Record<string, unknown>)[k], key: k, parent: e });
      }
    }
  }
  return found;
}

const FOUND = Symbol("forbidden key");

/** Pointer of the first object or list nested deeper than `max` levels, if any (the walk stops there, so a cycle is "too deep"). */
export function findTooDeep(v: unknown, max: number, depth = 0, path: (string | number)[] = []): string | undefined {
  if (v === null || typeof v !== "object") return undefined;
  if (depth >= max) return toPointer(path);
  const keys = Array.isArray(v) ? v.keys() : Object.keys(v);
  for (const k of keys) {
    path.push(k); // as in findForbiddenKeys: one path for the whole walk
    const found = findTooDeep((v as Record<string, unknown>)[k], max, depth + 1, path);
    path.pop();
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Pointer of the first number JSON cannot hold (Infinity from `1e400` or YAML's `.inf`, NaN from `.nan`), if any.
 * Call it on data already found within the depth limit (it recurses).
 */
export function findNonFinite(v: unknown, path: (string | number)[] = []): string | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? undefined : toPointer(path);
  if (v === null || typeof v !== "object") return undefined;
  const keys = Array.isArray(v) ? v.keys() : Object.keys(v);
  for (const k of keys) {
    path.push(k); // one path for the whole walk, as in findTooDeep
    const found = findNonFinite((v as Record<string, unknown>)[k], path);
    path.pop();
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The first number JSON cannot hold in `v`, at its pointer, with a message naming its field (`whole` names `v`
 * itself): `1e400` and `.inf` read as Infinity, `.nan` as NaN.
 */
export function nonFiniteProblem(v: unknown, whole: string): { pointer: string; message: string } | undefined {
  const pointer = findNonFinite(v);
  if (pointer === undefined) return undefined;
  const what = Number.isNaN(getOwnPath(v, parsePointer(pointer))) ? "not a number (NaN)" : "a number too large to hold (beyond ±1.8e308)";
  return { pointer, message: `${pointer === "" ? whole : `'${pointerToDots(pointer)}'`} is ${what}: write a finite number` };
}

/**
 * True when `v` nests no deeper than `max` levels and has no key from FORBIDDEN_KEYS: the usual case, found in one
 * walk (recursion bounded by `max`); when false, findTooDeep and findForbiddenKeys say where.
 */
export function isCleanData(v: unknown, max: number, depth = 0): boolean {
  if (v === null || typeof v !== "object") return true;
  if (depth >= max) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!isCleanData(v[i], max, depth + 1)) return false;
    return true;
  }
  for (const k of Object.keys(v)) {
    if (FORBIDDEN_KEYS.has(k) || !isCleanData((v as Record<string, unknown>)[k], max, depth + 1)) return false;
  }
  return true;
}

export interface DataProblem {
  code: "not-data" | "too-deep" | "too-large";
  /** Where, as a JSON Pointer into the value. */
  pointer: string;
  /** Says what was found: "produced a function at /x, which is not JSON data". */
  message: string;
}

/**
 * The first reason `v` is not JSON data within bounds, or undefined: a function, `undefined` inside an object
 * or list, a number that is not finite, nesting deeper than `maxDepth`, or a size as JSON text above `maxSize`
 * characters (counted without building the text; a part shared by several places counts at each). Iterative,
 * and it stops at the first problem, so no value — however deep, large or cyclic — can exhaust the stack or
 * the time of the check itself.
 */
export function dataProblem(v: unknown, limits: { maxDepth: number; maxSize: number; functionsAllowed?: boolean }): DataProblem | undefined {
  let size = 0;
  // Parent links instead of a path per value: linear at any depth; a pointer is spelled out only for a problem.
  type Entry = { v: unknown; depth: number; key?: string | number; parent?: Entry };
  const pointerOf = (e: Entry) => {
    const path: (string | number)[] = [];
    for (let x: Entry | undefined = e; x?.parent; x = x.parent) path.push(x.key!);
    return toPointer(path.reverse());
  };
  const problem = (code: DataProblem["code"], e: Entry, message: (at: string) => string): DataProblem => {
    const pointer = pointerOf(e);
    return { code, pointer, message: message(pointer || "the top") };
  };
  const stack: Entry[] = [{ v, depth: 0 }];
  while (stack.length > 0) {
    const e = stack.pop()!;
    const x = e.v;
    if (typeof x === "function" || (isPlainObject(x) && (x._jsonata_function === true || x._jsonata_lambda === true))) {
      if (limits.functionsAllowed) continue;
      return problem("not-data", e, (at) => `produced a function at ${at}, which is not JSON data (call it, or leave the $ off its name)`);
    }
    if (typeof x === "number") {
      if (!Number.isFinite(x)) return problem("not-data", e, (at) => `produced the number ${x} at ${at}, which JSON cannot hold`);
      size += 8;
    } else if (typeof x === "string") size += x.length + 2;
    else if (x === undefined) {
      if (e.parent) return problem("not-data", e, (at) => `produced nothing (undefined) at ${at}, where a value is needed`);
    } else if (typeof x === "bigint" || typeof x === "symbol") {
      return problem("not-data", e, (at) => `produced a ${typeof x} at ${at}, which is not JSON data`);
    } else if (x === null || typeof x === "boolean") size += 5;
    else if (typeof x === "object") {
      if (e.depth >= limits.maxDepth) return problem("too-deep", e, () => `built data nested deeper than ${limits.maxDepth} levels`);
      size += 2;
      if (Array.isArray(x)) {
        for (let i = x.length - 1; i >= 0; i--) stack.push({ v: x[i], depth: e.depth + 1, key: i, parent: e });
        size += x.length;
      } else {
        const keys = Object.keys(x);
        for (let i = keys.length - 1; i >= 0; i--) {
          size += keys[i].length + 4;
          stack.push({ v: (x as Record<string, unknown>)[keys[i]], depth: e.depth + 1, key: keys[i], parent: e });
        }
      }
    }
    if (size > limits.maxSize) return problem("too-large", e, () => `built a value of more than ${limits.maxSize} characters as JSON (limit) and was stopped`);
  }
  return undefined;
}

/** Freeze data and everything in it (iteratively). */
export function deepFreeze<T>(v: T): T {
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    if (x !== null && typeof x === "object" && !Object.isFrozen(x)) {
      Object.freeze(x);
      for (const k of Object.keys(x)) stack.push((x as Record<string, unknown>)[k]);
    }
  }
  return v;
}

/** A short, safe rendering of any value for a message: never throws (`{toString: 1}`), never long. */
export function describeValue(v: unknown, max = 60): string {
  let s: string;
  try {
    // A string in single quotes, escaped as JSON would (a newline shows as \n); anything else as JSON.
    s = typeof v === "string" ? `'${JSON.stringify(v).slice(1, -1)}'` : (JSON.stringify(v) ?? typeof v);
  } catch {
    s = Array.isArray(v) ? "a list" : typeof v;
  }
  return s.length > max ? s.slice(0, max) + "…" : s;
}
