// The JSON Schemas strata works with, compiled once per content (ajv compiling is the slow part): strata's own
// (the layer, scenario and project file formats, always from the package) and a project's two (its context and
// its output), whose paths the project file gives.
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ValidateFunction } from "ajv";
import { editorDataSchema, partialSchema } from "../lang/json-schema.js";

export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** strata's own schemas (layer, scenario and project files), shipped in the package. */
export const STRATA_SCHEMAS_DIR = join(PACKAGE_ROOT, "schemas");
/** The package's folders, which also hold the project it ships (the autotuner's): kept for existing callers. */
export const DEFAULT_SCHEMAS_DIR = STRATA_SCHEMAS_DIR;
export const DEFAULT_LAYERS_DIR = join(PACKAGE_ROOT, "layers");

/** strata's own file formats: always read from the package, never from a project. */
export const STRATA_SCHEMA_FILES = {
  layer: "layer.schema.json",
  scenario: "scenario.schema.json",
  project: "project.schema.json",
} as const;

/** The schema texts a layer set is compiled from: strata's layer schema and the project's context and output schemas. */
export interface SchemaTexts {
  layer: string;
  context: string;
  output: string;
}

/** A project's own schemas, as texts. */
export type ProjectSchemaTexts = Omit<SchemaTexts, "layer">;

export interface SchemaSet {
  texts: SchemaTexts;
  json: Record<keyof SchemaTexts, Record<string, unknown>>;
  /** Validators for each kind of layer file, by definition name. */
  layerFile: Record<"layer" | "profile" | "check" | "stages", ValidateFunction>;
  /** Validates a context and fills in its defaults (mutates: pass a copy). */
  context: ValidateFunction;
  /** Validates the composed config. */
  output: ValidateFunction;
  /** Validates what one layer writes: the output schema without what only a whole config can meet (`required`, …). */
  layerData: ValidateFunction;
}

/** A schema file is read only up to this size (16 MiB): bounded like every data file (a FIFO or a huge file is an error, never a hang). */
export const SCHEMA_MAX_BYTES = 16 << 20;

const strataTexts = new Map<string, string>();
/** The text of one of strata's own schemas (read once). */
export function strataSchemaText(which: keyof typeof STRATA_SCHEMA_FILES): string {
  let text = strataTexts.get(which);
  if (text === undefined) strataTexts.set(which, (text = readFileSync(join(STRATA_SCHEMAS_DIR, STRATA_SCHEMA_FILES[which]), "utf8")));
  return text;
}

/** A project's schema texts with strata's layer schema beside them. */
export const withLayerSchema = (texts: ProjectSchemaTexts): SchemaTexts => ({ layer: strataSchemaText("layer"), context: texts.context, output: texts.output });

const cache = new Map<string, SchemaSet>();

export function hashTexts(parts: Iterable<string>): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex");
}

/**
 * Each validator: the ajv instance it is compiled with (by its options) and its schema reference. The build
 * precompiles these same validators for the repository's own project (scripts/build-validators.mjs).
 */
export const AJV_OPTIONS = {
  strict: { allErrors: true, strict: false },
  withDefaults: { allErrors: true, strict: false, useDefaults: true },
} as const;
export const VALIDATORS = {
  strict: {
    layer: "layer#/definitions/layer",
    profile: "layer#/definitions/profile",
    check: "layer#/definitions/check",
    stages: "layer#/definitions/stages",
    output: "output",
    layerData: "layerData",
  },
  withDefaults: { context: "context" },
} as const;

type Validators = { [I in keyof typeof VALIDATORS]: Record<keyof (typeof VALIDATORS)[I], ValidateFunction> };

/** The hash that names a set of schema texts (and the precompiled validators made from them). */
export const schemasKey = (texts: SchemaTexts): string => hashTexts([texts.layer, texts.context, texts.output]);

/** Compile (or reuse) the validators for these schema texts. Throws on a schema that is not JSON or does not compile. */
export function compileSchemas(texts: SchemaTexts): SchemaSet {
  const key = schemasKey(texts);
  const hit = cache.get(key);
  if (hit) return hit;
  const json = {
    layer: JSON.parse(texts.layer),
    context: JSON.parse(texts.context),
    output: JSON.parse(texts.output),
  };
  const { strict, withDefaults } = precompiled(key) ?? compileValidators(json);
  const set: SchemaSet = {
    texts,
    json,
    layerFile: { layer: strict.layer, profile: strict.profile, check: strict.check, stages: strict.stages },
    context: withDefaults.context,
    output: strict.output,
    layerData: strict.layerData,
  };
  cache.set(key, set);
  return set;
}

const require = createRequire(import.meta.url);

type Precompiled = Validators & { key: string; projectKey?: string; project?: { project: ValidateFunction } };

// `npm run build` writes ajv's standalone code for the repository's schemas to dist/validators.cjs: a start then
// neither loads ajv nor compiles (~100 ms). Schemas are user-editable files: other texts compile at runtime.
function precompiledModule(): Precompiled | undefined {
  try {
    return require("../validators.cjs");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND") return undefined; // built by tsc alone
    throw e;
  }
}

