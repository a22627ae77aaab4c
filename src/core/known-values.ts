// The values a layer set knows for each context field: the literals its layer conditions compare the field
// with (`==`, `===`, `in` a literal list) and the values the context schema lists (enum, default, examples).
// The form options of the API are built from them, and a context value none of them equals (`vlm`, `dokcer`)
// is reported as a compose-time warning: otherwise no layer applies and nothing says why.
import { comparedLiterals } from "../lang/condition.js";
import { nearMisses, propertiesOf } from "../lang/json-schema.js";
import { warning, type Issue } from "./issues.js";
import type { Layer, LayerSet } from "./load.js";
import { getOwnPath, hasOwn, isPlainObject } from "../util/data.js";
import { closeNames } from "../util/names.js";
import { escapeToken, pointerToDots, toPointer } from "../util/pointer.js";

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

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The text values the context schema lists for a top-level field: enum, const, default, examples (also in anyOf/oneOf branches). */
export function schemaValues(set: LayerSet, field: string): string[] {
  const props = propertiesOf(set.schemas.json.context);
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

/**
 * `likely-typo` warnings for a context: a value of a field with an open vocabulary one or two letters from a known
 * one (`gpu_type: h100`, `base_runtime: sglng`), and in the user's overrides a key beside a known one in an open
 * section of the config (`parameters: {tp_size: …}` where the output schema knows `tp-size`). Fields already
 * reported by `unknown-value` are not reported twice.
 */
export function likelyTypoWarnings(set: LayerSet, context: object, already: readonly Issue[] = []): Issue[] {
  const out: Issue[] = [];
  const reported = new Set(already.map((i) => i.pointer));
  for (const m of nearMisses(set.schemas.json.context, context)) {
    if (reported.has(m.pointer)) continue;
    out.push(warning("likely-typo", `${pointerToDots(m.pointer)} '${m.written}' is not a known value (did you mean '${m.near}'?)`, { pointer: m.pointer }));
  }
  const overridesField = set.roles.overrides;
  const overrides = overridesField === undefined ? undefined : getOwnPath(context, [overridesField]);
  if (overridesField !== undefined && isPlainObject(overrides)) {
    for (const m of nearMisses(set.schemas.json.output, overrides)) {
      if (m.kind !== "key") continue;
      const parent = pointerToDots(m.pointer.slice(0, m.pointer.lastIndexOf("/")));
      out.push(warning("likely-typo", `${overridesField} sets '${m.written}' in ${parent ? `'${parent}'` : "the config"}, which takes any key but knows '${m.near}': did you mean '${m.near}'?`, { pointer: `/${escapeToken(overridesField)}${m.pointer}` }));
    }
  }
  return out;
}
