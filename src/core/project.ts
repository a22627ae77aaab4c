// The project file (strata.yaml): where a config project keeps its layers, schemas and scenarios, and which
// context fields play the roles the engine knows. Every problem is located: file:line:col in strata.yaml, or the
// path of a file that is missing or broken. Nothing falls back to another project's files.
import { existsSync, statSync } from "node:fs";
import { FileReadError, readRegularFile } from "./dir-walk.js";
import { basename, dirname, extname, join, resolve } from "node:path";
import { issue, warning, sortIssues, type Issue } from "./issues.js";
import { positionOf, SOURCE_LIMITS } from "./source.js";
import { parseSource } from "./source-cache.js";
import { projectFileValidator, SCHEMA_MAX_BYTES, type ProjectSchemaTexts } from "./schemas.js";
import { errorMessage, errorPointer, objectBranches, propertyNames, usefulErrors, type Schema } from "../lang/json-schema.js";
import { findForbiddenKeys, isPlainObject } from "../util/data.js";
import { closeNames } from "../util/names.js";
import { escapeToken } from "../util/pointer.js";

export const PROJECT_FILE = "strata.yaml";

/** The context fields that play the engine's roles; each is optional. */
export interface Roles {
  /** The list of profile names to apply (`source: profiles` stage). */
  profiles?: string;
  /** The user's patch or replacement (`source: overrides` stage). */
  overrides?: string;
  /** `patch` or `replace`: how the overrides apply. */
  override_mode?: string;
}

export type RoleName = keyof Roles;

export interface Project {
  /** The project file, as given (relative to the working directory, or absolute): issues name it so. */
  file: string;
  /** The project's folder (absolute): every path in the file is relative to it. */
  dir: string;
  /** `name` from the file, else the folder's name. */
  name: string;
  description?: string;
  /** Absolute paths. */
  layersDir: string;
  schemas: { context: string; output: string };
  /** The schema files as issues name them (relative to the working directory when the project was given so). */
  schemaFiles: { context: string; output: string };
  scenariosDir?: string;
  roles: Roles;
  /** JSON Pointer into the composed config to the value that names a stored item (`/task_name`). */
  itemName?: string;
  /** JSON Pointer into the composed config to the value that describes a stored item (`/description`). */
  itemDescription?: string;
  /** What a stored item is called in messages (`task`); the service says "item" when the file does not say. */
  itemKind?: string;
  /** REST body name → context field (`overrides` → `user_overrides`). */
  aliases: Record<string, string>;
  /** The context and output schema texts, read when the project was loaded (absent when one could not be read). */
  schemaTexts?: ProjectSchemaTexts;
  /** Problems with the project file or the files it names; any error makes the project unusable. */
  issues: Issue[];
}

/** Paths that replace the project file's own (a copy of the layers or schemas, a fixture). */
export interface ProjectOverrides {
  /** Another layer directory. */
  layers?: string;
  /** A directory holding the project's two schema files under the same file names. */
  schemasDir?: string;
  /** Another scenario directory. */
  scenarios?: string;
}

/** The nearest project file from `from` up (absolute path), or undefined when no folder above has one. */
export function findProject(from: string = process.cwd()): string | undefined {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, PROJECT_FILE);
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** How to start a project, for messages that find none. */
export const PROJECT_HINT = `create ${PROJECT_FILE} in the project's folder, for example:
  layers: layers
  schemas:
    context: schemas/context.schema.json
    output: schemas/output.schema.json
(see docs/projects.md)`;

/**
 * Load a project: `where` is its folder (holding strata.yaml) or the project file itself. The folder is not
 * searched upward (that is findProject's job). The result always comes back; its `issues` say what is wrong.
 */
