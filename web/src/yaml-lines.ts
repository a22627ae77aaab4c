// The composed config as YAML, rendered line by line so that each line knows the JSON Pointer of the
// value it shows: that is what lets the page explain a value (provenance) and pin issues beside it.
// A leaf is what provenance tracks: a scalar, a list (shown in flow style on one line) or an empty object.
import { stringify } from "yaml";
import { escapeToken } from "./pointer";

export interface YamlLine {
  /** Nesting depth (two spaces each). */
  depth: number;
  /** `key:` text, already quoted where YAML needs it; absent for a root scalar. */
  key?: string;
  /** The value text; absent on a line that opens a nested mapping. */
  value?: string;
  /** Pointer of the value on this line (a leaf) or of the mapping it opens. */
  pointer: string;
  leaf: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** One scalar in YAML, quoted only when plain text would read back as something else. */
export function yamlScalar(v: unknown): string {
  if (typeof v === "string" && /[\n\r]/.test(v)) return JSON.stringify(v);
  if (v === undefined) return "null";
  return stringify(v, { lineWidth: 0 }).trimEnd();
}

/** Any value on one line, YAML flow style: `[1, 2]`, `{threshold: 1, weight: 2}`. */
export function yamlFlow(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(yamlFlow).join(", ")}]`;
  if (isObject(v)) {
    const entries = Object.entries(v);
    return entries.length === 0 ? "{}" : `{${entries.map(([k, x]) => `${yamlScalar(k)}: ${yamlFlow(x)}`).join(", ")}}`;
  }
  return yamlScalar(v);
}

export function yamlLines(value: unknown): YamlLine[] {
  const lines: YamlLine[] = [];
  const walk = (obj: Record<string, unknown>, depth: number, base: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const pointer = `${base}/${escapeToken(k)}`;
      const key = yamlScalar(k);
      if (isObject(v) && Object.keys(v).length > 0) {
        lines.push({ depth, key, pointer, leaf: false });
        walk(v, depth + 1, pointer);
      } else {
        lines.push({ depth, key, value: yamlFlow(v), pointer, leaf: true });
      }
    }
  };
  if (isObject(value) && Object.keys(value).length > 0) walk(value, 0, "");
  else lines.push({ depth: 0, value: yamlFlow(value), pointer: "", leaf: true });
  return lines;
}

/** The line an issue about `pointer` belongs beside: the value itself, else its nearest shown ancestor. */
export function lineForPointer(lines: YamlLine[], pointer: string): number {
  let p = pointer;
  for (;;) {
    const i = lines.findIndex((l) => l.pointer === p);
    if (i >= 0) return i;
    if (p === "") return -1;
    p = p.slice(0, p.lastIndexOf("/"));
  }
}

/** The same rendering as plain text (lists in flow style), e.g. for an example in a placeholder. */
export const yamlText = (value: unknown): string =>
  yamlLines(value)
    .map((l) => `${"  ".repeat(l.depth)}${l.key !== undefined ? `${l.key}:` : ""}${l.value !== undefined ? `${l.key !== undefined ? " " : ""}${l.value}` : ""}`)
    .join("\n");
