// The fast path and the reference path agree exactly on random contexts: `compose` (compiled expressions, run
// synchronously where they can) and `composeSync` against `compose(…, { interpretOnly: true })`, which runs
// every expression on JSONata's interpreter as strata did before the compiled path existed. Config, applied
// and skipped layers, warnings, errors, provenance and the trace of writes must all be the same.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compose, composeSync, loadLayerSet, resultView } from "../src/index.js";
// A seeded PRNG (the bench's), so a failure names a context that can be run again.
import { contextMix, random } from "../bench/contexts.mjs";

const ROOT = join(import.meta.dirname, "..");
const set = loadLayerSet(join(ROOT, "layers"), { schemasDir: join(ROOT, "schemas") });
const PROFILES = ["high-throughput", "low-latency", "production", "quick-test", "no-such-profile"];

/**
 * 600 contexts drawn as the benchmark draws its mix (every feature: total_gpus, gpu_type, slo_config, overrides,
 * profiles), then varied further: 0–3 profiles in any order (an unknown one too), patch and replace overrides,
 * and now and then a value the layers compare with but no layer names.
 */
function contexts(): Record<string, unknown>[] {
  const rnd = random(16);
  return contextMix(600, 1616).map((ctx: Record<string, unknown>) => {
    const c = structuredClone(ctx);
    const n = Math.floor(rnd() * 4);
    if (n === 0) delete c.profiles;
    else c.profiles = Array.from({ length: n }, () => PROFILES[Math.floor(rnd() * PROFILES.length)]);
    const mode = rnd();
    if (c.user_overrides !== undefined && mode < 0.3) c.override_mode = "replace";
    else if (mode < 0.5) c.override_mode = "patch";
    if (rnd() < 0.1) c.gpu_type = "B200";
    if (rnd() < 0.05) c.total_gpus = 3;
    return c;
  });
}

/** Everything a result says, the trace included (write order, ops, origins and values). */
function everything(r: Awaited<ReturnType<typeof compose>>) {
  return { ...resultView(r), context: r.context, trace: [...r.trace.writes.entries()] };
}

describe("compiled and reference paths agree on random contexts", () => {
  const all = contexts();

  it("draws contexts with every feature", () => {
    expect(all.length).toBeGreaterThanOrEqual(500);
    expect(all.some((c) => c.override_mode === "replace" && c.user_overrides)).toBe(true);
    expect(all.some((c) => Array.isArray(c.profiles) && c.profiles.length === 3)).toBe(true);
    for (const field of ["total_gpus", "gpu_type", "slo_config", "user_overrides"]) expect(all.some((c) => field in c), field).toBe(true);
  });

  it("gives the same config, layers, warnings, errors, provenance and trace", async () => {
    let synchronous = 0;
    for (const [i, ctx] of all.entries()) {
      const reference = everything(await compose(set, structuredClone(ctx), { interpretOnly: true }));
      const fast = everything(await compose(set, structuredClone(ctx)));
      expect(fast, `context ${i}: ${JSON.stringify(ctx)}`).toStrictEqual(reference);
      const sync = composeSync(set, structuredClone(ctx));
      if (sync) {
        synchronous++;
        expect(everything(sync), `context ${i} (composeSync): ${JSON.stringify(ctx)}`).toStrictEqual(reference);
      }
    }
    // The shipped layers' expressions are all compiled: every context composes synchronously.
    expect(synchronous).toBe(all.length);
  });
});
