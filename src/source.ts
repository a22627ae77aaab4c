// Parse a layer file (YAML or JSON) into plain data plus a map from JSON Pointer to line and column,
// so every later problem can name the file, line and column it concerns.
import { LineCounter, parseDocument, isMap, isSeq, isScalar, isAlias, isPair, type Node, type Document } from "yaml";
import { issue, type Issue } from "./issues.js";
import { escapeToken } from "./util.js";

export interface LineCol {
  line: number;
  column: number;
}

export interface SourceFile {
  /** Path relative to the layer directory, with forward slashes. */
  path: string;
  text: string;
}

export interface ParsedSource {
  data: unknown;
  /** Position of each node by JSON Pointer; for a mapping entry, the position of its key. */
  positions: Map<string, LineCol>;
}

/** Limits that keep a hostile or broken file from exhausting time or memory. */
export const SOURCE_LIMITS = { maxBytes: 1 << 20, maxAliasCount: 100, maxDepth: 64 };

/** `!expr model_name` is sugar for `{ $expr: "model_name" }`. */
const exprTag = {
  tag: "!expr",
  identify: () => false,
  resolve: (str: string) => ({ $expr: str }),
};

/** Parse one file. `expressions: false` (user data) leaves `!expr` unknown: user data is never an expression. */
export function parseSource(file: SourceFile, options: { expressions?: boolean } = {}): { source?: ParsedSource; issues: Issue[] } {
  const fail = (message: string, line?: number, column?: number, code = "parse-error") => ({
    issues: [issue(code, message, { file: file.path, line, column })],
  });
  if (Buffer.byteLength(file.text) > SOURCE_LIMITS.maxBytes) {
    return fail(`file is larger than ${SOURCE_LIMITS.maxBytes} bytes`, 1, 1, "file-too-large");
  }
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(file.text, { lineCounter, customTags: options.expressions === false ? [] : [exprTag], uniqueKeys: true, prettyErrors: false, strict: true });
  } catch (e) {
    return fail(`cannot parse: ${(e as Error).message}`, 1, 1);
  }
  const pos = (offset: number): LineCol => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    return {
      issues: doc.errors.map((e) => {
        const { line, column } = pos(e.pos[0]);
        const code = e.code === "DUPLICATE_KEY" ? "duplicate-key" : "parse-error";
        return issue(code, firstLine(e.message), { file: file.path, line, column });
      }),
    };
  }
  for (const w of doc.warnings) {
    if (w.code === "TAG_RESOLVE_FAILED") {
      const { line, column } = pos(w.pos[0]);
      return fail(`unknown tag: ${firstLine(w.message)} (${options.expressions === false ? "user data takes no tags" : "the only tag strata knows is !expr"})`, line, column, "unknown-tag");
    }
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: SOURCE_LIMITS.maxAliasCount });
  } catch (e) {
    const message = (e as Error).message;
    if (e instanceof RangeError && /call stack/i.test(message)) return fail(`nesting is too deep`, 1, 1, "too-deep");
    return fail(firstLine(message), 1, 1, /alias/i.test(message) ? "alias-limit" : "parse-error");
  }
  const positions = new Map<string, LineCol>();
  let tooDeep = false;
  const walk = (node: unknown, pointer: string, depth: number) => {
    if (depth > SOURCE_LIMITS.maxDepth) {
      tooDeep = true;
      return;
    }
    if (isAlias(node)) node = node.resolve(doc);
    if (!node || typeof node !== "object") return;
    const n = node as Node;
    if (n.range && !positions.has(pointer)) positions.set(pointer, pos(n.range[0]));
    if (isMap(n)) {
      for (const pair of n.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const p = pointer + "/" + escapeToken(key);
        const keyNode = pair.key as Node | null;
        if (keyNode?.range) positions.set(p, pos(keyNode.range[0]));
        else if ((pair.value as Node | null)?.range) positions.set(p, pos((pair.value as Node).range![0]));
        walk(pair.value, p, depth + 1);
        // The value's own position is more precise for type errors: keep it under a `#value` suffix.
        const valueNode = pair.value as Node | null;
        if (valueNode?.range) positions.set(p + "#value", pos(valueNode.range[0]));
      }
    } else if (isSeq(n)) {
      n.items.forEach((item, i) => {
        const p = pointer + "/" + i;
        if ((item as Node | null)?.range) positions.set(p, pos((item as Node).range![0]));
        walk(item, p, depth + 1);
      });
    }
  };
  walk(doc.contents, "", 0);
  if (tooDeep) return fail(`nesting is deeper than ${SOURCE_LIMITS.maxDepth} levels`, 1, 1, "too-deep");
  return { source: { data, positions }, issues: [] };
}

/** Line and column for a pointer, falling back to the nearest ancestor that has one. */
export function positionOf(positions: Map<string, LineCol>, pointer: string, preferValue = false): LineCol | undefined {
  if (preferValue) {
    const v = positions.get(pointer + "#value");
    if (v) return v;
  }
  let p = pointer;
  for (;;) {
    const found = positions.get(p);
    if (found) return found;
    if (p === "") return undefined;
    p = p.slice(0, p.lastIndexOf("/"));
  }
}

const firstLine = (s: string) => s.split("\n")[0].trim();
