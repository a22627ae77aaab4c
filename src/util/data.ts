// Plain-data helpers shared by every step: safe own-property access, copies, plain-data and limit checks.
import { toPointer, type Path } from "./pointer.js";

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

/** Deep copy of JSON-like data into fresh plain objects and arrays (also strips JSONata's sequence flags). */
export function cloneData<T>(v: T): T {
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneData(v[i]);
    return out as T;
  }
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) setOwn(out, k, cloneData((v as Record<string, unknown>)[k]));
    return out as T;
  }
  return v;
}

/** Every key from FORBIDDEN_KEYS found in data, as JSON Pointers to the offending key. */
export function findForbiddenKeys(v: unknown, path: (string | number)[] = [], found: string[] = []): string[] {
  // One path, extended and shortened on the way down (no array per node: this runs on every compose).
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      path.push(i);
      findForbiddenKeys(v[i], path, found);
      path.pop();
    }
  } else if (v !== null && typeof v === "object") {
    for (const k of Object.keys(v)) {
      path.push(k);
      if (FORBIDDEN_KEYS.has(k)) found.push(toPointer(path));
      else findForbiddenKeys((v as Record<string, unknown>)[k], path, found);
      path.pop();
    }
  }
  return found;
}

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

export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}
