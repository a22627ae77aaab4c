#!/usr/bin/env node
// Before/after of a performance change, side by side in one run: builds two git revisions (or uses the
// working tree's dist/) and measures both, interleaved, on the same machine at the same time.
//
//   node bench/compare.mjs [--before REF] [--after REF|WORKTREE] [--rounds N] [--label TEXT]
//
// Defaults: --before HEAD --after WORKTREE (run `npm run build` first). Prints a markdown table; the
// rows recorded in bench/changes.md come from here.
import { mkdtempSync, mkdirSync, symlinkSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { execFileSync } from "node:child_process";
import { DESIGN_EXAMPLE, contextMix } from "./contexts.mjs";
import { loadStrata } from "./parts/compose.mjs";
import { generateLayerSet, scaleContext } from "./parts/scale.mjs";
import { wallTime, writeExample, coldCommands } from "./parts/cold-start.mjs";
import { ROOT, summarize, runJson, num, log, machine } from "./lib.mjs";

const { values } = parseArgs({
  options: {
    before: { type: "string", default: "HEAD" },
    after: { type: "string", default: "WORKTREE" },
    rounds: { type: "string", default: "7" },
    label: { type: "string", default: "" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  process.stdout.write("Usage: node bench/compare.mjs [--before REF] [--after REF|WORKTREE] [--rounds N] [--label TEXT]\n");
  process.exit(0);
}
const rounds = Number(values.rounds);
const tmp = mkdtempSync(join(tmpdir(), "strata-compare-"));

/** dist/ of a revision: `git archive` into a temp dir, node_modules linked, built with its own build script. */
function build(ref) {
  if (ref === "WORKTREE") return join(ROOT, "dist");
  const dir = join(tmp, ref.replace(/[^A-Za-z0-9._-]/g, "_"));
  mkdirSync(dir);
  execFileSync("sh", ["-c", `git -C "${ROOT}" archive "${ref}" | tar -x -C "${dir}"`]);
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  log(`building ${ref} in ${dir}`);
  execFileSync("npm", ["run", "--silent", "build"], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
  return join(dir, "dist");
}

const sides = [
  { name: "before", ref: values.before, dist: build(values.before) },
  { name: "after", ref: values.after, dist: build(values.after) },
];
for (const s of sides) s.strata = await loadStrata(s.dist);

const rows = [];
const measure = async (label, unit, better, fn) => {
  const xs = sides.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < sides.length; k++) {
      const i = (r + k) % sides.length;
      xs[i].push(await fn(sides[i]));
    }
  }
  const [b, a] = xs.map(summarize);
  const ratios = summarize(xs[1].map((x, i) => x / xs[0][i]));
  rows.push({ label, unit, better, before: b, after: a, ratio: ratios });
  log(`${label}: ${num(b.median)} → ${num(a.median)} ${unit}`);
};

// Composes per second of this process's CPU time (user + system): on a shared machine, time spent waiting
// for a core is left out, so the two sides compare even when the load changes between their rounds.
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const rate = async (strata, contexts, ms) => {
  let n = 0;
  const start = cpuMs();
  while (cpuMs() - start < ms) {
    for (const c of contexts) await strata.compose(c);
    n += contexts.length;
  }
  return n / ((cpuMs() - start) / 1000);
};
const mix = contextMix(50);
for (const s of sides) await rate(s.strata, mix, 300); // warm up both
await measure("compose, design example", "composes per CPU-second", "higher", (s) => rate(s.strata, [DESIGN_EXAMPLE], 500));
await measure("compose, mix of 50", "composes per CPU-second", "higher", (s) => rate(s.strata, mix, 500));

const example = writeExample(tmp);
await measure("cold start, strata compose", "ms", "lower", (s) => wallTime(coldCommands(s.dist, example)[1][1]));

const layers = join(tmp, "layers-1000");
const set = generateLayerSet(layers, 1000);
const worker = join(ROOT, "bench", "parts", "scale-worker.mjs");
const scale = (s) => runJson(process.execPath, ["--expose-gc", worker, s.dist, layers, join(ROOT, "schemas"), JSON.stringify(scaleContext(set.profiles)), "10"]);
const scaleRuns = new Map();
await measure("load 1,000 layer files (fresh process)", "ms", "lower", async (s) => {
  const out = await scale(s);
  scaleRuns.set(s, [...(scaleRuns.get(s) ?? []), out]);
  return out.loadMs;
});
rows.push(...["composeMs", "heapMB"].map((k) => {
  const [b, a] = sides.map((s) => summarize(scaleRuns.get(s).map((o) => o[k])));
  return { label: k === "composeMs" ? "compose 1,000 layers" : "heap of a 1,000-layer set", unit: k === "composeMs" ? "ms" : "MB", better: "lower", before: b, after: a, ratio: summarize(scaleRuns.get(sides[1]).map((o, i) => o[k] / scaleRuns.get(sides[0])[i][k])) };
}));

const m = machine();
const lines = [
  `${values.label ? `**${values.label}**: ` : ""}\`${values.before}\` → \`${values.after}\`, ${rounds} interleaved rounds; ${m.cpu}, ${m.cores} cores, node ${m.node}, load ${m.load}`,
  "",
  "| measure | before | after | after ÷ before |",
  "|---|---|---|---|",
  ...rows.map((r) => `| ${r.label} (${r.unit}, ${r.better} is better) | ${num(r.before.median)} (${num(r.before.min)}–${num(r.before.max)}) | ${num(r.after.median)} (${num(r.after.min)}–${num(r.after.max)}) | ${num(r.ratio.median)}× |`),
];
process.stdout.write(lines.join("\n") + "\n");
if (!process.env.STRATA_COMPARE_KEEP) rmSync(tmp, { recursive: true, force: true });
else if (existsSync(tmp)) log(`kept ${tmp}`);
