// The request body of POST /api/tasks/from-context and /api/config/preview, and how it becomes a context.
// The body schema is derived from schemas/context.schema.json: the design's REST names (`overrides`,
// `slo`) replace the context's own (`user_overrides`, `slo_config`), which stay accepted as aliases.
import { Ajv, type ValidateFunction } from "ajv";
import { issue, type Issue } from "../core/issues.js";
import { type SchemaSet } from "../core/schemas.js";
import { findForbiddenKeys, hasOwn, isPlainObject, setOwn } from "../util/data.js";
import { errorMessage, errorPointer, overLimits, usefulErrors } from "../lang/json-schema.js";

/** Context field → the name the REST body uses for it (the design's `create_task_from_context`). */
export const REST_NAMES: Readonly<Record<string, string>> = { user_overrides: "overrides", slo_config: "slo" };

/** Body fields that name the task; they reach the config as overrides of its `task_name` and `description`. */
export const TASK_FIELDS = ["task_name", "description"] as const;

type JsonSchema = Record<string, unknown>;

/** At most this many problems are listed for one body (a list of 10,000 wrong items is one mistake, not 10,000). */
export const MAX_BODY_ISSUES = 100;

export interface TaskRequest {
  /** The context to compose, in the context's own field names (defaults are filled by compose). */
  context: Record<string, unknown>;
  /** Which body name each renamed context field came from, to point issues back at the body. */
  names: Record<string, string>;
}

const compiled = new WeakMap<SchemaSet, { schema: JsonSchema; validate: ValidateFunction }>();

/** The JSON Schema of the request body, for this layer set's context schema (cached per schema set). */
export function requestBodySchema(schemas: SchemaSet): JsonSchema {
  return bodyValidator(schemas).schema;
}

function bodyValidator(schemas: SchemaSet) {
  let hit = compiled.get(schemas);
  if (!hit) {
    const schema = deriveBodySchema(schemas.json.context, schemas.json.output);
    hit = { schema, validate: new Ajv({ allErrors: true, strict: false }).compile(schema) };
    compiled.set(schemas, hit);
  }
  return hit;
}

function deriveBodySchema(context: JsonSchema, taskConfig: JsonSchema): JsonSchema {
  const ctxProps = (context.properties ?? {}) as Record<string, JsonSchema>;
  const cfgProps = (taskConfig.properties ?? {}) as Record<string, JsonSchema>;
  const properties: Record<string, JsonSchema> = {};
  const aliases: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(ctxProps)) {
    const rest = REST_NAMES[name];
    if (!rest) {
      properties[name] = schema;
      continue;
    }
    properties[rest] = schema;
    // The alias documents no default or examples of its own: the REST name carries them.
    const alias = { ...schema };
    delete alias.default;
    delete alias.examples;
    aliases[name] = { ...alias, description: `The context's own name for '${rest}'; give one or the other, not both.` };
  }
  for (const field of TASK_FIELDS) {
    if (hasOwn(properties, field) || !cfgProps[field]) continue;
    properties[field] = {
      ...cfgProps[field],
      description: `${String(cfgProps[field].description ?? "")} Sets the config's '${field}' as an override (recorded as user_patch); by default the layers set it.`.trim(),
    };
  }
  return {
    title: "Task request",
    description:
      "A task context in the design's REST names. Only model_name and base_runtime are required; the other fields take the context schema's defaults. Unknown fields are rejected.",
    type: "object",
    additionalProperties: false,
    required: context.required ?? [],
    properties: { ...properties, ...aliases },
    ...(context.definitions ? { definitions: context.definitions } : {}),
  };
}

