// The New task form, read from the project's context schema: which widget each field gets, the text the form
// starts with, and the request body it sends. Pure data (no React): components/SchemaField.tsx renders it.
// Nothing here knows a field name: titles, help, choices and layout come from the schema, its `examples` and two
// annotations (`x-form-group`, `x-form-widget`); the profiles and overrides fields are found by the project's roles.
// The form keeps what the user typed as text; the server is the one validator and locates what is wrong.
import { parse, stringify } from "yaml";
import type { JsonSchema } from "./api";

/**
 * select: a list to pick from (`enum`, or `x-form-widget: select` on a string: its `x-known-values`, `examples` and
 * the values the layers test for); text: free text with those as suggestions; number; boolean; list: scalar items written with commas, shown as chips; object: a fieldset of
 * its properties; table: an object whose object-valued properties are rows of the same columns (`x-form-widget:
 * table`); yaml: anything else (a free-form object), written as YAML.
 */
export type FieldKind = "select" | "text" | "number" | "boolean" | "list" | "object" | "table" | "yaml";

export interface FormField {
  /** Property names from the context's top: ["slo_config", "latency", "p50", "threshold"]. */
  path: string[];
  /** The form's key for the field: the path joined with dots. Its element id is `f-<key>`. */
  key: string;
  title: string;
  description?: string;
  kind: FieldKind;
  /** Listed in its parent's `required`. */
  required: boolean;
  /** Accepts null: an empty field sends null rather than leaving the field out. */
  nullable: boolean;
  /** number: whole numbers only; list: the items' type. */
  numeric?: "integer" | "number";
  /** select: the schema's own choices (the server's options come first when it has them). */
  choices: string[];
  examples: unknown[];
  default?: unknown;
  /** `x-form-group`: the panel a top-level field sits in. */
  group?: string;
  /** object and table: the fields inside (a table's fields that are not rows). */
  children: FormField[];
  /** table: its rows (objects of scalar cells), nested row groups flattened ("latency.p50"). */
  rows: FormField[];
  /** table: the cells of a row, by property name, with titles and help from the first row that has them. */
  columns: { name: string; title: string; description?: string }[];
}

/** What the user typed: text for every field, true/false for a checkbox. Keyed by FormField.key. */
export type FieldValues = Record<string, string | boolean>;

