// Handing tasks to the autotuner (docs/api.md#the-hand-off): contract tests against a fake of the autotuner's
// task API (helpers/fake-autotuner.ts) and fault tests — the autotuner down then up, an answer lost after the
// task was stored, 200 concurrent creates with a slow autotuner. Every task is delivered exactly once.
import { afterEach, describe, expect, it } from "vitest";
import type { RunningServer, ServerOptions } from "../src/server/app.js";
import { FakeAutotuner } from "./helpers/fake-autotuner.js";
import { CURL_EXAMPLE, get, post, removeTempDirs, startServer, waitFor } from "./server-helpers.js";

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
  removeTempDirs();
});

async function fake(): Promise<FakeAutotuner> {
  const f = await new FakeAutotuner().start();
  open.push(f);
  return f;
}

async function server(autotuner: FakeAutotuner | undefined, options: ServerOptions = {}): Promise<RunningServer> {
  const s = await startServer({ autotunerUrl: autotuner?.url, handoff: { baseDelayMs: 20, maxDelayMs: 200, timeoutMs: 2000 }, ...options });
  open.push(s);
  return s;
}

/** The task once its hand-off has left `queued` (and, with start, once the start is settled). */
async function settled(s: RunningServer, id: number, ms = 15_000) {
  return waitFor(
    async () => {
      const t = (await get(s, `/api/tasks/${id}`)).body;
      const h = t.handoff;
      if (h.state === "queued") return undefined;
      if (h.state === "delivered" && h.start && !h.started && !h.start_error) return undefined;
      return t;
    },
    ms,
    `task ${id} handed over`,
  );
}

/** What the autotuner must have got for a config: the config without `$schema`. */
function expectedBody(config: Record<string, unknown>) {
  const { $schema: _, ...rest } = config;
  return rest;
}

