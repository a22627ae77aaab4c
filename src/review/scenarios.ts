// Scenarios: golden tests without code. A scenario file (test/scenarios/*.yaml) names a task context
// and says what composing it must give; this module loads them, runs them, and rewrites snapshots.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { Document, isMap, isScalar, isSeq, parseDocument, type Node, type Pair } from "yaml";
import { compose, type ComposeResult } from "../core/compose.js";
import { deepEqual, inlineValue, leafChanges, unifiedDiff, type LeafChange } from "./compare.js";
import { issue, warning, type Code, type Issue } from "../core/issues.js";
import { readLayerFiles, type LayerSet } from "../core/load.js";
import { DEFAULT_SCHEMAS_DIR } from "../core/schemas.js";
import { positionOf, type LineCol, type SourceFile } from "../core/source.js";
import { parseSource } from "../core/source-cache.js";
import { findForbiddenKeys, getOwnPath, isPlainObject } from "../util/data.js";
import { errorMessage, errorPointer, usefulErrors } from "../lang/json-schema.js";
import { pointerToDots, escapeToken, parseDotPath } from "../util/pointer.js";

/** A warning or error as a scenario expects it: the code, optionally the exact message and dotted path. */
export type ProblemExpectation = string | { code: string; message?: string; path?: string };

export interface ScenarioExpect {
  /** Full snapshot; `null` means "not recorded yet" (`strata test --update` fills it in). */
  config?: Record<string, unknown> | null;
  /** Dotted path → value; only these paths are checked. */
  match?: Record<string, unknown>;
  absent?: string[];
  applied_layers?: string[] | null;
  warnings?: ProblemExpectation[] | null;
  errors?: ProblemExpectation[];
}

export interface Scenario {
  /** Path relative to the scenario directory, e.g. `profiles/production.yaml`: the same scenario at two revisions. */
  id: string;
  /** Path to show in messages (the scenario directory as given, joined with `id`). */
  file: string;
  name: string;
  description?: string;
  context: Record<string, unknown>;
  expect: ScenarioExpect;
  /** Position of every node of the file, by JSON Pointer. */
  positions: Map<string, LineCol>;
  /** The file's text, for `--update`. */
  text: string;
}

export interface ScenarioSet {
  scenarios: Scenario[];
  /** Files that could not be read or do not follow schemas/scenario.schema.json (those are left out of `scenarios`). */
  issues: Issue[];
}

export type Expectation = "config" | "match" | "absent" | "applied_layers" | "warnings" | "errors" | "compose";

/** One expectation that did not hold. An Issue (code, file, line…) plus what was expected and what came out. */
export interface ScenarioFailure extends Issue {
  expectation: Expectation;
  /** For `match` and `absent`: the dotted path. */
  path?: string;
  expected?: unknown;
  actual?: unknown;
  /** For a snapshot: the leaves that differ, and a unified diff of the YAML (expected → actual). */
  changes?: LeafChange[];
  diff?: string;
  /** True when `strata test --update` rewrites this expectation. */
  updatable: boolean;
  /** For an unexpected compose failure: the errors it gave. */
  issues?: Issue[];
}

export interface ScenarioResult {
  scenario: Scenario;
  passed: boolean;
  failures: ScenarioFailure[];
  /** The compose result, with context problems located in the scenario file. */
  result: ComposeResult;
}

export const SCENARIO_SCHEMA_FILE = join(DEFAULT_SCHEMAS_DIR, "scenario.schema.json");

let validator: ValidateFunction | undefined;
function scenarioValidator(): ValidateFunction {
  if (validator) return validator;
  const ajv = new Ajv({ allErrors: true, strict: false });
  // The context is checked when the scenario runs, against the layer set's own context schema
  // (which may differ between two revisions): here it only has to be a mapping.
  ajv.addSchema({ type: "object" }, "https://strata.dev/schemas/context.schema.json");
  ajv.addSchema(JSON.parse(readFileSync(SCENARIO_SCHEMA_FILE, "utf8")), "https://strata.dev/schemas/scenario.schema.json");
  validator = ajv.getSchema("https://strata.dev/schemas/scenario.schema.json")!;
  return validator;
}

/** Load every scenario file (YAML or JSON, any depth) under `dir`. */
export function loadScenarios(dir: string): ScenarioSet {
  let files: SourceFile[];
  try {
    files = readLayerFiles(dir);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "ENOENT" ? "no such directory" : err.code === "ENOTDIR" ? "not a directory" : err.message;
    return { scenarios: [], issues: [issue("scenarios-unreadable", `cannot read scenario directory ${dir}: ${why}`, { file: dir })] };
  }
  return loadScenariosFromFiles(files, { dir });
}

