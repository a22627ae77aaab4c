// Part 1: compose throughput, warm, in one process: strata's library against the hand-written floor (same
// process) and the design's Python factory (python3, same run), on the design's example and a mix of 50.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { DESIGN_EXAMPLE, contextMix } from "../contexts.mjs";
import { composeByHand, composeByHandValidated } from "../handwritten.mjs";
import { ROOT, summarize, runJson, target, log } from "../lib.mjs";
import { profileShares } from "./profile.mjs";

/** What each side returns, in one shape: the config, the applied layers and the warnings' messages (sorted). */
const comparable = (r) => ({ config: r.config, applied_layers: r.applied_layers, warnings: [...r.warnings].sort() });

export async function loadStrata(dist) {
  const lib = await import(pathToFileURL(join(dist, "index.js")).href);
  const set = lib.loadLayerSet(join(ROOT, "layers"), { schemasDir: join(ROOT, "schemas") });
  const errors = set.issues.filter((i) => i.severity === "error");
  if (errors.length > 0) throw new Error(`the layer set has errors: ${errors.map((e) => e.message).join("; ")}`);
  // composeSync where the library has it and the context composes synchronously (every shipped expression is
  // compiled), else the async compose; `composeAsync` is always the async API, measured beside it.
  const compose = lib.composeSync ? (ctx) => lib.composeSync(set, ctx) ?? lib.compose(set, ctx) : (ctx) => lib.compose(set, ctx);
  return { lib, set, compose, composeAsync: (ctx) => lib.compose(set, ctx) };
}

/** Throw unless strata, the floor and the Python factory give the same result for every context. */
async function verify(strata, contexts, python) {
  for (const [i, ctx] of contexts.entries()) {
    const r = await strata.compose(ctx);
    if (!r.ok) throw new Error(`strata did not compose context ${i} cleanly: ${JSON.stringify(r.errors)}`);
    const mine = comparable({ ...r, warnings: r.warnings.map((w) => w.message) });
    const floor = comparable(composeByHand(ctx));
    const checked = composeByHandValidated(ctx, strata.set.schemas);
    if (!checked.ok) throw new Error(`the validating floor finds context ${i} or its config invalid: ${JSON.stringify(checked.errors)}`);
    const py = comparable(python.results[i]);
    for (const [name, other] of [["the hand-written floor", floor], ["the validating floor", comparable(checked)], ["the Python factory", py]]) {
      if (!isDeepStrictEqual(mine, other)) {
        throw new Error(`${name} gives a different result than strata for context ${i} ${JSON.stringify(ctx)}:\nstrata: ${JSON.stringify(mine)}\n${name}: ${JSON.stringify(other)}`);
      }
    }
  }
}

/** This process's CPU time (user + system) in ms: a rate per CPU-second leaves out waiting for a core on a shared machine. */
export const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Composes per CPU-second. */
async function strataRate(strata, contexts, n, fn = strata.compose) {
  const start = cpuMs();
  for (let i = 0; i < n; i++) {
    const r = fn(contexts[i % contexts.length]);
    if (typeof r?.then === "function") await r;
  }
  return n / (Math.max(cpuMs() - start, 0.001) / 1000);
}

/** µs per compose of each context alone (the median of `reps` composes), then p50 and p99 over the contexts. */
async function perContext(strata, contexts, reps) {
  const times = [];
  for (const ctx of contexts) {
    const xs = [];
    for (let k = 0; k < reps; k++) {
      const t = performance.now();
      const r = strata.compose(ctx);
      if (typeof r?.then === "function") await r;
      xs.push((performance.now() - t) * 1000);
    }
    times.push(summarize(xs).median);
  }
  return percentiles(times);
}

// Keeps the floor's results alive, so the JIT cannot drop the work.
let sink = 0;
function floorRate(contexts, n) {
  const start = cpuMs();
  for (let i = 0; i < n; i++) sink += composeByHand(contexts[i % contexts.length]).applied_layers.length;
  return n / (Math.max(cpuMs() - start, 0.001) / 1000);
}

function validatingFloorRate(contexts, n, schemas) {
  const start = cpuMs();
  for (let i = 0; i < n; i++) sink += composeByHandValidated(contexts[i % contexts.length], schemas).applied_layers.length;
  return n / (Math.max(cpuMs() - start, 0.001) / 1000);
}

/** The Python factory's composes per CPU-second of its own process (it times itself), and its output. */
async function pythonRate(file, passes, size, perContextReps) {
  const out = await runJson("python3", [join(ROOT, "bench", "factory.py"), file, String(passes), "1", ...(perContextReps ? [String(perContextReps)] : [])]);
  return { rate: out.cpu_rounds[0], out, composes: passes * size };
}

/** p50 and p99 over per-context medians (µs). */
function percentiles(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { p50: at(0.5), p99: at(0.99) };
}

/** How many composes make a batch of about `ms` milliseconds, from a short trial. */
async function calibrate(rateOf, ms) {
  const trial = await rateOf();
  return Math.max(1, Math.round((trial * ms) / 1000));
}