describe("the hand-off to the autotuner (contract)", () => {
  it("answers 201 with the local id and `queued`, then delivers the task in the autotuner's TaskCreate shape", async () => {
    const at = await fake();
    const s = await server(at);
    const r = await post(s, "/api/tasks/from-context", CURL_EXAMPLE);
    expect(r.status).toBe(201);
    expect(r.body.task.id).toEqual(expect.any(Number));
    expect(r.body.task.handoff).toMatchObject({ state: "queued", autotuner_id: null, start: false, started: false });
    const t = await settled(s, r.body.task.id);
    expect(t.handoff).toMatchObject({ state: "delivered", reason: null, attempts: 1 });
    const held = at.tasks.get(t.handoff.autotuner_id)!;
    expect(held.task_name).toBe(r.body.task.task_name);
    expect(held.status).toBe("pending");
    for (const [k, v] of Object.entries(expectedBody(r.body.task.config))) expect(held[k], k).toEqual(v);
    expect(at.requests.filter((q) => q.startsWith("POST"))).toEqual(["POST /api/tasks/"]);
    // A first try asks no question: nothing can be there yet.
    expect(at.requests.some((q) => q.startsWith("GET /api/tasks/name/"))).toBe(false);
  });

  it("with `start: true`, starts the task after delivery; a task that is not pending is reported, not started", async () => {
    const at = await fake();
    const s = await server(at);
    const r = await post(s, "/api/tasks/from-context", { ...CURL_EXAMPLE, start: true });
    expect(r.status).toBe(201);
    expect(r.body.task.handoff).toMatchObject({ state: "queued", start: true, started: false });
    const t = await settled(s, r.body.task.id);
    expect(t.handoff).toMatchObject({ state: "delivered", start: true, started: true, start_error: null });
    expect(at.tasks.get(t.handoff.autotuner_id)!.status).toBe("running");
    expect(at.requests).toContain(`POST /api/tasks/${t.handoff.autotuner_id}/start`);

    // The same task already on the autotuner and finished: found by name, counted as delivered; the start is refused.
    const second = { ...CURL_EXAMPLE, task_name: "ran-before", start: true };
    const preview = (await post(s, "/api/config/preview", { ...second, start: undefined })).body.config;
    at.add(expectedBody(preview), "completed");
    const r2 = await post(s, "/api/tasks/from-context", second);
    const t2 = await settled(s, r2.body.task.id);
    expect(t2.handoff).toMatchObject({ state: "delivered", started: false });
    expect(t2.handoff.start_error).toBe(`the autotuner did not start task ${t2.handoff.autotuner_id} (400): Task must be in PENDING status to start; it is completed`);
    expect(at.stored).not.toContain("ran-before");
  });

  it("a task of the same name with another config on the autotuner is a conflict, never a second task", async () => {
    const at = await fake();
    const s = await server(at);
    const other = at.add({ task_name: "shared-name", model: { id_or_path: "someone-else" }, base_runtime: "vllm", parameters: {}, optimization: {}, benchmark: {} });
    const r = await post(s, "/api/tasks/from-context", { ...CURL_EXAMPLE, task_name: "shared-name", start: true });
    const t = await settled(s, r.body.task.id);
    expect(t.handoff.state).toBe("conflict");
    expect(t.handoff.autotuner_id).toBe(other.id);
    expect(t.handoff.reason).toMatch(/^the autotuner already has a task named 'shared-name' \(id \d+\) with another config \(model, base_runtime, runtime_image_tag, parameters, optimization, benchmark differ\); strata did not send a second one$/);
    expect(at.tasks.size).toBe(1);
    expect(other.status).toBe("pending"); // not started either
  });

  it("a 4xx from the autotuner fails the hand-off with the autotuner's detail", async () => {
    const at = await fake();
    const s = await server(at);
    at.rejectNext = { status: 422, detail: [{ loc: ["body", "benchmark", "task"], msg: "Field required", type: "missing" }] };
    const r = await post(s, "/api/tasks/from-context", CURL_EXAMPLE);
    const t = await settled(s, r.body.task.id);
    expect(t.handoff).toMatchObject({ state: "failed", autotuner_id: null, reason: "the autotuner refused the task (422): body.benchmark.task: Field required" });
    at.rejectNext = { status: 400, detail: "Invalid runtime" };
    const r2 = await post(s, "/api/tasks/from-context", { ...CURL_EXAMPLE, task_name: "second" });
    expect((await settled(s, r2.body.task.id)).handoff.reason).toBe("the autotuner refused the task (400): Invalid runtime");
    expect(at.tasks.size).toBe(0);
  });

  it("refuses at composition a config with a field the autotuner's task API does not take (422, nothing stored)", async () => {
    const at = await fake();
    const s = await server(at);
    const storage = { type: "pvc", pvc_name: "models", pvc_subpath: "m", mount_path: "/models" };
    const r = await post(s, "/api/tasks/from-context", { ...CURL_EXAMPLE, overrides: { storage } });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe("handoff-unsupported-field");
    expect(r.body.error.issues).toEqual([expect.objectContaining({ code: "handoff-unsupported-field", pointer: "/storage" })]);
    expect(r.body.error.message).toContain("does not take 'storage'");
    expect((await get(s, "/api/tasks")).body.total).toBe(0);
    // Without an autotuner the same config is stored as before.
    const plain = await server(undefined);
    expect((await post(plain, "/api/tasks/from-context", { ...CURL_EXAMPLE, overrides: { storage } })).status).toBe(201);
  });

  it("without an autotuner URL: no hand-off (null), and `start` is refused; a bad `start` is a 400 naming it", async () => {
    const s = await server(undefined);
    const r = await post(s, "/api/tasks/from-context", CURL_EXAMPLE);
    expect(r.status).toBe(201);
    expect(r.body.task.handoff).toBeNull();
    expect((await get(s, `/api/tasks/${r.body.task.id}`)).body.handoff).toBeNull();
    const started = await post(s, "/api/tasks/from-context", { ...CURL_EXAMPLE, task_name: "x", start: true });
    expect(started.status).toBe(400);
    expect(started.body.error.issues[0]).toMatchObject({ code: "body-invalid", pointer: "/start" });
    expect(started.body.error.message).toContain("'start' needs the autotuner");
    const at = await fake();
    const s2 = await server(at);
    const bad = await post(s2, "/api/tasks/from-context", { ...CURL_EXAMPLE, start: "yes" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0]).toMatchObject({ pointer: "/start", message: "'start' must be boolean" });
  });
});

