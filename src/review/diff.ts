// `strata diff`: what a change to the layers does to every scenario's rendered config.
// Each side (a git revision, or the working tree) gives a layer set and a scenario set; every scenario
// is composed on both sides and compared leaf by leaf, with the head layer (file:line) that set each new value.
import { execFileSync } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { basename, isAbsolute, join, relative, resolve, sep } from "node:path";
import { compose, type ComposeResult } from "../core/compose.js";
import { deepEqual, leafChanges } from "./compare.js";
import type { Issue, Origin } from "../core/issues.js";
import { loadLayerSetFromFiles, readLayerFiles, type LayerSet } from "../core/load.js";
import { loadScenariosFromFiles, problemOf, type Scenario } from "./scenarios.js";
import type { ProjectSchemaTexts } from "../core/schemas.js";
import { findProject, loadProject, readSchemaFile, schemaFromText, PROJECT_HINT, type Project, type Roles } from "../core/project.js";
import { parseSource, type SourceFile } from "../core/source.js";
import type { Trace } from "../core/merge.js";
import { parsePointer, pointerToDots } from "../util/pointer.js";
import { getOwnPath, isPlainObject } from "../util/data.js";
import { appliesIn, unitsOf, type Unit, type UnitKind } from "./coverage.js";

/** Where the project's layers, schemas and scenarios live, relative to the repository root (forward slashes), and its roles. */
export interface DiffPaths {
  layers: string;
  /** The context and output schema files. */
  schemas: { context: string; output: string };
  scenarios: string;
  roles: Roles;
}

/** Everything one side of the diff is made of, as file texts. */
export interface Side {
  /** `abc1234` or `working tree`. */
  label: string;
  /** The revision as given, and the commit it names (absent for the working tree). */
  rev?: string;
  commit?: string;
  layerFiles: SourceFile[];
  schemaTexts: ProjectSchemaTexts;
  scenarioFiles: SourceFile[];
  /** Things the reader should know about this side (e.g. it has no scenarios). */
  notes: string[];
}

export interface PathChange {
  /** Dotted path, e.g. `parameters.tp-size`. */
  path: string;
  pointer: string;
  kind: "added" | "removed" | "changed";
  before?: unknown;
  after?: unknown;
  /** Who set the new value at head (for a removed value: who removed it, when a layer did). */
  origin?: Origin;
  /** For a removed value: who had set it at base. */
  was?: Origin;
}

export interface ScenarioDiff {
  id: string;
  name: string;
  /** Repository path of the scenario file (at head, or at base when removed). */
  file: string;
  status: "changed" | "unchanged" | "added" | "removed";
  /** The scenario's own context differs between the revisions (so not only the layers explain the change). */
  contextChanged: boolean;
  changes: PathChange[];
  nowApplies: string[];
  noLongerApplies: string[];
  /** applied_layers differ only in order. */
  orderChanged: boolean;
  warningsAdded: ProblemLine[];
  warningsRemoved: ProblemLine[];
  errorsAdded: ProblemLine[];
  errorsRemoved: ProblemLine[];
  /** For an added or removed scenario: its applied layers on the side it exists. */
  appliedLayers?: string[];
}

export interface ProblemLine {
  code: string;
  message: string;
  path?: string;
  /** `layers/checks/x.yaml:3` when a layer file is involved. */
  where?: string;
}

export interface LayerFileChange {
  file: string;
  status: "added" | "removed" | "modified";
}

/** A layer, profile, profile layer or check rule whose definition differs, and the scenarios it affects. */
export interface UnitChange {
  /** `layer:docker-defaults`, `profile:production`, `profile:production:production-params`, `check:…`; for a file holding no unit (the stage order, a schema), its path. */
  id: string;
  kind: UnitKind | "file";
  /** The applied-layers entry, the profile's or check's name, or the file. */
  name: string;
  status: "added" | "removed" | "modified";
  /** Repository path and line of its definition (at head; at base when removed). */
  file: string;
  line?: number;
  /** Files of the scenarios that apply it at base or head (a changed file that holds no unit: every scenario). */
  scenarios: string[];
  /** Of those, the scenarios whose result changed. */
  changed: string[];
  /** False when no scenario applies it: the diff cannot show what the change does. */
  covered: boolean;
}

