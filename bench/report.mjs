// docs/benchmarks.md from one run's results: targets first, then each part's table, then the notes.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, num, range, ratio } from "./lib.mjs";

const pct = (x) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

function measured(t) {
  if (t.part === 4) return pct(t.measured);
  if (t.detail === "ms") return `${num(t.measured)} ms`;
  return ratio(t.measured);
}
function limit(t) {
  if (t.part === 4) return `≥ ${pct(t.limit)}`;
  if (t.detail === "ms") return `< ${num(t.limit)} ms`;
  return t.name.includes("within") || t.name.includes("≤") || t.name.includes("<") ? `≤ ${t.limit}×` : `≥ ${t.limit}×`;
}

export function renderReport(r) {
  const m = r.machine;
  const L = [];
  L.push("# Benchmarks", "");
  L.push(`Written by \`npm run bench\` (bench/run.mjs) on ${r.date}; ${r.tiny ? "**tiny mode: sizes and durations cut, numbers meaningless**; " : ""}the whole run took ${num(r.elapsedS)} s.`);
  L.push("Do not edit by hand: the next run rewrites this file. The notes at the end come from `bench/notes.md` and `bench/changes.md`.", "");
  L.push("Every number is the median over several runs, with the range (min–max) beside it. The sides of each comparison ran");
  L.push("interleaved in the same run, and each ratio is the median of the per-round ratios, so machine noise hits both sides alike.", "");

  L.push("## Targets", "");
  L.push("| part | target | required | measured | |", "|---|---|---|---|---|");
  for (const t of r.targets) L.push(`| ${t.part} | ${t.name} | ${limit(t)} | ${measured(t)} | ${t.held ? "held" : "**missed**"} |`);
  if (r.targets.length === 0) L.push("| | (no targets measured in this mode) | | | |");
  L.push("");

  L.push("## Machine", "");
  L.push("| CPU | cores | memory | OS | Node | Python | load average at start (1, 5, 15 min) |", "|---|---|---|---|---|---|---|");
  L.push(`| ${m.cpu} | ${m.cores} | ${m.memory} | ${m.os} | ${m.node} | ${m.python} | ${m.load} |`, "");

  if (r.compose) {
    const c = r.compose;
    L.push("## 1. Compose throughput", "");
    L.push(`Warm, in one process: \`compose(set, context)\` from strata's library (the shipped layers, loaded once), the two hand-written`);
    L.push("floors (`bench/handwritten.mjs`: the same config in plain code, no layers and no provenance; the *validating floor* also");
    L.push("validates the context and the config with the same precompiled validators strata uses, the *object-literal floor* validates");
    L.push("nothing) and the design's Python factory (`bench/factory.py`, run by python3; it times itself). Before timing, the run checks");
    L.push("that all four give the same config, applied layers and warnings for every context. Rates are composes per CPU-second of");
    L.push("the process that composes (`process.cpuUsage`, Python's `time.process_time`), so waiting for a core on a loaded machine");
    L.push(`is left out. Each round runs every side for about ${c.batchMs} ms of CPU, in rotating order; ${c.rounds} rounds. *Per context*:`);
    L.push("each context composed alone, the median of its composes (wall time), then the 50th and 99th percentile over the contexts.", "");
    for (const w of c.workloads) {
      L.push(`### ${w.title[0].toUpperCase()}${w.title.slice(1)}${w.size > 1 ? ` (bench/contexts.mjs, fixed seed)` : ""}`, "");
      L.push("| side | composes per CPU-second | µs per compose | ratio |", "|---|---|---|---|");
      L.push(`| strata (library${w.strataAsync ? ", `composeSync`" : ""}) | ${range(w.strata)} | ${num(1e6 / w.strata.median)} | |`);
      if (w.strataAsync) L.push(`| strata (library, async \`compose\`) | ${range(w.strataAsync)} | ${num(1e6 / w.strataAsync.median)} | async ÷ sync: ${ratio(w.strataAsync.median / w.strata.median)} |`);
      if (w.latency && w.pyLatency) {
        L.push(`| strata, per context | | p50 ${num(w.latency.p50)}, p99 ${num(w.latency.p99)} | |`);
        L.push(`| Python factory, per context | | p50 ${num(w.pyLatency.p50)}, p99 ${num(w.pyLatency.p99)} | Python ÷ strata: p50 ${ratio(w.pyLatency.p50 / w.latency.p50)}, p99 ${ratio(w.pyLatency.p99 / w.latency.p99)} |`);
      } else if (w.latency) L.push(`| strata, per context (each alone, median of its composes) | | p50 ${num(w.latency.p50)}, p99 ${num(w.latency.p99)} | |`);
      if (w.validatingFloor) L.push(`| validating floor (hand-written + the same validators) | ${range(w.validatingFloor)} | ${num(1e6 / w.validatingFloor.median)} | floor ÷ strata: ${ratio(w.validatingFloorOver.median)} (${num(w.validatingFloorOver.min)}–${num(w.validatingFloorOver.max)}) |`);
      L.push(`| object-literal floor (hand-written, no validation) | ${range(w.floor)} | ${num(1e6 / w.floor.median)} | floor ÷ strata: ${ratio(w.floorOver.median)} (${num(w.floorOver.min)}–${num(w.floorOver.max)}) |`);
      L.push(`| design's Python factory | ${range(w.python)} | ${num(1e6 / w.python.median)} | strata ÷ Python: ${ratio(w.vsPython.median)} (${num(w.vsPython.min)}–${num(w.vsPython.max)}) |`);
      L.push("");
    }
    if (c.profile?.length) {
      L.push("### Where strata's compose time goes", "");
      L.push("CPU profile (node:inspector, sampled) of composing the mix after the timed rounds; self time by module.", "");
      L.push("| module | share of CPU time |", "|---|---|");
      for (const p of c.profile.filter((p) => p.share >= 0.005)) L.push(`| ${p.group} | ${pct(p.share)} |`);
      L.push("");
    }
  }

  if (r.scale) {
    const s = r.scale;
    L.push("## 2. Scale", "");
    L.push("Generated layer sets (`generateLayerSet` in bench/parts/scale.mjs): n layer files over the base, deployment, runtime and");
    L.push("hardware stages (a quarter apply to one model only, a quarter to one runtime, a quarter compute a value with JSONata,");
    L.push("a quarter are static) plus n/10 profile files of two layers each; the context selects three profiles. Each size is");
    L.push(`loaded and composed in a fresh process (\`node --expose-gc\`), ${s.rounds} round(s). *First load* is the first \`loadLayerSet\``);
    L.push("in that process (schemas compiled, code cold), *reload* the median of loading it again, *compose* the median of");
    L.push("several composes after one warm-up. Heap: growth of `heapUsed` (after a full GC) while the set, and then one result");
    L.push("with its trace, are kept alive.", "");
    L.push("| layers | profiles | files | applied / skipped | first load (ms) | reload (ms) | compose (ms) | heap of the set (MB) | heap per loaded layer (KB) | heap of one result (MB) | RSS (MB) |");
    L.push("|---|---|---|---|---|---|---|---|---|---|---|");
    const perLayerKB = (row) => (row.heapMB.median * 1024) / (row.layers + 2 * row.profiles);
    for (const row of s.rows) {
      L.push(`| ${num(row.layers)} | ${num(row.profiles)} | ${num(row.files)} | ${num(row.applied)} / ${num(row.skipped)} | ${range(row.loadMs)} | ${range(row.reloadMs)} | ${range(row.composeMs)} | ${num(row.heapMB.median)} | ${num(perLayerKB(row))} | ${num(row.composeHeapMB.median)} | ${num(row.rssMB.median)} |`);
    }
    if (s.growth.composeMs !== undefined) {
      L.push(`| **10,000 ÷ 1,000** | | | | ${ratio(s.growth.loadMs)} | ${ratio(s.growth.reloadMs)} | ${ratio(s.growth.composeMs)} | ${ratio(s.growth.heapMB)} | | | |`);
    }
    L.push("", "*Heap per loaded layer*: the heap of the set divided by its layers (n layer files plus two layers in each profile file).");
    L.push("");
  }

  if (r.cold) {
    const c = r.cold;
    L.push("## 3. Cold start", "");
    L.push(`Wall time of a fresh process, from spawn to exit, ${c.runs} runs each, interleaved (after one untimed run of each).`);
    L.push("The context file is the design's example, written to a temporary file as YAML. strata keeps the files it parsed");
    L.push("between runs (a cache keyed by their content and strata's code): the untimed run fills it, as a user's first run does;");
    L.push("`STRATA_NO_CACHE=1` is a start that parses every file, as after editing all of them.", "");
    L.push("| command | wall time (ms) |", "|---|---|");
    for (const row of c.rows) L.push(`| \`${row.label}\` | ${range(row.ms)} |`);
    L.push(`| **strata compose ÷ node -e 0** | ${ratio(c.ratio.median)} (${num(c.ratio.min)}–${num(c.ratio.max)}) |`);
    for (const row of c.rows.slice(2)) if (row.ratio) L.push(`| **${row.label.replace(/^strata compose --context <example>, /, "strata compose, ")} ÷ node -e 0** | ${ratio(row.ratio.median)} (${num(row.ratio.min)}–${num(row.ratio.max)}) |`);
    L.push("");
    if (c.review?.length) {
      L.push("Beside it, the other commands a cold start runs most (the shipped set: `strata lint` checks the layers and composes every");
      L.push("scenario, `strata test` composes every scenario and compares it with its golden config), timed the same way:", "");
      L.push("| command | wall time (ms) | ÷ node -e 0 |", "|---|---|---|");
      for (const row of c.review) L.push(`| \`${row.label}\` | ${range(row.ms)} | ${ratio(row.ratio.median)} |`);
      L.push("");
    }
    if (c.launchers) {
      L.push("How you start it: the same compose (the example, the checkout's layers) started the ways the README names, from");
      L.push(`the checkout, ${c.launchers.runs} runs each, interleaved, after one untimed run of each. \`strata\` is the link \`npm link --ignore-scripts\``);
      L.push("makes (into a temporary prefix); npm and npx use a temporary cache. The ratio is per run, against `node dist/cli.js`.", "");
      L.push("| command | wall time (ms) | ÷ node dist/cli.js |", "|---|---|---|");
      for (const row of c.launchers.rows) L.push(`| \`${row.label}\` | ${range(row.ms)} | ${ratio(row.ratio.median)} |`);
      L.push("");
    }
    if (c.steps) {
      L.push("Where a cold compose spends its time: the same work through the library in a fresh process (bench/parts/cold-steps.mjs),");
      L.push("timestamped after each step; the CLI adds reading the context file and printing YAML.", "");
      L.push("| step | ms |", "|---|---|");
      for (const s of c.steps) L.push(`| ${s.label} | ${range(s.ms)} |`);
      L.push("");
    }
  }

  if (r.service) {
    const s = r.service;
    L.push("## 4. Service", "");
    L.push(`\`strata serve\`'s app (\`createServer\` from dist/server/app.js, no file watching, a temporary database) in its own`);
    L.push(`process; autocannon (programmatic API) on localhost, ${s.connections} connections, ${s.duration} s per route and round,`);
    L.push(`${s.rounds} round(s) in rotating order after a 1 s warm-up of each. The preview body is the design's example in the REST`);
    L.push("names of its curl example; every answer was checked (200, `ok: true`) before timing and no request failed.");
    L.push("The mean latency is connections ÷ requests/s (each connection waits for its answer); autocannon's latency");
    L.push("histogram counts whole milliseconds, so its p99 is to the millisecond (0 means under 1 ms).", "");
    L.push("| route | requests/s | mean latency (ms) | p99 latency (ms) |", "|---|---|---|---|");
    for (const row of s.rows) L.push(`| \`${row.label}\` | ${range(row.rps)} | ${range(row.mean)} | ${range(row.p99)} |`);
    L.push(`| **preview ÷ health** | ${pct(s.share.median)} (${pct(s.share.min)}–${pct(s.share.max)}) | | |`, "");
  }

  for (const [file, title] of [["changes.md", "What each change bought"], ["notes.md", "What bounds the gaps"]]) {
    const text = readFileSync(join(ROOT, "bench", file), "utf8").trim();
    L.push(`## ${title}`, "", text.replace(/^# .*\n+/, ""), "");
  }

  L.push("## Reproduce", "");
  L.push("```sh");
  L.push("npm ci                 # python3 (standard library only) must be on PATH");
  L.push("npm run bench          # builds, runs all four parts (a few minutes), rewrites docs/benchmarks.md");
  L.push("npm run bench:smoke    # the same on tiny sizes; prints the report, writes nothing");
  L.push("node bench/run.mjs --parts 1,3 --out -   # some parts only, report on stdout");
  L.push("node bench/compare.mjs --before HEAD~1 --after HEAD   # one change, before and after, side by side");
  L.push("```");
  L.push("");
  return L.join("\n");
}
