// The three JSON Schemas strata works with, compiled once per content (ajv compiling is the slow part).
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ValidateFunction } from "ajv";
import { FileReadError, readRegularFile } from "./dir-walk.js";

export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DEFAULT_SCHEMAS_DIR = join(PACKAGE_ROOT, "schemas");
export const DEFAULT_LAYERS_DIR = join(PACKAGE_ROOT, "layers");

export const SCHEMA_FILES = {
  layer: "layer.schema.json",
  context: "context.schema.json",
  taskConfig: "task-config.schema.json",
} as const;

export type SchemaTexts = Record<keyof typeof SCHEMA_FILES, string>;

export interface SchemaSet {
  texts: SchemaTexts;
  json: Record<keyof typeof SCHEMA_FILES, Record<string, unknown>>;
  /** Validators for each kind of layer file, by definition name. */
  layerFile: Record<"layer" | "profile" | "check" | "stages", ValidateFunction>;
  /** Validates a context and fills in its defaults (mutates: pass a copy). */
  context: ValidateFunction;
  taskConfig: ValidateFunction;
}

/** A schema file is read only up to this size (16 MiB). */
const SCHEMA_MAX_BYTES = 16 << 20;

export function readSchemaTexts(dir = DEFAULT_SCHEMAS_DIR): SchemaTexts {
  // Bounded like every data file: a FIFO or a huge file in the schema folder is an error, never a hang.
  const read = (f: string) => {
    try {
      return readRegularFile(join(dir, f), SCHEMA_MAX_BYTES);
    } catch (e) {
      // The system's own error (no such file) as it was; a FIFO or a file too large, named.
      if (e instanceof FileReadError) throw e.cause ?? new Error(`${join(dir, f)}: ${e.message}`);
      throw e;
    }
  };
  return { layer: read(SCHEMA_FILES.layer), context: read(SCHEMA_FILES.context), taskConfig: read(SCHEMA_FILES.taskConfig) };
}

const cache = new Map<string, SchemaSet>();

export function hashTexts(parts: Iterable<string>): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex");
}

/**
 * Each validator: the ajv instance it is compiled with (by its options) and its schema reference. The build
 * precompiles these same validators for the shipped schemas (scripts/build-validators.mjs).
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
    taskConfig: "taskConfig",
  },
  withDefaults: { context: "context" },
} as const;

type Validators = { [I in keyof typeof VALIDATORS]: Record<keyof (typeof VALIDATORS)[I], ValidateFunction> };

/** The hash that names a set of schema texts (and the precompiled validators made from them). */
export const schemasKey = (texts: SchemaTexts): string => hashTexts([texts.layer, texts.context, texts.taskConfig]);

/** Compile (or reuse) the validators for these schema texts. Throws on an invalid schema file. */
export function compileSchemas(texts: SchemaTexts): SchemaSet {
  const key = schemasKey(texts);
  const hit = cache.get(key);
  if (hit) return hit;
  const json = {
    layer: JSON.parse(texts.layer),
    context: JSON.parse(texts.context),
    taskConfig: JSON.parse(texts.taskConfig),
  };
  const { strict, withDefaults } = precompiled(key) ?? compileValidators(json);
  const set: SchemaSet = {
    texts,
    json,
    layerFile: { layer: strict.layer, profile: strict.profile, check: strict.check, stages: strict.stages },
    context: withDefaults.context,
    taskConfig: strict.taskConfig,
  };
  cache.set(key, set);
  return set;
}

const require = createRequire(import.meta.url);

// `npm run build` writes ajv's standalone code for the shipped schemas to dist/validators.cjs: a start then
// neither loads ajv nor compiles (~100 ms). Schemas are user-editable files: other texts compile at runtime.
function precompiled(key: string): Validators | undefined {
  let mod: Validators & { key: string };
  try {
    mod = require("../validators.cjs");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND") return undefined; // built by tsc alone
    throw e;
  }
  return mod.key === key ? mod : undefined;
}

/** Compile every validator with ajv (imported only now: most starts never need it). */
export function compileValidators(json: SchemaSet["json"], extra: { code?: { source: boolean } } = {}) {
  const { Ajv } = require("ajv") as typeof import("ajv");
  const strict = new Ajv({ ...AJV_OPTIONS.strict, ...extra });
  strict.addSchema(json.layer, "layer");
  strict.addSchema(json.taskConfig, "taskConfig");
  const withDefaults = new Ajv({ ...AJV_OPTIONS.withDefaults, ...extra });
  withDefaults.addSchema(json.context, "context");
  const get = <T extends Record<string, string>>(ajv: InstanceType<typeof Ajv>, refs: T) =>
    Object.fromEntries(Object.entries(refs).map(([name, ref]) => [name, ajv.getSchema(ref)!])) as Record<keyof T, ValidateFunction>;
  return { strict: get(strict, VALIDATORS.strict), withDefaults: get(withDefaults, VALIDATORS.withDefaults), ajv: { strict, withDefaults } };
}
