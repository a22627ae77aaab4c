import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject } from "ajv";
import { describe, expect, it } from "vitest";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "..");
// Real task files published by the autotuner project, copied in so a clone anywhere runs this test.
const tasksDir = path.join(here, "fixtures/autotuner-tasks");

type Json = Record<string, any>;

const readJson = (file: string): Json => JSON.parse(readFileSync(file, "utf8"));
const clone = <T>(value: T): T => structuredClone(value);

const taskSchema = readJson(path.join(repoRoot, "schemas/task-config.schema.json"));
const contextSchema = readJson(path.join(repoRoot, "schemas/context.schema.json"));

// strict: true turns ajv's "log" strictness checks (union types, keywords without a
// matching type, defaults ajv would ignore, ...) into compile errors, so a sloppy schema
// fails here instead of printing warnings in the engine.
const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
// The known values of an open vocabulary (base_runtime, gpu_type): an annotation strata reads, not a constraint.
ajv.addKeyword({ keyword: "x-known-values", schemaType: "array" });
// How the page lays a field out (docs/ui.md): annotations too.
ajv.addKeyword({ keyword: "x-form-group", schemaType: "string" });
ajv.addKeyword({ keyword: "x-form-widget", schemaType: "string" });
const validateTask = ajv.compile(taskSchema);
const validateContext = ajv.compile(contextSchema);

const taskFiles = readdirSync(tasksDir)
  .filter((f) => f.endsWith(".json"))
  .sort();

