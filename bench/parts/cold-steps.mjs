// Part 3's breakdown, in a fresh process: when each step of a cold compose ends, in ms since the process
// started (performance.now() counts from Node's start). Prints one JSON object.
// Usage: node cold-steps.mjs DIST LAYERS_DIR SCHEMAS_DIR CONTEXT_JSON
const at = { script: performance.now() };
const [dist, layersDir, schemasDir, ctxJson] = process.argv.slice(2);
// The modules `strata compose` loads (the library's index.js also brings scenarios and diff); in dist/core/
// since the engine moved there, in dist/ itself in a build from before (bench/compare.mjs builds old revisions).
const { existsSync } = await import("node:fs");
const core = existsSync(`${dist}/core/load.js`) ? `${dist}/core` : dist;
const { loadLayerSet } = await import(new URL(`file://${core}/load.js`).href);
const { compose } = await import(new URL(`file://${core}/compose.js`).href);
at.imported = performance.now();
const set = loadLayerSet(layersDir, { schemasDir });
at.loaded = performance.now();
const result = await compose(set, JSON.parse(ctxJson));
at.composed = performance.now();
if (!result.ok) throw new Error(JSON.stringify(result.errors));
process.stdout.write(JSON.stringify(at) + "\n");