export interface DiffReport {
  base: { label: string; rev?: string; commit?: string };
  head: { label: string; rev?: string; commit?: string };
  paths: DiffPaths;
  scenarios: ScenarioDiff[];
  summary: { total: number; changed: number; unchanged: number; added: number; removed: number; uncovered: number };
  /** Every changed layer, profile, profile layer and check, with the scenarios it affects. */
  units: UnitChange[];
  /** Layer, profile, check and schema files whose text differs. */
  files: LayerFileChange[];
  /** Broken scenario files on either side (they are left out), and notes. */
  issues: Issue[];
  notes: string[];
}

/** A problem the user can fix (bad revision, not a repository, broken layer set): a message, maybe issues. */
export class DiffError extends Error {
  constructor(message: string, readonly issues: Issue[] = []) {
    super(message);
    this.name = "DiffError";
  }
}

// ---- reading a side from git or from the working tree

export interface Repo {
  root: string;
}

function git(repo: string, args: string[], input?: string): Buffer {
  try {
    return execFileSync("git", args, { cwd: repo, input, maxBuffer: 1 << 30, stdio: ["pipe", "pipe", "pipe"] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer; status?: number };
    if (err.code === "ENOENT") throw new DiffError("git is not installed (strata diff reads revisions with git)");
    const stderr = err.stderr?.toString().trim();
    throw new DiffError(`git ${args[0]} failed: ${stderr || err.message}`);
  }
}

/** The repository that holds `cwd`; a clear error when there is none. */
export function openRepo(cwd: string): Repo {
  if (!existsSync(cwd)) throw new DiffError(`no such directory: ${cwd}`);
  let out: string;
  try {
    out = execFileSync("git", ["rev-parse", "--show-toplevel"], { cwd, stdio: ["ignore", "pipe", "pipe"] }).toString().trim();
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === "ENOENT") throw new DiffError("git is not installed (strata diff reads revisions with git)");
    throw new DiffError(`${cwd} is not inside a git repository (strata diff compares revisions of one): ${err.stderr?.toString().trim().split("\n")[0] ?? ""}`.trim());
  }
  return { root: out };
}

/** The commit a revision names, or a clear error. */
export function resolveRevision(repo: Repo, rev: string): string {
  if (rev === "" || rev.startsWith("-")) throw new DiffError(`unknown revision '${rev}'`);
  try {
    return execFileSync("git", ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`], { cwd: repo.root, stdio: ["ignore", "pipe", "pipe"] }).toString().trim();
  } catch {
    throw new DiffError(`unknown revision '${rev}': no commit, branch or tag has that name in ${repo.root}`);
  }
}

/**
 * The project's paths relative to the repository root: the project given, else the one found from `cwd` up;
 * `dirs` (relative to `cwd`) replace its layer directory, schema folder or scenario directory.
 */
export function repoPaths(repo: Repo, cwd: string, dirs: { project?: Project; layers?: string; schemas?: string; scenarios?: string }): DiffPaths {
  // git reports the root with symbolic links resolved: resolve the working directory the same way.
  const here = realpathSync(cwd);
  let project = dirs.project;
  if (!project) {
    const found = findProject(here);
    if (!found) throw new DiffError(`no project file (strata.yaml) in ${cwd} or any folder above it; ${PROJECT_HINT}`);
    project = loadProject(found);
  }
  const errors = project.issues.filter((i) => i.severity === "error" && !(dirs.layers !== undefined && i.pointer === "/layers") && !(dirs.schemas !== undefined && i.pointer?.startsWith("/schemas/")));
  if (errors.length > 0) throw new DiffError(`the project file ${project.file} has ${errors.length} error(s)`, errors);
  const real = (p: string) => (existsSync(p) ? realpathSync(p) : p);
  const rel = (what: string, abs: string, given: string) => {
    const r = relative(repo.root, abs).split(sep).join("/");
    if (r === "" || r.startsWith("..") || isAbsolute(r)) throw new DiffError(`${what} ${given} must be inside the repository ${repo.root}`);
    return r;
  };
  const layers = dirs.layers !== undefined ? rel("--layers", resolve(here, dirs.layers), dirs.layers) : rel("the layer directory", real(project.layersDir), project.layersDir);
  const schema = (which: "context" | "output") =>
    dirs.schemas !== undefined
      ? rel("--schemas", resolve(here, dirs.schemas), dirs.schemas) + "/" + basename(project!.schemas[which])
      : rel(`the ${which} schema`, real(project!.schemas[which]), project!.schemaFiles[which]);
  const scenariosDir = dirs.scenarios !== undefined ? resolve(here, dirs.scenarios) : project.scenariosDir ? real(project.scenariosDir) : undefined;
  if (scenariosDir === undefined) {
    throw new DiffError(`the project (${project.file}) declares no scenarios, and strata diff compares scenarios: add \`scenarios: DIR\` to it, or pass --scenarios DIR`);
  }
  return {
    layers,
    schemas: { context: schema("context"), output: schema("output") },
    scenarios: rel("--scenarios", scenariosDir, dirs.scenarios ?? scenariosDir),
    roles: project.roles,
  };
}

