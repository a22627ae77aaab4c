// JSON Schema: ajv's errors as readable sentences at JSON Pointers, and walking a schema to the subschema
// at a path (following local `$ref`, `anyOf`, `oneOf`, `allOf`) for the checks that need no validation.
import type { ErrorObject } from "ajv";
import { hasOwn, isPlainObject, setOwn } from "../util/data.js";
import { escapeToken, pointerToDots, unescapeToken } from "../util/pointer.js";
import { nearMiss } from "../util/names.js";

/** JSON Pointer of the value an ajv error is about (for a missing or unknown key: that key). */
export function errorPointer(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  if (e.keyword === "additionalProperties" && typeof p.additionalProperty === "string") return `${e.instancePath}/${escapeToken(p.additionalProperty)}`;
  if (e.keyword === "required" && typeof p.missingProperty === "string") return `${e.instancePath}/${escapeToken(p.missingProperty)}`;
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
      if (p.pattern === "^[a-z0-9][a-z0-9-]*$") return `${at} must be lower-case letters, digits and dashes, not starting with a dash`;
      return `${at} must match the pattern ${String(p.pattern)}`;
    case "minLength":
      if (p.limit === 1) return `${at} must not be empty`;
      return `${at} must be at least ${String(p.limit)} characters long`;
    case "maxLength":
      return `${at} is too long: at most ${String(p.limit)} characters`;
    case "maxItems":
      return `${at} has too many items: at most ${String(p.limit)}`;
    case "maxProperties":
      return `${at} has too many fields: at most ${String(p.limit)}`;
    case "uniqueItems":
      return `${at} lists the same item twice (items ${String(p.j)} and ${String(p.i)})`;
    default:
      return `${at} ${e.message ?? "is invalid"}`;
  }
}

/** Keep the most useful errors: drop the `if`/`then` wrappers ajv adds around the real problem. Linear in the errors. */
export function usefulErrors(errors: readonly ErrorObject[] | null | undefined): ErrorObject[] {
  let list = (errors ?? []).filter((e) => e.keyword !== "if" && e.keyword !== "anyOf" && e.keyword !== "oneOf");
  // `anyOf: [{type: null}, {…}]` (an optional field) reports both branches; "must be null" only adds noise
  // when the other branch says what is wrong (at the value or inside it).
  const below = errorsAtOrBelow(list);
  list = list.filter((e) => !(isNullType(e) && below.get(e.instancePath)! > 1));
  const seen = new Set<string>();
  const unique = list.filter((e) => {
    const k = `${errorPointer(e)}|${e.keyword}|${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return joinTypeErrors(unique);
}

const isNullType = (e: ErrorObject) => e.keyword === "type" && (e.params as { type?: unknown }).type === "null";

/** For each instance path (and every path above one), how many errors are at it or inside it. */
function errorsAtOrBelow(errors: readonly ErrorObject[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of errors) {
    const p = e.instancePath;
    for (let i = p.length; i >= 0; i = i === 0 ? -1 : p.lastIndexOf("/", i - 1)) {
      const prefix = p.slice(0, i);
      counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
    }
  }
  return counts;
}

/**
 * An `anyOf` reports each branch: a negative total_gpus gets "must be >= 0" and "must be null", a scalar
 * parameter "must be array" and "must be object". Say it once: drop "must be null" beside another problem
 * with the same value, and join the remaining type errors of one value into "must be array or object".
 */
function joinTypeErrors(errors: ErrorObject[]): ErrorObject[] {
  const atPath = new Map<string, { all: ErrorObject[]; notNull: boolean }>();
  for (const e of errors) {
    let at = atPath.get(e.instancePath);
    if (!at) atPath.set(e.instancePath, (at = { all: [], notNull: false }));
    at.all.push(e);
    at.notNull ||= !isNullType(e);
  }
  const done = new Set<string>();
  const out: ErrorObject[] = [];
  for (const e of errors) {
    if (e.keyword !== "type") {
      out.push(e);
      continue;
    }
    const same = atPath.get(e.instancePath)!;
    if ((isNullType(e) && same.notNull) || done.has(e.instancePath)) continue;
    done.add(e.instancePath);
    const types = same.all.filter((x) => x.keyword === "type" && !(isNullType(x) && same.notNull)).map((x) => String((x.params as { type: unknown }).type));
    out.push(types.length > 1 ? { ...e, params: { ...e.params, type: [...new Set(types)].join(",") } } : e);
  }
  return out;
}

/**
 * The lists and objects longer than their schema's `maxItems` or `maxProperties`, found in one walk over the value
 * (following `properties`, `items` and local `$ref`s). Run before validating a request: ajv with `allErrors` checks
 * every item of a list far over its bound (and `uniqueItems` over objects compares every pair), so a 100,000-item
 * list would cost time in proportion to its length, or its square, only to be refused for its length. The errors
 * are shaped like ajv's, for `errorMessage` and `errorPointer`.
 */
export function overLimits(root: Schema, value: unknown, maxErrors = 100): ErrorObject[] {
  const out: ErrorObject[] = [];
  const stack: { schema: unknown; value: unknown; path: string }[] = [{ schema: root, value, path: "" }];
  while (stack.length > 0 && out.length < maxErrors) {
    const next = stack.pop()!;
    let schema = next.schema;
    for (let hops = 0; isPlainObject(schema) && typeof schema.$ref === "string" && hops < 8; hops++) schema = resolveRef(root, schema.$ref);
    if (!isPlainObject(schema)) continue;
    const { value: v, path } = next;
    const size = Array.isArray(v) ? v.length : isPlainObject(v) ? Object.keys(v).length : undefined;
    const keyword = Array.isArray(v) ? "maxItems" : "maxProperties";
    const limit = schema[keyword];
    if (size !== undefined && typeof limit === "number" && size > limit) {
      out.push({ keyword, instancePath: path, schemaPath: `#/${keyword}`, params: { limit }, message: `must NOT have more than ${limit} ${Array.isArray(v) ? "items" : "properties"}` });
    } else if (Array.isArray(v) && isPlainObject(schema.items)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ schema: schema.items, value: v[i], path: `${path}/${i}` });
    } else if (isPlainObject(v) && isPlainObject(schema.properties)) {
      for (const key of Object.keys(schema.properties).reverse()) {
        if (hasOwn(v, key)) stack.push({ schema: schema.properties[key], value: v[key], path: `${path}/${escapeToken(key)}` });
      }
    }
  }
  return out;
}

