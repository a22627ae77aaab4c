// Comparing composed configs: data equality, the leaves that changed, and a unified diff of two texts.
// Shared by the scenario runner (`strata test`) and the revision diff (`strata diff`).
import { hasOwn, isPlainObject } from "../util/data.js";
import { escapeToken } from "../util/pointer.js";

/** Equal as data: objects by their keys whatever their order, lists item by item. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return Number.isNaN(a) && Number.isNaN(b);
}

export interface LeafChange {
  /** JSON Pointer of the leaf (a scalar, a list or an empty object, as in provenance). */
  pointer: string;
  kind: "added" | "removed" | "changed";
  before?: unknown;
  after?: unknown;
}

/** Every leaf that differs between two configs, in the order of `after` (then leaves only in `before`). */
export function leafChanges(before: unknown, after: unknown): LeafChange[] {
  const out: LeafChange[] = [];
  const walk = (a: unknown, b: unknown, pointer: string) => {
    const aObj = isPlainObject(a) && Object.keys(a).length > 0;
    const bObj = isPlainObject(b) && Object.keys(b).length > 0;
    if (aObj && bObj) {
      for (const k of Object.keys(b)) walk(hasOwn(a, k) ? a[k] : undefined, b[k], `${pointer}/${escapeToken(k)}`);
      for (const k of Object.keys(a)) if (!hasOwn(b, k)) walk(a[k], undefined, `${pointer}/${escapeToken(k)}`);
      return;
    }
    if (bObj && a === undefined) {
      for (const k of Object.keys(b)) walk(undefined, b[k], `${pointer}/${escapeToken(k)}`);
      return;
    }
    if (aObj && b === undefined) {
      for (const k of Object.keys(a)) walk(a[k], undefined, `${pointer}/${escapeToken(k)}`);
      return;
    }
    if (deepEqual(a, b)) return;
    if (a === undefined) out.push({ pointer, kind: "added", after: b });
    else if (b === undefined) out.push({ pointer, kind: "removed", before: a });
    else out.push({ pointer, kind: "changed", before: a, after: b });
  };
  walk(before, after, "");
  return out;
}

/** A value on one line, for `old → new` reports: `[1, 2]`, `{threshold: 1}`, `"text"`, `(absent)`. */
export function inlineValue(v: unknown): string {
  if (v === undefined) return "(absent)";
  if (Array.isArray(v)) return `[${v.map(inlineValue).join(", ")}]`;
  if (isPlainObject(v)) return `{${Object.keys(v).map((k) => `${/^[\w.-]+$/.test(k) ? k : JSON.stringify(k)}: ${inlineValue(v[k])}`).join(", ")}}`;
  return JSON.stringify(v) ?? String(v);
}

// Past this many cells the LCS table is too big to be worth it: show the texts as one replaced block.
const MAX_CELLS = 4_000_000;

/**
 * A unified diff of two texts, line by line, with `context` lines around each change.
 * Returns "" when the texts are equal.
 */
export function unifiedDiff(before: string, after: string, labels: { before: string; after: string }, context = 3): string {
  if (before === after) return "";
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = diffOps(a, b);
  const hunks: string[] = [];
  // Group the edit script into hunks: runs of changes with up to `context` equal lines around them.
  let i = 0;
  while (i < ops.length) {
    if (ops[i].op === " ") {
      i++;
      continue;
    }
    let start = i;
    let lead = 0;
    while (start > 0 && ops[start - 1].op === " " && lead < context) {
      start--;
      lead++;
    }
    let end = i;
    for (;;) {
      while (end < ops.length && ops[end].op !== " ") end++;
      let gap = end;
      while (gap < ops.length && ops[gap].op === " ") gap++;
      if (gap < ops.length && gap - end <= context * 2) end = gap;
      else {
        end = Math.min(end + context, gap);
        break;
      }
    }
    const slice = ops.slice(start, end);
    const aStart = slice[0].a, bStart = slice[0].b;
    const aLen = slice.filter((o) => o.op !== "+").length;
    const bLen = slice.filter((o) => o.op !== "-").length;
    hunks.push(`@@ -${aLen ? aStart + 1 : aStart},${aLen} +${bLen ? bStart + 1 : bStart},${bLen} @@`);
    for (const o of slice) hunks.push(o.op + o.text);
    i = end;
  }
  return [`--- ${labels.before}`, `+++ ${labels.after}`, ...hunks].join("\n");
}

interface Op {
  op: " " | "-" | "+";
  text: string;
  /** Index of this line (or of the next line) in each text. */
  a: number;
  b: number;
}

function splitLines(s: string): string[] {
  const lines = s.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** The shortest edit script by longest common subsequence; deletions before insertions in each change. */
function diffOps(a: string[], b: string[]): Op[] {
  // Common head and tail cost nothing and keep the table small.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const ops: Op[] = [];
  for (let k = 0; k < head; k++) ops.push({ op: " ", text: a[k], a: k, b: k });
  const am = a.slice(head, a.length - tail), bm = b.slice(head, b.length - tail);
  const n = am.length, m = bm.length;
  if (n * m > MAX_CELLS) {
    am.forEach((t, k) => ops.push({ op: "-", text: t, a: head + k, b: head }));
    bm.forEach((t, k) => ops.push({ op: "+", text: t, a: head + n, b: head + k }));
  } else {
    // lcs[i][j]: length of the LCS of am[i..] and bm[j..].
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let x = n - 1; x >= 0; x--) {
      for (let y = m - 1; y >= 0; y--) {
        lcs[x * w + y] = am[x] === bm[y] ? lcs[(x + 1) * w + y + 1] + 1 : Math.max(lcs[(x + 1) * w + y], lcs[x * w + y + 1]);
      }
    }
    let x = 0, y = 0;
    while (x < n || y < m) {
      if (x < n && y < m && am[x] === bm[y]) {
        ops.push({ op: " ", text: am[x], a: head + x, b: head + y });
        x++;
        y++;
      } else if (x < n && (y >= m || lcs[(x + 1) * w + y] >= lcs[x * w + y + 1])) {
        ops.push({ op: "-", text: am[x], a: head + x, b: head + y });
        x++;
      } else {
        ops.push({ op: "+", text: bm[y], a: head + x, b: head + y });
        y++;
      }
    }
  }
  for (let k = 0; k < tail; k++) ops.push({ op: " ", text: a[a.length - tail + k], a: a.length - tail + k, b: b.length - tail + k });
  return ops;
}