const DATA_FILE = /\.(ya?ml|json)$/i;

/** One side from a commit: every file read from git's object store; the working tree is never touched. */
export function readRevision(repo: Repo, rev: string, paths: DiffPaths): Side {
  const commit = resolveRevision(repo, rev);
  const entries = git(repo.root, ["ls-tree", "-r", "-z", "--full-tree", commit, "--", paths.layers, paths.schemas.context, paths.schemas.output, paths.scenarios])
    .toString("utf8")
    .split("\0")
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf("\t");
      const [mode, type, sha] = line.slice(0, tab).split(" ");
      return { mode, type, sha, path: line.slice(tab + 1) };
    })
    .filter((e) => e.type === "blob" && e.mode !== "120000");
  const texts = catBlobs(repo, entries.map((e) => e.sha));
  const under = (dir: string) =>
    entries
      .filter((e) => e.path.startsWith(dir + "/") && DATA_FILE.test(e.path))
      .map((e) => ({ path: e.path.slice(dir.length + 1), text: texts.get(e.sha) ?? "" }))
      .filter((f) => !f.path.split("/").some((seg) => seg.startsWith(".") || seg === "node_modules"));
  const layerFiles = under(paths.layers);
  const short = commit.slice(0, 7);
  if (layerFiles.length === 0) throw new DiffError(`${rev} (${short}) has no layer files in ${paths.layers}/`);
  const notes: string[] = [];
  const schemaText = (which: "context" | "output") => {
    const path = paths.schemas[which];
    const entry = entries.find((e) => e.path === path);
    if (!entry) throw new DiffError(`${rev} (${short}) has no ${path} (the project's ${which} schema)`);
    const read = schemaFromText(`${short}:${path}`, texts.get(entry.sha) ?? "");
    if (read.text === undefined) throw new DiffError(`the ${which} schema at ${rev} (${short}) is broken`, read.issues);
    return read.text;
  };
  const schemaTexts: ProjectSchemaTexts = { context: schemaText("context"), output: schemaText("output") };
  const scenarioFiles = under(paths.scenarios);
  if (scenarioFiles.length === 0) notes.push(`${short} has no scenarios in ${paths.scenarios}/`);
  return { label: short, rev, commit, layerFiles, schemaTexts, scenarioFiles, notes };
}

/** Blob texts by object id, in one `git cat-file --batch` call. */
function catBlobs(repo: Repo, shas: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const unique = [...new Set(shas)];
  if (unique.length === 0) return out;
  const buf = git(repo.root, ["cat-file", "--batch"], unique.join("\n") + "\n");
  let pos = 0;
  for (const sha of unique) {
    const nl = buf.indexOf(10, pos);
    const header = buf.subarray(pos, nl).toString();
    const [id, type, size] = header.split(" ");
    if (type === "missing" || id !== sha) throw new DiffError(`git cat-file: object ${sha} is missing`);
    const n = Number(size);
    out.set(sha, buf.subarray(nl + 1, nl + 1 + n).toString("utf8"));
    pos = nl + 1 + n + 1;
  }
  return out;
}

