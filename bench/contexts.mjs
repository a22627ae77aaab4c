// The contexts the compose benchmark runs: the design document's example, and a deterministic mix of 50.

/** The design document's example (`TaskConfigFactory.create(ctx)` in its "Python API" section). */
export const DESIGN_EXAMPLE = Object.freeze({
  model_name: "llama-3-2-1b-instruct",
  base_runtime: "sglang",
  deployment_mode: "docker",
  benchmark_task: "text-to-text",
  traffic_scenarios: ["D(100,100)"],
  num_concurrency: [1, 4, 8],
  optimization_strategy: "grid_search",
  optimization_objective: "minimize_latency",
  profiles: ["low-latency", "production"],
  user_overrides: { parameters: { "tp-size": [2] } },
});

const RUNTIMES = ["sglang", "vllm", "trtllm"];
const DEPLOYMENTS = ["docker", "ome"];
const PROFILE_SETS = [[], ["high-throughput"], ["low-latency", "production"], ["quick-test"], ["production", "high-throughput"]];
const GPU_TYPES = [null, "H100", "A100", "L40S"];
const TOTAL_GPUS = [null, 1, 2, 4, 8];
const SLOS = [
  null,
  { ttft: { threshold: 0.5, weight: 1.0 }, tpot: { threshold: 0.05, weight: 1.0 } },
  // Swapped thresholds: the slo-ttft-below-tpot check warns.
  { ttft: { threshold: 0.01, weight: 1.0 }, tpot: { threshold: 0.05, weight: 1.0 }, latency: { p99: { threshold: 3.0, weight: 2.0, hard_fail: false } } },
];
const OVERRIDES = [
  undefined,
  { parameters: { "tp-size": [2] } },
  { optimization: { max_iterations: 5 }, benchmark: { traffic_scenarios: ["D(1000,100)"] } },
  // tp-size 16 makes the multi-node check warn; with a small total_gpus nothing is left and another check warns.
  { parameters: { "tp-size": [8, 16] } },
];
const MODELS = ["llama-3-2-1b-instruct", "llama-3-1-8b-instruct", "qwen2-5-7b-instruct", "mistral-7b-instruct"];
const STRATEGIES = ["grid_search", "bayesian"];
const CONCURRENCY = [[1, 4], [1, 4, 8], [4, 16, 64]];

/** Small, seeded PRNG (mulberry32): the same 50 contexts on every machine and every run. */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` varied contexts: runtimes × deployments × profiles × GPU types × total_gpus × SLO (and overrides,
 * models, strategies), drawn with a fixed seed. Only fields the design's REST route knows; defaults left out
 * at random, so filling them in is part of the work.
 */
export function contextMix(count = 50, seed = 4) {
  const rnd = random(seed);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const out = [];
  for (let i = 0; i < count; i++) {
    const ctx = { model_name: pick(MODELS), base_runtime: pick(RUNTIMES), deployment_mode: pick(DEPLOYMENTS) };
    const profiles = pick(PROFILE_SETS);
    if (profiles.length > 0) ctx.profiles = [...profiles];
    const gpu = pick(GPU_TYPES);
    if (gpu !== null) ctx.gpu_type = gpu;
    const gpus = pick(TOTAL_GPUS);
    if (gpus !== null) ctx.total_gpus = gpus;
    const slo = pick(SLOS);
    if (slo !== null) ctx.slo_config = structuredClone(slo);
    const overrides = pick(OVERRIDES);
    if (overrides !== undefined) ctx.user_overrides = structuredClone(overrides);
    if (rnd() < 0.5) ctx.optimization_strategy = pick(STRATEGIES);
    if (rnd() < 0.5) ctx.num_concurrency = [...pick(CONCURRENCY)];
    out.push(ctx);
  }
  return out;
}
