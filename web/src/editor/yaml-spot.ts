// Where the cursor is in the overrides YAML, read from the text's indentation (it works on half-typed text, which a
// parser rejects): the path of keys above it, and whether a key or a value is being typed there. Block style is read
// fully; inside a flow list on a key's line (`tp-size: [1, 2`) the items are values of the key's list. A list item
// in a path is "*".

export type Spot =
  /** A key of the mapping at `path` is being typed; `present` are the keys that mapping has already. */
  | { kind: "key"; path: string[]; from: number; typed: string; present: string[]; column: number; listItem: boolean }
  /** A value at `path` (a key's value, a list item: path ends in "*") is being typed. */
  | { kind: "value"; path: string[]; from: number; typed: string; flow: boolean };

interface Entry {
  column: number;
  /** A key (`name:`), or a list item's dash. */
  key?: string;
  /** Text after the key's colon (trimmed, comment removed), "" for a key that opens a block. */
  rest?: string;
}

const KEY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#:'"[\]{},-][^#:]*?|-[^\s#:][^#:]*?)\s*:(?=\s|$)/;

const unquote = (k: string) => (k.startsWith('"') ? k.slice(1, -1).replace(/\\(.)/g, "$1") : k.startsWith("'") ? k.slice(1, -1).replace(/''/g, "'") : k);

/** The entries of one line, left to right: list dashes, then at most one key. */
function entriesOf(line: string): Entry[] {
  const out: Entry[] = [];
  let i = line.length - line.trimStart().length;
  for (;;) {
    if (line[i] === "-" && (i + 1 === line.length || line[i + 1] === " ")) {
      out.push({ column: i });
      i++;
      while (line[i] === " ") i++;
      continue;
    }
    const m = KEY.exec(line.slice(i));
    if (m) out.push({ column: i, key: unquote(m[1].trim()), rest: line.slice(i + m[0].length).replace(/\s#.*$/, "").trim() });
    return out;
  }
}

const isContent = (line: string) => line.trim() !== "" && !line.trimStart().startsWith("#");

/** The path of the block that holds something at `column` on line `index`, from the lines above (and `own` entries before it). */
function pathAbove(lines: string[], index: number, column: number, own: Entry[]): string[] {
  const path: string[] = [];
  let limit = column;
  const take = (entries: Entry[]) => {
    for (let k = entries.length - 1; k >= 0; k--) {
      const e = entries[k];
      if (e.column >= limit) continue;
      path.unshift(e.key ?? "*");
      limit = e.column;
    }
  };
  take(own);
  for (let i = index - 1; i >= 0 && limit > 0; i--) {
    if (!isContent(lines[i])) continue;
    const entries = entriesOf(lines[i]);
    if (entries.length === 0 || entries[0].column >= limit) continue;
    take(entries);
  }
  return path;
}

/** The keys already written in the mapping that holds column `column` of line `index` (its lines above and below). */
function keysBeside(lines: string[], index: number, column: number): string[] {
  const keys: string[] = [];
  for (const step of [-1, 1]) {
    for (let i = index + step; i >= 0 && i < lines.length; i += step) {
      if (!isContent(lines[i])) continue;
      const entries = entriesOf(lines[i]);
      const first = entries[0]?.column ?? lines[i].length - lines[i].trimStart().length;
      const here = entries.find((e) => e.column === column);
      // Above, a list item's first key (`- name: x`) belongs to the mapping; below, a new item starts another.
      if (step === -1 && here?.key !== undefined) keys.push(here.key);
      if (first < column) break;
      if (step === 1 && here?.key !== undefined) keys.push(here.key);
      if (here && here.key === undefined) break;
    }
  }
  return keys;
}

/** What is being typed at `pos` (an offset into `text`), or undefined where nothing is completed (a comment, a quoted key). */
export function spotAt(text: string, pos: number): Spot | undefined {
  const lines = text.split("\n");
  let index = 0, start = 0;
  while (index < lines.length - 1 && start + lines[index].length < pos) start += lines[index++].length + 1;
  const line = lines[index];
  const before = line.slice(0, pos - start);
  if (/(^|\s)#/.test(before)) return undefined;
  const entries = entriesOf(before);
  const last = entries.at(-1);
  if (last?.key !== undefined && last.rest !== undefined) {
    // After `key:` — a value. Inside an unclosed `[`: one item of the list.
    const rest = before.slice(before.indexOf(":", last.column + last.key.length) + 1);
    const path = pathAbove(lines, index, last.column, entries.slice(0, -1)).concat(last.key);
    const open = rest.lastIndexOf("["), close = rest.lastIndexOf("]");
    if (open > close) {
      const item = rest.slice(Math.max(open, rest.lastIndexOf(",")) + 1);
      const typed = item.trimStart();
      return { kind: "value", path: [...path, "*"], from: pos - typed.length, typed, flow: true };
    }
    if (/[{}\]"']/.test(rest)) return undefined;
    const typed = rest.trimStart();
    return { kind: "value", path, from: pos - typed.length, typed, flow: false };
  }
  // No colon yet: a key being typed (or, after a dash, a list item that may be a value or a mapping's first key).
  // After the last dash (`- na`), else after the indentation.
  const column = last ? before.length - before.slice(last.column + 1).trimStart().length : before.length - before.trimStart().length;
  const typed = before.slice(column);
  if (/[:#[\]{}"']/.test(typed)) return undefined;
  const own = entries.filter((e) => e.column < column);
  const path = pathAbove(lines, index, column, own);
  const listItem = own.length > 0 && own.at(-1)!.key === undefined;
  const present = keysBeside(lines, index, column).filter((k) => k !== typed);
  return { kind: "key", path, from: pos - typed.length, typed, present, column, listItem };
}

/** The key under `pos` and its path (for hover help), or undefined when `pos` is not on a key. */
export function keyAt(text: string, pos: number): { path: string[]; from: number; to: number } | undefined {
  const lines = text.split("\n");
  let index = 0, start = 0;
  while (index < lines.length - 1 && start + lines[index].length < pos) start += lines[index++].length + 1;
  const entries = entriesOf(lines[index]);
  const key = entries.at(-1);
  if (key?.key === undefined) return undefined;
  const raw = KEY.exec(lines[index].slice(key.column))![1].trim();
  const from = start + key.column, to = from + raw.length;
  if (pos < from || pos > to) return undefined;
  return { path: pathAbove(lines, index, key.column, entries.slice(0, -1)).concat(key.key), from, to };
}