// ---- Walking a schema

export type Schema = Record<string, unknown>;

/** The schemas of property `key` in those of `branches` (object schemas) that list it. */
export function propertyIn(branches: readonly Schema[], key: string): Schema[] {
  return branches.flatMap((b) => (isPlainObject(b.properties) && hasOwn(b.properties, key) ? [b.properties[key] as Schema] : []));
}

/** Every key `branches` (object schemas) list under `properties`. */
export const propertyNames = (branches: readonly Schema[]): string[] => branches.flatMap((b) => Object.keys((b.properties as Schema | undefined) ?? {}));

/** An object schema's own `properties`, by name (`{}` when it has none). */
export const propertiesOf = (schema: Schema): Record<string, Schema> => (isPlainObject(schema.properties) ? schema.properties : {}) as Record<string, Schema>;

/** `{index, known}` for the first segment of `path` the schema rules out; undefined when the path may exist. */
export function unknownAt(root: Schema, schema: Schema, path: readonly string[], index = 0): { index: number; known: string[] } | undefined {
  if (index >= path.length) return undefined;
  const branches = objectBranches(root, schema);
  if (branches.length === 0) return undefined; // not an object schema (a list, a scalar, anything): do not judge
  // A list where an object may also be (a value or the long form {type, values}): `.length`, `.0` read the list.
  if (leafSchemas(root, schema).some((s) => s.type === "array" || (Array.isArray(s.type) && s.type.includes("array")))) return undefined;
  const seg = path[index];
  const next = propertyIn(branches, seg);
  if (next.length === 0) {
    if (branches.some((b) => b.additionalProperties !== false || b.patternProperties !== undefined)) return undefined;
    return { index, known: propertyNames(branches) };
  }
  // Reachable through any branch that has the field is enough.
  const results = next.map((s) => unknownAt(root, s, path, index + 1));
  return results.every((r) => r) ? results[0] : undefined;
}

