// Load a layer set: every file parsed with positions, checked against schemas/layer.schema.json,
// conditions and expressions compiled once. Problems come back as issues with file, line and column.
import { basename, extname } from "node:path";
import { FileReadError, readRegularFile, walkDir } from "./dir-walk.js";
import { issue, warning, hasErrors, sortIssues, type Issue, type Position } from "./issues.js";
import { positionOf, valuePosition, SOURCE_LIMITS, type LineCol, type SourceFile } from "./source.js";
import { parseSource } from "./source-cache.js";
import { checkLogic, describeLogic } from "../lang/condition.js";
import { compileTemplate, templateExpressions, type Template, type TemplateProblem } from "./template.js";
import { ReferenceChecker, namePosition } from "./references.js";
import { layerValueIssues } from "./layer-values.js";
import { compileSchemas, compileValidators, hashTexts, withLayerSchema, type ProjectSchemaTexts, type SchemaSet, type SchemaTexts } from "./schemas.js";
import { findProject, loadProject, PROJECT_HINT, type Project, type Roles } from "./project.js";
import { findForbiddenKeys, getOwnPath, hasOwn, isPlainObject } from "../util/data.js";
import { errorPointer, errorMessage, usefulErrors } from "../lang/json-schema.js";
import { escapeToken, parseDotPath, parsePointer, type Path } from "../util/pointer.js";

export type StageSource = "layers" | "profiles" | "overrides";

export interface Layer {
  name: string;
  stage: string;
  description?: string;
  order: number;
  /** The name reported in `applied_layers`: the layer name, or `profile:<profile>:<layer>`. */
  entry: string;
  profile?: string;
  file: string;
  line: number;
  column: number;
  when?: unknown;
  /** The condition in words (`base_runtime == "vllm"`), worked out once at load. */
  whenText?: string;
  template: Template;
  /** Pointer of `data` inside the file, e.g. `/data` or `/layers/0/data`. */
  dataPointer: string;
  positions: Map<string, LineCol>;
  /** A lookup table instead of `data`: the row whose key is the context field's value is the layer's data. */
  table?: LayerTable;
}

export interface LayerTable {
  /** The context field (a dotted path) whose value picks the row. */
  key: string;
  rows: Map<string, TableRow>;
}

export interface TableRow {
  key: string;
  template: Template;
  /** Pointer of the row inside the file: `/table/rows/H100`. */
  dataPointer: string;
  line: number;
  column: number;
}

/** What a layer can write: its `data`, or each row of its table. */
export function layerParts(layer: Layer): { template: Template; dataPointer: string; row?: string }[] {
  if (!layer.table) return [{ template: layer.template, dataPointer: layer.dataPointer }];
  return [...layer.table.rows.values()].map((r) => ({ template: r.template, dataPointer: r.dataPointer, row: r.key }));
}

/**
 * The row a context picks in a table layer: the one whose key is the field's value (a text, number or boolean,
 * as text). Undefined when the field is unset or has no row: the layer then sets nothing.
 */
export function tableRow(layer: Layer, context: object): TableRow | undefined {
  if (!layer.table) return undefined;
  const value = getOwnPath(context, parseDotPath(layer.table.key));
  if (value === null || value === undefined || typeof value === "object") return undefined;
  return layer.table.rows.get(String(value));
}

export interface Profile {
  name: string;
  title: string;
  description: string;
  file: string;
  line: number;
  layers: Layer[];
}

export interface CheckRule {
  name: string;
  description?: string;
  severity: "warning" | "error";
  when: unknown;
  message: string;
  path?: string;
  file: string;
  line: number;
  column: number;
}

export interface Stage {
  name: string;
  description?: string;
  source: StageSource;
  /** Layers of a `layers` stage in application order: by `order`, then file path. */
  layers: Layer[];
}

export interface LayerSet {
  stages: Stage[];
  /** The context fields that play the engine's roles (the project's \`roles\`). */
  roles: Roles;
  profiles: Map<string, Profile>;
  checks: CheckRule[];
  schemas: SchemaSet;
  /** Content hash of every layer file and schema: two sets with the same hash compose the same way. */
  hash: string;
  /** Problems found while loading; any error makes the set unusable. */
  issues: Issue[];
  files: string[];
}

