// The request body of POST /api/tasks/from-context and /api/config/preview, and how it becomes a context.
// The body schema is derived from the project's context schema and its project file: each alias (the autotuner's
// `overrides`, `slo`) replaces the context field it names, which stays accepted under its own name; a top-level
// item name or description (`task_name`, `description`) may be given as an override of that config field.
import { Ajv, type ValidateFunction } from "ajv";
import { issue, type Issue } from "../core/issues.js";
import { type SchemaSet } from "../core/schemas.js";
import type { Project } from "../core/project.js";
import { findForbiddenKeys, hasOwn, isPlainObject, setOwn } from "../util/data.js";
import { errorMessage, errorPointer, overLimits, usefulErrors } from "../lang/json-schema.js";
import { escapeToken, unescapeToken } from "../util/pointer.js";

type JsonSchema = Record<string, unknown>;

/** At most this many problems are listed for one body (a list of 10,000 wrong items is one mistake, not 10,000). */
export const MAX_BODY_ISSUES = 100;

/** What the project file says about request bodies (bodyNames derives it from the project). */
export interface BodyNames {
  /** Body name → context field (the project's `aliases`). */
  aliases: Readonly<Record<string, string>>;
  /** The context field holding the user's overrides (the overrides role), if the project has one. */
  overrides?: string;
  /** Body fields that set a top-level config field of the same name as an override: the item's name and description. */
  configFields: readonly string[];
}

/** The body names of a project: its aliases, and its item name and description when each is a top-level config field. */
export function bodyNames(project: Pick<Project, "aliases" | "roles" | "itemName" | "itemDescription">): BodyNames {
  const overrides = project.roles.overrides;
  const topLevel = (pointer: string | undefined) => (pointer !== undefined && /^\/[^/]+$/.test(pointer) ? unescapeToken(pointer.slice(1)) : undefined);
  const configFields = overrides === undefined ? [] : [topLevel(project.itemName), topLevel(project.itemDescription)].filter((f): f is string => f !== undefined);
  return { aliases: { ...project.aliases }, ...(overrides !== undefined ? { overrides } : {}), configFields: [...new Set(configFields)] };
}

/** The body field that sets the config value at `pointer` (a top-level item field), if there is one. */
export function bodyFieldFor(names: BodyNames, schemas: SchemaSet, pointer: string): string | undefined {
  const { configFields } = bodyValidator(schemas, names);
  return configFields.find((f) => pointer === `/${escapeToken(f)}`);
}

/** Whether the body has a field of this name (a context field, an alias or an item field). */
export function bodyHasField(schemas: SchemaSet, names: BodyNames, field: string): boolean {
  return hasOwn(bodyValidator(schemas, names).schema.properties as object, field);
}

/** The body name of a context field: its alias when it has one. */
export function bodyNameOf(names: BodyNames, field: string): string {
  return Object.entries(names.aliases).find(([, f]) => f === field)?.[0] ?? field;
}

export interface TaskRequest {
  /** The context to compose, in the context's own field names (defaults are filled by compose). */
  context: Record<string, unknown>;
  /** Which body name each renamed context field came from, to point issues back at the body. */
  names: Record<string, string>;
}

interface BodyValidator {
  schema: JsonSchema;
  validate: ValidateFunction;
  /** The item fields the body takes (configFields the output schema has and the context schema does not). */
  configFields: string[];
}

const compiled = new WeakMap<SchemaSet, Map<string, BodyValidator>>();

/** The JSON Schema of the request body, for this layer set's context schema and the project's body names (cached). */
export function requestBodySchema(schemas: SchemaSet, names: BodyNames): JsonSchema {
  return bodyValidator(schemas, names).schema;
}

function bodyValidator(schemas: SchemaSet, names: BodyNames): BodyValidator {
  let bySchemas = compiled.get(schemas);
  if (!bySchemas) compiled.set(schemas, (bySchemas = new Map()));
  const key = JSON.stringify(names);
  let hit = bySchemas.get(key);
  if (!hit) {
    const { schema, configFields } = deriveBodySchema(schemas.json.context, schemas.json.output, names);
    hit = { schema, configFields, validate: new Ajv({ allErrors: true, strict: false }).compile(schema) };
    bySchemas.set(key, hit);
  }
  return hit;
}

