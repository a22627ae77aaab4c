// The task store (src/server/store.ts) in-process, on real SQLite files: what a create stores and answers, the
// free-name series, the pages of the list, opening and migrating. The service's tests reach it through HTTP too;
// these are the ones a mutation run of store.ts can afford.
import Database from "better-sqlite3";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { StoreError, TaskStore, TASK_STATUSES, type NewTask } from "../src/server/store.js";
import { removeTempDirs, tempDir } from "./server-helpers.js";

afterAll(removeTempDirs);

const metadata = (context: Record<string, unknown> = {}, more: Record<string, unknown> = {}) =>
  ({ applied_layers: ["base-model", "runtime-vllm"], skipped_layers: [], warnings: [], context, layer_set_hash: "h1", provenance: {}, ...more }) as unknown as NewTask["metadata"];
const task = (name: string, more: Partial<NewTask> = {}): NewTask => ({ task_name: name, description: null, config: { task_name: name }, metadata: metadata(), ...more });

/** A store on a fresh file, closed after `f`. */
function withStore<T>(f: (store: TaskStore, file: string) => T): T {
  const file = join(tempDir(), "tasks.db");
  const store = TaskStore.open(file);
  try {
    return f(store, file);
  } finally {
    store.close();
  }
}

/** Change rows behind the store's back (the statuses only the autotuner's side changes). */
function sql(file: string, statement: string): void {
  const db = new Database(file);
  try {
    db.exec(statement);
  } finally {
    db.close();
  }
}

describe("create and get", () => {
  it("a create stores a pending task and answers the whole stored row; get reads the same", () => {
    withStore((store) => {
      const before = Date.now();
      const made = store.create(task("qwen-tune", { description: "tune it", config: { task_name: "qwen-tune", n: [1, 2] } }));
      if (!("task" in made)) throw new Error("not created");
      expect(made.task).toEqual({
        id: 1,
        task_name: "qwen-tune",
        description: "tune it",
        status: "pending",
        config: { task_name: "qwen-tune", n: [1, 2] },
        metadata: metadata(),
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        handoff: null,
      });
      expect(Date.parse(made.task.created_at)).toBeGreaterThanOrEqual(before - 1);
      expect(store.get(1)).toEqual(made.task);
      expect(store.get(2)).toBeUndefined();
    });
  });

  it("a taken name is a conflict naming the holder, and nothing is stored; a freed name can be taken again", () => {
    withStore((store) => {
      store.create(task("a"));
      store.create(task("b"));
      expect(store.create(task("b", { config: { other: true } }))).toEqual({ conflict: { id: 2 } });
      expect(store.list({ limit: 10, offset: 0 }).total).toBe(2);
      expect(store.delete(2)).toBe(true);
      expect(store.delete(2)).toBe(false);
      const again = store.create(task("b"));
      expect("task" in again && again.task.id).toBe(3);
    });
  });

  it("a hand-off is written with its task, in the same transaction, and shown by get", () => {
    withStore((store) => {
      const made = store.create(task("h", { handoff: { body: { task_name: "h" } as never, start: true } }));
      expect("task" in made && made.task.handoff).toEqual({
        state: "queued", autotuner_id: null, reason: null, attempts: 0, start: true, started: false, start_error: null, updated_at: expect.any(String),
      });
      // A conflict writes no hand-off either: the one row stays the first task's.
      expect(store.create(task("h", { handoff: { body: { task_name: "h" } as never, start: false } }))).toEqual({ conflict: { id: 1 } });
      expect(store.outbox.view(2)).toBeNull();
      expect(store.get(1)!.handoff!.start).toBe(true);
    });
  });

  it("an SQLite error other than the name's UNIQUE index is thrown as it is, never taken for a conflict", () => {
    withStore((store, file) => {
      sql(file, "CREATE TRIGGER no_more BEFORE INSERT ON tasks BEGIN SELECT RAISE(ABORT, 'the disk is on fire'); END;");
      expect(() => store.create(task("x"))).toThrow(expect.objectContaining({ code: "SQLITE_CONSTRAINT_TRIGGER", message: "the disk is on fire" }));
    });
  });

  it("the statuses are the autotuner's five", () => {
    expect(TASK_STATUSES).toEqual(["pending", "running", "completed", "failed", "cancelled"]);
  });
});

