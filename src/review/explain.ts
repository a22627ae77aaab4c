// Explain a composed config: who set each value (layer, file:line), the whole history of one value, and
// why layers were skipped. Pure functions over a ComposeResult and its LayerSet; surfaces only show them.
import { stringifyYaml as stringify } from "../vendor.js";
import { inlineValue } from "./compare.js";
import type { ComposeResult, SkippedLayer } from "../core/compose.js";
import type { Issue, Origin } from "../core/issues.js";
import { layerParts, tableRow, type Layer, type LayerSet } from "../core/load.js";
import type { Write } from "../core/merge.js";
import { historyOf, lastWrite } from "../core/provenance.js";
import { positionOf } from "../core/source.js";
import type { Template } from "../core/template.js";
import { getOwnPath, isPlainObject } from "../util/data.js";
import { pointerToDots, escapeToken, parseDotPath, parsePointer, toPointer } from "../util/pointer.js";
import { closeNames } from "../util/names.js";

/** One leaf of the config (scalar, list or empty object) and who set it. */
export interface ExplainedValue {
  /** Dotted path, e.g. `parameters.tp-size`. */
  path: string;
  pointer: string;
  value: unknown;
  origin?: Origin;
}

/** One write in a value's history. */
export interface HistoryEntry {
  seq: number;
  op: Write["op"];
  origin: Origin;
  /** Where the write happened (dotted path and JSON Pointer): the value itself, an ancestor (a write of a whole object) or a descendant. */
  at: string;
  pointer: string;
  relation: "self" | "ancestor" | "descendant";
  /** What the write left at the path (for an ancestor write: the part of its value at the path; undefined: removed). */
  value: unknown;
  /** For a descendant write, the path below the explained one (`tp-size` under `parameters`). */
  below?: string;
  /** True when the write produced (part of) the final value. */
  won: boolean;
}

export interface ValueHistory {
  path: string;
  pointer: string;
  /** Whether the composed config has a value there. */
  present: boolean;
  /** The value is a (non-empty) object: several writes may each have left part of it (`won` means "part of the final value"). */
  object: boolean;
  /** More than one write made the final value (an object's values, items appended to a list). */
  combined: boolean;
  value?: unknown;
  writes: HistoryEntry[];
  /** Skipped layers whose data sets the path (`yes`) or computes it with an expression (`maybe`). */
  skipped_writers: (SkipExplanation & { writes: "yes" | "maybe" })[];
}

/** A skipped layer with its condition in words and what the condition read. */
export interface SkipExplanation extends SkippedLayer {
  /** The condition, readable: `base_runtime == "vllm"`. */
  condition: string;
  /** What the condition read, readable: `base_runtime is "sglang"`. */
  because: string[];
}

export interface ProfileNotes {
  /** Profiles the context asks for that the layer set does not have, each with close names it does have. */
  unknown: { name: string; pointer: string; suggestions: string[] }[];
  /** Profiles the layer set has that the context did not ask for. */
  not_selected: string[];
}

/** Every leaf of the config with the origin of its value, in the config's order. */
export function explainValues(result: ComposeResult<object>): ExplainedValue[] {
  const out: ExplainedValue[] = [];
  const walk = (v: unknown, pointer: string) => {
    if (isPlainObject(v) && Object.keys(v).length > 0) {
      for (const k of Object.keys(v)) walk(v[k], `${pointer}/${escapeToken(k)}`);
      return;
    }
    out.push({ path: pointerToDots(pointer), pointer, value: v, origin: result.provenance[pointer] ?? (result.trace ? lastWrite(result.trace, pointer)?.origin : undefined) });
  };
  if (result.config) walk(result.config, "");
  return out;
}

/** `parameters.tp-size` or `/parameters/tp-size` → JSON Pointer. */
export const pathToPointer = (path: string): string => toPointer(parseDotPath(path));

/**
 * The history of the value at `path`: every layer that wrote it, in order, with what it left there, and which
 * write won. A write of a whole object above the path counts with the part it wrote at the path; when one
 * layer wrote both an object and values inside it, only its most precise write is listed.
 */