export function loadProject(where: string, overrides: ProjectOverrides = {}): Project {
  const file = isProjectFilePath(where) ? where : join(where, PROJECT_FILE);
  const dir = resolve(dirname(file));
  const shown = (rel: string) => join(dirname(file), rel);
  const project: Project = {
    file, dir, name: basename(dir), layersDir: resolve(dir, overrides.layers ?? "layers"), schemas: { context: "", output: "" }, schemaFiles: { context: "", output: "" }, roles: {}, aliases: {}, issues: [],
  };
  const fail = (i: Issue) => ((project.issues = [i]), project);

  let text: string;
  try {
    // Bounded like every data file: a FIFO or a huge file named strata.yaml is an error, never a hang.
    text = readRegularFile(file, SOURCE_LIMITS.maxBytes);
  } catch (e) {
    const err = (e instanceof FileReadError ? e.cause ?? e : e) as NodeJS.ErrnoException;
    if (err.code === "ENOENT") return fail(issue("project-not-found", `no project file: ${file} does not exist; ${PROJECT_HINT}`, { file }));
    if (e instanceof FileReadError && e.code === "file-too-large") return fail(issue("file-too-large", `the project file ${file} is larger than ${SOURCE_LIMITS.maxBytes} bytes`, { file }));
    if (e instanceof FileReadError && e.code === "not-a-file") return fail(issue("project-not-found", `${file} is ${e.message}`, { file }));
    if (e instanceof FileReadError && e.code === "file-not-utf8") return fail(issue("file-not-utf8", `the project file ${file}: ${e.message}`, { file, ...e.at }));
    return fail(issue("project-not-found", `cannot read the project file ${file}: ${err.message}`, { file }));
  }
  const parsed = parseSource({ path: file, text }, { expressions: false });
  if (!parsed.source) return ((project.issues = parsed.issues), project);
  const { data, positions } = parsed.source;
  const at = (pointer: string, preferValue = true) => ({ file, ...(positionOf(positions, pointer, preferValue) ?? { line: 1, column: 1 }), pointer });
  if (!isPlainObject(data)) return fail(issue("project-invalid", "the project file must be a mapping (layers, schemas, roles, …)", at("")));

  const validate = projectFileValidator();
  if (!validate(data)) {
    project.issues = usefulErrors(validate.errors).map((e) => {
      const pointer = errorPointer(e);
      return issue("project-invalid", errorMessage(e, "the project file"), { ...at(pointer, e.keyword !== "additionalProperties"), keyword: e.keyword });
    });
    return project;
  }
  const forbidden = findForbiddenKeys(data);
  if (forbidden.length > 0) {
    project.issues = forbidden.map((p) => issue("forbidden-key", `key '${p.split("/").pop()}' is not allowed: it could reach an object's prototype`, at(p, false)));
    return project;
  }

  const doc = data as {
    name?: string; description?: string; layers?: string; schemas: { context: string; output: string }; scenarios?: string;
    roles?: Roles; item_name?: string; item_description?: string; item_kind?: string; aliases?: Record<string, string>;
  };
  const issues: Issue[] = [];
  if (doc.name !== undefined) project.name = doc.name;
  if (doc.description !== undefined) project.description = doc.description;
  project.roles = { ...doc.roles };
  if (doc.item_name !== undefined) project.itemName = doc.item_name;
  if (doc.item_description !== undefined) project.itemDescription = doc.item_description;
  if (doc.item_kind !== undefined) project.itemKind = doc.item_kind;
  project.aliases = { ...doc.aliases };

  // Paths: each one the project file names must exist (an override given by the caller is checked where it is used).
  const path = (rel: string) => resolve(dir, rel);
  const kind = (p: string) => (existsSync(p) ? (statSync(p).isDirectory() ? "dir" : "file") : undefined);
  const layersRel = doc.layers ?? "layers";
  project.layersDir = overrides.layers !== undefined ? resolve(overrides.layers) : path(layersRel);
  if (overrides.layers === undefined && kind(project.layersDir) !== "dir") {
    const where = doc.layers !== undefined ? at("/layers") : { file, line: 1, column: 1, pointer: "/layers" };
    const what = kind(project.layersDir) === "file" ? "is a file, not a folder" : "does not exist";
    issues.push(issue("project-path-missing", `the layer directory ${shown(layersRel)} ${what}${doc.layers === undefined ? " (the default; set `layers:` to the folder of layer files)" : ""}`, where));
  }
  if (doc.scenarios !== undefined || overrides.scenarios !== undefined) {
    project.scenariosDir = overrides.scenarios !== undefined ? resolve(overrides.scenarios) : path(doc.scenarios!);
    if (overrides.scenarios === undefined && kind(project.scenariosDir) !== "dir") {
      issues.push(issue("project-path-missing", `the scenario directory ${shown(doc.scenarios!)} ${kind(project.scenariosDir) === "file" ? "is a file, not a folder" : "does not exist"}`, at("/scenarios")));
    }
  }
  const schemaJson: Partial<Record<"context" | "output", Schema>> = {};
  const texts: Partial<ProjectSchemaTexts> = {};
  for (const which of ["context", "output"] as const) {
    const rel = doc.schemas[which];
    const fromOverride = overrides.schemasDir !== undefined;
    const abs = fromOverride ? resolve(overrides.schemasDir!, basename(rel)) : path(rel);
    const display = fromOverride ? join(overrides.schemasDir!, basename(rel)) : shown(rel);
    project.schemas[which] = abs;
    project.schemaFiles[which] = display;
    const read = readSchemaFile(abs, display);
    if (read.issues.length > 0) {
      // A missing file named in strata.yaml is blamed on its line there; one in a --schemas folder on its path.
      const missing = read.issues[0].code === "schema-unreadable" && !fromOverride;
      issues.push(...(missing ? [issue("project-path-missing", `the ${which} schema ${display} ${kind(abs) === "dir" ? "is a folder, not a file" : "does not exist"}`, at(`/schemas/${which}`))] : read.issues));
      continue;
    }
    texts[which] = read.text;
    schemaJson[which] = read.json;
  }
  if (texts.context !== undefined && texts.output !== undefined) project.schemaTexts = { context: texts.context, output: texts.output };

  // Roles and aliases name context fields: each must be one the context schema lists.
  if (schemaJson.context) {
    const fields = propertyNames(objectBranches(schemaJson.context, schemaJson.context));
    const check = (field: string, pointer: string, what: string) => {
      if (fields.length === 0 || fields.includes(field)) return true;
      const near = closeNames(field, fields).slice(0, 3);
      issues.push(issue("project-invalid", `${what} names the context field '${field}', but the context schema has no such field${near.length ? ` (did you mean ${near.map((n) => `'${n}'`).join(" or ")}?)` : ""}`, at(pointer)));
      return false;
    };
    const seen = new Map<string, string>();
    for (const role of ["profiles", "overrides", "override_mode"] as const) {
      const field = project.roles[role];
      if (field === undefined) continue;
      check(field, `/roles/${role}`, `roles.${role}`);
      const other = seen.get(field);
      if (other) issues.push(issue("project-invalid", `roles.${role} and roles.${other} name the same field '${field}': each role needs its own`, at(`/roles/${role}`)));
      seen.set(field, role);
    }
    for (const [alias, field] of Object.entries(project.aliases)) {
      const pointer = `/aliases/${escapeToken(alias)}`;
      check(field, pointer, `the alias '${alias}'`);
      if (fields.includes(alias)) issues.push(issue("project-invalid", `the alias '${alias}' is itself a context field: a request could not say which one it means`, at(pointer, false)));
    }
    const targets = Object.entries(project.aliases);
    targets.forEach(([alias, field], i) => {
      const first = targets.findIndex(([, f]) => f === field);
      if (first < i) issues.push(issue("project-invalid", `the aliases '${targets[first][0]}' and '${alias}' both name '${field}': give a field one alias`, at(`/aliases/${escapeToken(alias)}`, false)));
    });
  }
  if (schemaJson.output) {
    const known = propertyNames(objectBranches(schemaJson.output, schemaJson.output));
    for (const [key, pointer] of [["item_name", project.itemName], ["item_description", project.itemDescription]] as const) {
      if (pointer === undefined) continue;
      const first = pointer.split("/")[1] ?? "";
      if (known.length > 0 && !known.includes(first.replace(/~1/g, "/").replace(/~0/g, "~"))) {
        issues.push(warning("project-invalid", `${key} ${pointer}: the output schema lists no field '${first}'`, at(`/${key}`)));
      }
    }
  }
  project.issues = sortIssues(issues);
  return project;
}

