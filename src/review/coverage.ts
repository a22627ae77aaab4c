// What the scenarios exercise: the units a layer set is made of (layers, profiles, profile layers, check rules)
// and, for a set of compose results, which scenarios apply each one. `strata test --coverage` lists the units no
// scenario applies; `strata diff` names, for every changed unit, the scenarios it affects.
import type { ComposeResult } from "../core/compose.js";
import type { LayerSet } from "../core/load.js";
import type { Roles } from "../core/project.js";
import { getOwnPath } from "../util/data.js";
import { parseDotPath } from "../util/pointer.js";

export type UnitKind = "layer" | "profile" | "profile-layer" | "check" | "table-row";

/** One thing a layer author changes and a scenario can exercise. */
export interface Unit {
  /** Stable across revisions: `layer:docker-defaults`, `profile:production`, `profile:production:production-params`, `check:tp-size-multi-node`, `row:gpu-aware:H100`. */
  id: string;
  kind: UnitKind;
  /** As people read it: the `applied_layers` entry, the profile's or the check's name. */
  name: string;
  /** File relative to the layer directory, and the line of its definition. */
  file: string;
  line?: number;
  /** Where its definition is in the parsed file (JSON Pointer), and the parts of it (pointers below it) that are units of their own. */
  pointer: string;
  omit?: string[];
  /** For a table row: its layer's entry, the key field and the row's key. */
  row?: { layer: string; key: string; value: string };
}

/** Every unit of a usable layer set, in application order (layers by stage, then profiles, then checks). */
export function unitsOf(set: LayerSet): Unit[] {
  const out: Unit[] = [];
  for (const stage of set.stages) {
    for (const l of stage.layers) {
      out.push({ id: `layer:${l.name}`, kind: "layer", name: l.entry, file: l.file, line: l.line, pointer: "", ...(l.table ? { omit: ["/table/rows"] } : {}) });
      for (const r of l.table?.rows.values() ?? []) {
        out.push({ id: `row:${l.name}:${r.key}`, kind: "table-row", name: `${l.entry} row ${r.key}`, file: l.file, line: r.line, pointer: r.dataPointer, row: { layer: l.entry, key: l.table!.key, value: r.key } });
      }
    }
  }
  for (const p of set.profiles.values()) {
    out.push({ id: `profile:${p.name}`, kind: "profile", name: p.name, file: p.file, line: p.line, pointer: "", omit: ["/layers"] });
    for (const l of p.layers) out.push({ id: l.entry, kind: "profile-layer", name: l.entry, file: l.file, line: l.line, pointer: l.dataPointer.replace(/\/data$/, "") });
  }
  for (const c of set.checks) out.push({ id: `check:${c.name}`, kind: "check", name: c.name, file: c.file, line: c.line, pointer: "" });
  return out;
}

/**
 * Whether a scenario's compose result exercises the unit: a layer applied, a profile asked for by the
 * context, a check rule that fired.
 */
export function appliesIn(unit: Pick<Unit, "kind" | "name" | "row">, result: ComposeResult, roles: Roles): boolean {
  switch (unit.kind) {
    case "table-row": {
      const r = unit.row!;
      const value = result.context ? getOwnPath(result.context, parseDotPath(r.key)) : undefined;
      return result.applied_layers.includes(r.layer) && value !== null && typeof value !== "object" && value !== undefined && String(value) === r.value;
    }
    case "layer":
    case "profile-layer":
      return result.applied_layers.includes(unit.name);
    case "profile": {
      const field = roles.profiles;
      const asked = field !== undefined && result.context ? (result.context as Record<string, unknown>)[field] : undefined;
      return Array.isArray(asked) && asked.includes(unit.name);
    }
    case "check":
      return [...result.warnings, ...result.errors].some((i) => i.code === unit.name && i.layer === unit.name);
  }
}

export interface UnitCoverage extends Omit<Unit, "pointer" | "omit"> {
  /** Files of the scenarios that apply it. */
  scenarios: string[];
}

export interface Coverage {
  units: UnitCoverage[];
  /** The units no scenario applies. */
  uncovered: UnitCoverage[];
}

/** Which scenarios apply each unit of the set. */
export function coverageOf(set: LayerSet, runs: readonly { file: string; result: ComposeResult }[]): Coverage {
  const units = unitsOf(set).map(({ pointer: _p, omit: _o, row: _r, ...u }) => ({
    ...u,
    scenarios: runs.filter((r) => appliesIn({ ...u, row: _r }, r.result, set.roles)).map((r) => r.file),
  }));
  return { units, uncovered: units.filter((u) => u.scenarios.length === 0) };
}

/** `profile low-latency`, `check tp-size-multi-node`, or the applied-layers entry of a layer. */
export function unitLabel(u: { kind: string; name: string }): string {
  return u.kind === "profile" ? `profile ${u.name}` : u.kind === "check" ? `check ${u.name}` : u.kind === "table-row" ? `table row ${u.name.replace(" row ", ": ")}` : u.name;
}
