// Parse a layer file (YAML or JSON) into plain data plus a map from JSON Pointer to line and column,
// so every later problem can name the file, line and column it concerns.
import type { Node, Document } from "yaml";
import { LineCounter, parseDocument, visit, isMap, isSeq, isScalar, isAlias, isPair } from "../vendor.js";
import { issue, type Code, type Issue } from "./issues.js";
import { MAX_DEPTH } from "../util/data.js";
import { escapeToken } from "../util/pointer.js";
import { explainYamlErrors, nonFiniteNumber } from "./yaml-errors.js";

export interface LineCol {
  line: number;
  column: number;
}

export interface SourceFile {
  /** Path relative to the layer directory, with forward slashes. */
  path: string;
  text: string;
  /** Why the file (or the folder at `path`) could not be read: reported as an issue at `path` instead of parsing. */
  unreadable?: { code: "not-a-file" | "link-loop" | "link-repeat" | "dir-too-deep" | "too-many-files" | "file-unreadable" | "file-too-large" | "file-not-utf8"; message: string; line?: number; column?: number };
}

export interface ParsedSource {
  data: unknown;
  /** Position of each node by JSON Pointer; for a mapping entry, the position of its key. */
  positions: Map<string, LineCol>;
}

/** Limits that keep a hostile or broken file from exhausting time or memory. */
export const SOURCE_LIMITS = { maxBytes: 1 << 20, maxAliasCount: 100, maxDepth: MAX_DEPTH };

