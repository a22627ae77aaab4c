#!/usr/bin/env node
// `npm run bench`: the four parts of the benchmark in one run, then docs/benchmarks.md rewritten from the results.
//
//   node bench/run.mjs [--tiny] [--parts 1,2,3,4] [--out FILE|-] [--dist DIR]
//
// --tiny (or STRATA_BENCH_TINY=1) cuts every size and duration so the whole run takes seconds; it prints
// the report and writes no file unless --out names one. Expects dist/ to be built (npm run build).
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ROOT, machine, log } from "./lib.mjs";
import { composeBench } from "./parts/compose.mjs";
import { scaleBench } from "./parts/scale.mjs";
import { coldStartBench } from "./parts/cold-start.mjs";
import { serviceBench } from "./parts/service.mjs";
import { renderReport } from "./report.mjs";

const HELP = `Usage: node bench/run.mjs [--tiny] [--parts 1,2,3,4] [--out FILE|-] [--dist DIR]

  --tiny        tiny sizes and durations (seconds, not minutes); also STRATA_BENCH_TINY=1
  --parts LIST  which parts to run: 1 compose, 2 scale, 3 cold start, 4 service (default: all)
  --out FILE    where to write the report; - prints it (default: docs/benchmarks.md, or - with --tiny)
  --dist DIR    the built library to measure (default: dist)`;

const { values } = parseArgs({
  options: {
    tiny: { type: "boolean", default: process.env.STRATA_BENCH_TINY === "1" },
    parts: { type: "string", default: "1,2,3,4" },
    out: { type: "string" },
    dist: { type: "string", default: join(ROOT, "dist") },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  process.stdout.write(HELP + "\n");
  process.exit(0);
}
const parts = new Set(values.parts.split(",").map((p) => p.trim()));
for (const p of parts) if (!["1", "2", "3", "4"].includes(p)) throw new Error(`--parts: unknown part '${p}' (1 compose, 2 scale, 3 cold start, 4 service)`);
const dist = resolve(values.dist);
if (!existsSync(join(dist, "index.js"))) {
  process.stderr.write(`bench: ${dist}/index.js not found: run npm run build first (npm run bench does)\n`);
  process.exit(2);
}
const tiny = values.tiny;
const out = values.out ?? (tiny ? "-" : join(ROOT, "docs", "benchmarks.md"));

const started = performance.now();
const report = { date: new Date().toISOString().replace(/\.\d+Z$/, "Z"), tiny, machine: machine(), targets: [] };
const tmp = mkdtempSync(join(tmpdir(), "strata-bench-"));
try {
  const steps = [
    ["1", "compose", composeBench],
    ["2", "scale", scaleBench],
    ["3", "cold", coldStartBench],
    ["4", "service", serviceBench],
  ];
  for (const [id, key, fn] of steps) {
    if (!parts.has(id)) continue;
    log(`part ${id}: ${key}`);
    report[key] = await fn({ dist, tiny, tmp });
    report.targets.push(...report[key].targets);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
report.elapsedS = (performance.now() - started) / 1000;

const text = renderReport(report);
if (out === "-") process.stdout.write(text);
else {
  writeFileSync(out, text);
  log(`wrote ${out}`);
}
for (const t of report.targets) log(`${t.held ? "held  " : "MISSED"} ${t.name}`);
log(`done in ${report.elapsedS.toFixed(0)} s`);
