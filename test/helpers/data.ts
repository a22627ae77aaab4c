// Reading expectations: values by dotted path or JSON Pointer, and deep-frozen copies for "never mutates" checks.

/** `parameters.tp-size` or `/parameters/tp-size` → path segments (a key with a dot needs the pointer form). */
export function splitPath(path: string): string[] {
  if (path === "" || path === "/") return [];
  if (path.startsWith("/")) {
    return path.slice(1).split("/").map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
  }
  return path.split(".");
}

export function toPointer(path: string): string {
  return splitPath(path).map((s) => "/" + s.replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}

/** Own-property lookup; `found` is false when any segment is missing. */
export function lookup(root: unknown, path: string): { found: boolean; value?: unknown } {
  let cur: unknown = root;
  for (const seg of splitPath(path)) {
    if (cur === null || typeof cur !== "object" || !Object.prototype.hasOwnProperty.call(cur, seg)) return { found: false };
    cur = (cur as Record<string, unknown>)[seg];
  }
  return { found: true, value: cur };
}

export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === "object") {
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
}