type Schema = JsonSchema;
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** `#/definitions/x` (or `#/$defs/x`) in the root schema; an unknown reference is an empty schema. */
function lookup(root: Schema, ref: string): Schema {
  let cur: unknown = root;
  for (const token of ref.replace(/^#\/?/, "").split("/").filter(Boolean)) {
    cur = isObject(cur) ? cur[token.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
  }
  return isObject(cur) ? cur : {};
}

/**
 * One schema with `$ref` and `allOf` merged in and a null branch of `anyOf`/`oneOf` (or of `type`) taken off.
 * The outer keywords win (a property's own title over its definition's).
 */
export function resolveSchema(schema: Schema, root: Schema, seen: string[] = []): { schema: Schema; nullable: boolean } {
  let out: Schema = {};
  let nullable = false;
  const take = (s: Schema, via = seen) => {
    const r = resolveSchema(s, root, via);
    nullable ||= r.nullable;
    out = { ...out, ...r.schema };
  };
  // A reference already followed on this path (a recursive schema) is left out rather than followed forever.
  if (typeof schema.$ref === "string" && !seen.includes(schema.$ref)) take(lookup(root, schema.$ref), [...seen, schema.$ref]);
  for (const part of asList(schema.allOf)) if (isObject(part)) take(part);
  const branches = asList(schema.anyOf ?? schema.oneOf).filter(isObject);
  const nonNull = branches.filter((b) => b.type !== "null");
  if (branches.length > nonNull.length) nullable = true;
  if (nonNull.length === 1) take(nonNull[0]);
  const own = { ...schema };
  for (const k of ["$ref", "allOf", "anyOf", "oneOf"]) delete own[k];
  out = { ...out, ...own };
  if (Array.isArray(out.type)) {
    const types = out.type.filter((t) => t !== "null");
    if (types.length < out.type.length) nullable = true;
    out.type = types.length === 1 ? types[0] : types;
  }
  if (asList(out.enum).includes(null)) nullable = true;
  return { schema: out, nullable };
}

/** How deep fieldsets nest before a value is written as YAML. */
const MAX_DEPTH = 5;

const SCALAR = new Set(["string", "number", "integer", "boolean"]);

function kindOf(s: Schema, root: Schema): FieldKind {
  const props = isObject(s.properties) ? s.properties : undefined;
  if (s["x-form-widget"] === "table" && props) return "table";
  if (Array.isArray(s.enum) && s.enum.some((v) => typeof v === "string")) return "select";
  if (s.type === "string") return s["x-form-widget"] === "select" ? "select" : "text";
  if (s.type === "integer" || s.type === "number") return "number";
  if (s.type === "boolean") return "boolean";
  if (s.type === "array" && isObject(s.items)) {
    const items = resolveSchema(s.items, root).schema;
    if (typeof items.type === "string" && SCALAR.has(items.type) && items.type !== "boolean") return "list";
  }
  if (props && Object.keys(props).length > 0) return "object";
  return "yaml";
}

/** The form field for one property (and, for objects and tables, the fields inside it). */
export function formField(path: string[], raw: Schema, root: Schema, required: boolean): FormField {
  const { schema: s, nullable } = resolveSchema(raw, root);
  // Fieldsets stop nesting somewhere (a schema may refer to itself): deeper than that, the value is YAML.
  const kind = path.length > MAX_DEPTH ? "yaml" : kindOf(s, root);
  const name = path[path.length - 1];
  const items = kind === "list" && isObject(s.items) ? resolveSchema(s.items, root).schema : undefined;
  const numericType = kind === "number" ? s.type : items?.type;
  const field: FormField = {
    path,
    key: path.join("."),
    title: text(s.title) ?? name,
    description: text(s.description),
    kind,
    required,
    nullable,
    numeric: numericType === "integer" || numericType === "number" ? numericType : undefined,
    choices: [...asList(s.enum), ...asList(s["x-known-values"])].filter((v): v is string => typeof v === "string").filter((v, i, all) => all.indexOf(v) === i),
    examples: asList(s.examples),
    ...("default" in s ? { default: s.default } : {}),
    group: text(s["x-form-group"]),
    children: [],
    rows: [],
    columns: [],
  };
  if (kind === "object" || kind === "table") {
    const req = new Set(asList(s.required).filter((r): r is string => typeof r === "string"));
    const inner = Object.entries(isObject(s.properties) ? s.properties : {})
      .filter(([, p]) => isObject(p))
      .map(([k, p]) => formField([...path, k], p as Schema, root, req.has(k)));
    if (kind === "object") field.children = inner;
    else splitTable(field, inner);
  }
  return field;
}

const isRow = (f: FormField) => f.kind === "object" && f.children.length > 0 && f.children.every((c) => c.kind !== "object" && c.kind !== "table");

/** A table's rows are its objects of scalars, also one level down (latency → p50, p90, p99); the rest are fields. */
function splitTable(table: FormField, inner: FormField[]) {
  for (const f of inner) {
    if (isRow(f)) table.rows.push(f);
    else if (f.kind === "object" && f.children.length > 0 && f.children.every(isRow)) table.rows.push(...f.children);
    else table.children.push(f);
  }
  for (const row of table.rows) {
    for (const cell of row.children) {
      const name = cell.path[cell.path.length - 1];
      if (!table.columns.some((c) => c.name === name)) table.columns.push({ name, title: cell.title, description: cell.description });
    }
  }
}

/** The project's roles (GET /api/options `roles`): the fields the page shows with widgets of their own. */
export interface Roles {
  profiles?: string;
  overrides?: string;
  override_mode?: string;
}

export interface FormModel {
  /** Body fields that are not context fields (the task's name and description), first on the form. */
  itemFields: FormField[];
  /** The context's fields, in schema order, without the ones a role shows. */
  fields: FormField[];
  /** The schema's title: the panel of the fields no `x-form-group` places. */
  title: string;
  /** The role fields, with their titles and help. */
  profiles?: FormField;
  overrides?: FormField;
  overrideMode?: FormField;
}

/**
 * The form for a context schema and the project's roles. `requestSchema` (GET /api/schemas/request) adds the body
 * fields that are not context fields, less the body's other names of context fields (`aliases`).
 */
export function formModel(context: Schema, roles: Roles, requestSchema?: Schema, aliases: Record<string, string> = {}): FormModel {
  const props = isObject(context.properties) ? context.properties : {};
  const required = new Set(asList(context.required));
  const all = Object.entries(props)
    .filter(([, p]) => isObject(p))
    .map(([k, p]) => formField([k], p as Schema, context, required.has(k)));
  const byName = (name?: string) => (name ? all.find((f) => f.key === name) : undefined);
  const roleNames = new Set(Object.values(roles).filter(Boolean));
  const reqProps = requestSchema && isObject(requestSchema.properties) ? requestSchema.properties : {};
  const itemFields = Object.entries(reqProps)
    .filter(([k, p]) => !(k in props) && !(k in aliases) && isObject(p))
    .map(([k, p]) => formField([k], p as Schema, requestSchema!, false));
  return {
    itemFields,
    fields: all.filter((f) => !roleNames.has(f.key)),
    title: text(context.title) ?? "Context",
    profiles: byName(roles.profiles),
    overrides: byName(roles.overrides),
    overrideMode: byName(roles.override_mode),
  };
}

/** Every field with a value of its own (the leaves), with its table cells. */
function leaves(fields: FormField[]): FormField[] {
  return fields.flatMap((f) => (f.kind === "object" ? leaves(f.children) : f.kind === "table" ? [...leaves(f.rows), ...leaves(f.children)] : [f]));
}

/** A value as the text its field shows: lists with commas, objects as YAML. */
function toText(field: FormField, v: unknown): string | boolean {
  if (field.kind === "boolean") return v === true;
  if (v === undefined || v === null) return "";
  if (field.kind === "list") return asList(v).map(String).join(", ");
  if (field.kind === "yaml") return isObject(v) && Object.keys(v).length === 0 ? "" : stringify(v).trimEnd();
  return typeof v === "string" ? v : String(v);
}

/** The form's first text: the server's defaults for the top fields (`defaults` of GET /api/options), the schema's inside. */
export function initialValues(model: FormModel, defaults: Record<string, unknown>): FieldValues {
  const out: FieldValues = {};
  for (const f of [...model.itemFields, ...leaves(model.fields)]) {
    let v: unknown = defaults;
    for (const k of f.path) v = isObject(v) ? v[k] : undefined;
    out[f.key] = toText(f, v === undefined ? f.default : v);
  }
  return out;
}

/** A number when the text is one, else the text itself (the server then names the field). */
export function numberOrText(s: string): number | string {
  const t = s.trim();
  return t !== "" && Number.isFinite(Number(t)) ? Number(t) : t;
}

/** "D(100,100), D(1000,100)" → two items: commas inside brackets do not split. */
export function splitList(input: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const c of input) {
    if (c === "(" || c === "[" || c === "{") depth++;
    if ((c === ")" || c === "]" || c === "}") && depth > 0) depth--;
    if ((c === "," || c === "\n" || c === ";") && depth === 0) {
      if (cur.trim()) out.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** The items of a list field's text, as they are sent. */
export const listItems = (field: FormField, input: string): (string | number)[] => splitList(input).map((s) => (field.numeric ? numberOrText(s) : s));

/** A YAML field that does not parse: its message, with the line. */
export interface TextProblem {
  key: string;
  message: string;
}

/**
 * The value a field sends, or undefined to leave it out (the server fills the default). Empty text is null for a
 * field that takes null; inside an object, an unticked box and an empty field say nothing.
 */
function valueOf(f: FormField, values: FieldValues, problems: TextProblem[], nested: boolean): unknown {
  const v = values[f.key];
  const empty = () => (f.nullable && !nested ? null : undefined);
  switch (f.kind) {
    case "boolean":
      return v === true ? true : nested || v === undefined ? undefined : false;
    case "list":
      return typeof v === "string" ? listItems(f, v) : undefined;
    case "number":
      return typeof v === "string" && v.trim() !== "" ? numberOrText(v) : empty();
    case "yaml": {
      if (typeof v !== "string" || v.trim() === "") return empty();
      try {
        return parse(v) as unknown;
      } catch (e) {
        problems.push({ key: f.key, message: e instanceof Error ? e.message.split("\n")[0] : String(e) });
        return undefined;
      }
    }
    case "object":
    case "table": {
      const out: Record<string, unknown> = {};
      for (const c of [...f.rows, ...f.children]) {
        const cv = valueOf(c, values, problems, true);
        if (cv === undefined) continue;
        // A row one level down (latency.p50) goes back under its group.
        let parent = out;
        for (const k of c.path.slice(f.path.length, -1)) parent = (parent[k] = isObject(parent[k]) ? parent[k] : {}) as Record<string, unknown>;
        parent[c.path[c.path.length - 1]] = cv;
      }
      return Object.keys(out).length > 0 ? out : f.nullable && !nested ? null : undefined;
    }
    default: {
      const t = typeof v === "string" ? v.trim() : "";
      return t !== "" ? t : empty();
    }
  }
}

/** The request body's context and item fields (the role fields are added by the page). */
export function bodyOf(model: FormModel, values: FieldValues): { body: Record<string, unknown>; problems: TextProblem[] } {
  const body: Record<string, unknown> = {};
  const problems: TextProblem[] = [];
  for (const f of [...model.itemFields, ...model.fields]) {
    const v = valueOf(f, values, problems, false);
    if (v !== undefined) body[f.key] = v;
  }
  return { body, problems };
}

/** Required top fields that are still empty (the preview waits for them). */
export function missingRequired(model: FormModel, values: FieldValues): FormField[] {
  return model.fields.filter((f) => f.required && f.kind !== "boolean" && (typeof values[f.key] !== "string" || (values[f.key] as string).trim() === ""));
}

/** The panels of the form: the grouped fields (`x-form-group`, in order of first use), then the ungrouped ones. */
export function panels(model: FormModel): { title: string; fields: FormField[] }[] {
  const out: { title: string; fields: FormField[] }[] = [];
  const simple = model.fields.filter((f) => f.kind !== "object" && f.kind !== "table");
  for (const f of simple) {
    const title = f.group ?? model.title;
    let panel = out.find((p) => p.title === title);
    if (!panel) out.push((panel = { title, fields: [] }));
    panel.fields.push(f);
  }
  return out;
}

/** Fields that are a fieldset of their own: objects and tables, in schema order. */
export const fieldsets = (model: FormModel): FormField[] => model.fields.filter((f) => f.kind === "object" || f.kind === "table");
