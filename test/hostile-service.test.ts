// The service keeps answering while a compose is slow (issue 15): composes run in worker processes
// (src/server/compose-pool.ts). A layer whose expression spends minutes in one native call — `$distinct`
// compares every pair, and no expression limit can interrupt a single call — holds only its worker: health
// checks, task lists and other previews are answered meanwhile, the runaway compose is stopped at the pool's
// time limit (504) and its worker replaced; a full queue is a 503 with Retry-After; a worker that dies is a
// 503 and the service stays up; each compose uses the layer set in use when its request arrived.
// These tests start worker processes from dist/: `npm run build` first when running this file alone.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../src/server/app.js";
import { copyLayerSet, get, post, removeTempDirs, startServer, waitFor, warmWorkers } from "./server-helpers.js";

// Minutes of work in one call to JSONata's $distinct (99,999 distinct one-item lists, compared pairwise and
// deeply; 99,999 numbers take only seconds). The list is built in two native calls (a range and $zip), not by a
// mapping step per item: 100,000 steps can reach the 1 s expression limit first on a slow machine, and the
// compose would then end as an ordinary expression-timeout (200) instead of running past the pool's limit.
const RUNAWAY = `name: runaway\nstage: base\nwhen: {"==": [{"var": "model_name"}, "runaway"]}\ndata:\n  description: !expr '$string($count($distinct($zip([1..99999]))))'\n`;
const runaway = { model_name: "runaway", base_runtime: "vllm" };
const calm = { model_name: "calm", base_runtime: "vllm" };

const servers: RunningServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  removeTempDirs();
});

async function serverWithRunaway(compose: { size?: number; timeoutMs?: number; maxQueue?: number }) {
  const { layersDir, schemasDir } = copyLayerSet();
  mkdirSync(join(layersDir, "hostile"));
  writeFileSync(join(layersDir, "hostile", "runaway.yaml"), RUNAWAY);
  const server = await startServer({ layersDir, schemasDir, compose });
  servers.push(server);
  return { server, layersDir };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("a compose that runs for minutes holds only its worker", () => {
  it("health, the task list and another preview are answered while it runs; it is stopped with a 504 and its worker replaced", async () => {
    const { server } = await serverWithRunaway({ size: 2, timeoutMs: 8_000 });
    await warmWorkers(server, 2);
    const order: string[] = [];
    const slow = post(server, "/api/config/preview", runaway).then((r) => (order.push("runaway"), r));
    await waitFor(() => (server.pool!.stats().busy === 1 ? true : undefined), 10_000, "the runaway compose to start");
    const busyPid = server.pool!.stats().pids[0];
    const health = await get(server, "/api/health");
    order.push("health");
    const list = await get(server, "/api/tasks");
    order.push("tasks");
    const other = await post(server, "/api/config/preview", calm);
    order.push("preview");
    const stopped = await slow;
    expect([health.status, list.status, other.status, other.body.ok]).toEqual([200, 200, 200, true]);
    expect(order).toEqual(["health", "tasks", "preview", "runaway"]);
    // The runaway compose: stopped at the pool's limit, with a message that says so.
    expect(stopped.status).toBe(504);
    expect(stopped.body.error).toMatchObject({ code: "compose-timeout", issues: [{ code: "compose-timeout", pointer: "" }] });
    expect(stopped.body.error.message).toBe("composing took longer than 8000 ms and was stopped: a layer's expressions or conditions are too slow for this context");
    // Its worker is gone (killed, not left spinning), and the service goes on composing.
    await waitFor(() => (server.pool!.stats().pids.every((pid) => alive(pid)) && !server.pool!.stats().pids.includes(busyPid) ? true : undefined), 10_000, "the worker to be replaced");
    const after = await post(server, "/api/config/preview", calm);
    expect([after.status, after.body.ok]).toEqual([200, true]);
    expect((await get(server, "/api/health")).status).toBe(200);
  }, 120_000);

  it("creating a task from it is the same 504, and nothing is stored", async () => {
    const { server } = await serverWithRunaway({ size: 1, timeoutMs: 3_000 });
    const res = await post(server, "/api/tasks/from-context", runaway);
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe("compose-timeout");
    expect((await get(server, "/api/tasks")).body.total).toBe(0);
  }, 120_000);

  it("a full queue is a 503 with Retry-After; what was queued is composed once a worker is free", async () => {
    const { server } = await serverWithRunaway({ size: 1, timeoutMs: 5_000, maxQueue: 1 });
    await warmWorkers(server, 1);
    const slow = post(server, "/api/config/preview", runaway);
    await waitFor(() => (server.pool!.stats().busy === 1 ? true : undefined), 10_000, "the runaway compose to start");
    const queued = post(server, "/api/config/preview", calm);
    await waitFor(() => (server.pool!.stats().queued === 1 ? true : undefined), 10_000, "a queued request");
    const refused = await post(server, "/api/config/preview", calm);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.body.error).toMatchObject({ code: "compose-busy", message: "every compose worker is busy and the queue is full (1 request waiting); try again shortly" });
    expect((await slow).status).toBe(504);
    const served = await queued;
    expect([served.status, served.body.ok]).toEqual([200, true]);
  }, 120_000);

  it("a worker that dies while composing (killed, or out of memory) is a 503; the service stays up", async () => {
    const { server } = await serverWithRunaway({ size: 1, timeoutMs: 60_000 });
    await warmWorkers(server, 1);
    const slow = post(server, "/api/config/preview", runaway);
    await waitFor(() => (server.pool!.stats().busy === 1 ? true : undefined), 10_000, "the runaway compose to start");
    // What V8 does to a process out of heap: SIGABRT.
    process.kill(server.pool!.stats().pids[0], "SIGABRT");
    const res = await slow;
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: "compose-aborted", message: "the compose worker was ended by SIGABRT (out of memory?) while composing; it was replaced" });
    const after = await post(server, "/api/config/preview", calm);
    expect([after.status, after.body.ok]).toEqual([200, true]);
  }, 120_000);
});

describe("layer set versions", () => {
  it("after a reload, workers compose with the new set; the answer names the hash it was composed with", async () => {
    const { server, layersDir } = await serverWithRunaway({ size: 2 });
    await warmWorkers(server, 2);
    const before = await post(server, "/api/config/preview", calm);
    expect(before.body.layer_set_hash).toBe((await get(server, "/api/health")).body.layer_set_hash);
    writeFileSync(join(layersDir, "hostile", "calm.yaml"), `name: calm-note\nstage: base\nwhen: {"==": [{"var": "model_name"}, "calm"]}\ndata:\n  description: reloaded\n`);
    const status = (await post(server, "/api/layers/reload")).body;
    expect(status.ok).toBe(true);
    expect(status.hash).not.toBe(before.body.layer_set_hash);
    // Both workers held the old set; each compose after the reload gets the new one.
    const answers = await Promise.all([1, 2, 3, 4].map(() => post(server, "/api/config/preview", calm)));
    for (const a of answers) {
      expect(a.body.layer_set_hash).toBe(status.hash);
      expect(a.body.config.description).toBe("reloaded");
    }
  }, 120_000);
});
