// The floor: the same config as strata's shipped layers, written by hand in plain code with no layers,
// no expression engine, no provenance and no schema validation. What a team would write instead of strata.
// The benchmark checks that it returns exactly strata's config, applied layers and warnings for every context.

const PROFILES = {
  "high-throughput": (c, p) => {
    c.optimization.objective = "maximize_throughput";
    c.optimization.max_iterations = 20;
    p["mem-fraction-static"] = [0.95];
    p["tp-size"] = [4, 8];
    c.benchmark.num_concurrency = [16, 32, 64];
    return "profile:high-throughput:high-throughput-params";
  },
  "low-latency": (c, p) => {
    c.optimization.objective = "minimize_latency";
    c.optimization.max_iterations = 15;
    p["mem-fraction-static"] = [0.7, 0.8];
    p["tp-size"] = [1, 2];
    c.benchmark.num_concurrency = [1, 4, 8];
    return "profile:low-latency:low-latency-params";
  },
  "quick-test": (c, p) => {
    c.optimization.max_iterations = 2;
    p["tp-size"] = [1];
    p["mem-fraction-static"] = [0.85];
    c.benchmark.num_concurrency = [1];
    c.benchmark.traffic_scenarios = ["D(100,100)"];
    return "profile:quick-test:quick-test-params";
  },
  production: (c) => {
    c.optimization.max_iterations = 30;
    c.optimization.timeout_per_iteration = 900;
    c.slo = {
      ttft: { threshold: 1.0, weight: 2.0 },
      tpot: { threshold: 0.05, weight: 2.0 },
      latency: { p90: { threshold: 5.0, weight: 3.0, hard_fail: true, fail_ratio: 0.2 } },
    };
    return "profile:production:production-params";
  },
};

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const copy = (v) => (Array.isArray(v) ? v.map(copy) : isObject(v) ? mergeInto({}, v) : v);

/** The user's patch: objects merge, anything else replaces (a copy, never the caller's data). */
function mergeInto(target, patch) {
  for (const k of Object.keys(patch)) {
    const v = patch[k];
    if (isObject(v) && isObject(target[k])) mergeInto(target[k], v);
    else target[k] = copy(v);
  }
  return target;
}

/** @returns {{config: object, applied_layers: string[], warnings: string[]}} */
export function composeByHand(input) {
  const model = input.model_name;
  const strategy = input.optimization_strategy ?? "grid_search";
  const gpu = input.gpu_type ?? null;
  const gpus = input.total_gpus ?? null;
  const config = {
    task_name: `${model}_${strategy}`,
    model: { id_or_path: model, namespace: "autotuner" },
    base_runtime: input.base_runtime,
    optimization: { strategy, objective: input.optimization_objective ?? "minimize_latency", max_iterations: 10, timeout_per_iteration: 600 },
    benchmark: {
      task: input.benchmark_task ?? "text-to-text",
      model_name: model,
      traffic_scenarios: [...(input.traffic_scenarios ?? ["D(100,100)"])],
      num_concurrency: [...(input.num_concurrency ?? [1, 4])],
    },
  };
  const applied = ["base-model", "base-optimization"];
  const params = {};
  const deployment = input.deployment_mode ?? "docker";
  if (deployment === "docker") {
    config.runtime_image_tag = "v0.5.2-cu126";
    params["tp-size"] = [1, 2, 4];
    params["mem-fraction-static"] = [0.85, 0.9];
    applied.push("docker-defaults");
  } else if (deployment === "ome") {
    params["tp-size"] = [1, 2, 4, 8];
    params["mem-fraction-static"] = [0.8, 0.85, 0.9];
    applied.push("ome-defaults");
  }
  config.parameters = params;
  switch (input.base_runtime) {
    case "sglang":
      params["schedule-policy"] = ["lpm"];
      params["enable-torch-compile"] = [true, false];
      applied.push("sglang-defaults");
      break;
    case "vllm":
      params["enable-chunked-prefill"] = [true, false];
      applied.push("vllm-defaults");
      break;
    case "trtllm":
      params["max-batch-size"] = [32, 64, 128];
      applied.push("trtllm-defaults");
      break;
  }
  if (gpu !== null) {
    if (gpu === "H100") {
      params["tp-size"] = [1, 2, 4, 8];
      params["mem-fraction-static"] = [0.85, 0.9, 0.95];
    } else if (gpu === "A100") {
      params["tp-size"] = [1, 2, 4];
      params["mem-fraction-static"] = [0.8, 0.85];
    }
    applied.push("gpu-aware");
  }
  for (const name of input.profiles ?? []) {
    const apply = PROFILES[name];
    if (apply) applied.push(apply(config, config.parameters));
  }
  const overrides = input.user_overrides;
  if (overrides && Object.keys(overrides).length > 0) {
    mergeInto(config, overrides);
    applied.push("user_patch");
  }
  if (input.slo_config) {
    config.slo = copy(input.slo_config);
    applied.push("slo-config");
  }
  const tp = config.parameters?.["tp-size"];
  if (gpus && tp != null) {
    config.parameters["tp-size"] = tp.filter((n) => n <= gpus);
    applied.push("tp-size-limit");
  }

  const warnings = [];
  const slo = config.slo;
  if (slo?.ttft?.threshold != null && slo?.tpot?.threshold != null && slo.ttft.threshold < slo.tpot.threshold) {
    warnings.push("TTFT threshold should be larger than TPOT");
  }
  const sizes = config.parameters?.["tp-size"];
  if (Array.isArray(sizes) && sizes.some((n) => n > 8)) warnings.push("tp-size > 8 may require multiple nodes");
  if (gpus && Array.isArray(sizes) && sizes.length === 0) warnings.push("no tp-size value fits in total_gpus; parameters.tp-size is empty");
  return { config, applied_layers: applied, warnings };
}

/**
 * The validating floor: what a user needs from the same hand-written code, with the validation strata does. The
 * context (a copy: the validator fills in defaults) is validated with the project's context validator and the
 * config with its output validator — the same precompiled ajv functions strata's compose calls (`set.schemas`).
 * @returns {{ok: boolean, config?: object, applied_layers?: string[], warnings?: string[], errors?: unknown[]}}
 */
export function composeByHandValidated(input, schemas) {
  const ctx = copy(input);
  if (!schemas.context(ctx)) return { ok: false, errors: schemas.context.errors };
  const r = composeByHand(ctx);
  if (!schemas.output(r.config)) return { ok: false, errors: schemas.output.errors };
  return { ok: true, ...r };
}
