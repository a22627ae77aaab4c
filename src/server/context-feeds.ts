// Which config values each context field becomes, read from the layers: a value written by an expression that
// reads the field (`objective: !expr optimization_objective`). With a compose result's provenance, a client can
// tell that a field no longer reaches the config because a later layer (or the user) wrote over it.
import { layerParts, type LayerSet } from "../core/load.js";
import type { ContextFeed } from "./api-types.js";
import type { Template } from "../core/template.js";
import { expressionRefs } from "../lang/expression-reads.js";
import { escapeToken } from "../util/pointer.js";
import { jsonata } from "../vendor.js";

const cache = new WeakMap<LayerSet, Record<string, ContextFeed[]>>();

/** For each context field (a property of the context schema) the config values that layer expressions make of it. */
export function contextFeeds(set: LayerSet): Record<string, ContextFeed[]> {
  const hit = cache.get(set);
  if (hit) return hit;
  const fields = new Set(Object.keys((set.schemas.json.context.properties ?? {}) as object));
  const out: Record<string, ContextFeed[]> = {};
  const visit = (t: Template, pointer: string, source: string): void => {
    if (t.kind === "object") for (const [k, v] of t.entries) visit(v, `${pointer}/${escapeToken(k)}`, source);
    else if (t.kind === "array") t.items.forEach((v) => visit(v, pointer, source));
    // A whole-data expression (the GPU table) may write anything: it feeds no value in particular.
    else if (t.kind === "expr" && pointer !== "") {
      for (const ref of expressionRefs(jsonata(t.expr.source).ast(), t.expr.source)) {
        const field = ref.path[0];
        if (!fields.has(field)) continue;
        const list = (out[field] ??= []);
        if (!list.some((f) => f.pointer === pointer && f.source === source)) list.push({ pointer, source });
      }
    }
  };
  for (const stage of set.stages) for (const l of stage.layers) for (const part of layerParts(l)) visit(part.template, "", l.entry);
  for (const p of set.profiles.values()) for (const l of p.layers) visit(l.template, "", l.entry);
  cache.set(set, out);
  return out;
}
