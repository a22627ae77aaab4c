// The service composes in child processes (dist/server/compose-worker.js), so a slow or runaway layer never holds
// the event loop: health checks, task lists and other previews keep being answered. Processes, not threads: a
// worker thread that runs out of memory aborts the whole process, a child process only itself. Each compose has a
// hard time limit, after which its worker is killed and replaced; a bounded queue answers "busy" when full.
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../core/schemas.js";
import type { LayerSetRecipe } from "../core/load.js";
import type { WorkerReply, WorkerRequest, WorkerResult } from "./compose-worker.js";

export const WORKER_ENTRY = join(PACKAGE_ROOT, "dist", "server", "compose-worker.js");

export const POOL_LIMITS = {
  /** Worker processes, started as requests need them; default: the cores, at least 2, at most 4. */
  size: Math.max(2, Math.min(4, availableParallelism())),
  /** One compose, from the moment a worker takes it; then the worker is killed and replaced (504). */
  timeoutMs: 10_000,
  /** Requests waiting for a worker; one more is answered 503 with Retry-After. */
  maxQueue: 1000,
  /** Each worker's JavaScript heap (MB): a compose that needs more ends its worker, not the service (503). */
  memoryMb: 1024,
};

export type PoolOptions = Partial<typeof POOL_LIMITS>;

/** Why a compose got no result: the queue was full, the time ran out, or the worker died. */
export class PoolError extends Error {
  constructor(
    readonly kind: "busy" | "timeout" | "aborted",
    message: string,
  ) {
    super(message);
    this.name = "PoolError";
  }
}

interface Job {
  hash: string;
  recipe: LayerSetRecipe;
  /** Absent: load the set only. */
  context?: unknown;
  strict: boolean;
  resolve(result: WorkerResult | undefined): void;
  reject(error: Error): void;
}

interface Worker {
  child: ChildProcess;
  ready: boolean;
  /** The layer set (hash) the worker holds. */
  hash?: string;
  running?: { id: number; job: Job; timer: NodeJS.Timeout };
}

export class ComposePool {
  private readonly limits: typeof POOL_LIMITS;
  private readonly workers = new Set<Worker>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** The set of the latest request: a worker that starts with nothing to do loads it. */
  private latest: { hash: string; recipe: LayerSetRecipe } | undefined;