/** The object-shaped alternatives of a schema (following local $ref, anyOf, oneOf, allOf). */
export function objectBranches(root: Schema, schema: Schema, depth = 0): Schema[] {
  if (depth > 20 || !isPlainObject(schema)) return [];
  if (typeof schema.$ref === "string") {
    const target = resolveRef(root, schema.$ref);
    return target ? objectBranches(root, target, depth + 1) : [];
  }
  const alternatives = [...((schema.anyOf as Schema[]) ?? []), ...((schema.oneOf as Schema[]) ?? []), ...((schema.allOf as Schema[]) ?? [])];
  if (alternatives.length > 0) return alternatives.flatMap((s) => objectBranches(root, s, depth + 1));
  const isObject = schema.type === "object" || (schema.type === undefined && (schema.properties !== undefined || schema.additionalProperties !== undefined));
  return isObject ? [schema] : [];
}

export function resolveRef(root: Schema, ref: string): Schema | undefined {
  if (!ref.startsWith("#/")) return undefined;
  let cur: unknown = root;
  for (const seg of ref.slice(2).split("/")) {
    const key = unescapeToken(seg);
    if (!isPlainObject(cur) || !hasOwn(cur, key)) return undefined;
    cur = cur[key];
  }
  return isPlainObject(cur) ? cur : undefined;
}

/** Every value a top-level context field can take, when that set is small and fixed (enum, boolean). */
export function finiteValues(context: Schema, field: string): unknown[] | undefined {
  const props = propertiesOf(context);
  const prop = hasOwn(props, field) ? props[field] : undefined;
  if (!prop) return undefined;
  const values = new Set<unknown>();
  const add = (s: Schema, depth = 0): boolean => {
    if (depth > 10) return false;
    if (typeof s.$ref === "string") {
      const t = resolveRef(context, s.$ref);
      return t ? add(t, depth + 1) : false;
    }
    const alts = [...((s.anyOf as Schema[]) ?? []), ...((s.oneOf as Schema[]) ?? [])];
    if (alts.length) return alts.every((a) => add(a, depth + 1));
    if (Array.isArray(s.enum)) return s.enum.forEach((v) => values.add(v)), true;
    if (hasOwn(s, "const")) return values.add(s.const), true;
    if (s.type === "boolean") return values.add(true), values.add(false), true;
    if (s.type === "null") return values.add(null), true;
    return false;
  };
  if (!add(prop)) return undefined;
  const required = Array.isArray(context.required) && context.required.includes(field);
  if (!required && !hasOwn(prop, "default")) values.add(null);
  return [...values];
}

export function allowsNull(root: Schema, schema: Schema, depth = 0): boolean {
  if (depth > 20 || !isPlainObject(schema)) return false;
  if (typeof schema.$ref === "string") {
    const target = resolveRef(root, schema.$ref);
    return target ? allowsNull(root, target, depth + 1) : true;
  }
  const alternatives = [...((schema.anyOf as Schema[]) ?? []), ...((schema.oneOf as Schema[]) ?? [])];
  if (alternatives.length > 0) return alternatives.some((s) => allowsNull(root, s, depth + 1));
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) return (schema.allOf as Schema[]).every((s) => allowsNull(root, s, depth + 1));
  if (schema.type === "null" || (Array.isArray(schema.type) && schema.type.includes("null"))) return true;
  if (Array.isArray(schema.enum) && schema.enum.includes(null)) return true;
  return hasOwn(schema, "const") && schema.const === null;
}

// ---- A schema for part of a value

/** Keywords a part of a value cannot be held to: the rest may come from another writer (another layer, a merge). */
const WHOLE_VALUE_KEYWORDS = new Set(["required", "minProperties", "maxProperties", "minItems", "maxItems", "uniqueItems", "dependencies", "dependentRequired"]);
/** Keywords whose value maps names to subschemas (the names are not keywords). */
const SCHEMA_MAPS = new Set(["properties", "patternProperties", "definitions", "$defs"]);
/** Keywords whose value is data, not a schema. */
const DATA_KEYWORDS = new Set(["enum", "const", "default", "examples"]);

/**
 * The schema a part of a value is held to: the same types, enums, bounds, patterns and closed objects, without
 * what only the whole value can satisfy (`required`, `minItems`, …). A layer writes part of the config.
 */