/** Load scenarios from file texts; `dir` (as the user wrote it) prefixes each file name in messages. */
export function loadScenariosFromFiles(files: readonly SourceFile[], options: { dir?: string } = {}): ScenarioSet {
  const prefix = options.dir ? options.dir.replace(/\/+$/, "") + "/" : "";
  const scenarios: Scenario[] = [];
  const issues: Issue[] = [];
  const validate = scenarioValidator();
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const f of sorted) {
    const file = prefix + f.path;
    const parsed = parseSource({ ...f, path: file }, { expressions: false });
    issues.push(...parsed.issues);
    if (!parsed.source) continue;
    const { data, positions } = parsed.source;
    const at = (pointer: string, preferValue = false) => ({ file, ...(positionOf(positions, pointer, preferValue) ?? { line: 1, column: 1 }) });
    if (!isPlainObject(data)) {
      issues.push(issue("scenario-schema", "a scenario file must be a mapping with name, context and expect", at("")));
      continue;
    }
    if (!validate(data)) {
      for (const e of usefulErrors(validate.errors)) {
        const pointer = errorPointer(e);
        issues.push(issue("scenario-schema", errorMessage(e, "the scenario file"), { ...at(pointer, e.keyword !== "additionalProperties"), pointer, keyword: e.keyword }));
      }
      continue;
    }
    const forbidden = findForbiddenKeys(data);
    for (const pointer of forbidden) {
      issues.push(issue("forbidden-key", `key '${pointer.split("/").pop()}' is not allowed: it could reach an object's prototype`, { ...at(pointer), pointer }));
    }
    if (forbidden.length > 0) continue;
    const s = data as { name: string; description?: string; context: Record<string, unknown>; expect: ScenarioExpect };
    const dup = scenarios.find((x) => x.name === s.name);
    if (dup) issues.push(warning("duplicate-name", `scenario '${s.name}' has the same name as ${dup.file}`, at("/name", true)));
    scenarios.push({ id: f.path, file, name: s.name, description: s.description, context: s.context, expect: s.expect, positions, text: f.text });
  }
  return { scenarios, issues };
}