/** One side from the files on disk (uncommitted changes included). */
export function readWorkingTree(repo: Repo, paths: DiffPaths): Side {
  const abs = (p: string) => join(repo.root, p);
  if (!existsSync(abs(paths.layers))) throw new DiffError(`the working tree has no layer directory ${paths.layers}/`);
  const notes: string[] = [];
  const schemaText = (which: "context" | "output") => {
    const read = readSchemaFile(abs(paths.schemas[which]), paths.schemas[which]);
    if (read.text === undefined) throw new DiffError(`the working tree's ${which} schema ${paths.schemas[which]} cannot be used`, read.issues);
    return read.text;
  };
  const schemaTexts: ProjectSchemaTexts = { context: schemaText("context"), output: schemaText("output") };
  const scenarioFiles = existsSync(abs(paths.scenarios)) ? readLayerFiles(abs(paths.scenarios)) : [];
  if (scenarioFiles.length === 0) notes.push(`the working tree has no scenarios in ${paths.scenarios}/`);
  return { label: "working tree", layerFiles: readLayerFiles(abs(paths.layers)), schemaTexts, scenarioFiles, notes };
}

// ---- comparing two sides

interface Rendered {
  scenario: Scenario;
  result: ComposeResult;
}

function loadSide(side: Side, paths: DiffPaths, which: "base" | "head"): { set: LayerSet; scenarios: Scenario[]; issues: Issue[] } {
  const set = loadLayerSetFromFiles(side.layerFiles, { schemaTexts: side.schemaTexts, roles: paths.roles, schemaFiles: paths.schemas });
  const errors = set.issues.filter((i) => i.severity === "error");
  if (errors.length > 0) {
    const at = side.commit ? `${side.label}:` : "";
    throw new DiffError(
      `the layer set at ${which} (${side.label}) has ${errors.length} error(s); fix them (see 'strata lint') before diffing`,
      errors.map((i) => ({ ...i, file: i.file ? `${at}${paths.layers}/${i.file}` : i.file })),
    );
  }
  const loaded = loadScenariosFromFiles(side.scenarioFiles, { dir: paths.scenarios });
  const issues = loaded.issues.map((i) => ({ ...i, severity: "warning" as const, message: `${i.message} (at ${which}, ${side.label}; the scenario is left out)`, file: i.file && side.commit ? `${side.label}:${i.file}` : i.file }));
  return { set, scenarios: loaded.scenarios, issues };
}

async function render(set: LayerSet, scenarios: Scenario[]): Promise<Map<string, Rendered>> {
  const out = new Map<string, Rendered>();
  for (const scenario of scenarios) out.set(scenario.id, { scenario, result: await compose(set, scenario.context) });
  return out;
}

