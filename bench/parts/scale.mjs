// Part 2: scale. Generated layer sets of 10 … 10,000 layer files (plus one profile file per ten layers), each
// loaded and composed in a fresh process: load time, compose time, memory, and how each grows.
import { mkdirSync, writeFileSync, copyFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, summarize, runJson, target, log } from "../lib.mjs";

const RUNTIMES = ["sglang", "vllm", "trtllm"];

/**
 * Write a layer set of `n` layer files and n/10 profile files (two layers each) into `dir`.
 * A quarter of the layers apply to one model only (so almost all are skipped), a quarter to one runtime,
 * a quarter compute a value with a JSONata expression, a quarter are static; the config stays bounded
 * (keys repeat modulo 40) so the numbers show the cost per layer, not of an ever-growing config.
 */
export function generateLayerSet(dir, n) {
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(ROOT, "layers", "stages.yaml"), join(dir, "stages.yaml"));
  const write = (sub, name, text) => {
    mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(dir, sub, `${name}.yaml`), text);
  };
  write("base", "base-model", `name: base-model
stage: base
order: -1
data:
  task_name: !expr model_name & "_" & optimization_strategy
  model: { id_or_path: !expr model_name, namespace: autotuner }
  base_runtime: !expr base_runtime
  optimization: { strategy: !expr optimization_strategy, objective: !expr optimization_objective, max_iterations: 10 }
  benchmark: { task: !expr benchmark_task, num_concurrency: !expr num_concurrency }
  parameters: { tp-size: [1, 2, 4] }
`);
  for (let i = 0; i < n - 1; i++) {
    const name = `layer-${String(i).padStart(5, "0")}`;
    const key = i % 40;
    switch (i % 4) {
      case 0:
        write("models", name, `name: ${name}\nstage: base\ndescription: Settings for one model only.\nwhen: { "==": [{ "var": "model_name" }, "model-${i}"] }\ndata:\n  optimization: { max_iterations: ${(i % 50) + 1} }\n  parameters:\n    model-knob-${key}: [${i}, ${i + 1}]\n`);
        break;
      case 1:
        write("runtime", name, `name: ${name}\nstage: runtime\nwhen: { "==": [{ "var": "base_runtime" }, "${RUNTIMES[i % 3]}"] }\ndata:\n  parameters:\n    runtime-knob-${key}: [${i % 7}, ${(i % 7) + 1}]\n`);
        break;
      case 2:
        write("hardware", name, `name: ${name}\nstage: hardware\ndata:\n  parameters:\n    expr-knob-${key}: !expr '[model_name & "-${i}"]'\n`);
        break;
      default:
        write("deployment", name, `name: ${name}\nstage: deployment\ndata:\n  parameters:\n    static-knob-${key}: [${i % 5}, ${(i % 5) + 1}, ${(i % 5) + 2}]\n    tp-size: [1, 2, 4, 8]\n`);
    }
  }
  const profiles = Math.max(1, Math.floor(n / 10));
  for (let j = 0; j < profiles; j++) {
    const name = `profile-${String(j).padStart(4, "0")}`;
    write("profiles", name, `profile: ${name}\ntitle: Profile ${j}\ndescription: Generated profile ${j}.\nlayers:\n  - name: ${name}-params\n    data:\n      optimization: { max_iterations: ${(j % 30) + 1} }\n      parameters: { profile-knob-${j % 20}: [${j}] }\n  - name: ${name}-limits\n    when: { ">": [{ "var": "total_gpus" }, 2] }\n    data:\n      parameters: { tp-size: [1, 2] }\n`);
  }
  return { layers: n, profiles, files: n + profiles + 1 };
}

/** The context composed at every size: selects up to three profiles. */
export function scaleContext(profiles) {
  const names = Array.from({ length: Math.min(3, profiles) }, (_, j) => `profile-${String(j).padStart(4, "0")}`);
  return { model_name: "model-0", base_runtime: "vllm", total_gpus: 4, profiles: names };
}

export async function scaleBench({ dist, tiny, tmp }) {
  const sizes = tiny ? [10, 100] : [10, 100, 1000, 10_000];
  const rounds = tiny ? 1 : 3;
  const sets = sizes.map((n) => {
    const dir = join(tmp, `layers-${n}`);
    return { n, dir, ...generateLayerSet(dir, n) };
  });
  const samples = new Map(sizes.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const s of sets) {
      const ctx = JSON.stringify(scaleContext(s.profiles));
      const composes = s.n >= 10_000 ? 5 : 15;
      const out = await runJson(process.execPath, ["--expose-gc", join(ROOT, "bench", "parts", "scale-worker.mjs"), dist, s.dir, join(ROOT, "schemas"), ctx, String(composes)]);
      samples.get(s.n).push(out);
      log(`scale ${s.n}: load ${out.loadMs.toFixed(0)} ms, compose ${out.composeMs.toFixed(2)} ms`);
    }
  }
  const rows = sets.map((s) => {
    const list = samples.get(s.n);
    const pick = (k) => summarize(list.map((o) => o[k]));
    return {
      layers: s.n,
      profiles: s.profiles,
      files: s.files,
      applied: list[0].applied,
      skipped: list[0].skipped,
      loadMs: pick("loadMs"),
      reloadMs: pick("reloadMs"),
      composeMs: pick("composeMs"),
      heapMB: pick("heapMB"),
      composeHeapMB: pick("composeHeapMB"),
      rssMB: pick("rssMB"),
    };
  });
  const by = (n) => rows.find((r) => r.layers === n);
  const targets = [];
  const growth = {};
  if (by(1000) && by(10_000)) {
    for (const k of ["loadMs", "reloadMs", "composeMs", "heapMB"]) growth[k] = by(10_000)[k].median / by(1000)[k].median;
    targets.push(target(2, "compose time 10,000 ÷ 1,000 layers ≤ 10", growth.composeMs, 10, growth.composeMs <= 10));
    targets.push(target(2, "loading 1,000 layer files < 1 s (fresh process)", by(1000).loadMs.median, 1000, by(1000).loadMs.median < 1000, "ms"));
  }
  return { rounds, rows, growth, targets };
}
