// JSON Pointers (RFC 6901), as the server's provenance and issues use them: "/parameters/tp-size".
// Escaping and parsing come from the one home the server uses too (src/util/pointer.ts).
import { parsePointer } from "../../src/util/pointer";

export { escapeToken, parsePointer, toPointer } from "../../src/util/pointer";

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
