// Load a layer set: every file parsed with positions, checked against schemas/layer.schema.json,
// conditions and expressions compiled once. Problems come back as issues with file, line and column.
import { basename, extname } from "node:path";
import { FileReadError, readRegularFile, walkDir } from "./dir-walk.js";
import { issue, warning, hasErrors, sortIssues, type Issue, type Position } from "./issues.js";
import { parseSource, positionOf, SOURCE_LIMITS, type LineCol, type SourceFile } from "./source.js";
import { checkLogic, describeLogic } from "../lang/condition.js";
import { compileTemplate, type Template, type TemplateProblem } from "./template.js";
import { compileSchemas, readSchemaTexts, hashTexts, DEFAULT_LAYERS_DIR, type SchemaSet, type SchemaTexts } from "./schemas.js";
import { findForbiddenKeys, hasOwn, isPlainObject } from "../util/data.js";
import { errorPointer, errorMessage, usefulErrors } from "../lang/json-schema.js";
import { type Path } from "../util/pointer.js";

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
  profiles: Map<string, Profile>;
  checks: CheckRule[];
  schemas: SchemaSet;
  /** Content hash of every layer file and schema: two sets with the same hash compose the same way. */
  hash: string;
  /** Problems found while loading; any error makes the set unusable. */
  issues: Issue[];
  files: string[];
}

export interface LoadOptions {
  schemasDir?: string;
  schemaTexts?: SchemaTexts;
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
      out.push({ path: f.path, text: "", unreadable: { code: e.code, message: e.message } });
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function loadLayerSet(dir = DEFAULT_LAYERS_DIR, options: LoadOptions = {}): LayerSet {
  let files: SourceFile[];
  try {
    files = readLayerFiles(dir);
  } catch (e) {
    const schemas = compileSchemas(options.schemaTexts ?? readSchemaTexts(options.schemasDir));
    return emptySet(schemas, [issue("layers-unreadable", `cannot read layer directory ${dir}: ${(e as Error).message}`)]);
  }
  return loadLayerSetFromFiles(files, options);
}

function emptySet(schemas: SchemaSet, issues: Issue[]): LayerSet {
  return { stages: [], profiles: new Map(), checks: [], schemas, hash: "", issues, files: [] };
}

export function loadLayerSetFromFiles(files: readonly SourceFile[], options: LoadOptions = {}): LayerSet {
  const texts = options.schemaTexts ?? readSchemaTexts(options.schemasDir);
  const schemas = compileSchemas(texts);
  const issues: Issue[] = [];
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
    const checkCondition = (rule: unknown, pointer: string, layer: string) => {
      for (const p of checkLogic(rule, pointer)) issues.push(issue(p.code, p.message, { ...at(p.pointer), pointer: p.pointer, layer }));
    };
    const compileData = (value: unknown, pointer: string, layer: string): Template => {
      const problems: TemplateProblem[] = [];
      // The schema lets `data` be a string only so editors accept `data: !expr …`; a bare string is a mistake.
      if (typeof value === "string") {
        issues.push(issue("layer-schema", "data must be a mapping, or one expression written `data: !expr …`", { ...at(pointer, true), pointer, layer }));
      }
      const template = compileTemplate(value, "", problems);
      // A layer patches the config; it cannot delete it or make it a list.
      if (isPlainObject(value)) {
        const directive = value.$patch === "delete" ? "$patch" : ["$append", "$prepend"].find((k) => hasOwn(value, k));
        if (directive) issues.push(issue("config-not-object", `data cannot ${directive === "$patch" ? "delete the whole config" : `${directive.slice(1)} to the whole config`}: the config is always an object (patch fields inside it instead)`, { ...at(`${pointer}/${directive}`), pointer: `${pointer}/${directive}`, layer }));
      }
      for (const p of problems) {
        const full = pointer + p.pointer;
        const where = at(full.endsWith("/$expr") ? full : full + (positions.has(full + "/$expr") ? "/$expr" : ""), true);
        issues.push(issue(p.code, p.message, { ...where, ...exprColumn(file.text, where, p.offset), pointer: full, layer }));
      }
      return template;
    };
    const base = basename(file.path, extname(file.path));

    if (kind === "stages") {
      if (stageDefs) issues.push(issue("duplicate-stages", `stage order is already defined in ${stageDefs.file}`, at("")));
      else stageDefs = { def: doc.stages as never, file: file.path, at };
    } else if (kind === "check") {
      checkCondition(doc.when, "/when", doc.check as string);
      if (checks.some((c) => c.name === doc.check)) issues.push(issue("duplicate-name", `check '${doc.check}' is defined twice (also in ${checks.find((c) => c.name === doc.check)!.file})`, at("/check", true)));
      checks.push({ ...(doc as never as CheckRule), name: doc.check as string, ...at("/check") });
    } else if (kind === "profile") {
      const name = doc.profile as string;
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
      layers.push({
        name, stage: doc.stage as string, description: doc.description as string | undefined, order: (doc.order as number | undefined) ?? 0,
        entry: name, ...at("/name"), when: doc.when, whenText: doc.when === undefined ? undefined : describeLogic(doc.when),
        template: compileData(doc.data, "/data", name), dataPointer: "/data", positions,
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
    for (const source of ["profiles", "overrides"] as const) {
      const n = stages.filter((s) => s.source === source).length;
      if (n !== 1) issues.push(issue("stage-source", `exactly one stage must have \`source: ${source}\` (found ${n})`, at("/stages")));
    }
    for (const layer of layers) {
      const stage = stages.find((s) => s.name === layer.stage);
      const where = { file: layer.file, ...(positionOf(layer.positions, "/stage", true) ?? {}), layer: layer.name, pointer: "/stage" };
      if (!stage) issues.push(issue("unknown-stage", `unknown stage '${layer.stage}' (stages: ${stages.map((s) => s.name).join(", ")})`, where));
      else if (stage.source !== "layers") issues.push(issue("unknown-stage", `stage '${layer.stage}' takes no layer files: its layers come from ${stage.source === "profiles" ? "profile files" : "the user's overrides"}`, where));
      else stage.layers.push(layer);
    }
    for (const s of stages) s.layers.sort((a, b) => a.order - b.order || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  }

  return {
    stages,
    profiles,
    checks,
    schemas,
    hash: hashTexts([...sorted.flatMap((f) => [f.path, f.text]), texts.layer, texts.context, texts.taskConfig]),
    issues: sortIssues(issues),
    files: sorted.map((f) => f.path),
  };
}

/** For a one-line expression, point the column at the offending character inside it. */
function exprColumn(text: string, where: { line?: number; column?: number }, offset?: number): { column?: number } {
  if (offset === undefined || where.line === undefined || where.column === undefined) return {};
  const lineText = text.split("\n")[where.line - 1] ?? "";
  const rest = lineText.slice(where.column - 1);
  const quoted = rest.startsWith('"') || rest.startsWith("'") ? 1 : 0;
  if (rest.startsWith("|") || rest.startsWith(">")) return {};
  return { column: where.column + quoted + offset };
}

export const isUsable = (set: LayerSet): boolean => !hasErrors(set.issues);

/** Applied-layer order of every layer file, for `strata layers` and docs. */
export function layerOrder(set: LayerSet): { stage: string; source: StageSource; layers: Layer[] }[] {
  return set.stages.map((s) => ({ stage: s.name, source: s.source, layers: s.layers }));
}

export type { Path };
