// The HTTP API on a real server (random localhost port, temp SQLite file): the design's endpoint,
// tasks that persist, names that stay unique under concurrency, previews, profiles, options, OpenAPI.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../src/server/app.js";
import { CURL_EXAMPLE, CURL_EXAMPLE_LAYERS, ROOT, SCHEMAS, call, get, post, removeTempDirs, startServer, tempDir } from "./server-helpers.js";

afterAll(removeTempDirs);

describe("POST /api/tasks/from-context", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it("creates the design's curl example with the design's applied layers", async () => {
    const res = await post(server, "/api/tasks/from-context", CURL_EXAMPLE);
    expect(res.status).toBe(201);
    expect(res.body.applied_layers).toEqual(CURL_EXAMPLE_LAYERS);
    expect(res.body.warnings).toEqual([]);
    const task = res.body.task;
    expect(task).toMatchObject({ task_name: "llama-3-2-1b-instruct_grid_search", status: "pending", description: null });
    expect(Number.isInteger(task.id)).toBe(true);
    expect(res.headers.get("location")).toBe(`/api/tasks/${task.id}`);
    expect(new Date(task.created_at).toISOString()).toBe(task.created_at);
    // The user's patch wins over the profile's [1, 2]; the profile's other values stay.
    expect(task.config.parameters["tp-size"]).toEqual([1]);
    expect(task.config.parameters["mem-fraction-static"]).toEqual([0.7, 0.8]);
    expect(task.config.optimization.max_iterations).toBe(15);
    // Metadata: the layers, the context with the design's defaults, the layer-set hash, provenance.
    expect(task.metadata.applied_layers).toEqual(CURL_EXAMPLE_LAYERS);
    expect(task.metadata.context).toMatchObject({
      model_name: "llama-3-2-1b-instruct",
      benchmark_task: "text-to-text",
      traffic_scenarios: ["D(100,100)"],
      num_concurrency: [1, 4],
      optimization_strategy: "grid_search",
      optimization_objective: "minimize_latency",
      user_overrides: { parameters: { "tp-size": [1] } },
      override_mode: "patch",
    });
    const status = await get(server, "/api/layers/status");
    expect(task.metadata.layer_set_hash).toBe(status.body.hash);
    expect(task.metadata.provenance["/parameters/tp-size"]).toMatchObject({ source: "user_patch" });
    expect(task.metadata.provenance["/optimization/max_iterations"]).toMatchObject({
      source: "profile:low-latency:low-latency-params",
      file: "profiles/low-latency.yaml",
    });
    expect(task.metadata.provenance["/optimization/max_iterations"].line).toBeGreaterThan(0);

    const stored = await get(server, `/api/tasks/${task.id}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toEqual(task);
  });

  it("answers 409 naming the existing id for a second task of the same name", async () => {
    const body = { model_name: "dup-model", base_runtime: "vllm" };
    const first = await post(server, "/api/tasks/from-context", body);
    expect(first.status).toBe(201);
    const second = await post(server, "/api/tasks/from-context", body);
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe("task-name-taken");
    expect(second.body.error.existing_id).toBe(first.body.task.id);
    expect(second.body.error.message).toContain(`id ${first.body.task.id}`);
    expect(second.body.error.issues[0]).toMatchObject({ code: "task-name-taken", pointer: "/task_name" });
  });

  it("a 409 names the lowest free name <name>-N, and sending it as task_name creates the task", async () => {
    const body = { model_name: "free-model", base_runtime: "vllm" };
    const base = "free-model_grid_search";
    expect((await post(server, "/api/tasks/from-context", body)).status).toBe(201);
    const taken = await post(server, "/api/tasks/from-context", body);
    expect(taken.status).toBe(409);
    expect(taken.body.error.suggested_name).toBe(`${base}-2`);
    expect(taken.body.error.message).toBe(`a task named '${base}' already exists (id ${taken.body.error.existing_id}); '${base}-2' is free`);
    const second = await post(server, "/api/tasks/from-context", { ...body, task_name: taken.body.error.suggested_name });
    expect(second.status).toBe(201);
    expect(second.body.task.task_name).toBe(`${base}-2`);
    // Names that only look like a suffix do not count; the lowest gap is offered, not the next after the highest.
    for (const name of [`${base}-4`, `${base}-02`, `${base}-3x`, `${base}x-3`]) expect((await post(server, "/api/tasks/from-context", { ...body, task_name: name })).status).toBe(201);
    expect((await post(server, "/api/tasks/from-context", body)).body.error.suggested_name).toBe(`${base}-3`);
    // A taken <name>-N counts in <name>'s series when <name> is a task; otherwise it starts its own.
    const again = await post(server, "/api/tasks/from-context", { ...body, task_name: `${base}-4` });
    expect(again.status).toBe(409);
    expect(again.body.error.suggested_name).toBe(`${base}-3`);
    expect((await post(server, "/api/tasks/from-context", { ...body, task_name: "llama-3" })).status).toBe(201);
    expect((await post(server, "/api/tasks/from-context", { ...body, task_name: "llama-3" })).body.error.suggested_name).toBe("llama-3-2");
  });

  it("a suggested name stays within the schema's task_name limit (400 characters) and is accepted", async () => {
    const long = "n".repeat(400);
    expect((await post(server, "/api/tasks/from-context", { model_name: "long-name", base_runtime: "vllm", task_name: long })).status).toBe(201);
    const taken = await post(server, "/api/tasks/from-context", { model_name: "long-name", base_runtime: "vllm", task_name: long });
    expect(taken.status).toBe(409);
    expect(taken.body.error.suggested_name).toBe(`${"n".repeat(392)}-2`);
    const created = await post(server, "/api/tasks/from-context", { model_name: "long-name", base_runtime: "vllm", task_name: taken.body.error.suggested_name });
    expect(created.status).toBe(201);
  });

  it("clients that all take the suggested name after a 409 end with distinct names: <name>, <name>-2 … <name>-8", async () => {
    const body = { model_name: "crowd-model", base_runtime: "sglang" };
    const createOne = async () => {
      let name: string | undefined;
      for (let attempt = 0; attempt < 20; attempt++) {
        const r = await post(server, "/api/tasks/from-context", name ? { ...body, task_name: name } : body);
        if (r.status === 201) return r.body.task.task_name as string;
        expect(r.status).toBe(409);
        name = r.body.error.suggested_name;
      }
      throw new Error("no free name after 20 attempts");
    };
    const names = await Promise.all(Array.from({ length: 8 }, createOne));
    const base = "crowd-model_grid_search";
    expect([...names].sort()).toEqual([base, ...[2, 3, 4, 5, 6, 7, 8].map((n) => `${base}-${n}`)].sort());
  });

  it("bounds the free-text fields with an error naming the field and the limit", async () => {
    const cases: [Record<string, unknown>, number, string, string][] = [
      [{ description: "d".repeat(4001) }, 400, "/description", "'description' is too long: at most 4000 characters"],
      [{ task_name: "t".repeat(401) }, 400, "/task_name", "'task_name' is too long: at most 400 characters"],
      [{ model_name: "m".repeat(257) }, 400, "/model_name", "'model_name' is too long: at most 256 characters"],
      [{ gpu_type: "g".repeat(129) }, 400, "/gpu_type", "'gpu_type' is too long: at most 128 characters"],
      [{ traffic_scenarios: ["D(1,1)".repeat(30)] }, 400, "/traffic_scenarios/0", "'traffic_scenarios.0' is too long: at most 128 characters"],
      [{ num_concurrency: Array.from({ length: 101 }, (_, i) => i + 1) }, 400, "/num_concurrency", "'num_concurrency' has too many items: at most 100"],
      // The same bound holds for a description given as an override: the config fails the task schema.
      [{ overrides: { description: "d".repeat(4001) } }, 422, "/description", "'description' is too long: at most 4000 characters"],
    ];
    for (const [extra, status, pointer, message] of cases) {
      const r = await post(server, "/api/tasks/from-context", { model_name: "bounded", base_runtime: "vllm", ...extra });
      expect(r.status, JSON.stringify(extra).slice(0, 60)).toBe(status);
      expect(r.body.error.issues[0]).toMatchObject({ severity: "error", pointer, message });
    }
    const atLimit = await post(server, "/api/tasks/from-context", { model_name: "bounded", base_runtime: "vllm", description: "d".repeat(4000), task_name: "t".repeat(400) });
    expect(atLimit.status).toBe(201);
    expect(atLimit.body.task.description).toHaveLength(4000);
  });

  it("names the task from the body's task_name and description, recorded as the user's patch", async () => {
    const res = await post(server, "/api/tasks/from-context", { ...CURL_EXAMPLE, task_name: "my-run", description: "tried by hand" });
    expect(res.status).toBe(201);
    expect(res.body.task).toMatchObject({ task_name: "my-run", description: "tried by hand" });
    expect(res.body.task.config).toMatchObject({ task_name: "my-run", description: "tried by hand" });
    expect(res.body.task.metadata.provenance["/task_name"]).toMatchObject({ source: "user_patch" });
    expect(res.body.task.config.parameters["tp-size"]).toEqual([1]);
    const clash = await post(server, "/api/tasks/from-context", { ...CURL_EXAMPLE, task_name: "a", overrides: { task_name: "b" } });
    expect(clash.status).toBe(400);
    expect(clash.body.error.issues[0]).toMatchObject({ code: "conflicting-fields", pointer: "/task_name" });
  });

  it("lets only one of many concurrent creates with the same name land; the others name it", async () => {
    const body = { model_name: "race-model", base_runtime: "sglang" };
    const answers = await Promise.all(Array.from({ length: 25 }, () => post(server, "/api/tasks/from-context", body)));
    const created = answers.filter((a) => a.status === 201);
    expect(created).toHaveLength(1);
    const id = created[0].body.task.id;
    for (const a of answers.filter((x) => x.status !== 201)) {
      expect(a.status).toBe(409);
      expect(a.body.error.existing_id).toBe(id);
    }
  });

  it("stores an override that looks like JSONata as that value, never evaluated", async () => {
    const overrides = {
      description: "$sum(1,2)",
      parameters: { "schedule-policy": ["$string(1)", "{{ 1 + 1 }}"] },
      benchmark: { additional_params: { prompt: { $expr: "1+1" }, count: "$count([1,2])" } },
    };
    const res = await post(server, "/api/tasks/from-context", { model_name: "jsonata-looking", base_runtime: "sglang", overrides });
    expect(res.status).toBe(201);
    const stored = (await get(server, `/api/tasks/${res.body.task.id}`)).body;
    expect(stored.description).toBe("$sum(1,2)");
    expect(stored.config.description).toBe("$sum(1,2)");
    expect(stored.config.parameters["schedule-policy"]).toEqual(["$string(1)", "{{ 1 + 1 }}"]);
    expect(stored.config.benchmark.additional_params).toEqual({ prompt: { $expr: "1+1" }, count: "$count([1,2])" });
    expect(stored.metadata.context.user_overrides).toEqual(overrides);
  });

  it("accepts the context's own field names as aliases, and rejects a body giving both names", async () => {
    const slo = { ttft: { threshold: 2 }, tpot: { threshold: 0.1 } };
    const rest = await post(server, "/api/config/preview", { model_name: "m", base_runtime: "sglang", overrides: { parameters: { "tp-size": [2] } }, slo });
    const own = await post(server, "/api/config/preview", { model_name: "m", base_runtime: "sglang", user_overrides: { parameters: { "tp-size": [2] } }, slo_config: slo });
    expect(rest.status).toBe(200);
    expect(own.body).toEqual(rest.body);
    expect(rest.body.config.slo).toEqual(slo);
    expect(rest.body.config.parameters["tp-size"]).toEqual([2]);
    const both = await post(server, "/api/config/preview", { model_name: "m", base_runtime: "sglang", overrides: {}, user_overrides: {} });
    expect(both.status).toBe(400);
    expect(both.body.error).toMatchObject({ code: "conflicting-fields" });
    expect(both.body.error.issues[0].pointer).toBe("/user_overrides");
  });
});

describe("POST /api/config/preview", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it("composes the design's Python example without storing anything", async () => {
    const body = {
      model_name: "llama-3-2-1b-instruct",
      base_runtime: "sglang",
      deployment_mode: "docker",
      benchmark_task: "text-to-text",
      traffic_scenarios: ["D(100,100)"],
      num_concurrency: [1, 4, 8],
      optimization_strategy: "grid_search",
      optimization_objective: "minimize_latency",
      profiles: ["low-latency", "production"],
      overrides: { parameters: { "tp-size": [2] } },
    };
    const res = await post(server, "/api/config/preview", body);
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(true);
    expect(res.body.applied_layers).toEqual([
      "base-model",
      "base-optimization",
      "docker-defaults",
      "sglang-defaults",
      "profile:low-latency:low-latency-params",
      "profile:production:production-params",
      "user_patch",
    ]);
    expect(res.body.config.parameters["tp-size"]).toEqual([2]);
    expect(res.body.config.slo.latency.p90).toEqual({ threshold: 5.0, weight: 3.0, hard_fail: true, fail_ratio: 0.2 });
    expect(res.body.errors).toEqual([]);
    expect(res.body.provenance["/slo/ttft/threshold"]).toMatchObject({ source: "profile:production:production-params" });
    expect(res.body.skipped_layers.map((s: { layer: string }) => s.layer)).toContain("vllm-defaults");
    expect(res.body.skipped_layers.find((s: { layer: string }) => s.layer === "vllm-defaults").read).toEqual({ base_runtime: "sglang" });
    expect(res.body.context.num_concurrency).toEqual([1, 4, 8]);
    const list = await get(server, "/api/tasks");
    expect(list.body.total).toBe(0);
  });

  it("returns warnings (and ok: false with errors under ?strict=true)", async () => {
    const body = { model_name: "m", base_runtime: "sglang", profiles: ["no-such-profile"], overrides: { parameters: { "tp-size": [16] } } };
    const res = await post(server, "/api/config/preview", body);
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(true);
    expect(res.body.warnings.map((w: { message: string }) => w.message)).toEqual(["profile 'no-such-profile' not found", "tp-size > 8 may require multiple nodes"]);
    expect(res.body.warnings[0].pointer).toBe("/profiles/0");
    const strict = await post(server, "/api/config/preview?strict=true", body);
    expect(strict.status).toBe(200);
    expect(strict.body.ok).toBe(false);
    expect(strict.body.errors.map((e: { code: string }) => e.code)).toEqual(["profile-not-found", "tp-size-multi-node"]);
    const task = await post(server, "/api/tasks/from-context?strict=true", body);
    expect(task.status).toBe(422);
    const bad = await post(server, "/api/config/preview?strict=maybe", body);
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0]).toMatchObject({ code: "query-invalid", pointer: "/strict" });
  });
});

describe("tasks: durability, concurrency, listing, deleting", () => {
  afterEach(removeTempDirs);

  it("keeps a task across a restart on the same database file", async () => {
    const db = join(tempDir(), "nested", "dir", "strata.db");
    const first = await startServer({ db });
    const created = await post(first, "/api/tasks/from-context", CURL_EXAMPLE);
    expect(created.status).toBe(201);
    await first.close();

    const second = await startServer({ db });
    try {
      const again = await get(second, `/api/tasks/${created.body.task.id}`);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(created.body.task);
      const dup = await post(second, "/api/tasks/from-context", CURL_EXAMPLE);
      expect(dup.status).toBe(409);
      expect(dup.body.error.existing_id).toBe(created.body.task.id);
    } finally {
      await second.close();
    }
  });

  it("lands 200 concurrent creates with distinct names under distinct ids", async () => {
    const server = await startServer();
    try {
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) => post(server, "/api/tasks/from-context", { model_name: `model-${i}`, base_runtime: ["sglang", "vllm", "trtllm"][i % 3] })),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(200).fill(201));
      const ids = answers.map((a) => a.body.task.id);
      expect(new Set(ids).size).toBe(200);
      answers.forEach((a, i) => expect(a.body.task.task_name).toBe(`model-${i}_grid_search`));
      const list = await get(server, "/api/tasks?limit=500");
      expect(list.body.total).toBe(200);
      expect(new Set(list.body.tasks.map((t: { id: number }) => t.id))).toEqual(new Set(ids));
    } finally {
      await server.close();
    }
  });

  it("lists newest first, pages by offset and by cursor, filters by status", async () => {
    const server = await startServer();
    try {
      const ids: number[] = [];
      for (let i = 0; i < 7; i++) ids.push((await post(server, "/api/tasks/from-context", { model_name: `list-${i}`, base_runtime: "sglang", profiles: ["quick-test"] })).body.task.id);
      const newest = [...ids].reverse();
      const page1 = await get(server, "/api/tasks?limit=3");
      expect(page1.status).toBe(200);
      expect(page1.body).toMatchObject({ total: 7, limit: 3, offset: 0, next_cursor: newest[2] });
      expect(page1.body.tasks.map((t: { id: number }) => t.id)).toEqual(newest.slice(0, 3));
      expect(page1.body.tasks[0]).toMatchObject({ task_name: "list-6_grid_search", status: "pending", profiles: ["quick-test"] });
      expect(page1.body.tasks[0].applied_layers).toContain("profile:quick-test:quick-test-params");
      expect(page1.body.tasks[0]).not.toHaveProperty("config");
      const page2 = await get(server, `/api/tasks?limit=3&cursor=${page1.body.next_cursor}`);
      expect(page2.body.tasks.map((t: { id: number }) => t.id)).toEqual(newest.slice(3, 6));
      const page3 = await get(server, `/api/tasks?limit=3&cursor=${page2.body.next_cursor}`);
      expect(page3.body.tasks.map((t: { id: number }) => t.id)).toEqual(newest.slice(6));
      expect(page3.body.next_cursor).toBeNull();
      const byOffset = await get(server, "/api/tasks?limit=2&offset=4");
      expect(byOffset.body.tasks.map((t: { id: number }) => t.id)).toEqual(newest.slice(4, 6));
      expect((await get(server, "/api/tasks?status=pending")).body.total).toBe(7);
      const none = await get(server, "/api/tasks?status=completed");
      expect(none.body).toMatchObject({ tasks: [], total: 0, next_cursor: null });
      for (const [query, pointer] of [["status=done", "/status"], ["limit=0", "/limit"], ["limit=501", "/limit"], ["offset=-1", "/offset"], ["colour=red", "/colour"]]) {
        const bad = await get(server, `/api/tasks?${query}`);
        expect(bad.status, query).toBe(400);
        expect(bad.body.error.issues[0], query).toMatchObject({ code: "query-invalid", pointer });
      }
    } finally {
      await server.close();
    }
  });

  it("deletes a task (204), then knows it no more (404)", async () => {
    const server = await startServer();
    try {
      const id = (await post(server, "/api/tasks/from-context", CURL_EXAMPLE)).body.task.id;
      const del = await call(server, "DELETE", `/api/tasks/${id}`);
      expect(del.status).toBe(204);
      expect(del.text).toBe("");
      expect((await get(server, `/api/tasks/${id}`)).status).toBe(404);
      const again = await call(server, "DELETE", `/api/tasks/${id}`);
      expect(again.status).toBe(404);
      expect(again.body.error).toMatchObject({ code: "task-not-found", message: `no task with id ${id}` });
      // The name is free again; ids are never reused.
      const recreated = await post(server, "/api/tasks/from-context", CURL_EXAMPLE);
      expect(recreated.status).toBe(201);
      expect(recreated.body.task.id).toBeGreaterThan(id);
      for (const bad of ["abc", "0", "1.5", "99999999999999999999"]) {
        const res = await get(server, `/api/tasks/${bad}`);
        expect(res.status, bad).toBe(400);
        expect(res.body.error.issues[0], bad).toMatchObject({ code: "param-invalid", pointer: "/id" });
      }
    } finally {
      await server.close();
    }
  });
});

describe("profiles, options, schemas, OpenAPI", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it("lists the profiles with titles, descriptions and their layers as written", async () => {
    const res = await get(server, "/api/profiles");
    expect(res.status).toBe(200);
    expect(res.body.profiles.map((p: { name: string }) => p.name)).toEqual(["high-throughput", "low-latency", "production", "quick-test"]);
    const low = res.body.profiles.find((p: { name: string }) => p.name === "low-latency");
    expect(low).toMatchObject({ title: "Low Latency", file: "profiles/low-latency.yaml" });
    expect(low.description).toMatch(/latency/i);
    expect(low.layers).toEqual([
      expect.objectContaining({
        name: "low-latency-params",
        data: {
          optimization: { objective: "minimize_latency", max_iterations: 15 },
          parameters: { "mem-fraction-static": [0.7, 0.8], "tp-size": [1, 2] },
          benchmark: { num_concurrency: [1, 4, 8] },
        },
      }),
    ]);
    const one = await get(server, "/api/profiles/production");
    expect(one.status).toBe(200);
    expect(one.body).toEqual(res.body.profiles.find((p: { name: string }) => p.name === "production"));
    const missing = await get(server, "/api/profiles/nope");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("profile-not-found");
    expect(missing.body.error.message).toContain("low-latency");
  });

  it("offers the values the layers' conditions and the context schema know", async () => {
    const res = await get(server, "/api/options");
    expect(res.status).toBe(200);
    const values = (field: string) => res.body.options[field].map((o: { value: string }) => o.value);
    expect(values("base_runtime")).toEqual(["sglang", "vllm", "trtllm"]);
    expect(res.body.options.base_runtime[1]).toEqual({ value: "vllm", layers: ["vllm-defaults"], in_schema: true });
    expect(values("deployment_mode")).toEqual(["docker", "ome"]);
    expect(res.body.options.deployment_mode[1].layers).toEqual(["ome-defaults"]);
    expect(values("gpu_type")).toEqual(["H100", "A100"]);
    expect(values("override_mode")).toEqual(["patch", "replace"]);
    expect(res.body.defaults).toMatchObject({ deployment_mode: "docker", num_concurrency: [1, 4], profiles: [] });
    expect(res.body.profiles.map((p: { name: string }) => p.name)).toContain("production");
    // The project file's roles and aliases: the page finds its profile cards and editor by them.
    expect(res.body.roles).toEqual({ profiles: "profiles", overrides: "user_overrides", override_mode: "override_mode" });
    expect(res.body.aliases).toEqual({ overrides: "user_overrides", slo: "slo_config" });
    const schema = JSON.parse(readFileSync(join(SCHEMAS, "context.schema.json"), "utf8"));
    expect(res.body.context_schema).toEqual(schema);
    expect((await get(server, "/api/schemas/context")).body).toEqual(schema);
    expect((await get(server, "/api/schemas/task-config")).body.title).toBe("Autotuner task configuration");
    // `output` is the same schema under a name every project has (the page's overrides editor reads it).
    expect((await get(server, "/api/schemas/output")).body).toEqual((await get(server, "/api/schemas/task-config")).body);
    expect((await get(server, "/api/schemas/nope")).status).toBe(404);
  });

  it("says which config values each context field feeds, read from the layers' expressions", async () => {
    const feeds = (await get(server, "/api/options")).body.context_feeds;
    expect(feeds.optimization_objective).toEqual([{ pointer: "/optimization/objective", source: "base-optimization" }]);
    expect(feeds.model_name).toEqual([
      { pointer: "/task_name", source: "base-model" },
      { pointer: "/model/id_or_path", source: "base-model" },
      { pointer: "/benchmark/model_name", source: "base-optimization" },
    ]);
    expect(feeds.slo_config).toEqual([{ pointer: "/slo", source: "slo-config" }]);
    expect(feeds.total_gpus).toEqual([{ pointer: "/parameters/tp-size", source: "tp-size-limit" }]);
    // Conditions are not values (deployment_mode), and the GPU table writes the whole data, no value in particular.
    expect(Object.keys(feeds).sort()).toEqual(
      ["base_runtime", "benchmark_task", "model_name", "num_concurrency", "optimization_objective", "optimization_strategy", "slo_config", "total_gpus", "traffic_scenarios"],
    );
  });

  it("publishes an OpenAPI document whose schemas match what the routes accept and answer", async () => {
    const doc = (await get(server, "/api/openapi.json")).body;
    expect(doc.openapi).toBe("3.1.0");
    for (const path of ["/api/tasks/from-context", "/api/config/preview", "/api/tasks", "/api/tasks/{id}", "/api/profiles", "/api/profiles/{name}", "/api/options", "/api/layers/status", "/api/openapi.json"]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    const body = doc.components.schemas.TaskRequest;
    expect(Object.keys(body.properties)).toEqual(expect.arrayContaining(["model_name", "overrides", "slo", "user_overrides", "slo_config", "total_gpus", "gpu_type", "task_name"]));
    expect(body.required).toEqual(["model_name", "base_runtime"]);
    expect(body.additionalProperties).toBe(false);
    // Same schema object the route validates with (the derived request schema).
    const request = (await get(server, "/api/schemas/request")).body;
    expect(Object.keys(request.properties)).toEqual(Object.keys(body.properties));

    // docs/api.md documents every route the document lists.
    const docs = readFileSync(join(ROOT, "docs", "api.md"), "utf8");
    for (const [path, ops] of Object.entries(doc.paths as Record<string, object>)) {
      for (const method of Object.keys(ops)) {
        expect(docs, `${method} ${path}`).toContain(`\n## ${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}\n`);
      }
    }

    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addSchema(doc, "api");
    const check = (name: string, value: unknown) => {
      const validate = ajv.getSchema(`api#/components/schemas/${name}`)!;
      expect(validate(value), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    };
    check("TaskRequest", CURL_EXAMPLE);
    // Creating takes `start` as well (a preview does not); the create route's body is CreateTaskRequest.
    check("CreateTaskRequest", { ...CURL_EXAMPLE, start: true });
    expect(ajv.getSchema("api#/components/schemas/TaskRequest")!({ ...CURL_EXAMPLE, start: true })).toBe(false);
    expect(ajv.getSchema("api#/components/schemas/CreateTaskRequest")!({ ...CURL_EXAMPLE, start: "yes" })).toBe(false);
    expect(doc.paths["/api/tasks/from-context"].post.requestBody.content["application/json"].schema.$ref).toBe("#/components/schemas/CreateTaskRequest");
    expect(doc.paths["/api/config/preview"].post.requestBody.content["application/json"].schema.$ref).toBe("#/components/schemas/TaskRequest");
    expect(ajv.getSchema("api#/components/schemas/TaskRequest")!({ ...CURL_EXAMPLE, total_gpus: "eight" })).toBe(false);
    const created = await post(server, "/api/tasks/from-context", { ...CURL_EXAMPLE, task_name: "openapi-check", slo: { ttft: { threshold: 1 } } });
    check("TaskCreated", created.body);
    check("Task", (await get(server, `/api/tasks/${created.body.task.id}`)).body);
    check("TaskList", (await get(server, "/api/tasks")).body);
    check("Preview", (await post(server, "/api/config/preview", CURL_EXAMPLE)).body);
    check("ProfileList", (await get(server, "/api/profiles")).body);
    check("Profile", (await get(server, "/api/profiles/low-latency")).body);
    check("Options", (await get(server, "/api/options")).body);
    check("LayerStatus", (await get(server, "/api/layers/status")).body);
    check("Health", (await get(server, "/api/health")).body);
    check("Error", (await post(server, "/api/tasks/from-context", { ...CURL_EXAMPLE, task_name: "openapi-check" })).body);
    check("Error", (await post(server, "/api/config/preview", "{")).body);
  });
});

