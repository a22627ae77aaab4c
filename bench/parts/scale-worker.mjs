// One size of part 2, in a fresh process (run with --expose-gc): load the set, compose, measure memory.
// Usage: node --expose-gc scale-worker.mjs DIST LAYERS_DIR SCHEMAS_DIR CONTEXT_JSON COMPOSES
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { median } from "../lib.mjs";

const [dist, dir, schemasDir, ctxJson, composesArg] = process.argv.slice(2);
const context = JSON.parse(ctxJson);
const MB = 2 ** 20;
const heap = () => {
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};

const lib = await import(pathToFileURL(join(dist, "index.js")).href);
// The largest generated set holds more files than a layer folder may by default (DIR_LIMITS, a guard against
// hostile folders): raise the cap for this measurement only, where the revision has one.
try {
  const walk = await import(pathToFileURL(join(dist, "core", "dir-walk.js")).href);
  if (walk.DIR_LIMITS) walk.DIR_LIMITS.maxEntries = Math.max(walk.DIR_LIMITS.maxEntries, 100_000);
} catch {
  // an older revision without the cap
}
const before = heap();
let t = performance.now();
let set = lib.loadLayerSet(dir, { schemasDir });
const loadMs = performance.now() - t;
const errors = set.issues.filter((i) => i.severity === "error");
if (errors.length > 0) throw new Error(`generated layer set has errors: ${JSON.stringify(errors.slice(0, 3))}`);
const heapMB = (heap() - before) / MB;

// Loading again: the schemas are compiled and the code is warm.
const reloads = [];
for (let i = 0; i < 2; i++) {
  t = performance.now();
  set = lib.loadLayerSet(dir, { schemasDir });
  reloads.push(performance.now() - t);
}

const times = [];
let result;
for (let i = 0; i < Number(composesArg) + 1; i++) {
  t = performance.now();
  result = await lib.compose(set, context);
  if (i > 0) times.push(performance.now() - t); // the first compose warms up
}
if (!result.ok) throw new Error(`compose failed: ${JSON.stringify(result.errors.slice(0, 3))}`);
const kept = heap();
const composeHeapMB = (kept - before) / MB - heapMB; // one result kept alive (with its trace)
process.stdout.write(JSON.stringify({
  loadMs,
  reloadMs: median(reloads),
  composeMs: median(times),
  heapMB,
  composeHeapMB,
  rssMB: process.memoryUsage().rss / MB,
  applied: result.applied_layers.length,
  skipped: result.skipped_layers.length,
}) + "\n");
