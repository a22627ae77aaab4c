// What the layer set offers, for clients: profiles with their layers as written, and the form options
// (runtimes, deployment modes, GPU types, …) the layers and the context schema know about.
import type { Layer, LayerSet, Profile } from "../core/load.js";
import type { Template } from "../core/template.js";
import { describeLogic } from "../lang/condition.js";
import { layerLiterals } from "../core/known-values.js";
import { propertiesOf } from "../lang/json-schema.js";
import { isPlainObject, setOwn } from "../util/data.js";
import type { LayerView, OptionValue, ProfileView } from "./api-types.js";

export type { LayerView, OptionValue, ProfileView };

export function profileView(p: Profile): ProfileView {
  return { name: p.name, title: p.title, description: p.description, file: p.file, line: p.line, layers: p.layers.map(layerView) };
}

export function listProfiles(set: LayerSet): ProfileView[] {
  return [...set.profiles.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map(profileView);
}

function layerView(l: Layer): LayerView {
  return {
    name: l.name,
    description: l.description ?? null,
    file: l.file,
    line: l.line,
    ...(l.when !== undefined ? { when: l.when, when_text: describeLogic(l.when) } : {}),
    data: templateSource(l.template),
  };
}

/** A compiled template back to the data it came from. */
export function templateSource(t: Template): unknown {
  switch (t.kind) {
    case "static":
      return t.value;
    case "expr":
      return t.replace ? { $expr: t.expr.source, $patch: "replace" } : { $expr: t.expr.source };
    case "array":
      return t.items.map(templateSource);
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of t.entries) setOwn(out, k, templateSource(v));
      return out;
    }
  }
}

/**
 * For each text field of the context: the values the context schema lists (enum, default, examples)
 * and the literal values layer conditions compare it with (`==`, `===`, `in`; see known-values.ts), in that order.
 */
export function formOptions(set: LayerSet): Record<string, OptionValue[]> {
  const props = propertiesOf(set.schemas.json.context);
  const out: Record<string, OptionValue[]> = {};
  const add = (field: string, value: string, layer?: string) => {
    const list = (out[field] ??= []);
    let entry = list.find((o) => o.value === value);
    if (!entry) list.push((entry = { value, layers: [], in_schema: !layer }));
    if (layer && !entry.layers.includes(layer)) entry.layers.push(layer);
    if (!layer) entry.in_schema = true;
  };
  for (const [field, schema] of Object.entries(props)) {
    if (!acceptsString(schema)) continue;
    out[field] = [];
    for (const v of [...asList(schema.enum), schema.default, ...asList(schema.examples)]) if (typeof v === "string") add(field, v);
  }
  for (const [field, values] of layerLiterals(set)) {
    if (!hasField(out, field)) continue;
    for (const [value, layers] of values) for (const layer of layers) add(field, value, layer);
  }
  // A table's keys are the values its layer knows (the GPU types of gpu-aware).
  for (const stage of set.stages) {
    for (const l of stage.layers) if (l.table && hasField(out, l.table.key)) for (const key of l.table.rows.keys()) add(l.table.key, key, l.name);
  }
  return out;
}

const hasField = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function acceptsString(schema: Record<string, unknown>): boolean {
  if (schema.type === "string") return true;
  return asList(schema.anyOf ?? schema.oneOf).some((s) => isPlainObject(s) && s.type === "string");
}

/** The context schema's defaults, by field. */
export function contextDefaults(set: LayerSet): Record<string, unknown> {
  const props = propertiesOf(set.schemas.json.context);
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(props)) if (hasField(s, "default")) out[k] = s.default;
  return out;
}
