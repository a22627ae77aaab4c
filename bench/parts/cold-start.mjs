// Part 3: cold start. Wall time of `node dist/cli.js compose --context <the design's example>` against
// `node -e 0`, each a fresh process, interleaved so both see the same machine load.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { DESIGN_EXAMPLE } from "../contexts.mjs";
import { ROOT, summarize, run, runJson, target, log } from "../lib.mjs";

/** Wall time of one process run, in ms; throws if it fails. */
export async function wallTime(args, cwd = ROOT, cmd = process.execPath, env = process.env) {
  const start = performance.now();
  const r = await run(cmd, args, { cwd, env });
  const ms = performance.now() - start;
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited with ${r.code}: ${r.stderr.slice(-1000)}`);
  return ms;
}

export function writeExample(tmp) {
  const file = join(tmp, "design-example.yaml");
  writeFileSync(file, `# The design document's example context (bench/contexts.mjs).\n${stringify(DESIGN_EXAMPLE)}`);
  return file;
}

/** Commands to time: label → node arguments (and environment). The third parses every file: no parse cache. */
export function coldCommands(dist, example) {
  const compose = [join(dist, "cli.js"), "compose", "--context", example, "--layers", join(ROOT, "layers")];
  return [
    ["node -e 0", ["-e", "0"]],
    ["strata compose --context <example>", compose],
    ["strata compose --context <example>, no parse cache (STRATA_NO_CACHE=1)", compose, { ...process.env, STRATA_NO_CACHE: "1" }],
  ];
}

export async function coldStartBench({ dist, tiny, tmp }) {
  const runs = tiny ? 2 : 15;
  const example = writeExample(tmp);
  // strata keeps parsed files between runs (src/core/source-cache.ts): here in a folder of the run's own, filled
  // by the untimed first run, as a user's is after their first run.
  process.env.STRATA_CACHE_DIR = join(tmp, "strata-cache");
  const commands = coldCommands(dist, example);
  for (const [, args, env] of commands) await wallTime(args, ROOT, process.execPath, env); // warm the file system cache
  const times = commands.map(() => []);
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < commands.length; k++) {
      const i = (r + k) % commands.length;
      times[i].push(await wallTime(commands[i][1], ROOT, process.execPath, commands[i][2]));
    }
  }
  const rows = commands.map(([label], i) => ({ label, ms: summarize(times[i]), ratio: i > 0 ? summarize(times[i].map((t, j) => t / times[0][j])) : undefined }));

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

  // A cold `strata lint` and `strata test` on the shipped set, beside `node -e 0` (interleaved with it).
  const review = [
    ["node -e 0", ["-e", "0"]],
    ["strata lint", [join(dist, "cli.js"), "lint"]],
    ["strata test", [join(dist, "cli.js"), "test"]],
  ];
  const reviewRuns = tiny ? 1 : Math.max(3, Math.round(runs / 3));
  for (const [, args] of review.slice(1)) await wallTime(args);
  const reviewTimes = review.map(() => []);
  for (let r = 0; r < reviewRuns; r++) {
    for (let k = 0; k < review.length; k++) {
      const i = (r + k) % review.length;
      reviewTimes[i].push(await wallTime(review[i][1]));
    }
  }
  const reviewRows = review.slice(1).map(([label], j) => ({
    label,
    ms: summarize(reviewTimes[j + 1]),
    ratio: summarize(reviewTimes[j + 1].map((t, i) => t / reviewTimes[0][i])),
  }));
  log(`cold start: node -e 0 ${rows[0].ms.median.toFixed(0)} ms, strata compose ${rows[1].ms.median.toFixed(0)} ms (${ratios.median.toFixed(2)}×)`);
  const launchers = await launcherBench({ runs, tmp, example });
  return { runs, rows, steps, launchers, review: reviewRows, ratio: ratios, targets: [target(3, "cold start: strata compose < 2× node -e 0", ratios.median, 2, ratios.median < 2)] };
}

/**
 * The same compose started the ways the README names, from the checkout: `node dist/cli.js`, `strata` after
 * `npm link --ignore-scripts` (linked into a temporary prefix), `npx strata` and `npm run strata --`. npm uses
 * a temporary cache and user config; one untimed run of each first (the first npx run links the checkout into
 * the npx cache: --ignore-scripts there keeps it from rebuilding dist/ in the middle of the benchmark).
 */
async function launcherBench({ runs, tmp, example }) {
  const env = {
    ...process.env,
    npm_config_prefix: join(tmp, "npm-prefix"),
    npm_config_cache: join(tmp, "npm-cache"),
    npm_config_userconfig: join(tmp, "npmrc"),
    npm_config_update_notifier: "false",
    npm_config_audit: "false",
    npm_config_fund: "false",
  };
  await wallTime(["link", "--ignore-scripts", "--offline"], ROOT, "npm", env);
  await wallTime(["--ignore-scripts", "strata", "--version"], ROOT, "npx", env);
  const args = ["compose", "--context", example, "--layers", join(ROOT, "layers")];
  const commands = [
    { label: "node dist/cli.js compose …", cmd: process.execPath, args: [join(ROOT, "dist", "cli.js"), ...args] },
    { label: "strata compose … (after npm link)", cmd: join(tmp, "npm-prefix", "bin", "strata"), args },
    { label: "npx strata compose …", cmd: "npx", args: ["strata", ...args] },
    { label: "npm run strata -- compose …", cmd: "npm", args: ["run", "--silent", "strata", "--", ...args] },
  ];
  for (const c of commands) await wallTime(c.args, ROOT, c.cmd, env);
  const times = commands.map(() => []);
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < commands.length; k++) {
      const i = (r + k) % commands.length;
      times[i].push(await wallTime(commands[i].args, ROOT, commands[i].cmd, env));
    }
  }
  const rows = commands.map((c, i) => ({ label: c.label, ms: summarize(times[i]), ratio: summarize(times[i].map((t, j) => t / times[0][j])) }));
  log(`launchers: ${rows.map((r) => `${r.label.split(" compose")[0]} ${r.ms.median.toFixed(0)} ms`).join(", ")}`);
  return { runs, rows };
}
