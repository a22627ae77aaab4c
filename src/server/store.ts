// The store of composed configs (the autotuner's tasks; any project's items): one SQLite table (WAL mode) with
// JSON columns. Each row is named by the config's value at the project's item_name (the column keeps its first
// name, task_name); a UNIQUE index on it decides duplicates, so two concurrent creates of one name never both land.
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Task, TaskMetadata, TaskStatus, TaskSummary } from "./api-types.js";
import { Outbox, OUTBOX_MIGRATION } from "./handoff/outbox.js";
import type { TaskCreate } from "./handoff/task-create.js";

export type { Task, TaskStatus, TaskSummary };

/** The autotuner's task statuses (api-types.ts); tasks created here start `pending`. */
export const TASK_STATUSES = ["pending", "running", "completed", "failed", "cancelled"] as const satisfies readonly TaskStatus[];
export interface NewTask {
  task_name: string;
  description: string | null;
  config: Record<string, unknown>;
  metadata: TaskMetadata;
  /** Hand the task to the autotuner: an outbox row written in the same transaction. */
  handoff?: { body: TaskCreate; start: boolean };
}

export interface ListQuery {
  limit: number;
  offset: number;
  /** Tasks older than this id (the `next_cursor` of the previous page). */
  cursor?: number;
  status?: TaskStatus;
}

/** A database problem the operator must fix (unreadable file, not a database); never a user's. */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoreError";
  }
}

// Versioned with PRAGMA user_version: each entry migrates from version i to i + 1.
const MIGRATIONS = [
  `CREATE TABLE tasks (
     id          INTEGER PRIMARY KEY AUTOINCREMENT,
     task_name   TEXT NOT NULL,
     description TEXT,
     status      TEXT NOT NULL DEFAULT 'pending',
     config      TEXT NOT NULL CHECK (json_valid(config)),
     metadata    TEXT NOT NULL CHECK (json_valid(metadata)),
     created_at  TEXT NOT NULL
   );
   CREATE UNIQUE INDEX tasks_task_name ON tasks (task_name);
   CREATE INDEX tasks_status_id ON tasks (status, id);`,
  OUTBOX_MIGRATION,
];

type PageParams = { before: number; limit: number; offset: number; profiles: string | null };
type Row = Omit<Task, "config" | "metadata" | "handoff"> & { config: string; metadata: string };
type SummaryRow = Omit<TaskSummary, "profiles" | "applied_layers" | "layer_set_hash"> & { profiles: string | null; applied_layers: string | null; layer_set_hash: string | null };

export class TaskStore {
  private readonly db: Database.Database;
  private readonly stmts: ReturnType<TaskStore["prepare"]>;
  /** The hand-off rows (handoff/outbox.ts), in this database. */
  readonly outbox: Outbox;

  private constructor(
    db: Database.Database,
    readonly file: string,
  ) {
    this.db = db;
    this.stmts = this.prepare();
    this.outbox = new Outbox(db);
  }

  /** Open (creating the file and its directory when absent) and migrate. Throws StoreError. */
  static open(file: string): TaskStore {
    const path = file === ":memory:" ? file : resolve(file);
    let db: Database.Database | undefined;
    try {
      if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
      db = new Database(path, { timeout: 5000 });
      db.pragma("journal_mode = WAL");
      // FULL: a task that got its 201 survives a crash of the process or of the machine.
      db.pragma("synchronous = FULL");
      db.pragma("foreign_keys = ON");
      migrate(db);
      return new TaskStore(db, path);
    } catch (e) {
      db?.close();
      const err = e as NodeJS.ErrnoException;
      const why = err.code === "SQLITE_NOTADB" ? "the file is not an SQLite database" : err.message;
      throw new StoreError(`cannot open the task database ${path}: ${why}`);
    }
  }

