// The HTTP API as the page uses it: response shapes (see docs/api.md) and one fetch helper that turns
// every answer into data — a 4xx/5xx becomes an ApiFailure with the server's issues, never a throw.

export interface Origin {
  source: string;
  layer?: string;
  stage: string;
  file?: string;
  line?: number;
  column?: number;
}

export interface Issue {
  code: string;
  severity: "error" | "warning";
  message: string;
  pointer?: string;
  file?: string;
  line?: number;
  column?: number;
  layer?: string;
  origin?: Origin;
}

export interface SkippedLayer {
  layer: string;
  stage: string;
  file?: string;
  line?: number;
  reason: string;
  when?: unknown;
  /** The condition in words, from the server: `base_runtime == "vllm"`. */
  when_text?: string;
  read?: Record<string, unknown>;
}

export type Config = Record<string, unknown>;
export type Provenance = Record<string, Origin>;

export interface Preview {
  ok: boolean;
  config: Config | null;
  applied_layers: string[];
  skipped_layers: SkippedLayer[];
  warnings: Issue[];
  errors: Issue[];
  provenance: Provenance;
  layer_set_hash?: string;
  context?: Record<string, unknown> | null;
}

export interface LayerView {
  name: string;
  description: string | null;
  file: string;
  line: number;
  when?: unknown;
  when_text?: string;
  data: unknown;
}

export interface Profile {
  name: string;
  title: string;
  description: string;
  file?: string;
  line?: number;
  layers?: LayerView[];
}

export interface OptionValue {
  value: string;
  layers: string[];
  in_schema: boolean;
}

export type JsonSchema = Record<string, unknown>;

export interface Options {
  options: Record<string, OptionValue[]>;
  defaults: Record<string, unknown>;
  context_schema: JsonSchema;
  layer_set_hash?: string;
}

export type TaskStatus = "pending" | "running" | "completed" | "failed" | "cancelled";

export interface TaskSummary {
  id: number;
  task_name: string;
  description: string | null;
  status: TaskStatus;
  created_at: string;
  profiles: string[];
  applied_layers: string[];
}

export interface Task {
  id: number;
  task_name: string;
  description: string | null;
  status: TaskStatus;
  config: Config;
  metadata: {
    applied_layers: string[];
    skipped_layers?: SkippedLayer[];
    warnings?: Issue[];
    context: Record<string, unknown>;
    layer_set_hash?: string;
    provenance: Provenance;
  };
  created_at: string;
}

export interface TaskList {
  tasks: TaskSummary[];
  total: number;
  limit: number;
  offset: number;
  next_cursor: number | null;
}

export interface TaskCreated {
  task: Task;
  applied_layers: string[];
  warnings: Issue[];
}

/** A failed request: the HTTP status (0 when the server could not be reached) and the server's error body. */
export interface ApiFailure {
  status: number;
  code: string;
  message: string;
  issues: Issue[];
  existing_id?: number | null;
  /** 422 only: what composition got to before validation failed. */
  applied_layers?: string[];
  warnings?: Issue[];
}

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; failure: ApiFailure };

/** Requests cancelled through `signal` resolve to this failure, which callers ignore. */
export const ABORTED = "aborted";

export async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<ApiResult<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      signal,
      headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (signal?.aborted) return { ok: false, failure: { status: 0, code: ABORTED, message: "cancelled", issues: [] } };
    return { ok: false, failure: { status: 0, code: "unreachable", message: `the server did not answer (${e instanceof Error ? e.message : String(e)})`, issues: [] } };
  }
  let data: unknown = undefined;
  const text = await res.text().catch(() => "");
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (a proxy error page, say): reported below with the status.
  }
  if (res.ok) return { ok: true, status: res.status, data: data as T };
  const err = (data as { error?: Partial<ApiFailure> } | undefined)?.error;
  const extra = (data ?? {}) as { applied_layers?: string[]; warnings?: Issue[] };
  return {
    ok: false,
    failure: {
      status: res.status,
      code: err?.code ?? `http-${res.status}`,
      message: err?.message ?? `the server answered ${res.status} ${res.statusText}`.trim(),
      issues: Array.isArray(err?.issues) ? err.issues : [],
      existing_id: err?.existing_id,
      applied_layers: extra.applied_layers,
      warnings: extra.warnings,
    },
  };
}

export const api = {
  options: (signal?: AbortSignal) => request<Options>("GET", "/api/options", undefined, signal),
  profiles: (signal?: AbortSignal) => request<{ profiles: Profile[]; layer_set_hash?: string }>("GET", "/api/profiles", undefined, signal),
  preview: (body: TaskBody, signal?: AbortSignal) => request<Preview>("POST", "/api/config/preview", body, signal),
  createTask: (body: TaskBody) => request<TaskCreated>("POST", "/api/tasks/from-context", body),
  tasks: (query: { status?: string; cursor?: number | null; limit?: number }, signal?: AbortSignal) => {
    const q = new URLSearchParams();
    if (query.status) q.set("status", query.status);
    if (query.cursor) q.set("cursor", String(query.cursor));
    if (query.limit) q.set("limit", String(query.limit));
    const s = q.toString();
    return request<TaskList>("GET", `/api/tasks${s ? `?${s}` : ""}`, undefined, signal);
  },
  task: (id: number, signal?: AbortSignal) => request<Task>("GET", `/api/tasks/${id}`, undefined, signal),
  layerStatus: (signal?: AbortSignal) => request<LayerStatus>("GET", "/api/layers/status", undefined, signal),
};

/** GET /api/layers/status: `ok` false when the files on disk are broken and the last good set still serves. */
export interface LayerStatus {
  hash: string;
  ok: boolean;
  errors: Issue[];
  warnings: Issue[];
  checked_at: string;
}

/** The body of POST /api/config/preview and /api/tasks/from-context, in the design's REST names. */
export interface TaskBody {
  model_name: string;
  base_runtime: string;
  deployment_mode?: string;
  benchmark_task?: string;
  traffic_scenarios?: string[];
  num_concurrency?: number[];
  optimization_strategy?: string;
  optimization_objective?: string;
  profiles?: string[];
  overrides?: Record<string, unknown>;
  override_mode?: "patch" | "replace";
  slo?: Record<string, unknown> | null;
  total_gpus?: number | null;
  gpu_type?: string | null;
  task_name?: string;
  description?: string;
}