/** The tags whose values are plain JSON data (written or implied); any other but `!expr` is refused. */
const JSON_TAGS = new Set(["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`));

/** `!expr model_name` is sugar for `{ $expr: "model_name" }`. */
const exprTag = {
  tag: "!expr",
  identify: () => false,
  resolve: (str: string) => ({ $expr: str }),
};

/** Parse one file. `expressions: false` (user data) leaves `!expr` unknown: user data is never an expression. */
export function parseSource(file: SourceFile, options: { expressions?: boolean } = {}): { source?: ParsedSource; issues: Issue[] } {
  // Editors on Windows may start a file with a byte-order mark: invisible, and not part of the content.
  if (file.text.charCodeAt(0) === 0xfeff) file = { ...file, text: file.text.slice(1) };
  const fail = (message: string, line?: number, column?: number, code: Code = "parse-error") => ({
    issues: [issue(code, message, { file: file.path, line, column })],
  });
  if (file.unreadable) {
    // A file over the size limit was measured, not read: the same issue as for a text too long.
    const { line, column } = file.unreadable;
    const at = file.unreadable.code === "file-too-large" ? { line: 1, column: 1 } : line !== undefined ? { line, column } : {};
    return { issues: [issue(file.unreadable.code, file.unreadable.message, { file: file.path, ...at })] };
  }
  if (Buffer.byteLength(file.text) > SOURCE_LIMITS.maxBytes) {
    return fail(`file is larger than ${SOURCE_LIMITS.maxBytes} bytes`, 1, 1, "file-too-large");
  }
  const deep = nestingBeyond(file.text, SOURCE_LIMITS.maxDepth * 4);
  if (deep) return fail(`nesting is too deep here (at most ${SOURCE_LIMITS.maxDepth} levels; indentation, brackets and list dashes count)`, deep.line, deep.column, "too-deep");
  // JSON is YAML, but a `.json` file that only YAML accepts (a trailing comma, a comment, bare keys) is broken JSON.
  if (/\.json$/i.test(file.path)) {
    const bad = jsonSyntaxError(file.text);
    if (bad) return fail(`not valid JSON: ${bad.message}`, bad.line, bad.column);
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
    // In plain words, at the line of the mistake (yaml-errors.ts).
    return { issues: explainYamlErrors(file.text, doc.errors, doc, pos).map((p) => issue(p.code, p.message, { file: file.path, line: p.line, column: p.column })) };
  }
  for (const w of doc.warnings) {
    if (w.code === "TAG_RESOLVE_FAILED") {
      const { line, column } = pos(w.pos[0]);
      return fail(`unknown tag: ${firstLine(w.message)} (${options.expressions === false ? "user data takes no tags" : "the only tag strata knows is !expr"})`, line, column, "unknown-tag");
    }
  }
  // YAML 1.1's own tags (`!!binary`, `!!set`, `!!omap`, `!!timestamp`, …) build values JSON cannot hold (bytes, sets,
  // maps, dates): refused as unknown tags, at the tag (it sits before the value, maybe on the line above).
  let oddTag: { tag: string; at: LineCol } | undefined;
  visit(doc, {
    Node(_, node) {
      // (`!expr` in user data was refused above, as a tag that does not resolve.)
      if (node.tag === undefined || JSON_TAGS.has(node.tag) || node.tag === "!expr") return undefined;
      let i = file.text.lastIndexOf("!", node.range?.[0]);
      if (file.text[i - 1] === "!") i--;
      oddTag = { tag: node.tag.replace(/^tag:yaml\.org,2002:/, "!!"), at: pos(i) };
      return visit.BREAK;
    },
  });
  if (oddTag) {
    const why = options.expressions === false ? "user data takes no tags" : "the only tag strata knows is !expr";
    return fail(`unknown tag: ${oddTag.tag} builds a value JSON cannot hold (${why})`, oddTag.at.line, oddTag.at.column, "unknown-tag");
  }
  // A list or mapping as a key has no place in a config, and stringifying nested ones grows exponentially.
  let complexKey: LineCol | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (pair.key === null || (isScalar(pair.key) && (pair.key.value === null || typeof pair.key.value !== "object"))) return undefined;
      complexKey = pos((pair.key as Node).range?.[0] ?? 0);
      return visit.BREAK;
    },
  });
  if (complexKey) return fail("a key must be plain text, not a list, a mapping, an alias or an expression", complexKey.line, complexKey.column, "complex-key");
  // `.inf`, `.nan` and `1e400` (Infinity) parse as numbers no config can hold: refused here, at the value.
  const odd = nonFiniteNumber(file.text, doc, pos);
  if (odd) return fail(odd.message, odd.line, odd.column, odd.code);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: SOURCE_LIMITS.maxAliasCount });
  } catch (e) {
    const message = (e as Error).message;
    if (e instanceof RangeError && /call stack/i.test(message)) return fail(`nesting is too deep`, 1, 1, "too-deep");
    if (!/alias/i.test(message)) return fail(firstLine(message), 1, 1);
    // An alias bomb: point at the first alias, where the expansion starts; an unknown anchor: at its alias.
    const bomb = /excessive/i.test(message);
    let at: LineCol = { line: 1, column: 1 };
    visit(doc, {
      Alias(_, node) {
        if (!bomb && node.resolve(doc)) return undefined;
        if (node.range) at = pos(node.range[0]);
        return visit.BREAK;
      },
    });
    if (!bomb) return fail(firstLine(message), at.line, at.column);
    return fail(`${firstLine(message)} (limit: ${SOURCE_LIMITS.maxAliasCount} alias expansions)`, at.line, at.column, "alias-limit");
  }
  const positions = new Map<string, LineCol>();
  let tooDeep: LineCol | undefined;
  const walk = (node: unknown, pointer: string, depth: number) => {
    if (depth > SOURCE_LIMITS.maxDepth) {
      const range = (node as Node | null)?.range;
      tooDeep ??= range ? pos(range[0]) : { line: 1, column: 1 };
      return;
    }
    if (isAlias(node)) node = node.resolve(doc);
    if (!node || typeof node !== "object") return;
    const n = node as Node;
    if (n.range && !positions.has(pointer)) positions.set(pointer, pos(n.range[0]));
    if (isMap(n)) {
      for (const pair of n.items) {
        if (!isPair(pair)) continue;
        // As toJS names it: a null key (`~`, `null`, or none) is the empty key.
        const key = isScalar(pair.key) ? String(pair.key.value ?? "") : String(pair.key ?? "");
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
  if (tooDeep) return fail(`nesting is deeper than ${SOURCE_LIMITS.maxDepth} levels`, tooDeep.line, tooDeep.column, "too-deep");
  return { source: { data, positions }, issues: [] };
}

/**
 * Where the text could nest deeper than `limit`, judged before parsing: the YAML parser recurses once per
 * level and overflows the stack near 1,000 levels (and a second overflow can abort Node in V8's regexp
 * compiler), so a file that could get near that is refused unread. The estimate never falls below the real
 * depth: indentation, plus the `- `/`? ` indicators earlier on the line, plus open brackets (quotes are not
 * looked at, so brackets inside strings count too — hence the generous limit).
 */
function nestingBeyond(text: string, limit: number): LineCol | undefined {
  let line = 1, lineStart = 0, indent = 0, indicators = 0, brackets = 0, atIndent = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      lineStart = i + 1;
      indent = indicators = 0;
      atIndent = true;
      continue;
    }
    if (c === 32 && atIndent) indent++;
    else {
      atIndent = false;
      if (c === 91 || c === 123) brackets++; // [ {
      else if ((c === 93 || c === 125) && brackets > 0) brackets--; // ] }
      else if ((c === 45 || c === 63) && (i + 1 === text.length || " \t\r\n".includes(text[i + 1]))) indicators++; // - ?
    }
    if (indent + indicators + brackets > limit) return { line, column: i - lineStart + 1 };
  }
  return undefined;
}

