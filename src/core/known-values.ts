// The values a layer set knows for each context field: the literals its layer conditions compare the field
// with (`==`, `===`, `in` a literal list) and the values the context schema lists (enum, default, examples).
// The form options of the API are built from them, and a context value none of them equals (`vlm`, `dokcer`)
// is reported as a compose-time warning: otherwise no layer applies and nothing says why.
import { warning, type Issue } from "./issues.js";
import type { Layer, LayerSet } from "./load.js";
import { getOwnPath, hasOwn, isPlainObject } from "../util/data.js";
import { closeNames } from "../util/names.js";
import { toPointer } from "../util/pointer.js";

export interface ComparedLiteral {
  field: string;
  value: string;
}

/**
 * `{"==": [{"var": "f"}, "x"]}` (either side), `{"in": [{"var": "f"}, ["x", "y"]]}`, anywhere in a rule.
 * Inside the per-item logic of map/filter/all/none/some/reduce a `var` reads the item, not the context:
 * comparisons there are left out. `$config` paths are kept (callers that want context fields skip them).
 */
export function comparedLiterals(rule: unknown): ComparedLiteral[] {
  const found: ComparedLiteral[] = [];
  const varName = (n: unknown): string | undefined => {
    if (!isPlainObject(n) || !hasOwn(n, "var")) return undefined;
    const arg = Array.isArray(n.var) ? n.var[0] : n.var;
    return typeof arg === "string" && arg !== "" ? arg : undefined;
  };
  const visit = (node: unknown, item: boolean) => {
    if (Array.isArray(node)) return node.forEach((n) => visit(n, item));
    if (!isPlainObject(node)) return;
    for (const [op, raw] of Object.entries(node)) {
      const args = Array.isArray(raw) ? raw : [raw];
      if (!item && (op === "==" || op === "===") && args.length === 2) {
        const [a, b] = args;
        const field = varName(a) ?? varName(b);
        const lit = varName(a) !== undefined ? b : a;
        if (field && typeof lit === "string") found.push({ field, value: lit });
      } else if (!item && op === "in" && args.length === 2 && Array.isArray(args[1])) {
        const field = varName(args[0]);
        if (field) for (const v of args[1]) if (typeof v === "string") found.push({ field, value: v });
      }
      if (["map", "filter", "all", "none", "some", "reduce"].includes(op)) args.forEach((a, i) => visit(a, i === 1 ? true : item));
      else visit(raw, item);
    }
  };
  visit(rule, false);
  return found;
}

/** Per field (a `var` path), per literal value in order of first appearance: the layers that compare with it. */
export type LayerLiterals = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

// Worked out once per layer set: the set never changes after loading.
const literalsBySet = new WeakMap<LayerSet, LayerLiterals>();

/** Every layer's (stages', then profiles') compared literals, by field. Computed once per set. */
export function layerLiterals(set: LayerSet): LayerLiterals {
  let cached = literalsBySet.get(set);
  if (cached) return cached;
  const out = new Map<string, Map<string, string[]>>();
  const layers: Layer[] = [...set.stages.flatMap((s) => s.layers), ...[...set.profiles.values()].flatMap((p) => p.layers)];
  for (const layer of layers) {
    if (layer.when === undefined) continue;
    for (const { field, value } of comparedLiterals(layer.when)) {
      let values = out.get(field);
      if (!values) out.set(field, (values = new Map()));
      let names = values.get(value);
      if (!names) values.set(value, (names = []));
      if (!names.includes(layer.name)) names.push(layer.name);
    }
  }
  cached = out;
  literalsBySet.set(set, cached);
  return cached;
}

type Schema = Record<string, unknown>;
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The text values the context schema lists for a top-level field: enum, const, default, examples (also in anyOf/oneOf branches). */
export function schemaValues(set: LayerSet, field: string): string[] {
  const props = (set.schemas.json.context.properties ?? {}) as Record<string, Schema>;
  if (!hasOwn(props, field) || !isPlainObject(props[field])) return [];
  const out: string[] = [];
  const add = (s: unknown, depth = 0) => {
    if (!isPlainObject(s) || depth > 5) return;
    const values = [...asList(s.enum), ...(hasOwn(s, "const") ? [s.const] : []), ...(hasOwn(s, "default") ? [s.default] : []), ...asList(s.examples)];
    for (const v of values) if (typeof v === "string" && !out.includes(v)) out.push(v);
    for (const alt of [...asList(s.anyOf), ...asList(s.oneOf)]) add(alt, depth + 1);
  };
  add(props[field]);
  return out;
}

/**
 * `unknown-value` warnings: a context field that layer conditions compare with two or more literals holds a
 * string that none of them (nor any value the context schema lists for it) equals. Null and absent values
 * never warn.
 */
export function unknownValueWarnings(set: LayerSet, context: object): Issue[] {
  const out: Issue[] = [];
  for (const [field, values] of layerLiterals(set)) {
    if (field.startsWith("$config")) continue;
    const path = field.split(".");
    const value = getOwnPath(context, path);
    // Only fields the layers branch on (two or more values, like base_runtime): one model-specific layer
    // (`model_name == "llama-70b"`) must not make every other model a warning.
    if (values.size < 2 || typeof value !== "string" || values.has(value)) continue;
    if (path.length === 1 && schemaValues(set, field).includes(value)) continue;
    const known = [...values.keys()].sort();
    const near = [...new Set([...known.filter((k) => k.toLowerCase() === value.toLowerCase()), ...closeNames(value, known)])];
    const hint = near.length > 0 ? `; did you mean ${near.slice(0, 3).map((n) => `'${n}'`).join(" or ")}?` : "";
    out.push(warning("unknown-value", `${field} '${value}' matches no layer (the layers know: ${known.join(", ")}${hint})`, { pointer: toPointer(path) }));
  }
  return out;
}
