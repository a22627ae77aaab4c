// The three JSON Schemas strata works with, compiled once per content (ajv compiling is the slow part).
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ValidateFunction, ErrorObject } from "ajv";

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

export function readSchemaTexts(dir = DEFAULT_SCHEMAS_DIR): SchemaTexts {
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
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

/** JSON Pointer of the value an ajv error is about (for a missing or unknown key: that key). */
export function errorPointer(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  const esc = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");
  if (e.keyword === "additionalProperties" && typeof p.additionalProperty === "string") return `${e.instancePath}/${esc(p.additionalProperty)}`;
  if (e.keyword === "required" && typeof p.missingProperty === "string") return `${e.instancePath}/${esc(p.missingProperty)}`;
  return e.instancePath;
}

/** A sentence for an ajv error, naming the field. */
export function errorMessage(e: ErrorObject, subject = "value"): string {
  const p = e.params as Record<string, unknown>;
  const at = e.instancePath ? `'${pointerToDots(e.instancePath)}'` : subject;
  switch (e.keyword) {
    case "additionalProperties":
      return `unknown field '${pointerToDots(errorPointer(e))}'`;
    case "required":
      return `missing required field '${pointerToDots(errorPointer(e))}'`;
    case "enum":
      return `${at} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "type":
      return `${at} must be ${String(p.type).replace(/,/g, " or ")}`;
    case "pattern":
      if (p.pattern === "^[a-z0-9][a-z0-9-]*$") return `${at} must be lower-case letters, digits and dashes, like 'vllm-defaults'`;
      return `${at} must match the pattern ${String(p.pattern)}`;
    case "minLength":
      if (p.limit === 1) return `${at} must not be empty`;
      return `${at} must be at least ${String(p.limit)} characters long`;
    case "uniqueItems":
      return `${at} lists the same item twice (items ${String(p.j)} and ${String(p.i)})`;
    default:
      return `${at} ${e.message ?? "is invalid"}`;
  }
}

export function pointerToDots(pointer: string): string {
  return pointer
    .split("/")
    .slice(1)
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"))
    .join(".");
}

/** Keep the most useful errors: drop the `if`/`then` wrappers ajv adds around the real problem. */
export function usefulErrors(errors: readonly ErrorObject[] | null | undefined): ErrorObject[] {
  let list = (errors ?? []).filter((e) => e.keyword !== "if" && e.keyword !== "anyOf" && e.keyword !== "oneOf");
  // `anyOf: [{type: null}, {…}]` (an optional field) reports both branches; "must be null" only adds noise
  // when the other branch says what is wrong.
  list = list.filter((e) => !(e.keyword === "type" && (e.params as { type?: unknown }).type === "null" && list.some((o) => o !== e && o.instancePath.startsWith(e.instancePath))));
  const seen = new Set<string>();
  const unique = list.filter((e) => {
    const k = `${errorPointer(e)}|${e.keyword}|${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return joinTypeErrors(unique);
}

/**
 * An `anyOf` reports each branch: a negative total_gpus gets "must be >= 0" and "must be null", a scalar
 * parameter "must be array" and "must be object". Say it once: drop "must be null" beside another problem
 * with the same value, and join the remaining type errors of one value into "must be array or object".
 */
function joinTypeErrors(errors: ErrorObject[]): ErrorObject[] {
  const atPath = (path: string) => errors.filter((e) => e.instancePath === path);
  const isNull = (e: ErrorObject) => e.keyword === "type" && (e.params as { type?: unknown }).type === "null";
  const done = new Set<string>();
  const out: ErrorObject[] = [];
  for (const e of errors) {
    if (e.keyword !== "type") {
      out.push(e);
      continue;
    }
    const same = atPath(e.instancePath);
    if (isNull(e) && same.some((x) => !isNull(x))) continue;
    if (done.has(e.instancePath)) continue;
    done.add(e.instancePath);
    const types = same.filter((x) => x.keyword === "type" && !(isNull(x) && same.some((y) => !isNull(y)))).map((x) => String((x.params as { type: unknown }).type));
    out.push(types.length > 1 ? { ...e, params: { ...e.params, type: [...new Set(types)].join(",") } } : e);
  }
  return out;
}
