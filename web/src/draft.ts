// The New task form's state (what the user typed, as text) and its translation into the request body.
// Text is kept as typed so nothing is lost; values that do not parse are sent as they are, and the
// server's issue (with its pointer) is shown beside the field — the server is the one validator.
import type { Options, TaskBody } from "./api";

/** SLO targets the form offers, as paths inside `slo`. */
export const SLO_TARGETS = [
  { key: "ttft", path: ["ttft"] },
  { key: "tpot", path: ["tpot"] },
  { key: "latency.p50", path: ["latency", "p50"] },
  { key: "latency.p90", path: ["latency", "p90"] },
  { key: "latency.p99", path: ["latency", "p99"] },
] as const;

export type SloKey = (typeof SLO_TARGETS)[number]["key"];

export interface SloRow {
  threshold: string;
  weight: string;
  hard_fail: boolean;
  fail_ratio: string;
}

export interface Draft {
  model_name: string;
  base_runtime: string;
  deployment_mode: string;
  benchmark_task: string;
  traffic_scenarios: string;
  num_concurrency: string;
  optimization_strategy: string;
  optimization_objective: string;
  gpu_type: string;
  total_gpus: string;
  slo: Record<SloKey, SloRow>;
  slo_steepness: string;
  profiles: string[];
  overrides_text: string;
  override_mode: "patch" | "replace";
  task_name: string;
  description: string;
}

const emptyRow = (): SloRow => ({ threshold: "", weight: "", hard_fail: false, fail_ratio: "" });

const str = (v: unknown) => (typeof v === "string" ? v : "");
const list = (v: unknown) => (Array.isArray(v) ? v.map(String).join(", ") : "");

/** A new form, filled with the context schema's defaults as the server reports them. */
export function draftFromDefaults(options: Options): Draft {
  const d = options.defaults ?? {};
  const slo = Object.fromEntries(SLO_TARGETS.map((t) => [t.key, emptyRow()])) as Record<SloKey, SloRow>;
  const sloDefault = d.slo_config;
  if (sloDefault && typeof sloDefault === "object") fillSlo(slo, sloDefault as Record<string, unknown>);
  return {
    model_name: str(d.model_name),
    base_runtime: str(d.base_runtime),
    deployment_mode: str(d.deployment_mode),
    benchmark_task: str(d.benchmark_task),
    traffic_scenarios: list(d.traffic_scenarios),
    num_concurrency: list(d.num_concurrency),
    optimization_strategy: str(d.optimization_strategy),
    optimization_objective: str(d.optimization_objective),
    gpu_type: str(d.gpu_type),
    total_gpus: typeof d.total_gpus === "number" ? String(d.total_gpus) : "",
    slo,
    slo_steepness: "",
    profiles: Array.isArray(d.profiles) ? d.profiles.map(String) : [],
    overrides_text: "",
    override_mode: d.override_mode === "replace" ? "replace" : "patch",
    task_name: "",
    description: "",
  };
}

function fillSlo(rows: Record<SloKey, SloRow>, slo: Record<string, unknown>) {
  for (const t of SLO_TARGETS) {
    let v: unknown = slo;
    for (const k of t.path) v = v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined;
    if (!v || typeof v !== "object") continue;
    const o = v as Record<string, unknown>;
    rows[t.key] = {
      threshold: o.threshold === undefined ? "" : String(o.threshold),
      weight: o.weight === undefined ? "" : String(o.weight),
      hard_fail: o.hard_fail === true,
      fail_ratio: o.fail_ratio === undefined ? "" : String(o.fail_ratio),
    };
  }
}

/** A number when the text is one, else the text itself (the server then names the field). */
function numberOrText(s: string): number | string {
  const t = s.trim();
  return t !== "" && Number.isFinite(Number(t)) ? Number(t) : t;
}

/** "D(100,100), D(1000,100)" → two items: commas inside parentheses do not split. */
export function splitList(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const c of text) {
    if (c === "(" || c === "[") depth++;
    if ((c === ")" || c === "]") && depth > 0) depth--;
    if ((c === "," || c === "\n" || c === ";") && depth === 0) {
      if (cur.trim()) out.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

export function sloBody(draft: Draft): Record<string, unknown> | null {
  const slo: Record<string, unknown> = {};
  for (const t of SLO_TARGETS) {
    const r = draft.slo[t.key];
    if (!r.threshold.trim() && !r.weight.trim() && !r.fail_ratio.trim() && !r.hard_fail) continue;
    const target: Record<string, unknown> = {};
    if (r.threshold.trim()) target.threshold = numberOrText(r.threshold);
    if (r.weight.trim()) target.weight = numberOrText(r.weight);
    if (r.hard_fail) target.hard_fail = true;
    if (r.fail_ratio.trim()) target.fail_ratio = numberOrText(r.fail_ratio);
    let parent = slo;
    for (const k of t.path.slice(0, -1)) parent = (parent[k] ??= {}) as Record<string, unknown>;
    parent[t.path[t.path.length - 1]] = target;
  }
  if (draft.slo_steepness.trim()) slo.steepness = numberOrText(draft.slo_steepness);
  return Object.keys(slo).length > 0 ? slo : null;
}

/** The body for preview and create. `overrides` comes parsed from the editor (never evaluated). */
export function draftToBody(draft: Draft, overrides: Record<string, unknown>): TaskBody {
  const body: TaskBody = {
    model_name: draft.model_name.trim(),
    base_runtime: draft.base_runtime,
    deployment_mode: draft.deployment_mode,
    benchmark_task: draft.benchmark_task,
    traffic_scenarios: splitList(draft.traffic_scenarios),
    num_concurrency: splitList(draft.num_concurrency).map(numberOrText) as number[],
    optimization_strategy: draft.optimization_strategy,
    optimization_objective: draft.optimization_objective,
    profiles: draft.profiles,
    overrides,
    override_mode: draft.override_mode,
    slo: sloBody(draft),
    gpu_type: draft.gpu_type.trim() || null,
    total_gpus: draft.total_gpus.trim() === "" ? null : (numberOrText(draft.total_gpus) as number),
  };
  if (draft.task_name.trim()) body.task_name = draft.task_name.trim();
  if (draft.description.trim()) body.description = draft.description.trim();
  return body;
}

const STORAGE_KEY = "strata.new-task.draft.v1";

/** The draft survives a reload of the tab (sessionStorage); nothing typed is lost by navigating. */
export function loadDraft(): Draft | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const d = JSON.parse(raw) as Draft;
    return d && typeof d === "object" && typeof d.model_name === "string" && d.slo ? d : null;
  } catch {
    return null;
  }
}

export function saveDraft(d: Draft): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(d));
  } catch {
    // Storage full or disabled: the draft still lives in memory.
  }
}
