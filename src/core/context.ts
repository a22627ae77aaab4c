// The context: validated against the project's context schema, with its defaults filled in.
import { issue, type Issue } from "./issues.js";
import { type SchemaSet } from "./schemas.js";
import { SOURCE_LIMITS } from "./source.js";
import type { ErrorObject } from "ajv";
import { cloneData, findForbiddenKeys, findTooDeep, FORBIDDEN_KEYS, getOwnPath, isPlainObject, nonFiniteProblem } from "../util/data.js";
import { closestName, nearMiss } from "../util/names.js";
import { parsePointer } from "../util/pointer.js";
import { errorMessage, errorPointer, overLimits, usefulErrors } from "../lang/json-schema.js";

/**
 * A context: plain data, the fields the project's context schema describes. The engine reads only the fields the
 * project's roles name; a project may declare its own type (`compose<MyContext>(…)`) and get it back typed.
 * A type, not an interface: assignable to Record<string, unknown> (the API's types).
 */
export type ContextRecord = Record<string, unknown>;

/** Validate a context (never mutated) and return a copy with defaults, or issues naming each bad field. */
export function normalizeContext<C extends object = ContextRecord>(schemas: SchemaSet, input: unknown): { context?: C; issues: Issue[] } {
  if (!isPlainObject(input)) return { issues: [issue("context-invalid", "the context must be an object (a mapping of fields)", { pointer: "" })] };
  // The usual context (within the depth limit, no forbidden key, no number JSON cannot hold, no `$config`) is copied
  // in one walk; any other takes the walks below, which find and name each problem.
  const quick = Object.hasOwn(input, "$config") ? undefined : cleanCopy(input);
  if (quick !== undefined) return validated(schemas, quick as Record<string, unknown>);
  // Checked first, so that no walk below can exhaust the stack (a cycle counts as too deep).
  const tooDeep = findTooDeep(input, SOURCE_LIMITS.maxDepth);
  if (tooDeep !== undefined) {
    return { issues: [issue("too-deep", `the context nests deeper than ${SOURCE_LIMITS.maxDepth} levels`, { pointer: tooDeep })] };
  }
  const forbidden = findForbiddenKeys(input);
  if (forbidden.length > 0) {
    return {
      issues: forbidden.map((pointer) => issue("forbidden-key", `key '${pointer.split("/").pop()}' is not allowed in a context or override`, { pointer })),
    };
  }
  // `1e400` in JSON and `.inf` in YAML parse to Infinity, which no config can hold: refused at the field that has it.
  const nonFinite = nonFiniteProblem(input, "the context");
  if (nonFinite) return { issues: [issue("context-invalid", nonFinite.message, { pointer: nonFinite.pointer })] };
  // Layers read the config built so far as `$config`: a context field of that name would hide it.
  if (Object.hasOwn(input, "$config")) {
    return { issues: [issue("context-invalid", "'$config' is not allowed as a context field: layers read the config built so far under that name", { pointer: "/$config" })] };
  }
  return validated(schemas, cloneData(input));
}

/**
 * A copy of `v` (as cloneData makes it), or undefined when it nests deeper than SOURCE_LIMITS.maxDepth, has a
 * key from FORBIDDEN_KEYS or a number that is not finite (what findTooDeep, findForbiddenKeys and findNonFinite
 * look for): the usual context's one walk. Recursion is bounded by the limit. Exported for its tests.
 */
export function cleanCopy(v: unknown, depth = 0): unknown {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (v === null || typeof v !== "object") return v;
  if (depth >= SOURCE_LIMITS.maxDepth) return undefined;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      const c = cleanCopy(x, depth + 1);
      if (c === undefined && x !== undefined) return undefined;
      out[i] = c;
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    if (FORBIDDEN_KEYS.has(k)) return undefined;
    const x = (v as Record<string, unknown>)[k];
    const c = cleanCopy(x, depth + 1);
    if (c === undefined && x !== undefined) return undefined;
    out[k] = c;
  }
  return out;
}

/** Validate the context's copy against the schema, filling in its defaults. */
function validated<C extends object>(schemas: SchemaSet, copy: Record<string, unknown>): { context?: C; issues: Issue[] } {
  // A list over its maxItems is refused for its length alone, before the validator looks at every item.
  const over = overLimits(schemas.json.context, copy);
  const errors = over.length > 0 ? over : schemas.context(copy) ? [] : usefulErrors(schemas.context.errors);
  if (errors.length > 0) {
    return { issues: errors.map((e) => issue("context-invalid", errorMessage(e, "the context") + didYouMean(e, copy), { pointer: errorPointer(e), keyword: e.keyword })) };
  }
  return { context: copy as unknown as C, issues: [] };
}

/** For a value outside a closed set (`minimise_latency`), the allowed value it most likely meant. */
function didYouMean(e: ErrorObject, context: unknown): string {
  if (e.keyword !== "enum") return "";
  const written = getOwnPath(context, parsePointer(e.instancePath));
  const allowed = ((e.params as { allowedValues?: unknown[] }).allowedValues ?? []).filter((v): v is string => typeof v === "string");
  const near = typeof written === "string" ? nearMiss(written, allowed) ?? closestName(written, allowed, Math.max(2, Math.floor(written.length / 3))) : undefined;
  return near ? ` (did you mean '${near}'?)` : "";
}