/** Check a parsed body and map it to a context. Issues point into the body (`/overrides/…`). */
export function readTaskRequest(schemas: SchemaSet, body: unknown): { request?: TaskRequest; issues: Issue[] } {
  if (body === undefined) {
    return { issues: [issue("empty-body", "the request body is empty: send a JSON object of context fields (model_name, base_runtime, …)", { pointer: "" })] };
  }
  if (!isPlainObject(body)) {
    return { issues: [issue("body-invalid", "the request body must be a JSON object of context fields (model_name, base_runtime, …)", { pointer: "" })] };
  }
  const forbidden = findForbiddenKeys(body);
  if (forbidden.length > 0) {
    return { issues: forbidden.map((pointer) => issue("forbidden-key", `key '${pointer.split("/").pop()}' is not allowed in a request body`, { pointer })) };
  }
  const conflicts: Issue[] = [];
  for (const [field, rest] of Object.entries(REST_NAMES)) {
    if (hasOwn(body, field) && hasOwn(body, rest)) {
      conflicts.push(issue("conflicting-fields", `give either '${rest}' or '${field}' (the same field under its context name), not both`, { pointer: `/${field}` }));
    }
  }
  if (conflicts.length > 0) return { issues: conflicts };

  const { schema, validate } = bodyValidator(schemas);
  // A list over its schema's maxItems is refused for its length alone, before ajv looks at every item.
  const over = overLimits(schema, body, MAX_BODY_ISSUES);
  const errors = over.length > 0 ? over : validate(body) ? [] : usefulErrors(validate.errors);
  if (errors.length > 0) {
    const issues = errors.slice(0, MAX_BODY_ISSUES).map((e) => issue("body-invalid", errorMessage(e, "the request body"), { pointer: errorPointer(e), keyword: e.keyword }));
    if (errors.length > MAX_BODY_ISSUES) issues.push(issue("body-invalid", `and ${errors.length - MAX_BODY_ISSUES} more problems of the same kind, not listed`, { pointer: "" }));
    return { issues };
  }

  const context: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  const byRestName = Object.fromEntries(Object.entries(REST_NAMES).map(([field, rest]) => [rest, field]));
  for (const key of Object.keys(body)) {
    if ((TASK_FIELDS as readonly string[]).includes(key) && !hasOwn(schemas.json.context.properties as object, key)) continue;
    const field = hasOwn(byRestName, key) ? byRestName[key] : key;
    if (field !== key) names[field] = key;
    setOwn(context, field, body[key]);
  }
  const named = nameOverrides(body, context, names);
  if (named.length > 0) return { issues: named };
  return { request: { context, names }, issues: [] };
}

/** `task_name`/`description` in the body become overrides of the same config fields. */
function nameOverrides(body: Record<string, unknown>, context: Record<string, unknown>, names: Record<string, string>): Issue[] {
  const given = TASK_FIELDS.filter((f) => hasOwn(body, f) && !hasOwn(context, f));
  if (given.length === 0) return [];
  const overrides = isPlainObject(context.user_overrides) ? { ...context.user_overrides } : {};
  const overridesName = names.user_overrides ?? "user_overrides";
  const issues: Issue[] = [];
  for (const f of given) {
    if (hasOwn(overrides, f) && JSON.stringify(overrides[f]) !== JSON.stringify(body[f])) {
      issues.push(issue("conflicting-fields", `'${f}' is given twice with different values: as '${f}' and as '${overridesName}.${f}'`, { pointer: `/${f}` }));
    }
    setOwn(overrides, f, body[f]);
  }
  context.user_overrides = overrides;
  if (!names.user_overrides && !hasOwn(body, "user_overrides")) names.user_overrides = "overrides";
  return issues;
}

/**
 * Compose reports context problems with the context's field names; point them at the body's instead.
 * Only issues about the input are renamed: config issues (with an origin) point into the config.
 */
export function toBodyPointers(issues: Issue[], request: TaskRequest): Issue[] {
  return issues.map((i) => {
    if (!i.pointer || i.file || i.origin || i.code === "config-invalid") return i;
    for (const [field, bodyName] of Object.entries(request.names)) {
      if (i.pointer === `/${field}` || i.pointer.startsWith(`/${field}/`)) return { ...i, pointer: `/${bodyName}${i.pointer.slice(field.length + 1)}` };
    }
    return i;
  });
}