const fmt = (errors: ErrorObject[] | null | undefined): string =>
  (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.keyword}: ${e.message}`).join("\n");

/** A valid task config built like the design's example output (docker + sglang). */
const baseTask = (): Json => ({
  task_name: "llama-3-2-1b-instruct_grid_search",
  model: { id_or_path: "llama-3-2-1b-instruct", namespace: "autotuner" },
  base_runtime: "sglang",
  runtime_image_tag: "v0.5.2-cu126",
  parameters: {
    "tp-size": [1, 2, 4],
    "mem-fraction-static": [0.85, 0.9],
    "schedule-policy": ["lpm"],
    "enable-torch-compile": [true, false],
  },
  optimization: {
    strategy: "grid_search",
    objective: "minimize_latency",
    max_iterations: 10,
    timeout_per_iteration: 600,
  },
  benchmark: {
    task: "text-to-text",
    model_name: "llama-3-2-1b-instruct",
    traffic_scenarios: ["D(100,100)"],
    num_concurrency: [1, 4],
  },
  slo: {
    ttft: { threshold: 1.0, weight: 2.0 },
    tpot: { threshold: 0.05, weight: 2.0 },
    latency: { p90: { threshold: 5.0, weight: 3.0, hard_fail: true, fail_ratio: 0.2 } },
  },
});

/** Walk every sub-schema that describes an object property and return the ones lacking help text. */
function propertiesMissingHelp(schema: Json): string[] {
  const missing: string[] = [];
  const visit = (node: unknown, where: string): void => {
    if (Array.isArray(node)) {
      node.forEach((n, i) => visit(n, `${where}/${i}`));
      return;
    }
    if (!node || typeof node !== "object") return;
    const obj = node as Json;
    if (obj.properties && typeof obj.properties === "object") {
      for (const [key, sub] of Object.entries(obj.properties as Json)) {
        const s = sub as Json;
        if (typeof s.title !== "string" || !s.title.trim()) missing.push(`${where}/properties/${key} (title)`);
        if (typeof s.description !== "string" || !s.description.trim())
          missing.push(`${where}/properties/${key} (description)`);
      }
    }
    for (const [key, value] of Object.entries(obj)) {
      if (key === "examples" || key === "default" || key === "enum" || key === "const") continue;
      visit(value, `${where}/${key}`);
    }
  };
  visit(schema, "#");
  return missing;
}

describe("task-config.schema.json", () => {
  it("is draft-07 with the published $id", () => {
    expect(taskSchema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(taskSchema.$id).toBe("https://strata.dev/schemas/task-config.schema.json");
  });

  it("gives every property a title and a plain-English description", () => {
    expect(propertiesMissingHelp(taskSchema)).toEqual([]);
  });

  it("finds the published autotuner task files", () => {
    expect(taskFiles.length).toBeGreaterThan(0);
  });

  it.each(taskFiles)("accepts the published task file %s", (file) => {
    const data = readJson(path.join(tasksDir, file));
    const ok = validateTask(data);
    expect(ok, fmt(validateTask.errors)).toBe(true);
  });

  it("accepts a config shaped like the design's factory output", () => {
    expect(validateTask(baseTask()), fmt(validateTask.errors)).toBe(true);
  });

  it("accepts an empty value list (total_gpus filtered every tp-size out)", () => {
    const cfg = baseTask();
    cfg.parameters["tp-size"] = [];
    expect(validateTask(cfg), fmt(validateTask.errors)).toBe(true);
  });

  it("accepts parallel_config values given as one integer or a list, and presets", () => {
    const cfg = baseTask();
    cfg.parallel_config = { tp: [2, 4], dp: 1, pp: [1], moe_dense_tp: 2 };
    expect(validateTask(cfg), fmt(validateTask.errors)).toBe(true);
    cfg.parallel_config = { presets: ["single-gpu", "high-throughput"] };
    expect(validateTask(cfg), fmt(validateTask.errors)).toBe(true);
    cfg.parallel_config = { enable_expert_parallel: [true, false], moe_tp: 2, moe_ep: [4, 8], cp: 2, dcp: 1 };
    expect(validateTask(cfg), fmt(validateTask.errors)).toBe(true);
  });

  it("accepts OME resource configs given by preset or by custom spec with overrides", () => {
    const cfg = baseTask();
    cfg.deployment_mode = "ome";
    cfg.clusterbasemodel_config = {
      preset: "llama-3-2-1b-instruct",
      overrides: { storage: { path: "/custom/path/to/model" } },
      labels: { environment: "production" },
    };
    cfg.clusterservingruntime_config = {
      name: "my-runtime",
      spec: { engineConfig: { runner: { image: "x" } } },
      annotations: { owner: "me" },
    };
    expect(validateTask(cfg), fmt(validateTask.errors)).toBe(true);
  });

  it("leaves parameters, additional_params and quant_config open", () => {
    const cfg = baseTask();
    cfg.parameters["any-new-engine-flag"] = ["x", 1, false];
    cfg.benchmark.additional_params = { temperature: "0.0", top_p: 0.9, anything: { nested: true } };
    cfg.quant_config = { presets: ["default", "kv-cache-fp8"], some_future_key: 1 };
    expect(validateTask(cfg), fmt(validateTask.errors)).toBe(true);
  });

  type BadCase = {
    name: string;
    mutate: (cfg: Json) => void;
    instancePath: string;
    keyword?: string;
    params?: Json;
  };

  const badCases: BadCase[] = [
    {
      name: "misspelt optimization.max_iteration",
      mutate: (c) => {
        delete c.optimization.max_iterations;
        c.optimization.max_iteration = 10;
      },
      instancePath: "/optimization",
      keyword: "additionalProperties",
      params: { additionalProperty: "max_iteration" },
    },
    {
      name: "parameter value that is an object without type choice",
      mutate: (c) => {
        c.parameters["tp-size"] = { values: [1, 2] };
      },
      instancePath: "/parameters/tp-size",
      keyword: "required",
      params: { missingProperty: "type" },
    },
    {
      name: "parameter value with a type other than choice",
      mutate: (c) => {
        c.parameters["tp-size"] = { type: "range", values: [1, 2] };
      },
      instancePath: "/parameters/tp-size/type",
      keyword: "const",
    },
    {
      name: "parameter list containing an object",
      mutate: (c) => {
        c.parameters["tp-size"] = [1, { two: 2 }];
      },
      instancePath: "/parameters/tp-size",
      keyword: "anyOf",
    },
    {
      name: "unknown latency percentile slo.latency.p95",
      mutate: (c) => {
        c.slo.latency.p95 = { threshold: 6 };
      },
      instancePath: "/slo/latency",
      keyword: "additionalProperties",
      params: { additionalProperty: "p95" },
    },
    {
      name: "fail_ratio above 1",
      mutate: (c) => {
        c.slo.latency.p90.fail_ratio = 2;
      },
      instancePath: "/slo/latency/p90/fail_ratio",
      keyword: "maximum",
    },
    {
      name: "missing task_name",
      mutate: (c) => {
        delete c.task_name;
      },
      instancePath: "",
      keyword: "required",
      params: { missingProperty: "task_name" },
    },
    {
      name: "empty task_name",
      mutate: (c) => {
        c.task_name = "";
      },
      instancePath: "/task_name",
      keyword: "minLength",
    },
    {
      name: "unknown top-level key",
      mutate: (c) => {
        c.optimisation = {};
      },
      instancePath: "",
      keyword: "additionalProperties",
      params: { additionalProperty: "optimisation" },
    },
    {
      name: "max_iterations of 0",
      mutate: (c) => {
        c.optimization.max_iterations = 0;
      },
      instancePath: "/optimization/max_iterations",
      keyword: "minimum",
    },
    {
      name: "timeout_per_iteration of 0",
      mutate: (c) => {
        c.optimization.timeout_per_iteration = 0;
      },
      instancePath: "/optimization/timeout_per_iteration",
      keyword: "exclusiveMinimum",
    },
    {
      name: "num_concurrency of 0",
      mutate: (c) => {
        c.benchmark.num_concurrency = [0, 4];
      },
      instancePath: "/benchmark/num_concurrency/0",
      keyword: "minimum",
    },
    {
      name: "unknown model key",
      mutate: (c) => {
        c.model.revision = "main";
      },
      instancePath: "/model",
      keyword: "additionalProperties",
    },
    {
      name: "unknown parallel_config key",
      mutate: (c) => {
        c.parallel_config = { tp_size: [1, 2] };
      },
      instancePath: "/parallel_config",
      keyword: "additionalProperties",
      params: { additionalProperty: "tp_size" },
    },
    {
      name: "parallel_config size of 0",
      mutate: (c) => {
        c.parallel_config = { tp: [0, 2] };
      },
      instancePath: "/parallel_config/tp",
      keyword: "anyOf",
    },
    {
      name: "unknown clusterbasemodel_config key",
      mutate: (c) => {
        c.clusterbasemodel_config = { presett: "llama-3-2-1b-instruct" };
      },
      instancePath: "/clusterbasemodel_config",
      keyword: "additionalProperties",
    },
    {
      name: "unknown storage key",
      mutate: (c) => {
        c.storage = { type: "pvc", pvc: "x" };
      },
      instancePath: "/storage",
      keyword: "additionalProperties",
    },
    {
      name: "SLO target without a threshold",
      mutate: (c) => {
        c.slo.ttft = { weight: 2 };
      },
      instancePath: "/slo/ttft",
      keyword: "required",
      params: { missingProperty: "threshold" },
    },
  ];

  it.each(badCases)("rejects $name at '$instancePath'", ({ mutate, instancePath, keyword, params }) => {
    const cfg = baseTask();
    mutate(cfg);
    expect(validateTask(cfg)).toBe(false);
    const errors = validateTask.errors ?? [];
    const hit = errors.find(
      (e) =>
        e.instancePath === instancePath &&
        (keyword === undefined || e.keyword === keyword) &&
        (params === undefined || Object.entries(params).every(([k, v]) => (e.params as Json)[k] === v)),
    );
    expect(hit, `expected ${keyword ?? "an error"} at '${instancePath}', got:\n${fmt(errors)}`).toBeDefined();
  });
});

describe("context.schema.json", () => {
  it("is draft-07 with the published $id", () => {
    expect(contextSchema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(contextSchema.$id).toBe("https://strata.dev/schemas/context.schema.json");
  });

  it("gives every property a title and a plain-English description", () => {
    expect(propertiesMissingHelp(contextSchema)).toEqual([]);
  });

  it("keeps its SLO definitions in step with the task config's slo section", () => {
    expect(contextSchema.definitions.sloTarget).toEqual(taskSchema.definitions.sloTarget);
    const { description: _a, minProperties, ...ctxSlo } = contextSchema.definitions.sloConfig;
    const { description: _b, ...taskSlo } = taskSchema.definitions.slo;
    expect(minProperties).toBe(1);
    expect(ctxSlo).toEqual(taskSlo);
  });

  it("fills every default into the design's example context", () => {
    const ctx: Json = { model_name: "llama-3-2-1b-instruct", base_runtime: "sglang" };
    expect(validateContext(ctx), fmt(validateContext.errors)).toBe(true);
    expect(ctx).toEqual({
      model_name: "llama-3-2-1b-instruct",
      base_runtime: "sglang",
      deployment_mode: "docker",
      benchmark_task: "text-to-text",
      traffic_scenarios: ["D(100,100)"],
      num_concurrency: [1, 4],
      optimization_strategy: "grid_search",
      optimization_objective: "minimize_latency",
      slo_config: null,
      profiles: [],
      user_overrides: {},
      override_mode: "patch",
      gpu_type: null,
      total_gpus: null,
    });
  });

  it("does not share default arrays/objects between validations", () => {
    const a: Json = { model_name: "m", base_runtime: "vllm" };
    const b: Json = { model_name: "m", base_runtime: "vllm" };
    validateContext(a);
    validateContext(b);
    a.profiles.push("x");
    a.num_concurrency.push(99);
    a.user_overrides.k = 1;
    expect(b.profiles).toEqual([]);
    expect(b.num_concurrency).toEqual([1, 4]);
    expect(b.user_overrides).toEqual({});
  });

  it("keeps values the caller gave and accepts a full context", () => {
    const ctx: Json = {
      model_name: "llama-3-2-1b-instruct",
      base_runtime: "sglang",
      deployment_mode: "docker",
      benchmark_task: "text-to-text",
      traffic_scenarios: ["D(100,100)"],
      num_concurrency: [1, 4, 8],
      optimization_strategy: "grid_search",
      optimization_objective: "minimize_latency",
      slo_config: clone(baseTask().slo),
      profiles: ["low-latency", "production"],
      user_overrides: { parameters: { "tp-size": [2] } },
      override_mode: "replace",
      gpu_type: "H100",
      total_gpus: 0,
    };
    const before = clone(ctx);
    expect(validateContext(ctx), fmt(validateContext.errors)).toBe(true);
    expect(ctx).toEqual(before);
  });

  type BadCtx = { name: string; patch: Json; instancePath: string; keyword: string; params?: Json };
  const badContexts: BadCtx[] = [
    {
      name: "an unknown field",
      patch: { overrides: { parameters: {} } },
      instancePath: "",
      keyword: "additionalProperties",
      params: { additionalProperty: "overrides" },
    },
    { name: "override_mode 'merge'", patch: { override_mode: "merge" }, instancePath: "/override_mode", keyword: "enum" },
    { name: "an empty slo_config {}", patch: { slo_config: {} }, instancePath: "/slo_config", keyword: "minProperties" },
    { name: "total_gpus -1", patch: { total_gpus: -1 }, instancePath: "/total_gpus", keyword: "minimum" },
    { name: "total_gpus 1.5", patch: { total_gpus: 1.5 }, instancePath: "/total_gpus", keyword: "anyOf" },
    { name: "an empty model_name", patch: { model_name: "" }, instancePath: "/model_name", keyword: "minLength" },
    { name: "an empty traffic_scenarios list", patch: { traffic_scenarios: [] }, instancePath: "/traffic_scenarios", keyword: "minItems" },
    { name: "num_concurrency of 0", patch: { num_concurrency: [0] }, instancePath: "/num_concurrency/0", keyword: "minimum" },
    { name: "a profile name with capitals", patch: { profiles: ["Low-Latency"] }, instancePath: "/profiles/0", keyword: "pattern" },
    { name: "a repeated profile", patch: { profiles: ["quick-test", "quick-test"] }, instancePath: "/profiles", keyword: "uniqueItems" },
    {
      name: "a misspelt SLO key",
      patch: { slo_config: { latency: { p95: { threshold: 1 } } } },
      instancePath: "/slo_config/latency",
      keyword: "additionalProperties",
      params: { additionalProperty: "p95" },
    },
    { name: "user_overrides that is a list", patch: { user_overrides: [] }, instancePath: "/user_overrides", keyword: "type" },
  ];

  it.each(badContexts)("rejects $name", ({ patch, instancePath, keyword, params }) => {
    const ctx: Json = { model_name: "llama-3-2-1b-instruct", base_runtime: "sglang", ...patch };
    expect(validateContext(ctx)).toBe(false);
    const errors = validateContext.errors ?? [];
    const hit = errors.find(
      (e) =>
        e.instancePath === instancePath &&
        e.keyword === keyword &&
        (params === undefined || Object.entries(params).every(([k, v]) => (e.params as Json)[k] === v)),
    );
    expect(hit, `expected ${keyword} at '${instancePath}', got:\n${fmt(errors)}`).toBeDefined();
  });

  it("requires model_name and base_runtime", () => {
    expect(validateContext({})).toBe(false);
    const missing = (validateContext.errors ?? [])
      .filter((e) => e.keyword === "required")
      .map((e) => (e.params as Json).missingProperty)
      .sort();
    expect(missing).toEqual(["base_runtime", "model_name"]);
  });
});