/** Compose every scenario of both sides and compare. */
export async function diffSides(base: Side, head: Side, paths: DiffPaths): Promise<DiffReport> {
  const b = loadSide(base, paths, "base");
  const h = loadSide(head, paths, "head");
  const before = await render(b.set, b.scenarios);
  const after = await render(h.set, h.scenarios);
  const withDir = (o: Origin | undefined): Origin | undefined => (o && o.file ? { ...o, file: `${paths.layers}/${o.file}` } : o);

  const ids = [...new Set([...before.keys(), ...after.keys()])].sort();
  const scenarios: ScenarioDiff[] = ids.map((id) => {
    const x = before.get(id), y = after.get(id);
    const empty = { changes: [], nowApplies: [], noLongerApplies: [], orderChanged: false, warningsAdded: [], warningsRemoved: [], errorsAdded: [], errorsRemoved: [], contextChanged: false };
    if (!x) return { id, name: y!.scenario.name, file: y!.scenario.file, status: "added", ...empty, appliedLayers: y!.result.applied_layers };
    if (!y) return { id, name: x.scenario.name, file: x.scenario.file, status: "removed", ...empty, appliedLayers: x.result.applied_layers };
    const changes: PathChange[] = leafChanges(x.result.config ?? {}, y.result.config ?? {}).map((c) => {
      const change: PathChange = { path: pointerToDots(c.pointer) || "(whole config)", pointer: c.pointer, kind: c.kind, before: c.before, after: c.after };
      if (c.kind === "removed") {
        const by = removedBy(y.result.trace, c.pointer);
        if (by) change.origin = withDir(by);
        change.was = withDir(x.result.provenance[c.pointer]);
      } else change.origin = withDir(y.result.provenance[c.pointer]);
      return change;
    });
    const la = x.result.applied_layers, lb = y.result.applied_layers;
    const nowApplies = lb.filter((l) => !la.includes(l));
    const noLongerApplies = la.filter((l) => !lb.includes(l));
    const orderChanged = nowApplies.length === 0 && noLongerApplies.length === 0 && !deepEqual(la, lb);
    const [warningsAdded, warningsRemoved] = problemDelta(x.result.warnings, y.result.warnings, paths);
    const [errorsAdded, errorsRemoved] = problemDelta(x.result.errors, y.result.errors, paths);
    const changed = changes.length + nowApplies.length + noLongerApplies.length + warningsAdded.length + warningsRemoved.length + errorsAdded.length + errorsRemoved.length > 0 || orderChanged;
    return {
      id, name: y.scenario.name, file: y.scenario.file, status: changed ? "changed" : "unchanged",
      contextChanged: !deepEqual(x.scenario.context, y.scenario.context),
      changes, nowApplies, noLongerApplies, orderChanged, warningsAdded, warningsRemoved, errorsAdded, errorsRemoved,
    };
  });
  const count = (s: ScenarioDiff["status"]) => scenarios.filter((d) => d.status === s).length;
  const files = fileChanges(base, head, paths);
  const units = unitChanges({ side: base, set: b.set, rendered: before }, { side: head, set: h.set, rendered: after }, paths, files, scenarios);
  return {
    base: { label: base.label, rev: base.rev, commit: base.commit },
    head: { label: head.label, rev: head.rev, commit: head.commit },
    paths,
    scenarios,
    summary: { total: scenarios.length, changed: count("changed"), unchanged: count("unchanged"), added: count("added"), removed: count("removed"), uncovered: units.filter((u) => !u.covered).length },
    units,
    files,
    issues: [...b.issues, ...h.issues],
    notes: [...base.notes.map((n) => `base: ${n}`), ...head.notes.map((n) => `head: ${n}`)],
  };
}

/** Who removed the value at `pointer`: the latest delete there or above, or a replace above that left it out. */
function removedBy(trace: Trace, pointer: string): Origin | undefined {
  let best: { seq: number; origin: Origin } | undefined;
  let p = pointer;
  for (;;) {
    const list = trace.writes.get(p) ?? [];
    for (const w of list) {
      const counts = w.op === "delete" || (p !== pointer && (w.op === "replace" || w.op === "set"));
      if (counts && (!best || w.seq > best.seq)) best = { seq: w.seq, origin: w.origin };
    }
    if (p === "") break;
    p = p.slice(0, p.lastIndexOf("/"));
  }
  return best?.origin;
}

function problemDelta(before: Issue[], after: Issue[], paths: DiffPaths): [ProblemLine[], ProblemLine[]] {
  const line = (i: Issue): ProblemLine => {
    const p = problemOf(i);
    const where = i.file && i.line !== undefined && !i.file.startsWith(paths.scenarios) ? `${paths.layers}/${i.file}:${i.line}` : undefined;
    return { ...p, ...(where ? { where } : {}) };
  };
  const key = (i: Issue) => `${i.code}\0${i.message}\0${i.pointer ?? ""}`;
  const kb = new Set(before.map(key)), ka = new Set(after.map(key));
  return [after.filter((i) => !kb.has(key(i))).map(line), before.filter((i) => !ka.has(key(i))).map(line)];
}

function fileChanges(base: Side, head: Side, paths: DiffPaths): LayerFileChange[] {
  const out: LayerFileChange[] = [];
  const compare = (a: Map<string, string>, b: Map<string, string>) => {
    for (const [f, t] of b) if (!a.has(f)) out.push({ file: f, status: "added" });
      else if (a.get(f) !== t) out.push({ file: f, status: "modified" });
    for (const f of a.keys()) if (!b.has(f)) out.push({ file: f, status: "removed" });
  };
  const layers = (s: Side) => new Map(s.layerFiles.map((f) => [`${paths.layers}/${f.path}`, f.text]));
  const schemas = (s: Side) => new Map((["context", "output"] as const).map((k) => [paths.schemas[k], s.schemaTexts[k]]));
  compare(layers(base), layers(head));
  compare(schemas(base), schemas(head));
  return out.sort((x, y) => (x.file < y.file ? -1 : 1));
}

