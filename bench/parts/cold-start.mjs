// Part 3: cold start. Wall time of `node dist/cli.js compose --context <the design's example>` against
// `node -e 0`, each a fresh process, interleaved so both see the same machine load.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { DESIGN_EXAMPLE } from "../contexts.mjs";
import { ROOT, summarize, run, runJson, target, log } from "../lib.mjs";

/** Wall time of one process run, in ms; throws if it fails. */
export async function wallTime(args, cwd = ROOT) {
  const start = performance.now();
  const r = await run(process.execPath, args, { cwd });
  const ms = performance.now() - start;
  if (r.code !== 0) throw new Error(`node ${args.join(" ")} exited with ${r.code}: ${r.stderr.slice(-1000)}`);
  return ms;
}

export function writeExample(tmp) {
  const file = join(tmp, "design-example.yaml");
  writeFileSync(file, `# The design document's example context (bench/contexts.mjs).\n${stringify(DESIGN_EXAMPLE)}`);
  return file;
}

/** Commands to time: label → node arguments. */
export function coldCommands(dist, example) {
  return [
    ["node -e 0", ["-e", "0"]],
    ["strata compose --context <example>", [join(dist, "cli.js"), "compose", "--context", example, "--layers", join(ROOT, "layers")]],
  ];
}

export async function coldStartBench({ dist, tiny, tmp }) {
  const runs = tiny ? 2 : 15;
  const commands = coldCommands(dist, writeExample(tmp));
  for (const [, args] of commands) await wallTime(args); // warm the file system cache
  const times = commands.map(() => []);
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < commands.length; k++) {
      const i = (r + k) % commands.length;
      times[i].push(await wallTime(commands[i][1]));
    }
  }
  const rows = commands.map(([label], i) => ({ label, ms: summarize(times[i]) }));

  // Where the time goes: the same work through the library, with a timestamp after each step.
  const stepRuns = [];
  const stepArgs = [join(ROOT, "bench", "parts", "cold-steps.mjs"), dist, join(ROOT, "layers"), join(ROOT, "schemas"), JSON.stringify(DESIGN_EXAMPLE)];
  for (let r = 0; r < runs; r++) stepRuns.push(await runJson(process.execPath, stepArgs));
  const step = (from, to) => summarize(stepRuns.map((s) => s[to] - (from ? s[from] : 0)));
  const steps = [
    { label: "Node start-up, to the first line of a module", ms: step(undefined, "script") },
    { label: "import the pipeline (dist/core/load.js, dist/core/compose.js and what they import)", ms: step("script", "imported") },
    { label: "load the shipped layers (`loadLayerSet`)", ms: step("imported", "loaded") },
    { label: "compose the example", ms: step("loaded", "composed") },
  ];
  const ratios = summarize(times[1].map((t, i) => t / times[0][i]));
  log(`cold start: node -e 0 ${rows[0].ms.median.toFixed(0)} ms, strata compose ${rows[1].ms.median.toFixed(0)} ms (${ratios.median.toFixed(2)}×)`);
  return { runs, rows, steps, ratio: ratios, targets: [target(3, "cold start: strata compose < 2× node -e 0", ratios.median, 2, ratios.median < 2)] };
}