export function explainPath(result: ComposeResult<object>, path: string, set?: LayerSet): ValueHistory {
  const pointer = pathToPointer(path);
  const segments = parsePointer(pointer);
  const value = result.config ? getOwnPath(result.config, segments) : undefined;
  const raw = historyOf(result.trace, pointer);

  // Per source (one layer applies once), keep the deepest write on the path's chain: it has the exact line.
  const chain = new Map<string, Write & { pointer: string }>();
  const seqsOf = new Map<string, number[]>();
  for (const w of raw) {
    const key = w.origin.source;
    seqsOf.set(key, [...(seqsOf.get(key) ?? []), w.seq]);
    if (!(w.pointer === pointer || pointer.startsWith(w.pointer + "/") || w.pointer === "")) continue;
    const best = chain.get(key);
    if (!best || w.pointer.length > best.pointer.length || (w.pointer.length === best.pointer.length && w.seq > best.seq)) chain.set(key, w);
  }
  const object = isPlainObject(value) && Object.keys(value).length > 0;
  const winners = winningSeqs(result, pointer, object);
  const entries: HistoryEntry[] = [];
  let present = false;
  for (const w of raw) {
    const below = w.pointer !== pointer && w.pointer.startsWith(pointer + "/");
    if (below) {
      // A source that wrote the whole value (or above it) is listed once, with what it left at the path.
      if (chain.has(w.origin.source)) continue;
      entries.push({
        seq: w.seq, op: w.op, origin: w.origin, at: pointerToDots(w.pointer), pointer: w.pointer, relation: "descendant", value: w.value,
        below: pointerToDots(w.pointer.slice(pointer.length)), won: winners.has(w.seq),
      });
      present = true;
      continue;
    }
    if (chain.get(w.origin.source) !== w) continue;
    const sub = subValue(w, pointer);
    // A whole object written above the path without it, while there was nothing there: not part of this history.
    if (sub === undefined && !present && w.op !== "delete" && w.pointer !== pointer) continue;
    present = sub !== undefined;
    const seqs = seqsOf.get(w.origin.source) ?? [w.seq];
    entries.push({
      seq: w.seq, op: w.op, origin: w.origin, at: pointerToDots(w.pointer), pointer: w.pointer, relation: w.pointer === pointer ? "self" : "ancestor",
      value: sub, won: seqs.some((s) => winners.has(s)) && (sub !== undefined || value === undefined),
    });
  }
  const skipped = set
    ? explainSkipped(result).flatMap((s) => {
        const writes = layerWritesPath(findLayer(set, s.layer), segments);
        return writes === "no" ? [] : [{ ...s, writes }];
      })
    : [];
  const combined = entries.filter((e) => e.won).length > 1;
  return { path: pointerToDots(pointer), pointer, present: value !== undefined, object, combined, ...(value !== undefined ? { value } : {}), writes: entries, skipped_writers: skipped };
}

/**
 * Sequence numbers of the writes that made the final value: its last write — and, when that added items to a
 * list, the writes it added them to, back to the one that set the list — or for an object the same for each leaf.
 */
function winningSeqs(result: ComposeResult<object>, pointer: string, object: boolean): Set<number> {
  const out = new Set<number>();
  if (!object) {
    let last = lastWrite(result.trace, pointer);
    const earlier = (result.trace.writes.get(pointer) ?? []).slice().reverse();
    while (last) {
      out.add(last.seq);
      if (last.op !== "append" && last.op !== "prepend") break;
      const seq: number = last.seq;
      last = earlier.find((w) => w.seq < seq);
    }
    return out;
  }
  for (const p of Object.keys(result.provenance)) {
    if (pointer === "" || p.startsWith(pointer + "/")) {
      const w = lastWrite(result.trace, p);
      if (w) out.add(w.seq);
    }
  }
  return out;
}

/** What a write left at `pointer`, which is the write's own pointer or below it. */
function subValue(w: Write & { pointer: string }, pointer: string): unknown {
  if (w.op === "delete") return undefined;
  if (w.pointer === pointer) return w.value;
  return getOwnPath(w.value, parsePointer(pointer.slice(w.pointer.length)));
}

/** Every skipped layer, with its condition and the values it read, in words. */
export function explainSkipped(result: ComposeResult<object>): SkipExplanation[] {
  return result.skipped_layers.map((s) => ({
    ...s,
    condition: s.when_text ?? "(no condition)",
    because: Object.entries(s.read ?? {}).map(([path, v]) => (v === null || v === undefined ? `${path} is not set` : `${path} is ${inlineValue(v)}`)),
  }));
}

/** `vllm-defaults: when base_runtime == "vllm" → false (base_runtime is "sglang")`, without the location. */
export function describeSkip(s: SkipExplanation): string {
  if (s.reason === "profile-not-selected") return `${s.layer}: its profile is not selected`;
  return `${s.layer}: when ${s.condition} → false${s.because.length ? ` (${s.because.join(", ")})` : ""}`;
}