/** Each unit of a side with a fingerprint of its definition as parsed (comments and layout do not count). */
function fingerprints(side: Side, set: LayerSet): Map<string, { unit: Unit; print: string }> {
  const docs = new Map<string, unknown>();
  for (const f of side.layerFiles) {
    const parsed = parseSource(f);
    if (parsed.source) docs.set(f.path, parsed.source.data);
  }
  const out = new Map<string, { unit: Unit; print: string }>();
  for (const unit of unitsOf(set)) {
    let node = getOwnPath(docs.get(unit.file), parsePointer(unit.pointer));
    // Parts that are units of their own (a profile's layers, a table's rows) do not change this one.
    for (const omit of unit.omit ?? []) node = without(node, parsePointer(omit));
    out.set(unit.id, { unit, print: JSON.stringify(node) ?? "" });
  }
  return out;
}

/** A copy of `node` without the value at `path`. */
function without(node: unknown, path: string[]): unknown {
  if (path.length === 0 || !isPlainObject(node) || !Object.hasOwn(node, path[0])) return node;
  const [head, ...rest] = path;
  const copy = { ...node };
  if (rest.length === 0) delete copy[head];
  else copy[head] = without(node[head], rest);
  return copy;
}

interface SideRun {
  side: Side;
  set: LayerSet;
  rendered: Map<string, Rendered>;
}

/**
 * The units whose definition differs, each with the scenarios that apply it on either side; a changed file that
 * holds no unit (the stage order, a schema) affects every scenario.
 */
function unitChanges(base: SideRun, head: SideRun, paths: DiffPaths, files: LayerFileChange[], scenarios: ScenarioDiff[]): UnitChange[] {
  const b = fingerprints(base.side, base.set), h = fingerprints(head.side, head.set);
  const changedScenarios = new Set(scenarios.filter((s) => s.status === "changed").map((s) => s.id));
  const fileOf = (id: string) => scenarios.find((s) => s.id === id)!.file;
  const applying = (run: SideRun, unit: Unit | undefined) =>
    unit ? [...run.rendered.entries()].filter(([, r]) => appliesIn(unit, r.result, paths.roles)).map(([id]) => id) : [];
  const out: UnitChange[] = [];
  for (const id of new Set([...b.keys(), ...h.keys()])) {
    const x = b.get(id), y = h.get(id);
    if (x && y && x.print === y.print) continue;
    const unit = (y ?? x)!.unit;
    const ids = [...new Set([...applying(base, x?.unit), ...applying(head, y?.unit)])].sort();
    out.push({
      id, kind: unit.kind, name: unit.name, status: !x ? "added" : !y ? "removed" : "modified",
      file: `${paths.layers}/${unit.file}`, ...(unit.line !== undefined ? { line: unit.line } : {}),
      scenarios: ids.map(fileOf), changed: ids.filter((s) => changedScenarios.has(s)).map(fileOf), covered: ids.length > 0,
    });
  }
  const unitFiles = new Set([...b.values(), ...h.values()].map((u) => `${paths.layers}/${u.unit.file}`));
  const all = scenarios;
  for (const f of files) {
    if (unitFiles.has(f.file)) continue;
    out.push({
      id: f.file, kind: "file", name: f.file, status: f.status, file: f.file,
      scenarios: all.map((s) => s.file), changed: all.filter((s) => s.status === "changed").map((s) => s.file), covered: all.length > 0,
    });
  }
  // In file order, so that a reader can follow the changes file by file.
  return out.sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : (x.line ?? 0) - (y.line ?? 0)));
}

/** Any rendered result differs (what `--exit-code` reports, with changes no scenario covers). */
export const hasChanges = (r: DiffReport): boolean => r.summary.changed > 0;

/** A change no scenario applies: the report cannot show what it does. */
export const hasUncovered = (r: DiffReport): boolean => r.summary.uncovered > 0;
