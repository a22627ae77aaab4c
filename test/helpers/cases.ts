// Table-driven compose cases: reading test/cases/**/*.yaml and checking a compose result against a case.
// The same check runs on the library's ComposeResult and on `strata compose --json` output.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { parse } from "yaml";
import { expect } from "vitest";
import { CASES_DIR } from "./paths.js";
import { lookup, toPointer } from "./data.js";

/** What a case expects. Left out: `errors` and `warnings` mean "none"; `ok` means "no errors". */
export interface Expectation {
  ok?: boolean;
  /** The whole config, exactly. `null`: no config at all (composition stopped). */
  config?: Record<string, unknown> | null;
  /** Dotted path (or JSON Pointer) → exact value. */
  match?: Record<string, unknown>;
  /** Paths that must not exist in the config. */
  absent?: string[];
  applied_layers?: string[];
  /** The skipped layers' entries in order; an object matches a skipped record partly (e.g. its `read`). */
  skipped?: (string | Record<string, unknown>)[];
  /** In order; a string is a code or the exact message, an object matches partly. */
  warnings?: (string | Record<string, unknown>)[];
  /** In order; a string is a code, an object matches partly (`code`, `pointer`, `file`, `line`, `origin`, …). */
  errors?: (string | Record<string, unknown>)[];
  /** Path → `"<source>"`, `"<source> <file>:<line>"` or a partial Origin. */
  provenance?: Record<string, string | Record<string, unknown>>;
}

export interface Case {
  name: string;
  /** Fixture layer folder under test/fixtures/; the shipped layers/ when left out. */
  layers?: string;
  context: unknown;
  strict?: boolean;
  expect: Expectation;
  /** Case file, relative to test/cases. */
  file: string;
}

/** The parts of a compose result a case looks at (the library result and the CLI's JSON both have them). */
export interface ResultView {
  ok: boolean;
  config?: Record<string, unknown> | null;
  applied_layers: string[];
  skipped_layers: Record<string, unknown>[];
  warnings: Record<string, unknown>[];
  errors: Record<string, unknown>[];
  provenance: Record<string, Record<string, unknown>>;
}

const CASE_KEYS = new Set(["name", "layers", "context", "strict", "expect"]);
const FILE_KEYS = new Set(["layers", "cases"]);
const EXPECT_KEYS = new Set(["ok", "config", "match", "absent", "applied_layers", "skipped", "warnings", "errors", "provenance"]);

function caseFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...caseFiles(full));
    else if (/\.ya?ml$/.test(name)) out.push(full);
  }
  return out;
}

/**
 * Every case, grouped by file. Case files are checked strictly: an unknown key (a misspelt expectation)
 * throws, so a case can never pass because it asserts nothing.
 */
export function loadCases(dir = CASES_DIR): Map<string, Case[]> {
  const byFile = new Map<string, Case[]>();
  const names = new Set<string>();
  for (const full of caseFiles(dir)) {
    const file = relative(dir, full).split(sep).join("/");
    const doc = parse(readFileSync(full, "utf8"), { uniqueKeys: true }) as Record<string, unknown>;
    const fail = (msg: string): never => {
      throw new Error(`test/cases/${file}: ${msg}`);
    };
    if (!doc || typeof doc !== "object" || !Array.isArray(doc.cases)) fail("expected a mapping with a `cases:` list");
    for (const k of Object.keys(doc)) if (!FILE_KEYS.has(k)) fail(`unknown key '${k}' (known: ${[...FILE_KEYS].join(", ")})`);
    const cases: Case[] = (doc.cases as Record<string, unknown>[]).map((c, i) => {
      const where = `case ${i + 1}${typeof c?.name === "string" ? ` '${c.name}'` : ""}`;
      if (!c || typeof c !== "object") fail(`${where}: not a mapping`);
      for (const k of Object.keys(c)) if (!CASE_KEYS.has(k)) fail(`${where}: unknown key '${k}' (known: ${[...CASE_KEYS].join(", ")})`);
      if (typeof c.name !== "string" || c.name === "") fail(`${where}: needs a name`);
      if (names.has(c.name as string)) fail(`${where}: the name is used twice`);
      names.add(c.name as string);
      if (!("context" in c)) fail(`${where}: needs a context`);
      const e = c.expect as Record<string, unknown> | undefined;
      if (!e || typeof e !== "object") fail(`${where}: needs an expect mapping`);
      for (const k of Object.keys(e!)) if (!EXPECT_KEYS.has(k)) fail(`${where}: unknown expectation '${k}' (known: ${[...EXPECT_KEYS].join(", ")})`);
      return {
        name: c.name as string,
        layers: (c.layers as string | undefined) ?? (doc.layers as string | undefined),
        context: c.context,
        strict: c.strict === true,
        expect: e as Expectation,
        file,
      };
    });
    byFile.set(file, cases);
  }
  return byFile;
}