describe("the web page", () => {
  afterEach(removeTempDirs);

  it("says how to build the page when web/dist is missing, and keeps /api 404s as JSON", async () => {
    const server = await startServer({ webDir: join(tempDir(), "missing") });
    try {
      for (const path of ["/", "/tasks/3"]) {
        const res = await get(server, path);
        expect(res.status, path).toBe(200);
        expect(res.headers.get("content-type")).toMatch(/^text\/html/);
        expect(res.text).toContain("not built");
        expect(res.text).toContain("npm run build:web");
      }
      const api = await get(server, "/api/nothing-here");
      expect(api.status).toBe(404);
      expect(api.body.error).toMatchObject({ code: "not-found" });
    } finally {
      await server.close();
    }
  });

  it("serves web/dist at / with index.html for client routes and 404 for missing files", async () => {
    const web = tempDir();
    mkdirSync(join(web, "assets"));
    writeFileSync(join(web, "index.html"), "<!doctype html><title>strata page</title><div id=root></div>");
    writeFileSync(join(web, "assets", "index-BX3k9_aZ.js"), "console.log('strata')");
    const server = await startServer({ webDir: web });
    try {
      const root = await get(server, "/");
      expect(root.status).toBe(200);
      expect(root.text).toContain("strata page");
      expect(root.headers.get("cache-control")).toBe("no-cache");
      const asset = await get(server, "/assets/index-BX3k9_aZ.js");
      expect(asset.status).toBe(200);
      expect(asset.headers.get("content-type")).toMatch(/javascript/);
      expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      const route = await get(server, "/tasks/12");
      expect(route.status).toBe(200);
      expect(route.text).toContain("strata page");
      expect((await get(server, "/assets/missing.js")).status).toBe(404);
      expect((await get(server, "/api/unknown")).body.error.code).toBe("not-found");
      expect((await get(server, "/api/health")).body.status).toBe("ok");
    } finally {
      await server.close();
    }
  });
});