function deriveBodySchema(context: JsonSchema, output: JsonSchema, names: BodyNames): { schema: JsonSchema; configFields: string[] } {
  const ctxProps = (context.properties ?? {}) as Record<string, JsonSchema>;
  const cfgProps = (output.properties ?? {}) as Record<string, JsonSchema>;
  const properties: Record<string, JsonSchema> = {};
  const aliases: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(ctxProps)) {
    const rest = bodyNameOf(names, name);
    if (rest === name) {
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
  const configFields: string[] = [];
  for (const field of names.configFields) {
    if (hasOwn(properties, field) || hasOwn(aliases, field) || !hasOwn(cfgProps, field) || !isPlainObject(cfgProps[field])) continue;
    configFields.push(field);
    properties[field] = {
      ...cfgProps[field],
      description: `${String(cfgProps[field].description ?? "")} Sets the config's '${field}' as an override (recorded as user_patch); by default the layers set it.`.trim(),
    };
  }
  // A required field with an alias is there under either name (giving both is refused before validation).
  const required = Array.isArray(context.required) ? (context.required as string[]) : [];
  const aliased = required.filter((r) => bodyNameOf(names, r) !== r);
  const schema = {
    title: "Request",
    description: `A context${Object.keys(names.aliases).length > 0 ? ", with the project's REST aliases for some fields" : ""}. ${
      required.length > 0 ? `Required: ${required.map((r) => bodyNameOf(names, r)).join(", ")}; the` : "The"
    } other fields take the context schema's defaults. Unknown fields are rejected.`,
    type: "object",
    additionalProperties: false,
    required: required.filter((r) => !aliased.includes(r)),
    ...(aliased.length > 0 ? { allOf: aliased.map((r) => ({ anyOf: [{ required: [bodyNameOf(names, r)] }, { required: [r] }] })) } : {}),
    properties: { ...properties, ...aliases },
    ...(context.definitions ? { definitions: context.definitions } : {}),
  };
  return { schema, configFields };
}

/** Check a parsed body and map it to a context. Issues point into the body (`/overrides/…`). */
export function readTaskRequest(schemas: SchemaSet, names: BodyNames, body: unknown): { request?: TaskRequest; issues: Issue[] } {
  if (body === undefined) {
    return { issues: [issue("empty-body", `the request body is empty: send a JSON object of context fields (${someFields(schemas, names)})`, { pointer: "" })] };
  }
  if (!isPlainObject(body)) {
    return { issues: [issue("body-invalid", `the request body must be a JSON object of context fields (${someFields(schemas, names)})`, { pointer: "" })] };
  }
  const forbidden = findForbiddenKeys(body);
  if (forbidden.length > 0) {
    return { issues: forbidden.map((pointer) => issue("forbidden-key", `key '${pointer.split("/").pop()}' is not allowed in a request body`, { pointer })) };
  }
  const conflicts: Issue[] = [];
  for (const [rest, field] of Object.entries(names.aliases)) {
    if (hasOwn(body, field) && hasOwn(body, rest)) {
      conflicts.push(issue("conflicting-fields", `give either '${rest}' or '${field}' (the same field under its context name), not both`, { pointer: `/${field}` }));
    }
  }
  if (conflicts.length > 0) return { issues: conflicts };

  const { schema, validate, configFields } = bodyValidator(schemas, names);
  // A list over its schema's maxItems is refused for its length alone, before ajv looks at every item.
  const over = overLimits(schema, body, MAX_BODY_ISSUES);
  const errors = over.length > 0 ? over : validate(body) ? [] : usefulErrors(validate.errors);
  if (errors.length > 0) {
    const issues = errors.slice(0, MAX_BODY_ISSUES).map((e) => issue("body-invalid", errorMessage(e, "the request body"), { pointer: errorPointer(e), keyword: e.keyword }));
    if (errors.length > MAX_BODY_ISSUES) issues.push(issue("body-invalid", `and ${errors.length - MAX_BODY_ISSUES} more problems of the same kind, not listed`, { pointer: "" }));
    return { issues };
  }

  const context: Record<string, unknown> = {};
  const renamed: Record<string, string> = {};
  for (const key of Object.keys(body)) {
    if (configFields.includes(key)) continue;
    const field = hasOwn(names.aliases, key) ? names.aliases[key] : key;
    if (field !== key) renamed[field] = key;
    setOwn(context, field, body[key]);
  }
  const named = configOverrides(body, configFields, names, context, renamed);
  if (named.length > 0) return { issues: named };
  return { request: { context, names: renamed }, issues: [] };
}

/** A few context fields by their body names, for messages: the required ones, else the first two. */
function someFields(schemas: SchemaSet, names: BodyNames): string {
  const required = Array.isArray(schemas.json.context.required) ? (schemas.json.context.required as string[]) : [];
  const fields = required.length > 0 ? required : Object.keys((schemas.json.context.properties ?? {}) as object).slice(0, 2);
  return [...fields.map((f) => bodyNameOf(names, f)), "…"].join(", ");
}

/** The item fields in the body (`task_name`, `description`) become overrides of the same config fields. */
function configOverrides(body: Record<string, unknown>, configFields: string[], names: BodyNames, context: Record<string, unknown>, renamed: Record<string, string>): Issue[] {
  const given = configFields.filter((f) => hasOwn(body, f));
  const field = names.overrides;
  if (given.length === 0 || field === undefined) return [];
  const overrides = isPlainObject(context[field]) ? { ...context[field] } : {};
  const overridesName = renamed[field] ?? field;
  const issues: Issue[] = [];
  for (const f of given) {
    if (hasOwn(overrides, f) && JSON.stringify(overrides[f]) !== JSON.stringify(body[f])) {
      issues.push(issue("conflicting-fields", `'${f}' is given twice with different values: as '${f}' and as '${overridesName}.${f}'`, { pointer: `/${f}` }));
    }
    setOwn(overrides, f, body[f]);
  }
  setOwn(context, field, overrides);
  // Problems with the overrides made here are named by the field's body name (its alias, when it has one).
  const shown = bodyNameOf(names, field);
  if (!hasOwn(renamed, field) && !hasOwn(body, field) && shown !== field) renamed[field] = shown;
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
