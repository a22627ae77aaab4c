// The outbox survives SIGKILL: `strata serve --autotuner-url` as a real child process, tasks created while the
// autotuner is slow (requests in flight, some stored there whose answers never arrive) or down, SIGKILL,
// restart on the same database: every task is delivered, each exactly once. Slow (two server starts): runs
// when STRATA_SLOW=1 (.ci/run sets it), like test/durability.test.ts.
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { FakeAutotuner } from "./helpers/fake-autotuner.js";
import { LAYERS_DIR, SCHEMAS_DIR, removeTemps, tempDir } from "./hostile/setup.js";
import { startServe, type Served } from "./helpers/serve-process.js";
import { CURL_EXAMPLE, waitFor } from "./server-helpers.js";

const SLOW = process.env.STRATA_SLOW === "1";

const children = new Set<ChildProcess>();
let autotuner: FakeAutotuner | undefined;
afterEach(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  children.clear();
  await autotuner?.close();
});
afterAll(removeTemps);

function serve(db: string, autotunerUrl: string): Promise<Served> {
  const env = { ...process.env };
  delete env.STRATA_TOKEN;
  const args = ["--port", "0", "--db", db, "--layers", LAYERS_DIR, "--schemas", SCHEMAS_DIR, "--no-watch", "--web", join(tempDir(), "no-web"), "--autotuner-url", autotunerUrl];
  return startServe(args, children, env);
}

const kill = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });

describe.skipIf(!SLOW)("the outbox across SIGKILL (STRATA_SLOW=1)", () => {
  it("tasks in the outbox when strata is killed (some in flight, some stored there unanswered) are all delivered after the restart, once each", async () => {
    autotuner = await new FakeAutotuner().start();
    autotuner.delayMs = 400;
    const db = join(tempDir(), "strata.db");
    const first = await serve(db, autotuner.url);
    const names = Array.from({ length: 30 }, (_, i) => `killed-${i}`);
    const created = await Promise.all(
      names.map((task_name) =>
        fetch(first.url + "/api/tasks/from-context", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...CURL_EXAMPLE, task_name }) }).then((r) => r.status),
      ),
    );
    expect(created).toEqual(names.map(() => 201));
    // Some creates have reached the autotuner: kill strata with their answers still on the way.
    await waitFor(() => (autotuner!.requests.length >= 3 ? true : undefined));
    await kill(first.child);
    // The autotuner finishes what it was doing: those tasks are stored there, their answers lost.
    await new Promise((r) => setTimeout(r, 600));
    const storedBeforeRestart = autotuner.stored.length;
    expect(storedBeforeRestart).toBeGreaterThan(0);
    expect(storedBeforeRestart).toBeLessThan(30);
    autotuner.delayMs = 0;

    const second = await serve(db, autotuner.url);
    const states = await waitFor(
      async () => {
        const all = await Promise.all(
          names.map(async (_, i) => ((await (await fetch(`${second.url}/api/tasks/${i + 1}`)).json()) as { task_name: string; handoff: { state: string; autotuner_id: number } })),
        );
        return all.every((t) => t.handoff.state === "delivered") ? all : undefined;
      },
      60_000,
      "every task delivered after the restart",
    );
    expect([...autotuner.stored].sort()).toEqual([...names].sort());
    expect(autotuner.tasks.size).toBe(30);
    for (const t of states) expect(autotuner.tasks.get(t.handoff.autotuner_id)!.task_name).toBe(t.task_name);
  }, 120_000);
});