  private prepare() {
    // The profiles come from the stored context's field that plays the role (a JSON path given per query).
    const summary = `SELECT id, task_name, description, status, created_at,
                            json_extract(metadata, @profiles) AS profiles,
                            json_extract(metadata, '$.applied_layers') AS applied_layers,
                            json_extract(metadata, '$.layer_set_hash') AS layer_set_hash
                     FROM tasks`;
    return {
      insert: this.db.prepare<[string, string | null, string, string, string, string]>(
        "INSERT INTO tasks (task_name, description, status, config, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      get: this.db.prepare<[number], Row>("SELECT * FROM tasks WHERE id = ?"),
      idByName: this.db.prepare<[string], { id: number }>("SELECT id FROM tasks WHERE task_name = ?"),
      // Every name that starts with `<base>-`: the index range from '<base>-' to '<base>.' ('.' follows '-').
      namesAfterDash: this.db.prepare<[string, string], { task_name: string }>("SELECT task_name FROM tasks WHERE task_name > ? AND task_name < ?"),
      delete: this.db.prepare<[number]>("DELETE FROM tasks WHERE id = ?"),
      count: this.db.prepare<[], { n: number }>("SELECT count(*) AS n FROM tasks"),
      countStatus: this.db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM tasks WHERE status = ?"),
      page: this.db.prepare<[PageParams], SummaryRow>(`${summary} WHERE id < @before ORDER BY id DESC LIMIT @limit OFFSET @offset`),
      pageStatus: this.db.prepare<[PageParams & { status: string }], SummaryRow>(`${summary} WHERE status = @status AND id < @before ORDER BY id DESC LIMIT @limit OFFSET @offset`),
    };
  }

  /** Store a new pending task; when the name is taken, the id of the task that holds it. */
  create(input: NewTask): { task: Task } | { conflict: { id: number | null } } {
    const created_at = new Date().toISOString();
    const config = JSON.stringify(input.config);
    const metadata = JSON.stringify(input.metadata);
    const insert = this.db.transaction(() => {
      const done = this.stmts.insert.run(input.task_name, input.description, "pending", config, metadata, created_at);
      if (input.handoff) this.outbox.insert(Number(done.lastInsertRowid), input.handoff.body, input.handoff.start);
      return done;
    });
    try {
      const { lastInsertRowid } = insert();
      return { task: this.get(Number(lastInsertRowid))! };
    } catch (e) {
      if ((e as { code?: string }).code !== "SQLITE_CONSTRAINT_UNIQUE") throw e;
      // The constraint decided; this read only finds whom to name (null if it was deleted meanwhile).
      return { conflict: { id: this.stmts.idByName.get(input.task_name)?.id ?? null } };
    }
  }

  /**
   * The lowest free `<name>-N` (N ≥ 2), read in one transaction so no write lands halfway through it. A taken
   * `<base>-N` whose `<base>` is a task too counts in `<base>`'s series (`x-2` → `x-3`, not `x-2-2`); a name
   * too long to take a suffix within `maxLength` (characters) is shortened first. Only a create decides: the
   * name may be taken by the time it is used, and that create then gets its own 409.
   */
  freeName(name: string, maxLength = Number.MAX_SAFE_INTEGER): string {
    const read = this.db.transaction(() => {
      const suffixed = /^(.+)-([2-9]|[1-9]\d+)$/.exec(name);
      let base = suffixed && this.stmts.idByName.get(suffixed[1]) ? suffixed[1] : name;
      // Room for "-" and up to 7 digits: far more tasks than one base name will ever have.
      const chars = Array.from(base);
      if (chars.length + 8 > maxLength) base = chars.slice(0, Math.max(1, maxLength - 8)).join("");
      const taken = new Set(this.stmts.namesAfterDash.all(`${base}-`, `${base}.`).map((r) => r.task_name.slice(base.length + 1)));
      let n = 2;
      while (taken.has(String(n))) n++;
      return `${base}-${n}`;
    });
    return read();
  }

  get(id: number): Task | undefined {
    const row = this.stmts.get.get(id);
    return row && { ...row, config: JSON.parse(row.config), metadata: JSON.parse(row.metadata), handoff: this.outbox.view(id) };
  }

  /**
   * Newest first. `total` counts every task matching the status filter, whatever the page. `profilesField` is the
   * context field that plays the profiles role (each summary lists the profiles its context applied); none: [].
   */
  list(q: ListQuery, profilesField?: string): { tasks: TaskSummary[]; total: number; next_cursor: number | null } {
    const params: PageParams = {
      before: q.cursor ?? Number.MAX_SAFE_INTEGER,
      limit: q.limit + 1,
      offset: q.offset,
      profiles: profilesField === undefined ? null : `$.context.${JSON.stringify(profilesField)}`,
    };
    const read = this.db.transaction(() => {
      const rows = q.status ? this.stmts.pageStatus.all({ ...params, status: q.status }) : this.stmts.page.all(params);
      const total = (q.status ? this.stmts.countStatus.get(q.status) : this.stmts.count.get())!.n;
      return { rows, total };
    });
    const { rows, total } = read();
    const more = rows.length > q.limit;
    const page = rows.slice(0, q.limit).map((r) => ({
      ...r,
      profiles: profileNames(r.profiles),
      applied_layers: r.applied_layers ? (JSON.parse(r.applied_layers) as string[]) : [],
      layer_set_hash: r.layer_set_hash ?? null,
    }));
    return { tasks: page, total, next_cursor: more && page.length > 0 ? page[page.length - 1].id : null };
  }

  delete(id: number): boolean {
    return this.stmts.delete.run(id).changes > 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** The stored profile list as names; anything else (the field held something else, or nothing) is none. */
function profileNames(json: string | null): string[] {
  if (json === null) return [];
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return []; // json_extract gave a scalar text, not JSON
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new StoreError(`the database was written by a newer strata (schema version ${version}, this one knows ${MIGRATIONS.length})`);
  }
  db.transaction(() => {
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