export function partialSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(partialSchema);
  if (!isPlainObject(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (WHOLE_VALUE_KEYWORDS.has(k)) continue;
    if (DATA_KEYWORDS.has(k)) setOwn(out, k, v);
    else if (SCHEMA_MAPS.has(k) && isPlainObject(v)) {
      const map: Record<string, unknown> = {};
      for (const [name, s] of Object.entries(v)) setOwn(map, name, partialSchema(s));
      setOwn(out, k, map);
    } else setOwn(out, k, partialSchema(v));
  }
  return out;
}

/**
 * The editor's view of what a layer may write at each path (for yaml-language-server): the schema of a part of
 * the value (partialSchema), where every value may also be computed — `!expr …` (the editor sees text) or
 * `{$expr: …}` — or be a directive (`{$patch: delete}`, `{$append: [...]}`), and objects may carry `$patch`.
 * Keys, types other than text, allowed values (as completions) and descriptions (as hover text) stay.
 * `computedRef` names the definition that describes a computed value.
 */
export function editorDataSchema(schema: unknown, computedRef: string, renameRef: (ref: string) => string = (r) => r): unknown {
  const computed = { $ref: computedRef };
  const valueAt = (s: unknown): unknown => {
    const inner = walk(s);
    if (!isPlainObject(inner) || Object.keys(inner).length === 0) return inner;
    // Title and description stay on the outside so that hover text shows them.
    const out: Record<string, unknown> = {};
    for (const k of ["title", "description"]) if (hasOwn(inner, k)) out[k] = inner[k];
    out.anyOf = [inner, computed];
    return out;
  };
  const walk = (s: unknown): unknown => {
    if (Array.isArray(s)) return s.map(walk);
    if (!isPlainObject(s)) return s;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) {
      if (DATA_KEYWORDS.has(k)) setOwn(out, k, v);
      else if ((k === "properties" || k === "patternProperties") && isPlainObject(v)) {
        const map: Record<string, unknown> = {};
        for (const [name, sub] of Object.entries(v)) setOwn(map, name, valueAt(sub));
        setOwn(out, k, map);
      } else if (k === "definitions" || k === "$defs") {
        const map: Record<string, unknown> = {};
        for (const [name, sub] of Object.entries(v as Record<string, unknown>)) setOwn(map, name, walk(sub));
        setOwn(out, k, map);
      } else if ((k === "items" || k === "additionalProperties") && isPlainObject(v)) setOwn(out, k, valueAt(v));
      else if (k === "$ref" && typeof v === "string") setOwn(out, k, renameRef(v));
      else setOwn(out, k, walk(v));
    }
    // A closed object also takes `$patch: replace|merge` beside its keys.
    if (out.additionalProperties === false && isPlainObject(out.properties)) {
      out.properties = { ...out.properties, $patch: { description: "`replace`: this mapping replaces the one before instead of merging into it; `merge`: the default.", enum: ["replace", "merge"] } };
    }
    return out;
  };
  return walk(schema);
}

// ---- Open vocabularies: near misses

/** The non-combinator schemas a value is held to (following local $ref, anyOf, oneOf, allOf). */
export function leafSchemas(root: Schema, schema: unknown, depth = 0): Schema[] {
  if (depth > 20 || !isPlainObject(schema)) return [];
  if (typeof schema.$ref === "string") {
    const target = resolveRef(root, schema.$ref);
    return target ? leafSchemas(root, target, depth + 1) : [];
  }
  const alternatives = [...((schema.anyOf as Schema[]) ?? []), ...((schema.oneOf as Schema[]) ?? []), ...((schema.allOf as Schema[]) ?? [])];
  return alternatives.length > 0 ? [schema, ...alternatives.flatMap((s) => leafSchemas(root, s, depth + 1))] : [schema];
}

/** The keyword a schema lists the known values of an open field with (any other value is accepted). */
export const KNOWN_VALUES = "x-known-values";

export interface NearMiss {
  /** JSON Pointer of the key or value. */
  pointer: string;
  kind: "key" | "value";
  written: string;
  near: string;
}

/**
 * Keys and text values of `value` that are close to, but not, a name the schema knows where any name is accepted:
 * a key of an open object beside the keys it lists (`tp_size` beside `tp-size` in parameters), a text value of a
 * field with x-known-values (`sglng` for base_runtime). Closed objects and enums are validation's business.
 */