describe("freeName: the lowest free <name>-N, N ≥ 2", () => {
  const names = (taken: string[], ask: string, maxLength?: number) =>
    withStore((store) => {
      for (const n of taken) store.create(task(n));
      return store.freeName(ask, maxLength);
    });

  it.each([
    { taken: [], ask: "x", free: "x-2" },
    { taken: ["x"], ask: "x", free: "x-2" },
    { taken: ["x", "x-2"], ask: "x", free: "x-3" },
    { taken: ["x", "x-2", "x-3", "x-5"], ask: "x", free: "x-4" },
    // A suffixed name whose base is a task counts in the base's series…
    { taken: ["x", "x-2"], ask: "x-2", free: "x-3" },
    { taken: ["x", "x-2", "x-10"], ask: "x-10", free: "x-3" },
    // …and is a base of its own when the base is not a task, or the suffix is not one (-0, -1, -02).
    { taken: ["x-2"], ask: "x-2", free: "x-2-2" },
    { taken: ["x", "x-1"], ask: "x-1", free: "x-1-2" },
    { taken: ["x", "x-02"], ask: "x-02", free: "x-02-2" },
    // Only `<base>-…` names count: not the base's neighbours in sort order.
    { taken: ["x", "x.2", "x-2a", "xy-2", "x-"], ask: "x", free: "x-2" },
    { taken: ["a-b", "a-b-2", "a-c-2"], ask: "a-b", free: "a-b-3" },
    { taken: ["w-3", "x", "x-2"], ask: "x", free: "x-3" },
    // The suffix is the whole end of the name, after a base of any length, with any number of digits.
    { taken: ["x", "x-2a"], ask: "x-2a", free: "x-2a-2" },
    { taken: ["ab", "ab-2"], ask: "ab-2", free: "ab-3" },
    { taken: ["x", "x-100"], ask: "x-100", free: "x-2" },
  ])("$taken, asked $ask: $free", ({ taken, ask, free }) => {
    expect(names(taken, ask)).toBe(free);
  });

  it("a name too long for a suffix within maxLength is shortened first, by characters, to at least one", () => {
    expect(names([], "abcdefghij", 18)).toBe("abcdefghij-2");
    expect(names([], "abcdefghij", 17)).toBe("abcdefghi-2");
    expect(names(["abcdefghi-2"], "abcdefghij", 17)).toBe("abcdefghi-3");
    expect(names([], "ééééé", 12)).toBe("éééé-2");
    expect(names([], "abc", 3)).toBe("a-2");
  });
});

