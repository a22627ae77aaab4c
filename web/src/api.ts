// The HTTP API as the page uses it: response shapes (see docs/api.md) and one fetch helper that turns
// every answer into data — a 4xx/5xx becomes an ApiFailure with the server's issues, never a throw.
// The response types are the server's own (src/server/api-types.ts, types only): nothing here mirrors them.
import type {
  ContextFeed,
  ErrorBody,
  Handoff,
  Issue,
  JsonSchema,
  LayerStatus,
  LayerView,
  OptionValue,
  Options,
  Origin,
  Preview,
  ProfileList,
  ProfileView as Profile,
  SkippedLayer,
  Task,
  TaskCreated,
  TaskList,
  TaskStatus,
  TaskSummary,
} from "../../src/server/api-types";

export type { ContextFeed, Handoff, Issue, JsonSchema, LayerStatus, LayerView, OptionValue, Options, Origin, Preview, Profile, ProfileList, SkippedLayer, Task, TaskCreated, TaskList, TaskStatus, TaskSummary };

export type Config = Record<string, unknown>;
export type Provenance = Record<string, Origin>;

/** A failed request: the HTTP status (0 when the server could not be reached) and the server's error body. */
export interface ApiFailure {
  status: number;
  /** The server's `error.code`; `unreachable` or `aborted` when no answer came. */
  code: string;
  message: string;
  issues: Issue[];
  existing_id?: ErrorBody["error"]["existing_id"];
  suggested_name?: ErrorBody["error"]["suggested_name"];
  /** 422 only: what composition got to before validation failed. */
  applied_layers?: ErrorBody["applied_layers"];
  warnings?: ErrorBody["warnings"];
}

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; failure: ApiFailure };

/** Requests cancelled through `signal` resolve to this failure, which callers ignore. */
export const ABORTED = "aborted";

// A server that needs a token for writes answers 401 token-missing/token-invalid: the page asks once and keeps
// the token for this tab's session (sessionStorage), sending it with every write.
const TOKEN_KEY = "strata-token";

function savedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function askToken(code: string): string | null {
  const why = code === "token-invalid" ? "The token was not accepted." : "This server needs a token for changes.";
  const given = window.prompt(`${why} Enter the token (kept for this browser session only):`)?.trim();
  if (!given) return null;
  try {
    sessionStorage.setItem(TOKEN_KEY, given);
  } catch {
    // Storage refused (private mode): the token still works for this request.
  }
  return given;
}

export async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<ApiResult<T>> {
  const result = await send<T>(method, path, body, signal, savedToken());
  if (result.ok || result.failure.status !== 401 || method === "GET") return result;
  const token = askToken(result.failure.code);
  return token === null ? result : send<T>(method, path, body, signal, token);
}

async function send<T>(method: string, path: string, body: unknown, signal: AbortSignal | undefined, token: string | null): Promise<ApiResult<T>> {
  let res: Response;
  const headers: Record<string, string> = body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" };
  if (token !== null && method !== "GET") headers.authorization = `Bearer ${token}`;
  try {
    res = await fetch(path, {
      method,
      signal,
      headers,
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
  const answer = (data ?? {}) as Partial<ErrorBody>;
  const err = answer.error as Partial<ErrorBody["error"]> | undefined;
  const extra = answer;
  return {
    ok: false,
    failure: {
      status: res.status,
      code: err?.code ?? `http-${res.status}`,
      message: err?.message ?? `the server answered ${res.status} ${res.statusText}`.trim(),
      issues: Array.isArray(err?.issues) ? err.issues : [],
      existing_id: err?.existing_id,
      suggested_name: typeof err?.suggested_name === "string" ? err.suggested_name : undefined,
      applied_layers: extra.applied_layers,
      warnings: extra.warnings,
    },
  };
}

export const api = {
  options: (signal?: AbortSignal) => request<Options>("GET", "/api/options", undefined, signal),
  profiles: (signal?: AbortSignal) => request<ProfileList>("GET", "/api/profiles", undefined, signal),
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
  /** GET /api/schemas/:name: `context`, `output` (the project's output schema; `task-config` in the autotuner's name), `layer` or `request` (the body of the two POST routes). */
  schema: (name: string, signal?: AbortSignal) => request<JsonSchema>("GET", `/api/schemas/${encodeURIComponent(name)}`, undefined, signal),
};

/**
 * The body of POST /api/config/preview and /api/tasks/from-context: the project's context fields (in their
 * context names; the server also takes the body names of `aliases`) and the task's name and description.
 */
export type TaskBody = Record<string, unknown> & {
  /** Start the task on the autotuner once it is delivered (only with an autotuner URL). */
  start?: boolean;
};
