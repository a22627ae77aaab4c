// The overrides editor's text: parsed in the browser with `yaml`, so a syntax error is found at its line
// before anything is sent, and a server issue about `/overrides/...` can be shown at the line it concerns.
// A syntax error is worded as the server words one in a layer file (src/core/yaml-errors.ts, shared): in plain
// words, at the line of the mistake, not in the parser's own.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from "yaml";
import { explainYamlErrors, nonFiniteNumber } from "../../src/core/yaml-errors";
import { parsePointer } from "./pointer";

export interface YamlProblem {
  line: number;
  column: number;
  message: string;
}

export type ParsedOverrides =
  | { ok: true; value: Record<string, unknown>; doc: Document | null; lineCounter: LineCounter; warnings: YamlProblem[] }
  | { ok: false; error: YamlProblem };

/** A warning's first line: the editor shows the place itself. */
const shortMessage = (m: string) => m.split("\n")[0].trim();

export function parseOverrides(text: string): ParsedOverrides {
  const lineCounter = new LineCounter();
  if (text.trim() === "") return { ok: true, value: {}, doc: null, lineCounter, warnings: [] };
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const pos = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    const [first] = explainYamlErrors(text, doc.errors, doc, pos);
    return { ok: false, error: { line: first.line, column: first.column, message: first.message } };
  }
  // `.inf`, `.nan`, `1e400`: numbers JSON cannot hold (the body would carry null instead), refused at their line.
  const odd = nonFiniteNumber(text, doc, pos);
  if (odd) return { ok: false, error: { line: odd.line, column: odd.column, message: odd.message } };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { ok: false, error: { line: 1, column: 1, message: e instanceof Error ? e.message : String(e) } };
  }
  if (value === null || value === undefined) return { ok: true, value: {}, doc, lineCounter, warnings: [] };
  if (typeof value !== "object" || Array.isArray(value)) {
    const found = Array.isArray(value) ? "a list" : `the value ${JSON.stringify(value)}`;
    return {
      ok: false,
      error: { line: 1, column: 1, message: `your changes must be a mapping of config keys (like "parameters:"), not ${found}` },
    };
  }
  const warnings = doc.warnings.map((w) => ({ ...pos(w.pos[0]), message: shortMessage(w.message) }));
  return { ok: true, value: value as Record<string, unknown>, doc, lineCounter, warnings };
}

/**
 * The line (1-based) of the value at `pointer` inside the parsed text: the key's line for a mapping
 * entry, the item's line in a list; the nearest enclosing entry when the pointer goes deeper than the text.
 */
export function lineOfPointer(parsed: ParsedOverrides, pointer: string): number | undefined {
  if (!parsed.ok || !parsed.doc) return undefined;
  const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : parsed.lineCounter.linePos(offset).line);
  let node: unknown = parsed.doc.contents;
  let line: number | undefined;
  for (const token of parsePointer(pointer)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === token);
      if (!pair) break;
      line = lineAt(isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? line;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(token)];
      if (item === undefined) break;
      line = lineAt((item as { range?: [number, number, number] }).range?.[0]) ?? line;
      node = item;
    } else break;
  }
  return line;
}