  constructor(options: PoolOptions = {}) {
    this.limits = { ...POOL_LIMITS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
    if (!existsSync(WORKER_ENTRY)) throw new Error(`the compose worker ${WORKER_ENTRY} is missing: run \`npm run build\``);
    process.once("exit", this.killAll);
  }

  /** A worker busy in one long call never sees its parent go: the parent ends it on the way out. */
  private readonly killAll = () => {
    for (const w of this.workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
  };

  /** Compose `context` with the set `recipe` loads (whose hash is `hash`), in a worker. Rejects with PoolError. */
  compose(hash: string, recipe: LayerSetRecipe, context: unknown, strict: boolean): Promise<WorkerResult> {
    if (this.closed) return Promise.reject(new PoolError("aborted", "the service is shutting down"));
    if (this.queue.length >= this.limits.maxQueue) {
      const n = this.queue.length;
      return Promise.reject(new PoolError("busy", `every compose worker is busy and the queue is full (${n} request${n === 1 ? "" : "s"} waiting); try again shortly`));
    }
    this.latest = { hash, recipe };
    return new Promise((resolve, reject) => {
      this.queue.push({ hash, recipe, context, strict, resolve: resolve as Job["resolve"], reject });
      this.dispatch();
    });
  }

  /** Start workers (up to `count`, within the pool's size) and load the set into them, so that a request waits for neither. */
  warm(hash: string, recipe: LayerSetRecipe, count = 1): void {
    this.latest = { hash, recipe };
    while (!this.closed && this.workers.size < Math.min(count, this.limits.size)) this.spawn();
  }

  /** Workers started, idle ones holding the latest set (`warm`), busy ones, requests waiting: for tests and the bench. */
  stats(): { workers: number; warm: number; busy: number; queued: number; pids: number[] } {
    const all = [...this.workers];
    const warm = all.filter((w) => w.ready && !w.running && w.hash === this.latest?.hash).length;
    return { workers: all.length, warm, busy: all.filter((w) => w.running).length, queued: this.queue.length, pids: all.map((w) => w.child.pid!).filter(Boolean) };
  }

  close(): void {
    this.closed = true;
    process.off("exit", this.killAll);
    for (const job of this.queue.splice(0)) job.reject(new PoolError("aborted", "the service is shutting down"));
    for (const w of [...this.workers]) this.stop(w, new PoolError("aborted", "the service is shutting down"));
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      const idle = [...this.workers].find((w) => w.ready && !w.running);
      if (idle) {
        this.run(idle, this.queue.shift()!);
        continue;
      }
      // Start another worker when none is starting and the pool is not full; a starting worker takes the next job when ready.
      const starting = [...this.workers].filter((w) => !w.ready).length;
      if (this.workers.size < this.limits.size && starting < this.queue.length) this.spawn();
      else return;
    }
  }

  private spawn(): void {
    const child = fork(WORKER_ENTRY, [], {
      serialization: "advanced",
      execArgv: [`--max-old-space-size=${this.limits.memoryMb}`],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const w: Worker = { child, ready: false };
    this.workers.add(w);
    child.on("message", (m: WorkerReply | { ready: true }) => {
      if (!("ready" in m)) return this.finish(w, m);
      w.ready = true;
      if (this.queue.length > 0) this.dispatch();
      else if (this.latest) this.run(w, { ...this.latest, strict: false, resolve: () => {}, reject: () => {} });
    });
    child.on("exit", (code, signal) => this.exited(w, code, signal));
    child.on("error", () => this.stop(w, new PoolError("aborted", "the compose worker could not be reached; it was replaced")));
  }

  private run(w: Worker, job: Job): void {
    const id = this.nextId++;
    const timer = setTimeout(() => {
      const ms = this.limits.timeoutMs;
      this.stop(w, new PoolError("timeout", `composing took longer than ${ms} ms and was stopped: a layer's expressions or conditions are too slow for this context`));
    }, this.limits.timeoutMs);
    w.running = { id, job, timer };
    const message: WorkerRequest = { id, hash: job.hash, strict: job.strict, ...("context" in job ? { context: job.context } : {}), ...(w.hash !== job.hash ? { recipe: job.recipe } : {}) };
    w.hash = job.hash;
    try {
      w.child.send(message);
    } catch {
      this.stop(w, new PoolError("aborted", "the compose worker could not be reached; it was replaced"));
    }
  }

  private finish(w: Worker, reply: WorkerReply): void {
    if (!w.running || w.running.id !== reply.id) return;
    const { job, timer } = w.running;
    clearTimeout(timer);
    w.running = undefined;
    if ("failed" in reply) job.reject(new Error(`compose failed in its worker: ${reply.failed}`));
    else job.resolve(reply.result);
    this.dispatch();
  }

  private exited(w: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    if (!this.workers.has(w)) return;
    const how = signal ? `was ended by ${signal}` : `exited with code ${code}`;
    // V8 aborts a process out of heap with SIGABRT (code 134 through a shell).
    const why = signal === "SIGABRT" || code === 134 ? " (out of memory?)" : "";
    this.stop(w, new PoolError("aborted", `the compose worker ${how}${why} while composing; it was replaced`));
  }

  /** Take a worker out of the pool, kill it, and fail its job with `error`; the next request starts a new one. */
  private stop(w: Worker, error: PoolError): void {
    if (!this.workers.delete(w)) return;
    if (w.running) {
      clearTimeout(w.running.timer);
      w.running.job.reject(error);
      w.running = undefined;
    }
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
    this.dispatch();
  }
}
