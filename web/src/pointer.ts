// JSON Pointers (RFC 6901), as the server's provenance and issues use them: "/parameters/tp-size".

export const escapeToken = (t: string | number): string => String(t).replace(/~/g, "~0").replace(/\//g, "~1");

export const toPointer = (path: readonly (string | number)[]): string => path.map((t) => `/${escapeToken(t)}`).join("");

export function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** The pointer itself, then each ancestor up to the root (""). */
export function selfAndAncestors(pointer: string): string[] {
  const out = [pointer];
  let p = pointer;
  while (p !== "") {
    p = p.slice(0, p.lastIndexOf("/"));
    out.push(p);
  }
  return out;
}

/** "/parameters/tp-size" → "parameters.tp-size", as the layer files and docs write paths. */
export const dotted = (pointer: string): string => parsePointer(pointer).join(".") || "(the whole config)";
