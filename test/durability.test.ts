// Durability: `strata serve` as a real child process on a real SQLite file. Several hundred concurrent task
// creations, a SIGKILL in the middle, a restart on the same database: every task that got a 201 is there with
// its full config, nothing is duplicated, nothing stored is half-written, and the database passes
// PRAGMA integrity_check. Slow (two server starts, a few hundred requests): runs when STRATA_SLOW=1 (.ci/run sets it).
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { compose } from "../src/index.js";
import { LAYERS_DIR, SCHEMAS_DIR, removeTemps, setWith, tempDir } from "./hostile/setup.js";
import { startServe, type Served } from "./helpers/serve-process.js";

const SLOW = process.env.STRATA_SLOW === "1";

const children = new Set<ChildProcess>();
afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  children.clear();
});
afterAll(removeTemps);

/** Start `strata serve --port 0` and wait for its "serving on http://…" line. */
function serve(db: string): Promise<Served> {
  const args = ["--port", "0", "--db", db, "--layers", LAYERS_DIR, "--schemas", SCHEMAS_DIR, "--no-watch", "--web", join(tempDir(), "no-web"), "--log-level", "info"];
  return startServe(args, children);
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

/** The request for task i: a distinct name and a distinct override, so each stored config is recognisable. */
function request(i: number) {
  return {
    model_name: "llama-3-2-1b-instruct",
    base_runtime: ["sglang", "vllm", "trtllm"][i % 3],
    profiles: i % 2 ? ["production"] : [],
    task_name: `durable-${i}`,
    overrides: { parameters: { "tp-size": [1 + (i % 8)] }, optimization: { max_iterations: 100 + i } },
  };
}

async function create(url: string, body: unknown): Promise<{ status: number; body?: any; error?: string }> {
  try {
    const res = await fetch(url + "/api/tasks/from-context", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  } catch (e) {
    // The server was killed with the request in flight: no answer, which promises nothing either way.
    return { status: 0, error: (e as Error).message };
  }
}

async function allTasks(url: string): Promise<{ id: number; task_name: string }[]> {
  const out: { id: number; task_name: string }[] = [];
  let cursor: number | null = null;
  for (;;) {
    const res = await fetch(`${url}/api/tasks?limit=100${cursor !== null ? `&cursor=${cursor}` : ""}`);
    const page = (await res.json()) as { tasks: { id: number; task_name: string }[]; next_cursor: number | null };
    out.push(...page.tasks);
    if (page.next_cursor === null) return out;
    cursor = page.next_cursor;
  }
}

describe.skipIf(!SLOW)("durability (STRATA_SLOW=1)", () => {
  it("SIGKILL during several hundred concurrent creates: every 201 survives the restart, whole, once; the database is intact", async () => {
    const db = join(tempDir("strata-durable-"), "tasks.db");
    const N = 400;
    const first = await serve(db);

    // Fire everything at once; kill the server as soon as a quarter of the answers are 201s.
    const results: ({ status: number; body?: any; error?: string } | undefined)[] = new Array(N);
    let created = 0;
    let killed: Promise<void> | undefined;
    await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const r = await create(first.url, request(i));
        results[i] = r;
        if (r.status === 201 && ++created >= N / 4 && !killed) killed = stop(first.child, "SIGKILL");
      }),
    );
    await killed;
    expect(first.child.signalCode).toBe("SIGKILL");

    const ok = results.map((r, i) => ({ i, r: r! })).filter(({ r }) => r.status === 201);
    const unanswered = results.filter((r) => r!.status === 0).length;
    // The kill really came in the middle: some requests got their 201, others never got an answer.
    expect(ok.length).toBeGreaterThanOrEqual(N / 4);
    expect(unanswered).toBeGreaterThan(0);
    // Nothing else than 201 or no answer: no 500 from the crash, no 409 for names never used before.
    expect(results.filter((r) => r!.status !== 201 && r!.status !== 0).map((r) => r!.status)).toEqual([]);

    // Restart on the same file.
    const second = await serve(db);
    const set = setWith();
    for (const { i, r } of ok) {
      const res = await fetch(`${second.url}/api/tasks/${r.body.task.id}`);
      expect(res.status, `task ${i}`).toBe(200);
      const task = await res.json();
      expect(task.task_name).toBe(`durable-${i}`);
      expect(task.config).toEqual(r.body.task.config);
      expect(task.metadata).toEqual(r.body.task.metadata);
      expect(task.config.optimization.max_iterations).toBe(100 + i);
    }

    // Every stored task is one that was asked for, exactly once, and whole: its config is what the layers compose
    // for its request (also for the ones whose 201 was lost in the kill).
    const stored = await allTasks(second.url);
    const names = stored.map((t) => t.task_name);
    expect(new Set(names).size).toBe(names.length);
    expect(stored.length).toBeGreaterThanOrEqual(ok.length);
    for (const t of stored) {
      const m = /^durable-(\d+)$/.exec(t.task_name);
      expect(m, t.task_name).not.toBeNull();
      const i = Number(m![1]);
      const task = await (await fetch(`${second.url}/api/tasks/${t.id}`)).json();
      const { task_name, overrides, ...rest } = request(i);
      const expected = await compose(set, { ...rest, user_overrides: { ...overrides, task_name } });
      expect(task.config, t.task_name).toEqual(expected.config);
    }

    // Asking again: a name that got its 201 is taken (409); any other name is created now or was stored before the
    // kill (409 naming the stored task) — never a second copy.
    const again = await Promise.all(Array.from({ length: N }, (_, i) => create(second.url, request(i))));
    const byName = new Map(stored.map((t) => [t.task_name, t.id]));
    again.forEach((r, i) => {
      if (byName.has(`durable-${i}`)) {
        expect(r.status, `durable-${i}`).toBe(409);
        expect(r.body.error.existing_id).toBe(byName.get(`durable-${i}`));
      } else {
        expect(r.status, `durable-${i}`).toBe(201);
      }
    });
    expect((await allTasks(second.url)).length).toBe(N);
    await stop(second.child, "SIGTERM");
    expect(second.child.exitCode).toBe(0);

    // The file itself.
    const check = new Database(db, { readonly: true });
    try {
      expect(check.pragma("integrity_check", { simple: true })).toBe("ok");
      expect(check.prepare("SELECT count(*) AS n FROM tasks").get()).toEqual({ n: N });
      expect(check.prepare("SELECT task_name FROM tasks GROUP BY task_name HAVING count(*) > 1").all()).toEqual([]);
      expect(check.prepare("SELECT count(*) AS n FROM tasks WHERE NOT json_valid(config) OR NOT json_valid(metadata)").get()).toEqual({ n: 0 });
    } finally {
      check.close();
    }
  });

  it("concurrent creates of the same names: exactly one 201 per name, the rest 409, no task lost or doubled", async () => {
    const db = join(tempDir("strata-durable-"), "tasks.db");
    const server = await serve(db);
    const NAMES = 100;
    const COPIES = 3;
    const results = await Promise.all(
      Array.from({ length: NAMES * COPIES }, (_, k) => create(server.url, { ...request(k % NAMES), description: `copy ${Math.floor(k / NAMES)}` })),
    );
    for (let i = 0; i < NAMES; i++) {
      const mine = results.filter((_, k) => k % NAMES === i);
      expect(mine.filter((r) => r.status === 201), `durable-${i}`).toHaveLength(1);
      expect(mine.filter((r) => r.status === 409), `durable-${i}`).toHaveLength(COPIES - 1);
      const winner = mine.find((r) => r.status === 201)!.body.task.id;
      for (const r of mine.filter((x) => x.status === 409)) expect(r.body.error.existing_id).toBe(winner);
    }
    const stored = await allTasks(server.url);
    expect(stored).toHaveLength(NAMES);
    expect(new Set(stored.map((t) => t.id)).size).toBe(NAMES);
    await stop(server.child, "SIGTERM");
    expect(server.child.exitCode).toBe(0);
  });
});
