// Which context fields a later layer (or your changes) overrode: the server says which config values each field
// feeds (`context_feeds` of GET /api/options) and the preview's provenance says who wrote each value last.
// A field is overridden when every value it feeds, from a layer that applied, was last written by someone else.
import { createContext } from "react";
import type { ContextFeed, Origin, Preview } from "./api";
import { describeSource, fileLine } from "./explain";
import { dotted, parsePointer } from "./pointer";
import { yamlFlow } from "./yaml-lines";

export interface FieldOverride {
  /** The config value the field feeds. */
  pointer: string;
  /** Who wrote it last. */
  origin: Origin;
  /** What it is now. */
  value: unknown;
}

export function overriddenFields(feeds: Record<string, ContextFeed[]> | undefined, preview: Preview | null | undefined): Map<string, FieldOverride[]> {
  const out = new Map<string, FieldOverride[]>();
  if (!feeds || !preview?.config) return out;
  const applied = new Set(preview.applied_layers);
  const provenance = Object.entries(preview.provenance ?? {});
  for (const [field, list] of Object.entries(feeds)) {
    const live = list.filter((f) => applied.has(f.source));
    if (live.length === 0) continue;
    const feeders = new Set(live.map((f) => f.source));
    const overrides: FieldOverride[] = [];
    for (const pointer of new Set(live.map((f) => f.pointer))) {
      // A value may be a whole section (`/slo`): look at every value recorded under it.
      const written = provenance.filter(([p]) => p === pointer || p.startsWith(`${pointer}/`));
      const foreign = written.filter(([, o]) => !feeders.has(o.source));
      if (written.length === 0 || foreign.length < written.length) break;
      overrides.push({ pointer, origin: foreign[foreign.length - 1][1], value: valueAt(preview.config, pointer) });
    }
    if (overrides.length === new Set(live.map((f) => f.pointer)).size) out.set(field, overrides);
  }
  return out;
}

/** "profile high-throughput › high-throughput-params sets optimization.objective to maximize_throughput (profiles/high-throughput.yaml:8)" */
export function describeOverride(o: FieldOverride): string {
  const where = fileLine(o.origin);
  return `${describeSource(o.origin.source).title} sets ${dotted(o.pointer)} to ${yamlFlow(o.value)}${where ? ` (${where})` : ""}`;
}

function valueAt(config: unknown, pointer: string): unknown {
  let cur = config;
  for (const k of parsePointer(pointer)) cur = cur !== null && typeof cur === "object" ? (cur as Record<string, unknown>)[k] : undefined;
  return cur;
}

/** The overridden fields of the form, for every Field to look up by its name. */
export const OverriddenContext = createContext<Map<string, FieldOverride[]>>(new Map());