describe("list: newest first, in pages", () => {
  // Tasks 1…5; 2 and 4 running.
  const five = <T>(f: (store: TaskStore) => T) =>
    withStore((store, file) => {
      for (const n of ["t1", "t2", "t3", "t4", "t5"]) store.create(task(n));
      sql(file, "UPDATE tasks SET status = 'running' WHERE id IN (2, 4)");
      return f(store);
    });
  const ids = (r: { tasks: { id: number }[] }) => r.tasks.map((t) => t.id);

  it("a page is limit tasks after offset, total counts them all, next_cursor is the last id while more follow", () => {
    five((store) => {
      const first = store.list({ limit: 2, offset: 0 });
      expect([ids(first), first.total, first.next_cursor]).toEqual([[5, 4], 5, 4]);
      const second = store.list({ limit: 2, offset: 0, cursor: 4 });
      expect([ids(second), second.total, second.next_cursor]).toEqual([[3, 2], 5, 2]);
      const last = store.list({ limit: 2, offset: 0, cursor: 2 });
      expect([ids(last), last.total, last.next_cursor]).toEqual([[1], 5, null]);
      // Exactly limit left: no next page.
      expect(store.list({ limit: 5, offset: 0 }).next_cursor).toBeNull();
      expect(store.list({ limit: 4, offset: 0 }).next_cursor).toBe(2);
      expect(ids(store.list({ limit: 2, offset: 1 }))).toEqual([4, 3]);
      expect(store.list({ limit: 2, offset: 9 })).toEqual({ tasks: [], total: 5, next_cursor: null });
    });
  });

  it("a status filter pages and counts that status only", () => {
    five((store) => {
      expect(store.list({ limit: 1, offset: 0, status: "running" })).toMatchObject({ total: 2, next_cursor: 4 });
      expect(ids(store.list({ limit: 1, offset: 0, status: "running" }))).toEqual([4]);
      expect(ids(store.list({ limit: 1, offset: 0, status: "running", cursor: 4 }))).toEqual([2]);
      expect(store.list({ limit: 1, offset: 0, status: "running", cursor: 4 }).next_cursor).toBeNull();
      expect(ids(store.list({ limit: 9, offset: 0, status: "pending" }))).toEqual([5, 3, 1]);
      expect(store.list({ limit: 9, offset: 0, status: "failed" })).toEqual({ tasks: [], total: 0, next_cursor: null });
    });
  });

  it("a summary is the row without config and metadata, with the profiles, applied layers and hash from its metadata", () => {
    withStore((store) => {
      store.create(task("p", { description: "d", metadata: metadata({ profiles: ["fast", 3, "big"], "odd \"field\"": ["q"] }) }));
      store.create(task("q", { metadata: metadata({ profiles: "fast", undefined: ["u"] }, { applied_layers: undefined, layer_set_hash: undefined }) }));
      store.create(task("r", { metadata: metadata({ profiles: 3 }) }));
      store.create(task("s", { metadata: metadata({ profiles: { fast: true } }) }));
      const [s, r, q, p] = store.list({ limit: 10, offset: 0 }, "profiles").tasks;
      expect([r.profiles, s.profiles]).toEqual([[], []]);
      expect(p).toEqual({ id: 1, task_name: "p", description: "d", status: "pending", created_at: expect.any(String), profiles: ["fast", "big"], applied_layers: ["base-model", "runtime-vllm"], layer_set_hash: "h1" });
      // A profiles field that holds no list, no applied layers, no hash: none.
      expect(q).toEqual({ id: 2, task_name: "q", description: null, status: "pending", created_at: expect.any(String), profiles: [], applied_layers: [], layer_set_hash: null });
      // The field is named as JSON, so any name reads; no profiles role: no profiles.
      expect(store.list({ limit: 10, offset: 0 }, 'odd "field"').tasks.map((t) => t.profiles)).toEqual([[], [], [], ["q"]]);
      // No profiles role: no profiles, not even from a field named "undefined".
      expect(store.list({ limit: 10, offset: 0 }).tasks.map((t) => t.profiles)).toEqual([[], [], [], []]);
      expect(store.list({ limit: 10, offset: 0 }, "missing").tasks.map((t) => t.profiles)).toEqual([[], [], [], []]);
    });
  });
});

