// What the project's output schema says at a path of the overrides: the keys a mapping there may have, the values a
// value there may take (enum, const, the project's known values, examples, booleans), and the title and description
// of a key. The schema walk ($ref, anyOf/oneOf/allOf) is the engine's own (src/lang/json-schema.ts).
import { KNOWN_VALUES, leafSchemas, objectBranches, propertyIn, type Schema } from "../../../src/lang/json-schema";

const isSchema = (v: unknown): v is Schema => v !== null && typeof v === "object" && !Array.isArray(v);

/** The schemas that hold a value at `path` ("*" for a list item); empty where the schema says nothing. */
export function schemasAt(root: Schema, path: readonly string[]): Schema[] {
  let current: Schema[] = [root];
  for (const seg of path) {
    const next: Schema[] = [];
    for (const s of current) {
      if (seg === "*") {
        for (const leaf of leafSchemas(root, s)) if (isSchema(leaf.items)) next.push(leaf.items);
        continue;
      }
      const branches = objectBranches(root, s);
      const named = propertyIn(branches, seg);
      if (named.length > 0) next.push(...named);
      else for (const b of branches) if (isSchema(b.additionalProperties)) next.push(b.additionalProperties);
    }
    current = next;
    if (current.length === 0) break;
  }
  return current;
}

export interface KeyOption {
  key: string;
  title?: string;
  description?: string;
  /** `object`: the key opens a nested mapping; `list`: it may hold a list; `value`: anything else. */
  shape: "object" | "list" | "value";
  required: boolean;
}

const text = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v : undefined);

/** The first title and description among `schemas` and what they refer to. */
export function helpOf(root: Schema, schemas: readonly Schema[]): { title?: string; description?: string } {
  let title: string | undefined, description: string | undefined;
  for (const s of schemas) {
    for (const leaf of leafSchemas(root, s)) {
      title ??= text(leaf.title);
      description ??= text(leaf.description);
    }
  }
  return { title, description };
}

function shapeOf(root: Schema, s: Schema): KeyOption["shape"] {
  const leaves = leafSchemas(root, s).filter((l) => !l.anyOf && !l.oneOf && !l.allOf && !l.$ref);
  const types = leaves.flatMap((l) => (Array.isArray(l.type) ? l.type : [l.type ?? (l.properties ? "object" : l.items ? "array" : undefined)]));
  if (types.includes("array")) return "list";
  if (types.length > 0 && types.every((t) => t === "object")) return "object";
  return "value";
}

/** The keys the mapping at `path` may have, in the schema's order (keys starting with `$` left out). */
export function keyOptions(root: Schema, path: readonly string[]): KeyOption[] {
  const out = new Map<string, KeyOption>();
  for (const branch of schemasAt(root, path).flatMap((s) => objectBranches(root, s))) {
    const required = Array.isArray(branch.required) ? (branch.required as unknown[]) : [];
    for (const [key, s] of Object.entries(isSchema(branch.properties) ? branch.properties : {})) {
      if (out.has(key) || key.startsWith("$") || !isSchema(s)) continue;
      out.set(key, { key, ...helpOf(root, [s]), shape: shapeOf(root, s), required: required.includes(key) });
    }
  }
  return [...out.values()];
}

type Scalar = string | number | boolean | null;

export interface ValueOption {
  /** A scalar, or a whole list (an example or default of a list value). */
  value: Scalar | Scalar[];
  /** Where it comes from: `enum`/`const` are the only values allowed; the others are suggestions. */
  source: "enum" | "const" | "known" | "example" | "default" | "boolean";
}

const isScalar = (v: unknown): v is Scalar => v === null || ["string", "number", "boolean"].includes(typeof v);
const isOption = (v: unknown): v is ValueOption["value"] => isScalar(v) || (Array.isArray(v) && v.length > 0 && v.every(isScalar));

/** The values a value at `path` may take or is known to take, allowed ones first, each once. */
export function valueOptions(root: Schema, path: readonly string[]): ValueOption[] {
  const out = new Map<string, ValueOption>();
  const add = (v: unknown, source: ValueOption["source"]) => {
    if (isOption(v) && !out.has(JSON.stringify(v))) out.set(JSON.stringify(v), { value: v, source });
  };
  const leaves = schemasAt(root, path).flatMap((s) => leafSchemas(root, s));
  for (const l of leaves) if (Array.isArray(l.enum)) l.enum.forEach((v) => add(v, "enum"));
  for (const l of leaves) if ("const" in l) add(l.const, "const");
  for (const l of leaves) if (Array.isArray(l[KNOWN_VALUES])) (l[KNOWN_VALUES] as unknown[]).forEach((v) => add(v, "known"));
  for (const l of leaves) if (Array.isArray(l.examples)) l.examples.forEach((v) => add(v, "example"));
  for (const l of leaves) if ("default" in l) add(l.default, "default");
  for (const l of leaves) if (l.type === "boolean" || (Array.isArray(l.type) && l.type.includes("boolean"))) [true, false].forEach((v) => add(v, "boolean"));
  // A list item: the items of the list's own examples and default are suggestions too.
  if (path.at(-1) === "*") {
    const lists = schemasAt(root, path.slice(0, -1)).flatMap((s) => leafSchemas(root, s));
    for (const l of lists) for (const ex of [...(Array.isArray(l.examples) ? l.examples : []), l.default]) if (Array.isArray(ex)) ex.forEach((v) => add(v, "example"));
  }
  return [...out.values()];
}