/**
 * What a layer set is loaded with besides its files: the project's schemas and roles. Without `schemaTexts` and
 * `roles`, they come from `project`, else from the project found from the working directory up (as the CLI
 * finds it); no project there is the error `project-not-found`, never another project's files.
 */
export interface LoadOptions {
  project?: Project;
  /** A directory holding the project's two schema files under the names the project file gives them. */
  schemasDir?: string;
  /** The context and output schema texts (strata's layer schema is always the package's own). */
  schemaTexts?: ProjectSchemaTexts;
  roles?: Roles;
  /** The schema files' names, for issues about them (with `schemaTexts`). */
  schemaFiles?: { context: string; output: string };
}

const LAYER_FILE = /\.(ya?ml|json)$/i;

/**
 * Read every layer file under `dir` (YAML or JSON, any depth, dot-folders skipped) through the one bounded
 * walk (src/dir-walk.ts). A file that cannot be read safely — not a regular file, over the size limit, a link
 * loop — comes back as a file with `unreadable` set, which loading reports as an issue at its path.
 */
export function readLayerFiles(dir: string): SourceFile[] {
  const walk = walkDir(dir, (name) => LAYER_FILE.test(name));
  const out: SourceFile[] = walk.problems.map((p) => ({ path: p.path, text: "", unreadable: { code: p.code, message: p.message } }));
  for (const f of walk.files) {
    if (f.size > SOURCE_LIMITS.maxBytes) {
      out.push({ path: f.path, text: "", unreadable: { code: "file-too-large", message: `file is larger than ${SOURCE_LIMITS.maxBytes} bytes` } });
      continue;
    }
    try {
      out.push({ path: f.path, text: readRegularFile(f.full, SOURCE_LIMITS.maxBytes) });
    } catch (e) {
      if (!(e instanceof FileReadError)) throw e;
      out.push({ path: f.path, text: "", unreadable: { code: e.code, message: e.message, ...e.at } });
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Load a project's layer set: `loadLayerSet(project)`, or `loadLayerSet(dir, options)` for the layers in `dir`
 * with the schemas and roles of `options.project` (default: the project found from the working directory up).
 * Without arguments: the layers of the working directory's project.
 */
export function loadLayerSet(from?: string | Project, options: LoadOptions = {}): LayerSet {
  return loadLayerSetWithRecipe(from, options).set;
}

/** What a layer set was loaded from, in memory: `loadLayerSetFromFiles(recipe.files, recipe.options)` loads it again. */
export interface LayerSetRecipe {
  files: SourceFile[];
  options: Pick<LoadOptions, "schemaTexts" | "roles" | "schemaFiles">;
}

/** `loadLayerSet`, and what the set was loaded from (when its files could be read): for loading the same set in another process. */
export function loadLayerSetWithRecipe(from?: string | Project, options: LoadOptions = {}): { set: LayerSet; recipe?: LayerSetRecipe } {
  const given = typeof from === "object" ? from : options.project;
  const sources = resolveSources({ ...options, project: given }, typeof from === "string" ? from : undefined);
  if (hasErrors(sources.issues)) return { set: emptySet(sources.texts, sources.roles, sources.issues) };
  let files: SourceFile[];
  try {
    files = readLayerFiles(sources.layersDir!);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "ENOENT" ? "no such directory" : err.code === "ENOTDIR" ? "not a directory" : err.message;
    return { set: emptySet(sources.texts, sources.roles, [...sources.issues, issue("layers-unreadable", `cannot read layer directory ${sources.layersDir}: ${why}`, { file: sources.layersDir })]) };
  }
  const recipe: LayerSetRecipe = { files, options: { schemaTexts: sources.texts, roles: sources.roles, schemaFiles: sources.schemaFiles } };
  const set = loadLayerSetFromFiles(files, recipe.options);
  if (sources.issues.length > 0) set.issues = sortIssues([...sources.issues, ...set.issues]);
  return { set, recipe };
}

interface Sources {
  layersDir?: string;
  texts?: ProjectSchemaTexts;
  roles: Roles;
  /** The schema files as the project names them, for issues. */
  schemaFiles?: { context: string; output: string };
  /** The project's own problems (its file, its schemas). */
  issues: Issue[];
}

/** Where the layers, schemas and roles come from: the options, else the project (given or found). */
function resolveSources(options: LoadOptions, layersDir: string | undefined, needsLayers = true): Sources {
  if (options.schemaTexts && options.roles && (layersDir !== undefined || !needsLayers)) {
    return { layersDir, texts: options.schemaTexts, roles: options.roles, schemaFiles: options.schemaFiles, issues: [] };
  }
  let project = options.project;
  const overrides = { layers: layersDir, schemasDir: options.schemasDir };
  if (!project) {
    const found = findProject(process.cwd());
    if (!found) {
      const message = `no project file (strata.yaml) in ${process.cwd()} or any folder above it: pass the project (loadProject) or the schemas and roles; ${PROJECT_HINT}`;
      return { layersDir, roles: options.roles ?? {}, texts: options.schemaTexts, issues: [issue("project-not-found", message)] };
    }
    project = loadProject(found, overrides);
  } else if (options.schemasDir !== undefined || (layersDir !== undefined && layersDir !== project.layersDir)) {
    project = loadProject(project.file, overrides);
  }
  // Files given in memory need no layer folder on disk.
  const issues = needsLayers ? project.issues : project.issues.filter((i) => i.pointer !== "/layers");
  return {
    layersDir: project.layersDir, texts: options.schemaTexts ?? project.schemaTexts, roles: options.roles ?? project.roles,
    schemaFiles: options.schemaTexts ? undefined : project.schemaFiles, issues,
  };
}

function emptySet(texts: ProjectSchemaTexts | undefined, roles: Roles, issues: Issue[]): LayerSet {
  // An unusable set composes nothing; its schemas only have to exist (the project's when they load).
  let schemas: SchemaSet;
  try {
    schemas = compileSchemas(withLayerSchema(texts ?? { context: "{}", output: "{}" }));
  } catch {
    schemas = compileSchemas(withLayerSchema({ context: "{}", output: "{}" }));
  }
  return { stages: [], roles, profiles: new Map(), checks: [], schemas, hash: "", issues: sortIssues(issues), files: [] };
}

/** Load a layer set from file texts (paths relative to the layer directory); schemas and roles as in LoadOptions. */
export function loadLayerSetFromFiles(files: readonly SourceFile[], options: LoadOptions = {}): LayerSet {
  const sources = resolveSources(options, undefined, false);
  if (hasErrors(sources.issues) || !sources.texts) return emptySet(sources.texts, sources.roles, sources.issues);
  const roles = sources.roles;
  const texts = withLayerSchema(sources.texts);
  const compiled = compileProjectSchemas(texts, sources.schemaFiles);
  if (!compiled.schemas) return emptySet(undefined, roles, [...sources.issues, ...compiled.issues]);
  const schemas = compiled.schemas;
  const issues: Issue[] = [...sources.issues];
  const references = new ReferenceChecker(schemas.json.context, schemas.json.output);
  const layers: Layer[] = [];
  const profiles = new Map<string, Profile>();
  const checks: CheckRule[] = [];
  let stageDefs: { def: { name: string; description?: string; source?: StageSource }[]; file: string; at: (pointer: string, preferValue?: boolean) => Position } | undefined;

  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const file of sorted) {
    const parsed = parseSource(file);
    issues.push(...parsed.issues);
    if (!parsed.source) continue;
    const { data, positions } = parsed.source;
    const at = (pointer: string, preferValue = false) => ({ file: file.path, ...(positionOf(positions, pointer, preferValue) ?? { line: 1, column: 1 }) });

    if (data === null || typeof data !== "object" || Array.isArray(data)) {
      issues.push(issue("layer-schema", "a layer file must be a mapping (name, stage, data, …)", at("")));
      continue;
    }
    const doc = data as Record<string, unknown>;
    const kind = "profile" in doc ? "profile" : "check" in doc ? "check" : "stages" in doc ? "stages" : "layer";
    const validate = schemas.layerFile[kind];
    if (!validate(doc)) {
      for (const e of usefulErrors(validate.errors)) {
        const pointer = errorPointer(e);
        issues.push(issue("layer-schema", errorMessage(e, `the ${kind} file`), { ...at(pointer, e.keyword !== "additionalProperties"), pointer, keyword: e.keyword }));
      }
      continue;
    }
    for (const pointer of findForbiddenKeys(doc)) {
      issues.push(issue("forbidden-key", `key '${pointer.split("/").pop()}' is not allowed: it could reach an object's prototype`, { ...at(pointer), pointer }));
    }
    const checkCondition = (rule: unknown, pointer: string, layer: string, who = `layer '${layer}'`) => {
      const problems = checkLogic(rule, pointer);
      for (const p of problems) issues.push(issue(p.code, p.message, { ...at(p.pointer), pointer: p.pointer, layer }));
      // What it reads must exist (a condition that does not compile is reported once, above).
      if (problems.length === 0) issues.push(...references.checkLogic(rule as never, pointer, (ptr) => at(ptr, true), who, layer));
    };
    const compileData = (value: unknown, pointer: string, layer: string): Template => {
      const problems: TemplateProblem[] = [];
      // The schema lets `data` be a string only so editors accept `data: !expr …`; a bare string is a mistake.
      if (typeof value === "string") {
        issues.push(issue("layer-schema", "data must be a mapping, or one expression written `data: !expr …`", { ...at(pointer, true), pointer, layer }));
      }
      const template = compileTemplate(value, "", problems);
      issues.push(...layerValueIssues(template, schemas, pointer, at, layer));
      // A layer patches the config; it cannot delete it or make it a list.
      if (isPlainObject(value)) {
        const directive = value.$patch === "delete" ? "$patch" : ["$append", "$prepend"].find((k) => hasOwn(value, k));
        if (directive) issues.push(issue("config-not-object", `data cannot ${directive === "$patch" ? "delete the whole config" : `${directive.slice(1)} to the whole config`}: the config is always an object (patch fields inside it instead)`, { ...at(`${pointer}/${directive}`), pointer: `${pointer}/${directive}`, layer }));
      }
      for (const e of templateExpressions(template)) {
        const exprPointer = pointer + e.pointer;
        const start = at(positions.has(exprPointer + "/$expr") ? exprPointer + "/$expr" : exprPointer, true);
        const where = (offset: number, name: string) => ({ file: file.path, ...namePosition(file.text, start, e.source, offset, name) });
        issues.push(...references.checkExpression(e.source, e.ast(), where, `layer '${layer}'`, layer, exprPointer));
      }
      for (const p of problems) {
        const full = pointer + p.pointer;
        const where = at(full.endsWith("/$expr") ? full : full + (positions.has(full + "/$expr") ? "/$expr" : ""), true);
        issues.push(issue(p.code, p.message, { ...where, ...exprPosition(file.text, where, getOwnPath(value, parsePointer(p.pointer)), p.offset), pointer: full, layer }));
      }
      return template;
    };
    const base = basename(file.path, extname(file.path));

    if (kind === "stages") {
      if (stageDefs) issues.push(issue("duplicate-stages", `stage order is already defined in ${stageDefs.file}`, at("")));
      else stageDefs = { def: doc.stages as never, file: file.path, at };
    } else if (kind === "check") {
      checkCondition(doc.when, "/when", doc.check as string, `check '${doc.check as string}'`);
      const pathProblem = typeof doc.path === "string" ? references.checkPath(doc.path, `check '${doc.check as string}'`) : undefined;
      if (pathProblem) issues.push({ ...pathProblem, ...at("/path", true), layer: doc.check as string, pointer: "/path" });
      if (checks.some((c) => c.name === doc.check)) issues.push(issue("duplicate-name", `check '${doc.check}' is defined twice (also in ${checks.find((c) => c.name === doc.check)!.file})`, at("/check", true)));
      checks.push({ ...(doc as never as CheckRule), name: doc.check as string, ...at("/check") });
    } else if (kind === "profile") {
      const name = doc.profile as string;
      if (roles.profiles === undefined) {
        issues.push(issue("role-missing", `profile '${name}': the project declares no profiles role, so no profile can apply; add \`roles: {profiles: <context field>}\` to the project file, or remove this file`, at("/profile", true)));
      }
      if (name !== base) issues.push(warning("name-mismatch", `profile '${name}' is in a file named '${basename(file.path)}'; name the file ${name}${extname(file.path)}`, at("/profile", true)));
      const existing = profiles.get(name);
      if (existing) {
        issues.push(issue("duplicate-name", `profile '${name}' is defined twice (also in ${existing.file})`, at("/profile", true)));
        issues.push(issue("duplicate-name", `profile '${name}' is defined twice (also in ${file.path})`, { file: existing.file, line: existing.line, column: 1 }));
        continue;
      }
      const profileLayers: Layer[] = [];
      (doc.layers as Record<string, unknown>[]).forEach((l, i) => {
        const ptr = `/layers/${i}`;
        const lname = l.name as string;
        if (profileLayers.some((p) => p.name === lname)) issues.push(issue("duplicate-name", `layer '${lname}' appears twice in profile '${name}'`, at(`${ptr}/name`, true)));
        if (l.when !== undefined) checkCondition(l.when, `${ptr}/when`, lname);
        profileLayers.push({
          name: lname, stage: "profiles", description: l.description as string | undefined, order: i,
          entry: `profile:${name}:${lname}`, profile: name, ...at(ptr),
          when: l.when, whenText: l.when === undefined ? undefined : describeLogic(l.when), template: compileData(l.data, `${ptr}/data`, lname), dataPointer: `${ptr}/data`, positions,
        });
      });
      profiles.set(name, { name, title: doc.title as string, description: doc.description as string, file: file.path, line: at("").line, layers: profileLayers });
    } else {
      const name = doc.name as string;
      if (name !== base) issues.push(warning("name-mismatch", `layer '${name}' is in a file named '${basename(file.path)}'; name the file ${name}${extname(file.path)}`, at("/name", true)));
      const dup = layers.find((l) => l.name === name);
      if (dup) {
        // Both files are named: which one is the copy is for the reader to say, not the alphabet.
        issues.push(issue("duplicate-name", `layer '${name}' is defined twice (also in ${dup.file})`, at("/name", true)));
        issues.push(issue("duplicate-name", `layer '${name}' is defined twice (also in ${file.path})`, { file: dup.file, ...positionOf(dup.positions, "/name", true), layer: name }));
      }
      if (doc.when !== undefined) checkCondition(doc.when, "/when", name);
      const spec = doc.table as { key: string; rows: Record<string, unknown> } | undefined;
      if (spec !== undefined && doc.data !== undefined) {
        issues.push(issue("layer-schema", "a layer has `data` or `table`, not both: put what every row shares in a layer of its own", { ...at("/table"), pointer: "/table", layer: name }));
      } else if (spec === undefined && doc.data === undefined) {
        issues.push(issue("layer-schema", "missing required field 'data' (what the layer sets), or 'table' (a lookup table keyed by a context field)", { ...at(""), layer: name }));
      }
      let table: LayerTable | undefined;
      if (spec !== undefined) {
        // The key is a context field like any other a layer reads: a misspelt one would never pick a row.
        // Checked as the condition `{var: key}`: the issue points at the key itself, not at that condition's `var`.
        const keyIssues = references.checkLogic({ var: spec.key } as never, "/table/key", () => at("/table/key", true), `the table of layer '${name}'`, name);
        issues.push(...keyIssues.map((i) => ({ ...i, pointer: "/table/key" })));
        table = { key: spec.key, rows: new Map() };
        for (const [key, row] of Object.entries(spec.rows)) {
          const pointer = `/table/rows/${escapeToken(key)}`;
          table.rows.set(key, { key, template: compileData(row, pointer, name), dataPointer: pointer, ...at(pointer) });
        }
      }
      layers.push({
        name, stage: doc.stage as string, description: doc.description as string | undefined, order: (doc.order as number | undefined) ?? 0,
        entry: name, ...at("/name"), when: doc.when, whenText: doc.when === undefined ? undefined : describeLogic(doc.when),
        template: compileData(doc.data ?? {}, "/data", name), dataPointer: "/data", positions, ...(table ? { table } : {}),
      });
    }
  }

  const stages: Stage[] = [];
  if (!stageDefs) {
    issues.push(issue("missing-stages", "no stage order found: add layers/stages.yaml with a `stages:` list"));
  } else {
    const at = stageDefs.at;
    stageDefs.def.forEach((s, i) => {
      if (stages.some((x) => x.name === s.name)) issues.push(issue("duplicate-name", `stage '${s.name}' is listed twice`, at(`/stages/${i}/name`, true)));
      stages.push({ name: s.name, description: s.description, source: s.source ?? "layers", layers: [] });
    });
    // A profiles or overrides stage needs its role; a declared role needs exactly one stage to apply it.
    for (const source of ["profiles", "overrides"] as const) {
      const n = stages.filter((s) => s.source === source).length;
      if (roles[source] === undefined) {
        stageDefs.def.forEach((s, i) => {
          if (s.source !== source) return;
          issues.push(issue("role-missing", `stage '${s.name}' takes \`source: ${source}\`, but the project declares no ${source} role: add \`roles: {${source}: <context field>}\` to the project file, or remove the stage`, at(`/stages/${i}/source`, true)));
        });
      } else if (n !== 1) issues.push(issue("stage-source", `exactly one stage must have \`source: ${source}\` (found ${n})`, at("/stages")));
    }
    // Profile layers belong to the profiles stage, under the name the project gives it.
    const profileStage = stages.find((s) => s.source === "profiles");
    if (profileStage) for (const p of profiles.values()) for (const l of p.layers) l.stage = profileStage.name;
    for (const layer of layers) {
      const stage = stages.find((s) => s.name === layer.stage);
      const where = { file: layer.file, ...(positionOf(layer.positions, "/stage", true) ?? {}), layer: layer.name, pointer: "/stage" };
      if (!stage) issues.push(issue("unknown-stage", `unknown stage '${layer.stage}' (stages: ${stages.map((s) => s.name).join(", ")})`, where));
      else if (stage.source !== "layers") issues.push(issue("unknown-stage", `stage '${layer.stage}' takes no layer files: its layers come from ${stage.source === "profiles" ? "profile files" : "the user's overrides"}`, where));
      else stage.layers.push(layer);
    }
    // Layers were read from the files sorted by path, and the sort is stable: equal orders keep that order.
    for (const s of stages) s.layers.sort((a, b) => a.order - b.order);
  }

  return {
    stages,
    roles,
    profiles,
    checks,
    schemas,
    hash: hashTexts([...sorted.flatMap((f) => [f.path, f.text]), texts.layer, texts.context, texts.output, JSON.stringify(roles)]),
    issues: sortIssues(issues),
    files: sorted.map((f) => f.path),
  };
}

/** Compile the schemas; one that does not compile is the error `schema-invalid`, naming its file when known. */
function compileProjectSchemas(texts: SchemaTexts, names?: { context: string; output: string }): { schemas?: SchemaSet; issues: Issue[] } {
  try {
    return { schemas: compileSchemas(texts), issues: [] };
  } catch (e) {
    const which = (["context", "output"] as const).find((w) => !compilesAlone(texts[w])) ?? "output";
    const file = names?.[which];
    return { issues: [issue("schema-invalid", `the ${which} schema does not compile: ${(e as Error).message}`, file ? { file } : {})] };
  }
}

function compilesAlone(text: string): boolean {
  try {
    compileValidators({ layer: {}, context: JSON.parse(text), output: {} });
    return true;
  } catch {
    return false;
  }
}

/** An expression's syntax error at its character in the file: on its line inside a block (`|`, `>`) or quotes too. */
function exprPosition(text: string, where: LineCol, node: unknown, offset?: number): Partial<LineCol> {
  const source = isPlainObject(node) ? node.$expr : undefined;
  if (offset === undefined || typeof source !== "string") return {};
  // Positions were taken from the text without a byte-order mark.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return valuePosition(body, where, source, offset) ?? {};
}

export const isUsable = (set: LayerSet): boolean => !hasErrors(set.issues);

/** Applied-layer order of every layer file, for `strata layers` and docs. */
export function layerOrder(set: LayerSet): { stage: string; source: StageSource; layers: Layer[] }[] {
  return set.stages.map((s) => ({ stage: s.name, source: s.source, layers: s.layers }));
}

export type { Path };
