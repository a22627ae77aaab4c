// The YAML parser's errors in words for a person who knows a little YAML, at the line of the mistake: a key
// indented too far is reported on its own line (the parser stops on the line before), an unclosed quote or bracket
// where it was opened (the parser notices at the end of the file), a duplicate key with the lines of both.
// The page words the YAML mistakes in its overrides editor with this module too, so it imports only types: no Node,
// no package (test/architecture.test.ts checks it). The parsed document is read through its public fields.
import type { Document, YAMLError } from "yaml";
/** 1-based, as in source.ts (not imported from there: source.ts imports this module). */
interface LineCol {
  line: number;
  column: number;
}

export interface YamlProblem {
  code: "parse-error" | "duplicate-key" | "number-not-finite";
  message: string;
  line: number;
  column: number;
}

/**
 * The first number no config can hold, in the order of the text: YAML's `.inf` and `.nan`, and a number too large
 * for a double (`1e400`), which parse as Infinity and NaN (JSON would write them as null: data lost). Walks the
 * document's nodes through their public fields (a Pair has `value`, a map or list `items`; keys are not values).
 */
export function nonFiniteNumber(text: string, doc: Document, pos: (offset: number) => LineCol): YamlProblem | undefined {
  type NodeLike = { key?: unknown; value?: unknown; items?: unknown[]; range?: [number, number, number] } | null;
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const n = stack.pop() as NodeLike;
    if (n === null || typeof n !== "object") continue;
    if (Array.isArray(n.items)) {
      for (let i = n.items.length - 1; i >= 0; i--) stack.push(n.items[i]);
    } else if ("key" in n) {
      stack.push(n.value); // a key is text: `.inf:` is the key "Infinity", like any other unknown key
    } else if (typeof n.value === "number" && !Number.isFinite(n.value) && n.range) {
      const written = text.slice(n.range[0], n.range[1]);
      const what = Number.isNaN(n.value) ? "not a number" : "infinite";
      return { code: "number-not-finite", message: `${written} is a number JSON cannot hold (${what}): write a finite number`, ...pos(n.range[0]) };
    }
  }
  return undefined;
}

/** One problem per line (the parser often reports one mistake two or three times), each rephrased and placed. */
export function explainYamlErrors(text: string, errors: readonly YAMLError[], doc: Document, pos: (offset: number) => LineCol): YamlProblem[] {
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  const out: YamlProblem[] = [];
  for (const e of errors) {
    const p = explain(e, lines, doc, pos);
    if (!out.some((o) => o.line === p.line)) out.push(p);
  }
  return out;
}