const isProjectFilePath = (p: string) => /\.(ya?ml|json)$/i.test(p) && !(existsSync(p) && statSync(p).isDirectory());

/**
 * One schema file: its text (JSON as written; a YAML schema as JSON) and data, or issues naming the file,
 * with the line and column of a syntax error.
 */
export function readSchemaFile(path: string, display = path): { text?: string; json?: Schema; issues: Issue[] } {
  let text: string;
  try {
    text = readRegularFile(path, SCHEMA_MAX_BYTES);
  } catch (e) {
    const err = (e instanceof FileReadError ? e.cause ?? e : e) as NodeJS.ErrnoException;
    const why = err.code === "ENOENT" ? "no such file" : e instanceof FileReadError && e.code !== "file-unreadable" ? e.message : err.message;
    return { issues: [issue("schema-unreadable", `cannot read the schema ${display}: ${why}`, { file: display, ...(e instanceof FileReadError ? e.at : undefined) })] };
  }
  return schemaFromText(display, text);
}

/** A schema file's text, checked to be a JSON (or YAML) mapping. */
export function schemaFromText(file: string, text: string): { text?: string; json?: Schema; issues: Issue[] } {
  const isJson = extname(file).toLowerCase() === ".json";
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (isJson) {
    // JSON.parse is fast; the YAML parser (with positions) only runs to say where a broken file breaks.
    try {
      const json: unknown = JSON.parse(text);
      if (isPlainObject(json)) return { text, json, issues: [] };
    } catch {
      // located below
    }
  }
  const parsed = parseSource({ path: file, text }, { expressions: false });
  if (!parsed.source) return { issues: parsed.issues.map((i) => ({ ...i, code: "schema-invalid", message: `not a valid schema file: ${i.message}` })) };
  if (!isPlainObject(parsed.source.data)) return { issues: [issue("schema-invalid", "a JSON Schema must be an object", { file, line: 1, column: 1 })] };
  const json = parsed.source.data;
  return { text: isJson ? text : JSON.stringify(json), json, issues: [] };
}