function precompiled(key: string): Validators | undefined {
  const mod = precompiledModule();
  return mod?.key === key ? mod : undefined;
}

/** Compile every validator with ajv (imported only now: most starts never need it). */
export function compileValidators(json: SchemaSet["json"], extra: { code?: { source: boolean } } = {}) {
  const { Ajv } = require("ajv") as typeof import("ajv");
  const strict = new Ajv({ ...AJV_OPTIONS.strict, ...extra });
  strict.addSchema(json.layer, "layer");
  strict.addSchema(json.output, "output");
  strict.addSchema(layerDataSchema(json.output), "layerData");
  const withDefaults = new Ajv({ ...AJV_OPTIONS.withDefaults, ...extra });
  withDefaults.addSchema(json.context, "context");
  const get = <T extends Record<string, string>>(ajv: InstanceType<typeof Ajv>, refs: T) =>
    Object.fromEntries(Object.entries(refs).map(([name, ref]) => [name, ajv.getSchema(ref)!])) as Record<keyof T, ValidateFunction>;
  return { strict: get(strict, VALIDATORS.strict), withDefaults: get(withDefaults, VALIDATORS.withDefaults), ajv: { strict, withDefaults } };
}

/** The output schema as one layer's data is held to it (see partialSchema), under its own name. */
export function layerDataSchema(output: Record<string, unknown>): Record<string, unknown> {
  const partial = partialSchema(output) as Record<string, unknown>;
  delete partial.$id;
  return partial;
}

/**
 * The layer schema an editor (yaml-language-server) uses for one project: strata's layer schema with `data`
 * described by the project's output schema (see editorDataSchema), so that keys complete, descriptions show on
 * hover and wrong keys and types are underlined inside `data`. Written by `npm run editor-schema`.
 */
export function editorLayerSchema(texts: SchemaTexts): Record<string, unknown> {
  const layer = JSON.parse(texts.layer) as Record<string, unknown>;
  const output = JSON.parse(texts.output) as Record<string, unknown>;
  const PREFIX = "output-";
  const renameRef = (ref: string) =>
    ref === "#" ? "#/definitions/configData" : ref.replace(/^#\/(definitions|\$defs)\//, `#/definitions/${PREFIX}`);
  const data = editorDataSchema(layerDataSchema(output), "#/definitions/computed", renameRef) as Record<string, unknown>;
  const definitions = { ...(layer.definitions as Record<string, unknown>) };
  for (const key of ["definitions", "$defs"]) {
    const defs = data[key] as Record<string, unknown> | undefined;
    if (defs) for (const [name, sub] of Object.entries(defs)) definitions[PREFIX + name] = sub;
    delete data[key];
  }
  delete data.$schema;
  delete data.title;
  const layerData = definitions.data as Record<string, unknown>;
  definitions.configData = data;
  definitions.data = {
    title: layerData.title,
    description: layerData.description,
    anyOf: [{ $ref: "#/definitions/configData" }, { type: "string", description: "Only as `!expr ...`: the whole of `data` as one JSONata expression that yields a mapping." }],
  };
  definitions.computed = {
    title: "Computed value or directive",
    description: "`!expr …` or {$expr: …} (JSONata, computed when the layer applies), or a directive: {$patch: delete}, {$append: [...]}, {$prepend: [...]}.",
    anyOf: [
      { type: "string" },
      { type: "object", required: ["$expr"], properties: { $expr: { type: "string" }, $patch: { const: "replace" } }, additionalProperties: false },
      { type: "object", required: ["$patch"], properties: { $patch: { const: "delete" } }, additionalProperties: false },
      { type: "object", required: ["$append"], properties: { $append: {} }, additionalProperties: false },
      { type: "object", required: ["$prepend"], properties: { $prepend: {} }, additionalProperties: false },
    ],
  };
  return {
    ...layer,
    $id: undefined,
    title: `${String(layer.title)}, with the data of ${String(output.title ?? "the project's output")}`,
    description: `${String(layer.description)} Generated from strata's layer schema and the project's output schema (npm run editor-schema): do not edit.`,
    definitions,
  };
}

/** The key of the precompiled project-file validator: the hash of strata's project schema. */
export const projectSchemaKey = (): string => hashTexts([strataSchemaText("project")]);

let projectValidator: ValidateFunction | undefined;
/** The validator of strata.yaml (schemas/project.schema.json): precompiled by the build, else compiled now. */
export function projectFileValidator(): ValidateFunction {
  if (projectValidator) return projectValidator;
  const mod = precompiledModule();
  if (mod?.project && mod.projectKey === projectSchemaKey()) return (projectValidator = mod.project.project);
  return (projectValidator = compileProjectValidator().validate);
}

export function compileProjectValidator(extra: { code?: { source: boolean } } = {}) {
  const { Ajv } = require("ajv") as typeof import("ajv");
  const ajv = new Ajv({ ...AJV_OPTIONS.strict, ...extra });
  ajv.addSchema(JSON.parse(strataSchemaText("project")), "project");
  return { ajv, validate: ajv.getSchema("project")! };
}
