// The autotuner's task API, as strata uses it (its FastAPI backend, src/web/routes/tasks.py):
// POST /api/tasks/, GET /api/tasks/name/{task_name}, GET /api/tasks/{id}, POST /api/tasks/{id}/start.
// A network failure, a timeout or a 5xx is `AutotunerUnreachable` (try again later); a 4xx is an answer.
import type { TaskCreate } from "./task-create.js";

/** The autotuner could not be asked (down, timed out, 5xx): worth another try. */
export class AutotunerUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AutotunerUnreachable";
  }
}

/** A task as the autotuner returns it (TaskResponse): the fields strata reads. */
export interface AutotunerTask {
  id: number;
  task_name: string;
  status: string;
  [field: string]: unknown;
}

export type Answer<T> = { ok: true; value: T } | { ok: false; status: number; detail: string };

/** FastAPI's `detail`: a string, or a list of `{loc, msg}` for a body it could not validate. */
export function detailText(body: unknown, status: number): string {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d: { loc?: unknown; msg?: unknown }) => `${Array.isArray(d?.loc) ? d.loc.join(".") + ": " : ""}${typeof d?.msg === "string" ? d.msg : JSON.stringify(d)}`)
      .join("; ");
  }
  return `HTTP ${status}`;
}

export class AutotunerClient {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    readonly timeoutMs = 10_000,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    // fetch refuses such a URL; every message would then repeat the password (the CLI refuses it first).
    const url = URL.canParse(this.baseUrl) ? new URL(this.baseUrl) : undefined;
    if (url && (url.username || url.password)) throw new Error("the autotuner URL must not hold a user name or password: strata sends no credentials to the autotuner");
  }

  /** A link to the task for people: the autotuner's own resource for it. */
  taskUrl(id: number): string {
    return `${this.baseUrl}/api/tasks/${id}`;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      const why = err.name === "TimeoutError" ? `no answer within ${this.timeoutMs} ms` : (err.cause?.code ?? err.cause?.message ?? err.message);
      throw new AutotunerUnreachable(`the autotuner at ${this.baseUrl} is unreachable (${method} ${path}: ${why})`);
    }
    const text = await res.text().catch(() => "");
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (res.status >= 500) throw new AutotunerUnreachable(`the autotuner at ${this.baseUrl} failed (${method} ${path}: ${res.status} ${detailText(parsed, res.status)})`);
    if (res.ok) return { ok: true, value: parsed as T };
    return { ok: false, status: res.status, detail: detailText(parsed, res.status) };
  }

  create(body: TaskCreate): Promise<Answer<AutotunerTask>> {
    return this.call("POST", "/api/tasks/", body);
  }

  /** The task of this name, or null (404). */
  async byName(name: string): Promise<AutotunerTask | null> {
    const a = await this.call<AutotunerTask>("GET", `/api/tasks/name/${encodeURIComponent(name)}`);
    if (a.ok) return a.value;
    if (a.status === 404) return null;
    throw new AutotunerUnreachable(`the autotuner at ${this.baseUrl} did not answer GET /api/tasks/name/… as expected (${a.status}: ${a.detail})`);
  }

  async get(id: number): Promise<AutotunerTask | null> {
    const a = await this.call<AutotunerTask>("GET", `/api/tasks/${id}`);
    if (a.ok) return a.value;
    if (a.status === 404) return null;
    throw new AutotunerUnreachable(`the autotuner at ${this.baseUrl} did not answer GET /api/tasks/${id} as expected (${a.status}: ${a.detail})`);
  }

  start(id: number): Promise<Answer<AutotunerTask>> {
    return this.call("POST", `/api/tasks/${id}/start`);
  }
}