/** Compose the scenario's context with the layer set and check every expectation it states. */
export async function runScenario(set: LayerSet, scenario: Scenario): Promise<ScenarioResult> {
  const raw = await compose(set, scenario.context);
  const locate = (list: Issue[]) => list.map((i) => locateInScenario(i, scenario));
  const result: ComposeResult = { ...raw, errors: locate(raw.errors), warnings: locate(raw.warnings) };
  const failures: ScenarioFailure[] = [];
  const exp = scenario.expect;
  const at = (pointer: string, preferValue = false) => ({ file: scenario.file, ...(positionOf(scenario.positions, pointer, preferValue) ?? {}) });
  const fail = (expectation: Expectation, code: Code, message: string, pointer: string, extra: Partial<ScenarioFailure> = {}) =>
    failures.push({ code, severity: "error", message, expectation, updatable: false, ...at(pointer), ...extra });

  const composeFailed = result.errors.length > 0 && exp.errors === undefined;
  if (composeFailed) {
    fail("compose", "scenario-compose-failed", `composing failed with ${result.errors.length} error(s): ${result.errors.map((e) => e.code).join(", ")}`, "/context", { issues: result.errors });
  }
  if (exp.errors !== undefined) {
    const problem = compareProblems(exp.errors ?? [], result.errors);
    if (problem) fail("errors", "scenario-errors", `expect.errors: ${problem}`, "/expect/errors", { expected: exp.errors, actual: result.errors.map(problemOf) });
  }
  const config = result.config;
  const noConfig = "no config was composed";

  if (exp.config !== undefined) {
    if (exp.config === null) {
      fail("config", "scenario-not-recorded", "expect.config is empty: run `strata test --update` to record the snapshot, then review it", "/expect/config", { actual: config, updatable: !composeFailed && config !== undefined });
    } else if (config === undefined) {
      fail("config", "scenario-config", `expect.config: ${noConfig}`, "/expect/config", { expected: exp.config });
    } else if (!deepEqual(exp.config, config)) {
      const changes = leafChanges(exp.config, config);
      const diff = unifiedDiff(toYaml(exp.config), toYaml(orderLike(config, exp.config)), { before: `expected (${scenario.file})`, after: "actual" });
      const paths = changes.map((c) => pointerToDots(c.pointer) || "(root)");
      fail("config", "scenario-config", `the composed config differs from the snapshot at ${paths.length} path(s): ${paths.slice(0, 5).join(", ")}${paths.length > 5 ? ", …" : ""}`, "/expect/config", {
        expected: exp.config, actual: config, changes, diff, updatable: !composeFailed,
      });
    }
  }

  for (const [path, expected] of Object.entries(exp.match ?? {})) {
    const pointer = `/expect/match/${escapeToken(path)}`;
    const segments = parseDotPath(path);
    const actual = config === undefined ? undefined : getOwnPath(config, segments);
    if (config === undefined) fail("match", "scenario-match", `expect.match '${path}': ${noConfig}`, pointer, { path, expected });
    else if (actual === undefined) fail("match", "scenario-match", `expect.match '${path}': the config has no value there (expected ${inlineValue(expected)})`, pointer, { path, expected });
    else if (!deepEqual(expected, actual)) fail("match", "scenario-match", `expect.match '${path}': expected ${inlineValue(expected)}, got ${inlineValue(actual)}`, pointer, { path, expected, actual, updatable: !composeFailed });
  }

  (exp.absent ?? []).forEach((path, i) => {
    const actual = config === undefined ? undefined : getOwnPath(config, parseDotPath(path));
    if (actual !== undefined) fail("absent", "scenario-absent", `expect.absent '${path}': the config has ${inlineValue(actual)} there`, `/expect/absent/${i}`, { path, actual });
  });

  if (exp.applied_layers !== undefined) {
    const actual = result.applied_layers;
    if (exp.applied_layers === null) {
      fail("applied_layers", "scenario-not-recorded", "expect.applied_layers is empty: run `strata test --update` to record them, then review them", "/expect/applied_layers", { actual, updatable: !composeFailed });
    } else if (!deepEqual(exp.applied_layers, actual)) {
      fail("applied_layers", "scenario-applied-layers", `expect.applied_layers: ${listDifference(exp.applied_layers, actual)}`, "/expect/applied_layers", {
        expected: exp.applied_layers, actual, updatable: !composeFailed,
      });
    }
  }

  if (exp.warnings !== undefined) {
    const actual = result.warnings.map(problemOf);
    if (exp.warnings === null) {
      fail("warnings", "scenario-not-recorded", "expect.warnings is empty: run `strata test --update` to record them, or write `warnings: []` for none", "/expect/warnings", { actual, updatable: !composeFailed });
    } else {
      const problem = compareProblems(exp.warnings, result.warnings);
      if (problem) fail("warnings", "scenario-warnings", `expect.warnings: ${problem}`, "/expect/warnings", { expected: exp.warnings, actual, updatable: !composeFailed });
    }
  }
  // In file order, as a reader goes through the scenario.
  failures.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return { scenario, passed: failures.length === 0, failures, result };
}

/** `value` with its keys in `model`'s order where `model` has them (key order is not compared, so it must not show). */
function orderLike(value: unknown, model: unknown): unknown {
  if (Array.isArray(value)) return value.map((v, i) => orderLike(v, Array.isArray(model) ? model[i] : undefined));
  if (!isPlainObject(value)) return value;
  const m = isPlainObject(model) ? model : {};
  const keys = [...Object.keys(m).filter((k) => Object.hasOwn(value, k)), ...Object.keys(value).filter((k) => !Object.hasOwn(m, k))];
  const out: Record<string, unknown> = {};
  for (const k of keys) Object.defineProperty(out, k, { value: orderLike(value[k], m[k]), enumerable: true, writable: true, configurable: true });
  return out;
}

/** Run every scenario, one after another, in file order. */
export async function runScenarios(set: LayerSet, scenarios: readonly Scenario[]): Promise<ScenarioResult[]> {
  const out: ScenarioResult[] = [];
  for (const s of scenarios) out.push(await runScenario(set, s));
  return out;
}

/** A context problem (pointer into the context, no file) gets the scenario file's line and column. */
function locateInScenario(i: Issue, scenario: Scenario): Issue {
  if (i.file || i.pointer === undefined) return i;
  const pos = positionOf(scenario.positions, `/context${i.pointer}`, true);
  return { ...i, file: scenario.file, ...(pos ? { line: pos.line, column: pos.column } : {}) };
}

/** A warning or error as scenario files write it: `{code, message, path}`. */
export function problemOf(i: Issue): { code: string; message: string; path?: string } {
  return { code: i.code, message: i.message, ...(i.pointer !== undefined ? { path: pointerToDots(i.pointer) } : {}) };
}