describe("opening", () => {
  it("makes the file and its folders, resolves the path, and keeps every write (WAL, synchronous FULL, foreign keys)", () => {
    const dir = tempDir();
    const store = TaskStore.open(join(dir, "a", "b", "..", "c", "tasks.db"));
    try {
      expect(store.file).toBe(join(dir, "a", "c", "tasks.db"));
      const db = (store as unknown as { db: Database.Database }).db;
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.pragma("synchronous", { simple: true })).toBe(2);
      expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
      // A write that finds the file locked waits up to 5 s for it, instead of failing at once.
      expect(db.pragma("busy_timeout", { simple: true })).toBe(5000);
      store.create(task("kept", { handoff: { body: {} as never, start: false } }));
      // Deleting a task deletes its hand-off row (the foreign key cascades).
      store.delete(1);
      expect(db.prepare("SELECT count(*) AS n FROM handoff").get()).toEqual({ n: 0 });
    } finally {
      store.close();
      store.close(); // twice is fine
    }
    // Closed means closed: the file is let go, and the store answers no more.
    expect(() => store.get(1)).toThrow(new TypeError("The database connection is not open"));
  });

  it(":memory: is a database of its own, not a file", () => {
    const store = TaskStore.open(":memory:");
    try {
      expect(store.file).toBe(":memory:");
      expect("task" in store.create(task("m"))).toBe(true);
    } finally {
      store.close();
    }
  });

  it("a file that is not a database, or a folder that cannot be made, is a StoreError naming the file", () => {
    const dir = tempDir();
    const junk = join(dir, "junk.db");
    writeFileSync(junk, "not sqlite at all, but long enough to have a header of one hundred bytes......................................................");
    expect(() => TaskStore.open(junk)).toThrow(new StoreError(`cannot open the task database ${junk}: the file is not an SQLite database`));
    expect(() => TaskStore.open(junk)).toThrow(expect.objectContaining({ name: "StoreError" }));
    writeFileSync(join(dir, "plain"), "");
    const under = join(dir, "plain", "tasks.db");
    expect(() => TaskStore.open(under)).toThrow(StoreError);
    expect(() => TaskStore.open(under)).toThrow(new StoreError(`cannot open the task database ${under}: EEXIST: file already exists, mkdir '${join(dir, "plain")}'`));
  });

  it("a new database is at the latest version; an older one is migrated with its rows kept", () => {
    const dir = tempDir();
    const fresh = join(dir, "fresh.db");
    TaskStore.open(fresh).close();
    const read = (file: string, q: string) => {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare(q).all();
      } finally {
        db.close();
      }
    };
    expect(read(fresh, "PRAGMA user_version")).toEqual([{ user_version: 2 }]);
    // At the latest version it opens again as it is; one past it (a newer strata wrote it) is refused, untouched.
    TaskStore.open(fresh).close();
    sql(fresh, "PRAGMA user_version = 3");
    expect(() => TaskStore.open(fresh)).toThrow(new StoreError(`cannot open the task database ${fresh}: the database was written by a newer strata (schema version 3, this one knows 2)`));
    expect(read(fresh, "PRAGMA user_version")).toEqual([{ user_version: 3 }]);
    // Version 1: the tasks table alone, with a task in it.
    const old = join(dir, "old.db");
    mkdirSync(dir, { recursive: true });
    sql(old, `CREATE TABLE tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, task_name TEXT NOT NULL, description TEXT, status TEXT NOT NULL DEFAULT 'pending',
                config TEXT NOT NULL CHECK (json_valid(config)), metadata TEXT NOT NULL CHECK (json_valid(metadata)), created_at TEXT NOT NULL);
              CREATE UNIQUE INDEX tasks_task_name ON tasks (task_name);
              INSERT INTO tasks (task_name, config, metadata, created_at) VALUES ('old', '{"a":1}', '{}', '2026-01-01T00:00:00.000Z');
              PRAGMA user_version = 1;`);
    const store = TaskStore.open(old);
    try {
      expect(store.get(1)).toEqual({ id: 1, task_name: "old", description: null, status: "pending", config: { a: 1 }, metadata: {}, created_at: "2026-01-01T00:00:00.000Z", handoff: null });
      expect(store.create(task("old"))).toEqual({ conflict: { id: 1 } });
      expect("task" in store.create(task("new", { handoff: { body: {} as never, start: false } }))).toBe(true);
    } finally {
      store.close();
    }
    expect(read(old, "PRAGMA user_version")).toEqual([{ user_version: 2 }]);
  });
});