export async function composeBench({ dist, tiny, tmp }) {
  const strata = await loadStrata(dist);
  const rounds = tiny ? 2 : 7;
  const batchMs = tiny ? 40 : 600;
  const workloads = [
    { id: "example", title: "the design's example context", contexts: [DESIGN_EXAMPLE] },
    { id: "mix", title: "a mix of 50 varied contexts", contexts: contextMix(50) },
  ];
  const out = { rounds, batchMs, workloads: [], targets: [] };
  for (const w of workloads) {
    const file = join(tmp, `contexts-${w.id}.json`);
    writeFileSync(file, JSON.stringify(w.contexts));
    const size = w.contexts.length;
    const probe = await pythonRate(file, 1, size);
    await verify(strata, w.contexts, probe.out);
    log(`compose ${w.id}: strata, both hand-written floors and the Python factory agree on all ${size} context(s)`);

    // Warm up, then size each batch to about batchMs so all three run for the same time per round.
    const strataN = await calibrate(() => strataRate(strata, w.contexts, Math.max(size, tiny ? 50 : 2000)), batchMs);
    const floorN = await calibrate(() => floorRate(w.contexts, Math.max(size, tiny ? 500 : 200_000)), batchMs);
    const checkedN = await calibrate(() => validatingFloorRate(w.contexts, Math.max(size, tiny ? 200 : 50_000), strata.set.schemas), batchMs);
    const pyTrial = await pythonRate(file, Math.max(1, Math.round((tiny ? 200 : 2000) / size)), size);
    const pyPasses = Math.max(1, Math.round((pyTrial.rate * batchMs) / 1000 / size));

    const rates = { strata: [], strataAsync: [], floor: [], validatingFloor: [], python: [] };
    const sides = [
      ["strata", () => strataRate(strata, w.contexts, strataN)],
      ["strataAsync", () => strataRate(strata, w.contexts, strataN, strata.composeAsync)],
      ["floor", async () => floorRate(w.contexts, floorN)],
      ["validatingFloor", async () => validatingFloorRate(w.contexts, checkedN, strata.set.schemas)],
      ["python", async () => (await pythonRate(file, pyPasses, size)).rate],
    ];
    for (let r = 0; r < rounds; r++) {
      // Rotate the order every round so no side always runs first (or right after Python's process exits).
      for (let k = 0; k < sides.length; k++) {
        const [name, fn] = sides[(r + k) % sides.length];
        rates[name].push(await fn());
      }
    }
    const vsPython = rates.strata.map((s, i) => s / rates.python[i]);
    const reps = tiny ? 5 : 200;
    const latency = await perContext(strata, w.contexts, reps);
    // Python's per-context medians in the same way (each context alone, the median of `reps` composes).
    const pyLatency = percentiles((await pythonRate(file, 1, size, reps)).out.per_context_us);
    const floorOver = rates.floor.map((f, i) => f / rates.strata[i]);
    const validatingFloorOver = rates.validatingFloor.map((f, i) => f / rates.strata[i]);
    const result = {
      ...w,
      contexts: undefined,
      size,
      strata: summarize(rates.strata),
      strataAsync: summarize(rates.strataAsync),
      latency,
      pyLatency,
      floor: summarize(rates.floor),
      validatingFloor: summarize(rates.validatingFloor),
      validatingFloorOver: summarize(validatingFloorOver),
      python: summarize(rates.python),
      vsPython: summarize(vsPython),
      floorOver: summarize(floorOver),
    };
    out.workloads.push(result);
    const want = w.id === "example" ? 10 : 5;
    out.targets.push(target(1, `compose ${w.id}: strata ≥ ${want}× the Python factory (composes per CPU-second)`, result.vsPython.median, want, result.vsPython.median >= want));
    if (w.id === "mix") {
      // Each context alone: Python's per-context median ÷ strata's, at the 50th and 99th percentile over the contexts.
      for (const q of ["p50", "p99"]) {
        const r = pyLatency[q] / latency[q];
        out.targets.push(target(1, `compose ${w.id}, ${q} per context: strata ≥ ${want}× the Python factory (Python's ${q} ÷ strata's)`, r, want, r >= want));
      }
    }
    // The issue's floor: the same config in plain code, validated with the same precompiled validators. The old,
    // object-literal floor (no validation) is reported beside it in the table.
    out.targets.push(target(1, `compose ${w.id}: within 10× of the validating hand-written floor`, result.validatingFloorOver.median, 10, result.validatingFloorOver.median <= 10));
    log(`compose ${w.id}: strata ${Math.round(result.strata.median)}/s, validating floor ${Math.round(result.validatingFloor.median)}/s, floor ${Math.round(result.floor.median)}/s, python ${Math.round(result.python.median)}/s (per CPU-second)`);
  }
  const mix = workloads[1].contexts;
  out.profile = await profileShares(() => strataRate(strata, mix, tiny ? 200 : 20_000), dist);
  return out;
}