function matchesProblem(e: ProblemExpectation, i: Issue): boolean {
  if (typeof e === "string") return e === i.code;
  const p = problemOf(i);
  return e.code === p.code && (e.message === undefined || e.message === p.message) && (e.path === undefined || e.path === p.path);
}

/**
 * Every expectation must match some actual problem, and every actual problem some expectation
 * (so `[context-invalid]` covers two context-invalid errors). Undefined when they agree.
 */
function compareProblems(expected: readonly ProblemExpectation[], actual: readonly Issue[]): string | undefined {
  const missing = expected.filter((e) => !actual.some((i) => matchesProblem(e, i)));
  const unexpected = actual.filter((i) => !expected.some((e) => matchesProblem(e, i)));
  if (missing.length === 0 && unexpected.length === 0) return undefined;
  const parts: string[] = [];
  if (missing.length) parts.push(`missing ${missing.map((e) => (typeof e === "string" ? e : inlineValue(e))).join(", ")}`);
  if (unexpected.length) parts.push(`unexpected ${unexpected.map((i) => `${i.code} (${i.message})`).join(", ")}`);
  return parts.join("; ");
}

function listDifference(expected: readonly string[], actual: readonly string[]): string {
  const missing = expected.filter((x) => !actual.includes(x));
  const extra = actual.filter((x) => !expected.includes(x));
  const parts: string[] = [];
  if (missing.length) parts.push(`missing ${missing.join(", ")}`);
  if (extra.length) parts.push(`unexpected ${extra.join(", ")}`);
  if (parts.length === 0) parts.push("same layers in a different order");
  return parts.join("; ");
}

// ---- --update: rewrite what can be recorded, keeping the file's comments and key order.

/**
 * The scenario's text with every updatable failed expectation (`config`, `applied_layers`, `warnings`
 * that the file already has, and each `match` value the config has) rewritten from the run; undefined when there is nothing to rewrite.
 * Only the values that changed are replaced: comments, key order and untouched values stay as written.
 */
export function updateScenarioText(run: ScenarioResult): { text: string; updated: Expectation[] } | undefined {
  const todo = run.failures.filter((f) => f.updatable);
  if (todo.length === 0) return undefined;
  const original = run.scenario.text;
  const doc = parseDocument(original, { customTags: [] });
  const updated: Expectation[] = [];
  for (const f of todo) {
    // A match value is rewritten in place, under its own dotted key.
    const path = f.expectation === "match" ? ["expect", "match", f.path!] : ["expect", f.expectation];
    const old = doc.getIn(path, true) as Node | null | undefined;
    let value: unknown;
    if (f.expectation === "config") value = run.result.config;
    else if (f.expectation === "applied_layers") value = run.result.applied_layers;
    else if (f.expectation === "warnings") value = recordWarnings(run.scenario.expect.warnings ?? [], run.result.warnings);
    else if (f.expectation === "match") value = f.actual;
    else continue;
    doc.setIn(path, old && !(isScalar(old) && old.value === null) ? reconcile(doc, old, value) : freshNode(doc, value));
    if (!updated.includes(f.expectation)) updated.push(f.expectation);
  }
  const rendered = doc.toString(RENDER);
  // Splice only the rewritten values into the original text, so that nothing else in the file moves.
  const spliced = spliceValues(original, rendered, updated);
  const reread = spliced === undefined ? undefined : parseDocument(spliced, { customTags: [] });
  const text = spliced !== undefined && reread!.errors.length === 0 && deepEqual(reread!.toJS(), doc.toJS()) ? spliced : rendered;
  return { text, updated };
}

const RENDER = { flowCollectionPadding: false, lineWidth: 100 } as const;

/** YAML as `--update` writes it (short lists on one line), so a snapshot diff reads like the file. */
export function toYaml(value: unknown): string {
  const doc = new Document();
  doc.contents = freshNode(doc, value) as never;
  return doc.toString(RENDER);
}

