// `strata submit` (docs/cli.md#strata-submit) against the fake autotuner: the id printed, --start, submitting
// again, a conflict, the autotuner's 4xx, a field it does not take, and an autotuner that is not there (exit 2).
import { createServer } from "node:net";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, strata } from "./helpers/cli.js";
import { FakeAutotuner } from "./helpers/fake-autotuner.js";

const CONTEXT = "examples/design-example.yaml";
let at: FakeAutotuner;

beforeAll(ensureBuilt);
afterEach(async () => {
  await at?.close();
});

describe("strata submit", () => {
  it("composes and creates the task, printing the autotuner's id; --start starts it; again finds it, not a second one", async () => {
    at = await new FakeAutotuner().start();
    const r = await strata(["submit", "--context", CONTEXT, "--autotuner-url", at.url, "--start"]);
    expect(r.stderr).toMatch(/^strata submit: '[^']+' is task 1 on the autotuner at http:\/\/127\.0\.0\.1:\d+; started\n$/);
    expect(r.stdout).toBe("1\n");
    expect(r.code).toBe(0);
    const task = at.tasks.get(1)!;
    expect(task.status).toBe("running");
    const compose = await strata(["compose", "--context", CONTEXT, "--json"]);
    const { $schema: _, ...config } = JSON.parse(compose.stdout).config;
    for (const [k, v] of Object.entries(config)) expect(task[k], k).toEqual(v);

    const again = await strata(["submit", "--context", CONTEXT, "--autotuner-url", at.url]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe("1\n");
    expect(again.stderr).toContain("(it was there already, with the same config)");
    expect(at.tasks.size).toBe(1);
    expect(at.stored).toHaveLength(1);
  }, 60_000);

  it("exits 1 with the reason for a conflict, a 4xx of the autotuner, a start refused and a field it does not take", async () => {
    at = await new FakeAutotuner().start();
    const conflict = await strata(["submit", "--context", CONTEXT, "--autotuner-url", at.url, "--set", "task_name=taken"]);
    expect(conflict.code).toBe(0);
    const other = await strata(["submit", "--context", CONTEXT, "--autotuner-url", at.url, "--set", "task_name=taken", "--set", "parameters.tp-size=[4]"]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain("strata submit: the autotuner already has a task named 'taken' (id 1) with another config (parameters differ); strata did not send a second one");
    expect(other.stdout).toBe("");

    at.rejectNext = { status: 422, detail: [{ loc: ["body", "model"], msg: "Field required", type: "missing" }] };
    const refused = await strata(["submit", "--context", CONTEXT, "--autotuner-url", at.url, "--set", "task_name=refused"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("strata submit: the autotuner refused the task (422): body.model: Field required");

    at.tasks.get(1)!.status = "completed";
    const notStarted = await strata(["submit", "--context", CONTEXT, "--autotuner-url", at.url, "--set", "task_name=taken", "--start"]);
    expect(notStarted.code).toBe(1);
    expect(notStarted.stdout).toBe("1\n");
    expect(notStarted.stderr).toContain("but the autotuner did not start task 1 (400): Task must be in PENDING status to start; it is completed");

    const unsupported = await strata(["submit", "--context", CONTEXT, "--autotuner-url", at.url, "--set", "task_name=pvc", "--set", "storage={type: pvc, pvc_name: m, pvc_subpath: m, mount_path: /m}"]);
    expect(unsupported.code).toBe(1);
    expect(unsupported.stderr).toMatch(/error handoff-unsupported-field: the autotuner's task API does not take 'storage'/);
    expect(at.byName("pvc")).toBeUndefined();
  }, 90_000);

  it("exits 2 with the reason when the autotuner is unreachable, or none is given", async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const r = await strata(["submit", "--context", CONTEXT, "--autotuner-url", `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`strata submit: the autotuner at http://127.0.0.1:${port} is unreachable (GET /api/tasks/name/`);
    expect(r.stderr).toContain("ECONNREFUSED");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const none = await strata(["submit", "--context", CONTEXT]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no autotuner: give --autotuner-url URL or set STRATA_AUTOTUNER_URL");
    const bad = await strata(["submit", "--context", CONTEXT, "--autotuner-url", "ftp://x"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--autotuner-url must be an http(s) URL");
  }, 60_000);
});