/** Profiles asked for but missing (with close names), and profiles available but not asked for. */
export function explainProfiles(result: ComposeResult<object>, set: LayerSet): ProfileNotes {
  const field = set.roles.profiles;
  const value = field !== undefined && result.context ? (result.context as Record<string, unknown>)[field] : undefined;
  const asked = Array.isArray(value) ? (value as string[]) : [];
  const known = [...set.profiles.keys()].sort();
  return {
    unknown: asked.flatMap((name, i) => (set.profiles.has(name) ? [] : [{ name, pointer: `/${escapeToken(field!)}/${i}`, suggestions: closeNames(name, known) }])),
    not_selected: known.filter((n) => !asked.includes(n)),
  };
}

/** For each applied table layer: the key field, its value, and the row it picked (null: no row, nothing set). */
export interface TableNote {
  layer: string;
  file: string;
  key: string;
  value: unknown;
  row: string | null;
  /** The row's line, or the table's when no row was picked. */
  line: number;
  rows: string[];
}

export function explainTables(result: ComposeResult<object>, set: LayerSet): TableNote[] {
  if (!result.context) return [];
  const out: TableNote[] = [];
  for (const entry of result.applied_layers) {
    const layer = findLayer(set, entry);
    if (!layer?.table) continue;
    const row = tableRow(layer, result.context);
    const value = getOwnPath(result.context, parseDotPath(layer.table.key));
    out.push({
      layer: entry, file: layer.file, key: layer.table.key, value: value ?? null, row: row ? row.key : null,
      line: row ? row.line : (positionOf(layer.positions, "/table")?.line ?? layer.line), rows: [...layer.table.rows.keys()],
    });
  }
  return out;
}

/** A table outcome in words: `gpu-aware: gpu_type "L4" has no row (rows: H100, A100): it set nothing`. */
export function describeTable(t: TableNote): string {
  const value = JSON.stringify(t.value);
  return t.row !== null ? `${t.layer}: ${t.key} ${value} picked the row '${t.row}'` : `${t.layer}: ${t.key} ${value} has no row (rows: ${t.rows.join(", ")}): it set nothing`;
}

/** The layer behind an applied-layer entry (`gpu-aware`, `profile:production:production-params`). */
export function findLayer(set: LayerSet, entry: string): Layer | undefined {
  for (const s of set.stages) for (const l of s.layers) if (l.entry === entry) return l;
  for (const p of set.profiles.values()) for (const l of p.layers) if (l.entry === entry) return l;
  return undefined;
}

/**
 * Whether the layer's data, as written, sets the path: "yes" when its data has it, "maybe" when an expression
 * on the way computes it (its result is unknown until the layer applies), "no" otherwise.
 */
export function layerWritesPath(layer: Layer | undefined, segments: readonly string[]): "yes" | "maybe" | "no" {
  if (!layer) return "no";
  // A table layer writes the path when one of its rows does.
  const answers = layerParts(layer).map((p) => templateWritesPath(p.template, segments));
  return answers.includes("yes") ? "yes" : answers.includes("maybe") ? "maybe" : "no";
}

function templateWritesPath(template: Template, segments: readonly string[]): "yes" | "maybe" | "no" {
  let t: Template = template;
  for (let i = 0; i < segments.length; i++) {
    if (t.kind === "static") return getOwnPath(t.value, segments.slice(i)) !== undefined ? "yes" : "no";
    if (t.kind === "expr") return "maybe";
    if (t.kind !== "object") return "no";
    const next = t.entries.find(([k]) => k === segments[i]);
    if (!next) return "no";
    t = next[1];
  }
  return t.kind === "expr" ? "maybe" : "yes";
}

/** Warnings and errors about a config value (checks with a `path`, schema problems), by pointer. */
export function issuesByPointer(result: ComposeResult<object>, set: LayerSet): Map<string, Issue[]> {
  const checks = new Set(set.checks.map((c) => c.name));
  const out = new Map<string, Issue[]>();
  for (const i of [...result.errors, ...result.warnings]) {
    if (i.pointer === undefined || !(i.code === "config-invalid" || checks.has(i.code))) continue;
    out.set(i.pointer, [...(out.get(i.pointer) ?? []), i]);
  }
  return out;
}