export function nearMisses(root: Schema, value: unknown, schema: Schema = root, pointer = "", out: NearMiss[] = []): NearMiss[] {
  walkNearMisses(root, value, schema, pointer, out);
  // One report per spot, even when several branches lead to it.
  return out.filter((m, i) => out.findIndex((o) => o.pointer === m.pointer && o.kind === m.kind) === i);
}

/**
 * What `nearMisses` needs to know of one schema, worked out once per (root, schema) and kept: it runs on every
 * context of every compose, and following $ref, anyOf, oneOf and allOf each time was a fifth of a compose.
 * `relevant` is false when no value held to the schema can hold a near miss (no open object with listed keys,
 * no x-known-values, anywhere below): the walk then skips the value without looking at it.
 */
interface NearMissShape {
  branches: Schema[];
  open: boolean;
  known: string[];
  /** The schemas of each listed property (propertyIn), by key. */
  properties: Map<string, Schema[]>;
  items: Schema[];
  knownValues: string[];
  relevant: boolean;
}

const shapes = new WeakMap<Schema, WeakMap<Schema, NearMissShape>>();

function nearMissShape(root: Schema, schema: Schema): NearMissShape {
  const cacheable = isPlainObject(schema);
  let byRoot = shapes.get(root);
  if (!byRoot) shapes.set(root, (byRoot = new WeakMap()));
  const hit = cacheable ? byRoot.get(schema) : undefined;
  if (hit) return hit;
  const leaves = leafSchemas(root, schema);
  const branches = objectBranches(root, schema);
  const properties = new Map<string, Schema[]>();
  for (const key of propertyNames(branches)) if (!properties.has(key)) properties.set(key, propertyIn(branches, key));
  const shape: NearMissShape = {
    branches,
    open: branches.length > 0 && branches.some((b) => b.additionalProperties !== false),
    known: propertyNames(branches),
    properties,
    items: leaves.flatMap((s) => (isPlainObject(s.items) ? [s.items as Schema] : [])),
    knownValues: leaves.flatMap((s) => (Array.isArray(s[KNOWN_VALUES]) ? (s[KNOWN_VALUES] as unknown[]).filter((v): v is string => typeof v === "string") : [])),
    // Until worked out below: a schema that refers to itself (a cycle) counts as relevant.
    relevant: true,
  };
  if (!cacheable) return shape;
  byRoot.set(schema, shape);
  shape.relevant =
    shape.knownValues.length > 0 ||
    (shape.open && shape.known.length > 0) ||
    [...properties.values()].some((list) => list.some((s) => nearMissShape(root, s).relevant)) ||
    shape.items.some((s) => nearMissShape(root, s).relevant);
  return shape;
}

function walkNearMisses(root: Schema, value: unknown, schema: Schema, pointer: string, out: NearMiss[]): void {
  const shape = nearMissShape(root, schema);
  if (!shape.relevant) return;
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      const next = shape.properties.get(key);
      if (next === undefined) {
        const near = shape.open ? nearMiss(key, shape.known) : undefined;
        if (near) out.push({ pointer: `${pointer}/${escapeToken(key)}`, kind: "key", written: key, near });
        continue;
      }
      const at = `${pointer}/${escapeToken(key)}`;
      for (const s of next) walkNearMisses(root, value[key], s, at, out);
    }
  } else if (Array.isArray(value)) {
    if (shape.items.length > 0) value.forEach((item, i) => shape.items.forEach((s) => walkNearMisses(root, item, s, `${pointer}/${i}`, out)));
  } else if (typeof value === "string") {
    const near = shape.knownValues.length > 0 ? nearMiss(value, shape.knownValues) : undefined;
    if (near) out.push({ pointer, kind: "value", written: value, near });
  }
}

/** The first segment of `path` that is not a listed key of an open object but one letter from one: `{index, near}`. */
export function nearMissAt(root: Schema, path: readonly string[]): { index: number; near: string } | undefined {
  let current: Schema[] = [root];
  for (let index = 0; index < path.length; index++) {
    const branches = current.flatMap((s) => objectBranches(root, s));
    if (branches.length === 0) return undefined;
    const next = propertyIn(branches, path[index]);
    if (next.length === 0) {
      const near = branches.some((b) => b.additionalProperties !== false) ? nearMiss(path[index], propertyNames(branches)) : undefined;
      return near ? { index, near } : undefined;
    }
    current = next;
  }
  return undefined;
}
