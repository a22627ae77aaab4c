// A small stand-in for the autotuner's task API (its FastAPI backend, src/web/routes/tasks.py), on a free
// localhost port: exactly the four endpoints strata uses, with the autotuner's status codes and bodies.
//   POST /api/tasks/               → 201 the task (status pending); a taken name → 400 {"detail": "Task '<name>' already exists"};
//                                    a missing required field → 422 {"detail": [{loc, msg, type}]} (pydantic); unknown fields ignored
//   GET  /api/tasks/name/{name}    → the task, or 404 {"detail": "Task '<name>' not found"}
//   POST /api/tasks/{id}/start     → 200 the task (status running), 400 when not pending, 404 when none
//   GET  /api/tasks/{id}           → the task, or 404
// Knobs for fault tests: `down` (every connection is cut at once), `loseAnswers` (the next N creates are
// stored, then the connection is cut before the answer), `delayMs` (each answer waits), `rejectNext` (the next
// create gets this 4xx).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

const FIELDS = ["task_name", "description", "model", "base_runtime", "runtime_image_tag", "parameters", "optimization", "benchmark", "slo", "quant_config", "deployment_mode"];
const REQUIRED = ["task_name", "model", "base_runtime", "parameters", "optimization", "benchmark"];

export interface FakeTask {
  id: number;
  task_name: string;
  status: string;
  [k: string]: unknown;
}

export class FakeAutotuner {
  readonly tasks = new Map<number, FakeTask>();
  /** Every request, as `METHOD path`. */
  readonly requests: string[] = [];
  /** The task names of every create that stored a task, in order. */
  readonly stored: string[] = [];
  down = false;
  loseAnswers = 0;
  delayMs = 0;
  rejectNext: { status: number; detail: unknown } | undefined;
  url = "";
  private server: Server | undefined;
  private nextId = 1;

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(port, "127.0.0.1", () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  byName(name: string): FakeTask | undefined {
    return [...this.tasks.values()].find((t) => t.task_name === name);
  }

  /** Put a task there directly (as if created through the autotuner's own page). */
  add(body: Record<string, unknown>, status = "pending"): FakeTask {
    const task = this.toTask(body, status);
    this.tasks.set(task.id, task);
    return task;
  }

  private toTask(body: Record<string, unknown>, status: string): FakeTask {
    const t: FakeTask = { id: this.nextId++, task_name: String(body.task_name), status };
    for (const f of FIELDS) t[f] = body[f] ?? (f === "deployment_mode" ? "docker" : null);
    Object.assign(t, { total_experiments: 0, successful_experiments: 0, best_experiment_id: null, created_at: new Date().toISOString(), started_at: null, completed_at: null, elapsed_time: null });
    return t;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = req.url ?? "";
    this.requests.push(`${req.method} ${path}`);
    if (this.down) return void req.socket.destroy();
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    let m: RegExpExecArray | null;
    if (req.method === "POST" && path === "/api/tasks/") {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return send(422, { detail: [{ loc: ["body"], msg: "JSON decode error", type: "json_invalid" }] });
      }
      if (this.rejectNext) {
        const r = this.rejectNext;
        this.rejectNext = undefined;
        return send(r.status, { detail: r.detail });
      }
      const missing = REQUIRED.filter((f) => body[f] === undefined);
      if (missing.length > 0) return send(422, { detail: missing.map((f) => ({ loc: ["body", f], msg: "Field required", type: "missing" })) });
      if (this.byName(String(body.task_name))) return send(400, { detail: `Task '${body.task_name}' already exists` });
      const task = this.add(body);
      this.stored.push(task.task_name);
      if (this.loseAnswers > 0) {
        this.loseAnswers--;
        return void req.socket.destroy();
      }
      return send(201, task);
    }
    if (req.method === "GET" && (m = /^\/api\/tasks\/name\/([^/?]+)$/.exec(path))) {
      const name = decodeURIComponent(m[1]);
      const t = this.byName(name);
      return t ? send(200, t) : send(404, { detail: `Task '${name}' not found` });
    }
    if (req.method === "POST" && (m = /^\/api\/tasks\/(\d+)\/start$/.exec(path))) {
      const t = this.tasks.get(Number(m[1]));
      if (!t) return send(404, { detail: `Task ${m[1]} not found` });
      if (t.status !== "pending") return send(400, { detail: "Task must be in PENDING status to start" });
      t.status = "running";
      t.started_at = new Date().toISOString();
      return send(200, t);
    }
    if (req.method === "GET" && (m = /^\/api\/tasks\/(\d+)$/.exec(path))) {
      const t = this.tasks.get(Number(m[1]));
      return t ? send(200, t) : send(404, { detail: `Task ${m[1]} not found` });
    }
    send(404, { detail: "Not Found" });
  }
}