const firstLine = (s: string) => s.split("\n")[0].trim();
/** A piece of the line for a message: at most 40 characters. */
const quoteText = (s: string) => (s.trim().length > 40 ? s.trim().slice(0, 39) + "…" : s.trim());
const indentOf = (line: string) => line.length - line.trimStart().length;
const isContent = (line: string | undefined) => line !== undefined && line.trim() !== "" && !line.trim().startsWith("#");
/** The key a line starts with (after a list dash), if it has one: `  - name: x` → `name`. */
function keyOf(line: string): string | undefined {
  const m = /^\s*(?:-\s+)?("[^"]*"|'[^']*'|[^\s:#'"-][^:#]*?|-[^\s:#][^:#]*?)\s*:(?:\s|$)/.exec(line);
  return m ? m[1].replace(/^["']|["']$/g, "") : undefined;
}
function nextContent(lines: string[], from: number): number | undefined {
  for (let i = from; i < lines.length; i++) if (isContent(lines[i])) return i;
  return undefined;
}
function prevContent(lines: string[], before: number): number | undefined {
  for (let i = before - 1; i >= 0; i--) if (isContent(lines[i])) return i;
  return undefined;
}

function explain(e: YAMLError, lines: string[], doc: Document, pos: (offset: number) => LineCol): YamlProblem {
  const at = pos(e.pos[0]);
  const L = at.line - 1; // 0-based index of the line the parser names
  const line = lines[L] ?? "";
  const rest = line.slice(at.column - 1);
  const here = (message: string, l = at.line, column = at.column): YamlProblem => ({ code: "parse-error", message, line: l, column });
  const words = firstLine(e.message);

  switch (e.code) {
    case "DUPLICATE_KEY": {
      const key = keyOf(" ".repeat(at.column - 1) + rest) ?? rest.split(":")[0].trim();
      const first = firstOccurrence(doc, e.pos[0], pos);
      const where = !first ? `line ${at.line} and above` : first.line === at.line ? `both on line ${at.line}` : `lines ${first.line} and ${at.line}`;
      return { code: "duplicate-key", message: `'${key}' appears twice: ${where}; a key may appear once in a mapping: keep one`, line: at.line, column: at.column };
    }
    case "TAB_AS_INDENT":
      return here(`line ${at.line} is indented with a tab: YAML indents with spaces only (replace the tab with spaces)`, at.line, 1);
    case "BLOCK_AS_IMPLICIT_KEY":
    case "MULTILINE_IMPLICIT_KEY": {
      if (/block sequence/i.test(words)) {
        return here(`a list item ('- …') among 'key: value' lines: a list and keys cannot share one level; put the list under a key ('key:' then '  - item' below it)`);
      }
      // The parser stops on the line before a key that is indented too far: name that key, on its own line.
      const next = nextContent(lines, L + 1);
      const nextKey = next !== undefined ? keyOf(lines[next]) : undefined;
      if (next !== undefined && nextKey !== undefined && indentOf(lines[next]) > indentOf(line) && !/:(\s|$)/.test(rest)) {
        return here(indentedMore(nextKey, line, at.line), next + 1, indentOf(lines[next]) + 1);
      }
      if (/^[^\s:#'"][^\s:]*:[^\s:/]/.test(rest) && e.code === "MULTILINE_IMPLICIT_KEY") {
        const [k, ...v] = rest.trim().split(":");
        return here(`a key needs a space after its ':': write '${k}: ${v.join(":")}'`);
      }
      if (/:(\s|$)/.test(rest)) {
        const owner = keyOf(line);
        return here(`'${quoteText(rest)}' is a 'key: value' inside the value${owner ? ` of '${owner}'` : ""} on the same line: put it on a line of its own${owner ? `, indented below '${owner}:'` : ""}, or quote the value ("…") if the ':' is part of the text`);
      }
      return here(`'${quoteText(rest)}' is neither 'key: value' nor a list item ('- …'): add ': ' and a value, or join it to the line above`);
    }
    case "BAD_INDENT": {
      const flow = /^Flow (sequence|map)/.exec(words);
      if (flow) {
        const open = flow[1] === "sequence" ? "[" : "{", close = flow[1] === "sequence" ? "]" : "}";
        const opened = unclosedBracket(lines, L, at.column - 1, open, close);
        const what = flow[1] === "sequence" ? "list" : "mapping";
        if (opened) return here(`the ${what} opened with '${open}' on line ${opened.line} is not closed: end it with '${close}'`, opened.line, opened.column);
        return here(`a ${what} in '${open} ${close}' is not closed (or its next line is not indented more than its key): end it with '${close}'`);
      }
      if (/same column/i.test(words)) {
        const key = keyOf(line);
        const prev = prevContent(lines, L);
        const name = key !== undefined ? `the key '${key}'` : `'${line.trim()}'`;
        if (prev !== undefined && /^\s*-(\s|$)/.test(lines[prev]) && indentOf(lines[prev]) === indentOf(line)) {
          return here(`${name} is at the level of the list items above it ('- …'): a list and keys cannot share one level`, at.line, indentOf(line) + 1);
        }
        if (prev !== undefined) {
          const n = indentOf(line), m = indentOf(lines[prev]);
          if (key !== undefined && n > m) return here(indentedMore(key, lines[prev], prev + 1), at.line, n + 1);
          const prevKey = keyOf(lines[prev]);
          return here(`${name} is not lined up with the keys above it: it is indented ${n} space(s), ${prevKey !== undefined ? `'${prevKey}'` : "the line"} on line ${prev + 1} ${m}; line them up`, at.line, n + 1);
        }
      }
      return here(`this line is not indented the way the lines around it are (${words})`);
    }
    case "MISSING_CHAR": {
      const quote = /closing (["'])quote/.exec(words);
      if (quote) {
        const q = quote[1];
        const opened = unclosedQuote(lines, L, q);
        if (opened) return here(`the text opened with ${q} on line ${opened.line} is never closed: add the closing ${q}`, opened.line, opened.column);
        return here(`a text in ${q}…${q} is never closed: add the closing ${q}`);
      }
      if (/followed by map values/i.test(words)) return here(`'${quoteText(rest)}' needs ': ' and a value after it, or belongs to the line above`);
      if (/Missing , or :/i.test(words)) return here(`a ',' is missing between two items inside [ ] or { }`);
      return here(words);
    }
    case "UNEXPECTED_TOKEN": {
      if (/at node end/i.test(words)) return here(`unexpected text '${quoteText(rest)}' after the value: a value ends at the end of its line or at its closing bracket or quote (quote the whole value if it is text)`);
      const m = /Unexpected (.+?) in flow (map|sequence)/.exec(words);
      if (m) return here(`unexpected ${m[1]} inside ${m[2] === "map" ? "{ }" : "[ ]"}: items are separated by one ','`);
      return here(`unexpected '${rest.trim().slice(0, 20)}' here (${words})`);
    }
    case "BAD_SCALAR_START": {
      const ch = rest[0];
      return here(`a value cannot start with '${ch}' unless it is quoted: write "${rest.trim().replace(/"/g, '\\"')}"`);
    }
    case "BAD_DQ_ESCAPE": {
      const esc = /sequence (\S+)/.exec(words)?.[1] ?? "\\";
      return here(`'${esc}' is not an escape sequence inside "…": write \\\\ for a backslash, or use single quotes ('…')`);
    }
    case "MULTIPLE_DOCS":
      return here(`a second document starts here ('---'): a file holds one document; remove the '---' line or split the file`, at.line, 1);
    case "MULTIPLE_ANCHORS":
      return here(`a value may have only one anchor (&name)`);
    case "MULTIPLE_TAGS":
      return here(`a value may have only one tag (such as !expr)`);
    case "ALIAS_PROPS":
      return here(`an alias (*name) cannot have an anchor or a tag of its own`);
    case "BLOCK_IN_FLOW":
      return here(`inside [ ] or { } items are separated by ',' (is one missing?); a '- item' list or an indented block cannot go there`);
    case "KEY_OVER_1024_CHARS":
      return here(`a key longer than 1024 characters`);
    default:
      return here(words);
  }
}

function indentedMore(key: string, lineAbove: string, lineNo: number): string {
  const above = keyOf(lineAbove);
  const fix = above !== undefined ? `line it up with '${above}' (line ${lineNo}), or, to nest it under '${above}', leave '${above}:' without a value` : "line it up with them";
  return `the key '${key}' is indented more than the keys above it: ${fix}`;
}

/** Where the first key equal to the duplicate one at `offset` is, in the mapping that holds both. */
function firstOccurrence(doc: Document, offset: number, pos: (offset: number) => LineCol): LineCol | undefined {
  // A mapping's items are pairs ({ key, value }), a list's are nodes; a scalar key has a `value` and no `items`.
  type Walked = { items?: unknown[]; key?: unknown; value?: unknown; range?: [number, number, number] } | null | undefined;
  const scalarValue = (k: Walked) => (k && typeof k === "object" && !("items" in k) && "value" in k ? k.value : undefined);
  const stack: Walked[] = [doc.contents as Walked];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!node || typeof node !== "object") continue;
    if (!Array.isArray(node.items)) {
      if ("key" in node) stack.push(node.key as Walked, node.value as Walked); // a pair inside a flow list
      continue;
    }
    const items = node.items as Walked[];
    const keys = items.map((p) => (p && typeof p === "object" && "key" in p ? (p.key as Walked) : undefined));
    const i = keys.findIndex((k) => k?.range?.[0] === offset);
    if (i >= 0) {
      const first = keys.findIndex((k) => k !== undefined && scalarValue(k) === scalarValue(keys[i]));
      return first >= 0 && first < i && keys[first]?.range ? pos(keys[first]!.range![0]) : undefined;
    }
    for (const item of [...items].reverse()) {
      if (item && typeof item === "object" && "key" in item) stack.push(item.value as Walked, item.key as Walked);
      else stack.push(item);
    }
  }
  return undefined;
}

/** The last `open` before (line, column) that no `close` matches, outside quotes and comments. */
function unclosedBracket(lines: string[], L: number, column: number, open: string, close: string): LineCol | undefined {
  const stack: LineCol[] = [];
  for (let i = 0; i <= L && i < lines.length; i++) {
    const text = i === L ? lines[i].slice(0, column) : lines[i];
    let quote: string | undefined;
    for (let j = 0; j < text.length; j++) {
      const c = text[j];
      if (quote) {
        if (c === quote) quote = undefined;
        continue;
      }
      if ((c === '"' || c === "'") && /[\s[{,:]/.test(text[j - 1] ?? " ")) quote = c;
      else if (c === "#" && /\s/.test(text[j - 1] ?? " ")) break;
      else if (c === open) stack.push({ line: i + 1, column: j + 1 });
      else if (c === close) stack.pop();
    }
  }
  return stack[0];
}

/** The first quote that opens a value (after `key: `, `- `, a bracket or a comma) and is not closed on its line. */
function unclosedQuote(lines: string[], L: number, q: string): LineCol | undefined {
  for (let i = 0; i <= L && i < lines.length; i++) {
    const text = lines[i];
    const starts = /(^\s*|:\s+|-\s+|[[{,]\s*)(["'])/g;
    for (let m = starts.exec(text); m; m = starts.exec(text)) {
      if (text.slice(0, m.index).includes("#")) break;
      const at = m.index + m[1].length;
      const c = m[2];
      let j = at + 1, closed = false;
      while (j < text.length) {
        if (c === '"' && text[j] === "\\") j += 2;
        else if (c === "'" && text[j] === "'" && text[j + 1] === "'") j += 2;
        else if (text[j] === c) {
          closed = true;
          break;
        } else j++;
      }
      if (!closed && c === q) return { line: i + 1, column: at + 1 };
      if (!closed) break;
      starts.lastIndex = j + 1;
    }
  }
  return undefined;
}
