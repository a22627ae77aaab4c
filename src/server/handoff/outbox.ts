// The outbox: one row per task to hand over, written in the same SQLite transaction as the task itself, so a
// stored task is never forgotten (a crash before delivery leaves the row for the next start). `attempts` is
// raised before each request is sent: a row with attempts > 0 may already be on the autotuner.
import type Database from "better-sqlite3";
import type { Handoff, HandoffState } from "../api-types.js";
import type { TaskCreate } from "./task-create.js";

export const OUTBOX_MIGRATION = `CREATE TABLE handoff (
     task_id      INTEGER PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
     state        TEXT NOT NULL CHECK (state IN ('queued', 'delivered', 'failed', 'conflict')),
     body         TEXT NOT NULL CHECK (json_valid(body)),
     start        INTEGER NOT NULL DEFAULT 0,
     started      INTEGER NOT NULL DEFAULT 0,
     start_error  TEXT,
     attempts     INTEGER NOT NULL DEFAULT 0,
     next_at      INTEGER NOT NULL,
     autotuner_id INTEGER,
     reason       TEXT,
     updated_at   TEXT NOT NULL
   );
   CREATE INDEX handoff_due ON handoff (state, next_at);`;

interface Row {
  task_id: number;
  state: HandoffState;
  body: string;
  start: number;
  started: number;
  start_error: string | null;
  attempts: number;
  next_at: number;
  autotuner_id: number | null;
  reason: string | null;
  updated_at: string;
}

/** A row the sender works on: deliver it (queued) or start it (delivered, start asked, not yet started). */
export interface DueRow {
  task_id: number;
  state: "queued" | "delivered";
  body: TaskCreate;
  start: boolean;
  attempts: number;
}

// Rows with work left: queued, or delivered with a start asked and neither done nor refused.
const PENDING = `(state = 'queued' OR (state = 'delivered' AND start = 1 AND started = 0 AND start_error IS NULL))`;

export class Outbox {
  private readonly s;

  constructor(db: Database.Database) {
    const now = () => new Date().toISOString();
    this.now = now;
    this.s = {
      insert: db.prepare<[number, string, number, number, string]>("INSERT INTO handoff (task_id, state, body, start, next_at, updated_at) VALUES (?, 'queued', ?, ?, ?, ?)"),
      get: db.prepare<[number], Row>("SELECT * FROM handoff WHERE task_id = ?"),
      due: db.prepare<[number, number], Row>(`SELECT * FROM handoff WHERE ${PENDING} AND next_at <= ? ORDER BY next_at, task_id LIMIT ?`),
      nextAt: db.prepare<[], { t: number | null }>(`SELECT min(next_at) AS t FROM handoff WHERE ${PENDING}`),
      attempt: db.prepare<[number, string, number]>("UPDATE handoff SET attempts = attempts + 1, next_at = ?, updated_at = ? WHERE task_id = ?"),
      settle: db.prepare<[string, number | null, string | null, string, number]>("UPDATE handoff SET state = ?, autotuner_id = ?, reason = ?, updated_at = ? WHERE task_id = ?"),
      later: db.prepare<[string, number, string, number]>("UPDATE handoff SET reason = ?, next_at = ?, updated_at = ? WHERE task_id = ?"),
      started: db.prepare<[string, number]>("UPDATE handoff SET started = 1, start_error = NULL, updated_at = ? WHERE task_id = ?"),
      startRefused: db.prepare<[string, string, number]>("UPDATE handoff SET start_error = ?, updated_at = ? WHERE task_id = ?"),
      counts: db.prepare<[], { state: string; n: number }>("SELECT state, count(*) AS n FROM handoff GROUP BY state"),
    };
  }

  private readonly now: () => string;

  /** Called inside the task's insert transaction. */
  insert(taskId: number, body: TaskCreate, start: boolean): void {
    this.s.insert.run(taskId, JSON.stringify(body), start ? 1 : 0, Date.now(), this.now());
  }

  view(taskId: number): Handoff | null {
    const r = this.s.get.get(taskId);
    if (!r) return null;
    return {
      state: r.state,
      autotuner_id: r.autotuner_id,
      reason: r.reason,
      attempts: r.attempts,
      start: r.start === 1,
      started: r.started === 1,
      start_error: r.start_error,
      updated_at: r.updated_at,
    };
  }

  /** Rows with work left whose time has come, oldest first. */
  due(limit: number, now = Date.now()): DueRow[] {
    return this.s.due.all(now, limit).map((r) => ({ task_id: r.task_id, state: r.state as DueRow["state"], body: JSON.parse(r.body) as TaskCreate, start: r.start === 1, attempts: r.attempts }));
  }

  /** When the next row with work left is due (ms since the epoch), or null. */
  nextDue(): number | null {
    return this.s.nextAt.get()?.t ?? null;
  }

  /** Before a request: one more attempt; if this process dies now, the row is due again at `retryAt`. */
  attempt(taskId: number, retryAt: number): void {
    this.s.attempt.run(retryAt, this.now(), taskId);
  }

  settle(taskId: number, state: Exclude<HandoffState, "queued">, autotunerId: number | null, reason: string | null): void {
    this.s.settle.run(state, autotunerId, reason, this.now(), taskId);
  }

  /** Not reached this time: why, and when to try again. */
  later(taskId: number, reason: string, retryAt: number): void {
    this.s.later.run(reason, retryAt, this.now(), taskId);
  }

  started(taskId: number): void {
    this.s.started.run(this.now(), taskId);
  }

  startRefused(taskId: number, reason: string): void {
    this.s.startRefused.run(reason, this.now(), taskId);
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.s.counts.all().map((r) => [r.state, r.n]));
  }
}