/** Replace the text of `expect.<key>`'s value in `original` by its text in `rendered`, indentation adjusted. */
function spliceValues(original: string, rendered: string, keys: readonly string[]): string | undefined {
  const spans = (text: string) => {
    const d = parseDocument(text, { customTags: [] });
    const expect = d.get("expect", true);
    const out = new Map<string, { start: number; end: number; column: number }>();
    if (!isMap(expect)) return out;
    for (const p of expect.items) {
      const key = p.key as Node | null;
      if (!key?.range) continue;
      const end = (p.value as Node | null)?.range?.[1] ?? key.range[1];
      const lineStart = text.lastIndexOf("\n", key.range[0] - 1) + 1;
      out.set(keyOf(p), { start: key.range[1], end: Math.max(end, key.range[1]), column: key.range[0] - lineStart });
    }
    return out;
  };
  const before = spans(original), after = spans(rendered);
  const edits: { start: number; end: number; text: string }[] = [];
  for (const k of keys) {
    const a = before.get(k), b = after.get(k);
    if (!a || !b) return undefined;
    const shift = a.column - b.column;
    let piece = rendered.slice(b.start, b.end);
    piece = piece.split("\n").map((line, i) => (i === 0 || line === "" ? line : shift >= 0 ? " ".repeat(shift) + line : line.slice(-shift))).join("\n");
    const oldPiece = original.slice(a.start, a.end);
    if (oldPiece.endsWith("\n") && !piece.endsWith("\n")) piece += "\n";
    if (!oldPiece.endsWith("\n") && piece.endsWith("\n")) piece = piece.slice(0, -1);
    // A comment right after an empty value (`config:  # recorded`) stays on the key's line, apart from what is written.
    let end = a.end;
    if (original[end] === "#") {
      const eol = original.indexOf("\n", end);
      end = eol === -1 ? original.length : eol;
      const nl = piece.indexOf("\n");
      piece = nl === -1 ? `${piece} ${original.slice(a.end, end)}` : `${piece.slice(0, nl)} ${original.slice(a.end, end)}${piece.slice(nl)}`;
    }
    edits.push({ start: a.start, end, text: piece });
  }
  let text = original;
  for (const e of edits.sort((x, y) => y.start - x.start)) text = text.slice(0, e.start) + e.text + text.slice(e.end);
  return text;
}

/** Warnings to record: the existing entries that still match, then the code of each warning none covers. */
function recordWarnings(existing: readonly ProblemExpectation[], actual: readonly Issue[]): ProblemExpectation[] {
  const kept = existing.filter((e) => actual.some((w) => matchesProblem(e, w)));
  const added: string[] = [];
  for (const w of actual) if (!kept.some((e) => matchesProblem(e, w)) && !added.includes(w.code)) added.push(w.code);
  return [...kept, ...added];
}

const keyOf = (p: Pair): string => (isScalar(p.key) ? String(p.key.value) : String(p.key));

/** Make `node` hold `value`, changing only what differs (so comments on untouched entries survive). */
function reconcile(doc: Document, node: Node, value: unknown): Node {
  if (isPlainObject(value) && isMap(node)) {
    const keys = Object.keys(value);
    node.items = node.items.filter((p) => keys.includes(keyOf(p)));
    for (const k of keys) {
      const pair = node.items.find((p) => keyOf(p) === k);
      if (pair) pair.value = reconcile(doc, pair.value as Node, value[k]);
      else node.items.push(doc.createPair(k, freshNode(doc, value[k])));
    }
    return node;
  }
  if (Array.isArray(value) && isSeq(node)) {
    if (deepEqual(node.toJSON(), value)) return node;
    if (value.every((v) => v === null || typeof v !== "object")) {
      const seq = freshNode(doc, value);
      // Keep the list's style while a one-line list still fits on a line.
      if (isSeq(seq)) seq.flow = Boolean(node.flow) && inlineValue(value).length <= 80;
      return keepComments(node, seq);
    }
    node.items = value.map((v, i) => (node.items[i] ? reconcile(doc, node.items[i] as Node, v) : freshNode(doc, v)));
    return node;
  }
  if (isScalar(node) && (value === null || typeof value !== "object") && node.value === value) return node;
  return keepComments(node, freshNode(doc, value));
}

/** A new node; short lists of plain values are written on one line (`[1, 2, 4]`), as people write them. */
function freshNode(doc: Document, value: unknown): Node {
  const node = doc.createNode(value) as Node;
  const style = (n: unknown) => {
    if (isSeq(n)) {
      n.flow = n.items.every((i) => isScalar(i)) && inlineValue(n.toJSON()).length <= 60;
      n.items.forEach(style);
    } else if (isMap(n)) n.items.forEach((p) => style(p.value));
  };
  style(node);
  return node;
}

function keepComments(from: Node, to: Node): Node {
  if (from.commentBefore) to.commentBefore = from.commentBefore;
  if (from.comment) to.comment = from.comment;
  if (from.spaceBefore) to.spaceBefore = from.spaceBefore;
  return to;
}