/** Where JSON.parse stops, as a line and column, with V8's message minus the echoed text. */
function jsonSyntaxError(text: string): (LineCol & { message: string }) | undefined {
  const failure = (t: string): { message: string; at?: number } | undefined => {
    try {
      JSON.parse(t);
      return undefined;
    } catch (e) {
      const message = (e as Error).message;
      const at = /at position (\d+)/.exec(message);
      return { message: message.split(/ in JSON| at position|, "|, \.\.\./)[0], at: at ? Number(at[1]) : undefined };
    }
  };
  const found = failure(text);
  if (!found) return undefined;
  let offset = found.at;
  if (offset === undefined) {
    // "Unexpected token 'x', "…" is not valid JSON" names no offset: find the shortest prefix that fails before its end.
    const failsInside = (k: number) => {
      const f = failure(text.slice(0, k));
      return f !== undefined && !/end of JSON input/.test(f.message) && (f.at === undefined || f.at < k);
    };
    let lo = 1;
    let hi = text.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (failsInside(mid)) hi = mid;
      else lo = mid + 1;
    }
    offset = Math.max(0, lo - 1);
  }
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1, message: found.message };
}

/**
 * Where the character at `offset` of a scalar's value sits in the file, for a scalar that starts at `start` (its
 * quote, its `|` or `>` indicator, or its first character). The value is followed through the text character by
 * character, so block indentation, folded line breaks and quotes are stepped over; an offset past the value's last
 * visible character is placed just after it. Undefined when the value cannot be followed there.
 */
export function valuePosition(text: string, start: LineCol, value: string, offset: number): LineCol | undefined {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  if (start.line < 1 || start.line > lineStarts.length) return undefined;
  let i = lineStarts[start.line - 1] + start.column - 1;
  if (text[i] === "|" || text[i] === ">") {
    // A block scalar's value starts on the line after its indicator (and any comment there).
    const nl = text.indexOf("\n", i);
    if (nl < 0) return undefined;
    i = nl + 1;
  } else if (text[i] === '"' || text[i] === "'") i++;
  const last = value.trimEnd().length - 1;
  if (last < 0) return undefined;
  const target = Math.min(offset, last);
  for (let k = 0; ; k++) {
    while (i < text.length && text[i] !== value[k]) i++;
    if (i >= text.length) return undefined;
    if (k === target) break;
    i++;
  }
  let line = lineStarts.length;
  while (lineStarts[line - 1] > i) line--;
  return { line, column: i - lineStarts[line - 1] + 1 + (offset > last ? 1 : 0) };
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