// ---- Showing: YAML with a comment on every leaf, aligned.

export interface AnnotatedLine {
  text: string;
  note?: string;
  /** Comment lines printed under this one (issues about the value). */
  after?: string[];
}

/** The config as YAML lines, each leaf with `note(pointer)` as its trailing comment. */
export function annotatedLines(config: unknown, note: (pointer: string) => string | undefined, after?: (pointer: string) => string[] | undefined): AnnotatedLine[] {
  const lines: AnnotatedLine[] = [];
  const walk = (obj: Record<string, unknown>, pointer: string, indent: string) => {
    for (const k of Object.keys(obj)) {
      const v = obj[k];
      const p = `${pointer}/${escapeToken(k)}`;
      if (isPlainObject(v) && Object.keys(v).length > 0) {
        lines.push({ text: `${indent}${yamlScalar(k)}:`, after: after?.(p) });
        walk(v, p, indent + "  ");
      } else {
        lines.push({ text: `${indent}${yamlScalar(k)}: ${inlineYaml(v)}`, note: note(p), after: after?.(p) });
      }
    }
  };
  if (isPlainObject(config) && Object.keys(config).length > 0) walk(config, "", "");
  else lines.push({ text: inlineYaml(config ?? {}), note: note("") });
  return lines;
}

/** Lines joined, every note starting in one column (lines too long for it get theirs two spaces after). */
export function renderAnnotated(lines: readonly AnnotatedLine[], maxColumn = 56): string {
  const widths = lines.filter((l) => l.note && l.text.length <= maxColumn).map((l) => l.text.length);
  const column = (widths.length ? Math.max(...widths) : 0) + 2;
  const out: string[] = [];
  for (const l of lines) {
    const pad = l.text.length < column ? " ".repeat(column - l.text.length) : "  ";
    out.push(l.note ? `${l.text}${pad}# ${l.note}` : l.text);
    const indent = l.text.match(/^ */)![0];
    for (const a of l.after ?? []) out.push(`${indent}# ^ ${a}`);
  }
  return out.join("\n") + "\n";
}

/** A value on one line of YAML: `[1, 2, 4]`, `{threshold: 1}`, `"D(100,100)"`. */
export function inlineYaml(v: unknown): string {
  if (typeof v === "string" && /[\n\r]/.test(v)) return JSON.stringify(v);
  if (Array.isArray(v) || isPlainObject(v)) {
    if (containsMultiline(v)) return JSON.stringify(v);
  }
  return stringify(v, { collectionStyle: "flow", lineWidth: 0, flowCollectionPadding: false }).trimEnd();
}

const yamlScalar = (k: string): string => inlineYaml(k);

function containsMultiline(v: unknown): boolean {
  if (typeof v === "string") return /[\n\r]/.test(v);
  if (Array.isArray(v)) return v.some(containsMultiline);
  if (isPlainObject(v)) return Object.keys(v).some((k) => /[\n\r]/.test(k) || containsMultiline(v[k]));
  return false;
}

/** A history as aligned rows: `n  source  file:line  what it wrote`, the winning write marked. */
export function historyRows(h: ValueHistory, where: (o: Origin, pointer: string) => string): string[][] {
  return h.writes.map((w, i) => {
    let what: string;
    if (w.relation === "descendant") what = `${w.below}${w.op === "append" || w.op === "prepend" ? ` ${w.op}s` : " ="} ${w.op === "delete" ? "(deleted)" : inlineValue(w.value)}`;
    else if (w.value === undefined) what = w.op === "delete" ? `deleted${w.relation === "ancestor" ? ` (with ${w.at || "the whole config"})` : ""}` : `removed (${w.at || "the whole config"} ${w.op === "replace" ? "replaced" : "rewritten"} without it)`;
    else if (w.op === "append" || w.op === "prepend") what = `${w.op}s ${inlineValue(w.value)}`;
    else what = `${inlineValue(w.value)}${w.op === "replace" ? " (replace)" : ""}${w.relation === "ancestor" ? ` (in ${w.at || "the whole config"})` : ""}`;
    return [`${i + 1}`, w.origin.source, where(w.origin, w.pointer), what, w.won ? (h.combined ? "← in the final value" : "← wins") : ""];
  });
}

/** Rows with every column padded to its widest cell. */
export function alignRows(rows: readonly string[][], indent = "  "): string {
  if (rows.length === 0) return "";
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => indent + r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join("  ").trimEnd()).join("\n") + "\n";
}