describe("the autotuner's status on read", () => {
  it("GET /api/tasks/:id of a delivered task shows the autotuner's status and a link, read again after a short time", async () => {
    const at = await fake();
    const s = await server(at, { handoff: { baseDelayMs: 20, statusTtlMs: 300 } });
    const r = await post(s, "/api/tasks/from-context", CURL_EXAMPLE);
    const t = await settled(s, r.body.task.id);
    const aid = t.handoff.autotuner_id;
    expect(t.handoff).toMatchObject({ autotuner_status: "pending", autotuner_url: `${at.url}/api/tasks/${aid}` });
    at.tasks.get(aid)!.status = "completed";
    // Within the cache time: the status read before, and no new request to the autotuner.
    const asked = at.requests.filter((q) => q === `GET /api/tasks/${aid}`).length;
    expect((await get(s, `/api/tasks/${r.body.task.id}`)).body.handoff.autotuner_status).toBe("pending");
    expect(at.requests.filter((q) => q === `GET /api/tasks/${aid}`).length).toBe(asked);
    await waitFor(async () => ((await get(s, `/api/tasks/${r.body.task.id}`)).body.handoff.autotuner_status === "completed" ? true : undefined), 5000);
    // The autotuner down: the task still reads, saying why the status is missing.
    at.down = true;
    await new Promise((done) => setTimeout(done, 350));
    const down = (await get(s, `/api/tasks/${r.body.task.id}`)).body.handoff;
    expect(down.autotuner_status).toBeNull();
    expect(down.autotuner_status_error).toMatch(/is unreachable/);
    expect(down.state).toBe("delivered");
  });

  it("the task list and tasks not delivered ask the autotuner nothing", async () => {
    const at = await fake();
    at.down = true;
    const s = await server(at);
    const r = await post(s, "/api/tasks/from-context", CURL_EXAMPLE);
    const t = (await get(s, `/api/tasks/${r.body.task.id}`)).body;
    expect(t.handoff.state).toBe("queued");
    expect(t.handoff.autotuner_status).toBeUndefined();
    expect((await get(s, "/api/tasks")).status).toBe(200);
    expect(at.requests.filter((q) => q.startsWith("GET /api/tasks/") && !q.includes("/name/")).length).toBe(0);
  });
});

describe("the hand-off under faults", () => {
  it("the autotuner down for a while, then up: every task delivered once", async () => {
    const at = await fake();
    at.down = true;
    const s = await server(at);
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await post(s, "/api/tasks/from-context", { ...CURL_EXAMPLE, task_name: `outage-${i}` })).body.task.id);
    // Each has been tried more than once, and says why it is still queued.
    await waitFor(async () => {
      const ts = await Promise.all(ids.map(async (id) => (await get(s, `/api/tasks/${id}`)).body.handoff));
      return ts.every((h) => h.state === "queued" && h.attempts >= 2) ? ts : undefined;
    });
    const queued = (await get(s, `/api/tasks/${ids[0]}`)).body.handoff;
    expect(queued.reason).toMatch(/^the autotuner at http:\/\/127\.0\.0\.1:\d+ is unreachable \((GET|POST) \/api\/tasks\//);
    at.down = false;
    for (const id of ids) expect((await settled(s, id)).handoff.state).toBe("delivered");
    expect(at.stored.sort()).toEqual(ids.map((_, i) => `outage-${i}`).sort());
    expect(at.tasks.size).toBe(5);
  });

  it("an answer lost after the autotuner stored the task: found by name on the retry, not sent again", async () => {
    const at = await fake();
    at.loseAnswers = 1;
    const s = await server(at);
    const r = await post(s, "/api/tasks/from-context", { ...CURL_EXAMPLE, start: true });
    const t = await settled(s, r.body.task.id);
    expect(t.handoff).toMatchObject({ state: "delivered", started: true });
    expect(t.handoff.attempts).toBeGreaterThanOrEqual(2);
    expect(at.stored).toEqual([r.body.task.task_name]);
    expect(at.requests.filter((q) => q === "POST /api/tasks/")).toHaveLength(1);
    expect(at.requests).toContain(`GET /api/tasks/name/${encodeURIComponent(r.body.task.task_name)}`);
    expect(at.tasks.get(t.handoff.autotuner_id)!.status).toBe("running");
  });

  it("200 concurrent creates with a slow autotuner: each delivered exactly once", async () => {
    const at = await fake();
    at.delayMs = 30;
    const s = await server(at);
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => post(s, "/api/tasks/from-context", { ...CURL_EXAMPLE, task_name: `burst-${i}` })));
    expect(answers.map((a) => a.status)).toEqual(Array(200).fill(201));
    await waitFor(() => (s.store.outbox.counts().delivered === 200 ? true : undefined), 60_000, "200 deliveries");
    expect(at.stored).toHaveLength(200);
    expect(new Set(at.stored).size).toBe(200);
    expect(at.requests.filter((q) => q === "POST /api/tasks/")).toHaveLength(200);
    for (const a of answers.slice(0, 5)) expect((await get(s, `/api/tasks/${a.body.task.id}`)).body.handoff.autotuner_id).toBe(at.byName(a.body.task.task_name)!.id);
  }, 90_000);

  it("a task deleted in strata before delivery is not sent", async () => {
    const at = await fake();
    at.down = true;
    const s = await server(at);
    const r = await post(s, "/api/tasks/from-context", CURL_EXAMPLE);
    await waitFor(() => (at.requests.length > 0 ? true : undefined));
    expect((await s.app.inject({ method: "DELETE", url: `/api/tasks/${r.body.task.id}` })).statusCode).toBe(204);
    at.down = false;
    await new Promise((done) => setTimeout(done, 500));
    expect(at.tasks.size).toBe(0);
    expect(s.store.outbox.counts()).toEqual({});
  });
});