function describeOrigin(o: Record<string, unknown> | undefined): string {
  if (!o) return "(no origin)";
  return o.file ? `${o.source} ${o.file}:${o.line}` : String(o.source);
}

/** An issue matches a string by code (or, for warnings, by exact message), an object by its listed fields. */
function issueMatches(actual: Record<string, unknown>, wanted: string | Record<string, unknown>, byMessage: boolean): boolean {
  if (typeof wanted === "string") return actual.code === wanted || (byMessage && actual.message === wanted);
  try {
    expect(actual).toMatchObject(wanted);
    return true;
  } catch {
    return false;
  }
}

function checkIssues(kind: "errors" | "warnings", actual: Record<string, unknown>[], wanted: (string | Record<string, unknown>)[]): void {
  const show = (list: unknown[]) => JSON.stringify(list, null, 1);
  const summary = actual.map((i) => ({ code: i.code, message: i.message, pointer: i.pointer, file: i.file, line: i.line, column: i.column, origin: i.origin }));
  expect(actual.length, `${kind}: expected ${show(wanted)}\n got ${show(summary)}`).toBe(wanted.length);
  wanted.forEach((w, i) => {
    expect(issueMatches(actual[i], w, kind === "warnings"), `${kind}[${i}]: expected ${show([w])}\n got ${show([summary[i]])}`).toBe(true);
  });
}

/** Assert every expectation of a case against a result. */
export function checkCase(c: Case, r: ResultView): void {
  const e = c.expect;
  checkIssues("errors", r.errors, e.errors ?? []);
  checkIssues("warnings", r.warnings, e.warnings ?? []);
  expect(r.ok, "ok").toBe(e.ok ?? (e.errors ?? []).length === 0);
  if (e.config !== undefined) expect(r.config ?? null, "config").toEqual(e.config);
  for (const [path, value] of Object.entries(e.match ?? {})) {
    const got = lookup(r.config, path);
    expect(got.found, `config has ${path}`).toBe(true);
    expect(got.value, `config ${path}`).toEqual(value);
  }
  for (const path of e.absent ?? []) {
    const got = lookup(r.config, path);
    expect(got.found, `config must not have ${path} (it is ${JSON.stringify(got.value)})`).toBe(false);
  }
  if (e.applied_layers) expect(r.applied_layers, "applied_layers").toEqual(e.applied_layers);
  if (e.skipped) {
    expect(r.skipped_layers.map((s) => s.layer), "skipped layers").toEqual(e.skipped.map((s) => (typeof s === "string" ? s : s.layer)));
    e.skipped.forEach((s, i) => {
      if (typeof s !== "string") expect(r.skipped_layers[i], `skipped[${i}]`).toMatchObject(s);
    });
  }
  for (const [path, wanted] of Object.entries(e.provenance ?? {})) {
    const origin = r.provenance[toPointer(path)];
    if (typeof wanted === "string") expect(describeOrigin(origin), `provenance of ${path}`).toBe(wanted);
    else expect(origin, `provenance of ${path}`).toMatchObject(wanted);
  }
}
