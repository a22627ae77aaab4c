// What the layer set offers, for clients: profiles with their layers as written, and the form options
// (runtimes, deployment modes, GPU types, …) the layers and the context schema know about.
import type { Layer, LayerSet, Profile } from "../load.js";
import type { Template } from "../template.js";
import { describeLogic } from "../condition.js";
import { isPlainObject, setOwn } from "../util.js";

export interface LayerView {
  name: string;
  description: string | null;
  file: string;
  line: number;
  /** The condition as written, and in words. */
  when?: unknown;
  when_text?: string;
  /** The layer's data as written: expressions appear as `{ $expr: "…" }`. */
  data: unknown;
}

export interface ProfileView {
  name: string;
  title: string;
  description: string;
  file: string;
  line: number;
  layers: LayerView[];
}

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

export interface OptionValue {
  value: string;
  /** Layers whose condition compares the field with this value. */
  layers: string[];
  /** Listed in the context schema (enum, default or examples). */
  in_schema: boolean;
}

/**
 * For each text field of the context: the values the context schema lists (enum, default, examples)
 * and the literal values layer conditions compare it with (`==`, `===`, `in`), in that order.
 */
export function formOptions(set: LayerSet): Record<string, OptionValue[]> {
  const props = (set.schemas.json.context.properties ?? {}) as Record<string, Record<string, unknown>>;
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
  const layers: Layer[] = [...set.stages.flatMap((s) => s.layers), ...[...set.profiles.values()].flatMap((p) => p.layers)];
  for (const layer of layers) {
    if (layer.when === undefined) continue;
    for (const { field, value } of comparedLiterals(layer.when)) {
      if (hasField(out, field)) add(field, value, layer.name);
    }
  }
  return out;
}

const hasField = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function acceptsString(schema: Record<string, unknown>): boolean {
  if (schema.type === "string") return true;
  return asList(schema.anyOf ?? schema.oneOf).some((s) => isPlainObject(s) && s.type === "string");
}

/** `{"==": [{"var": "f"}, "x"]}` (either side), `{"in": [{"var": "f"}, ["x", "y"]]}`, anywhere in a rule. */
export function comparedLiterals(rule: unknown): { field: string; value: string }[] {
  const found: { field: string; value: string }[] = [];
  const varName = (n: unknown): string | undefined => {
    if (!isPlainObject(n) || !hasField(n, "var")) return undefined;
    const arg = Array.isArray(n.var) ? n.var[0] : n.var;
    return typeof arg === "string" ? arg : undefined;
  };
  const visit = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isPlainObject(node)) return;
    for (const [op, raw] of Object.entries(node)) {
      const args = Array.isArray(raw) ? raw : [raw];
      if ((op === "==" || op === "===") && args.length === 2) {
        const [a, b] = args;
        const field = varName(a) ?? varName(b);
        const lit = varName(a) !== undefined ? b : a;
        if (field && typeof lit === "string") found.push({ field, value: lit });
      } else if (op === "in" && args.length === 2 && Array.isArray(args[1])) {
        const field = varName(args[0]);
        if (field) for (const v of args[1]) if (typeof v === "string") found.push({ field, value: v });
      }
      visit(raw);
    }
  };
  visit(rule);
  return found;
}

/** The context schema's defaults, by field. */
export function contextDefaults(set: LayerSet): Record<string, unknown> {
  const props = (set.schemas.json.context.properties ?? {}) as Record<string, Record<string, unknown>>;
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(props)) if (hasField(s, "default")) out[k] = s.default;
  return out;
}
