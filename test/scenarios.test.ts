// Every scenario in test/scenarios, run through the library: one test per scenario file.
// The same files back `strata test` and `strata diff`; see docs/review.md.
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadLayerSet } from "../src/core/load.js";
import { loadScenarios, runScenario, type ScenarioFailure } from "../src/review/scenarios.js";
import { formatIssue } from "../src/core/issues.js";
import { inlineValue } from "../src/review/compare.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const set = loadLayerSet(join(root, "layers"), { schemasDir: join(root, "schemas") });
const { scenarios, issues } = loadScenarios(join(root, "test/scenarios"));

/** A failure as `strata test` shows it, so a red test says what differs without rerunning anything. */
const show = (f: ScenarioFailure) =>
  [formatIssue(f), f.diff, f.issues?.map(formatIssue).join("\n"), f.expected !== undefined && !f.diff ? `expected: ${inlineValue(f.expected)}` : "", f.actual !== undefined && !f.diff ? `actual:   ${inlineValue(f.actual)}` : ""]
    .filter(Boolean)
    .join("\n");

describe("scenario files", () => {
  it("all load, with no schema problems", () => {
    expect(set.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(issues.map(formatIssue)).toEqual([]);
    expect(scenarios.length).toBeGreaterThan(0);
  });

  for (const scenario of scenarios) {
    it(`${scenario.id}: ${scenario.name}`, async () => {
      const run = await runScenario(set, scenario);
      expect(run.failures.map(show)).toEqual([]);
      expect(run.passed).toBe(true);
    });
  }
});

describe("scenario coverage", () => {
  const contexts = scenarios.map((s) => s.context as Record<string, unknown>);

  it("covers every runtime × deployment without a profile, each with a full snapshot", () => {
    for (const runtime of ["sglang", "vllm", "trtllm"]) {
      for (const deployment of ["docker", "ome"]) {
        const found = scenarios.filter((s) => s.context.base_runtime === runtime && s.context.deployment_mode === deployment && !s.context.profiles && !s.context.user_overrides && !s.context.total_gpus && !s.context.gpu_type);
        expect(found.some((s) => s.expect.config), `${runtime} × ${deployment}`).toBe(true);
      }
    }
  });

  it("covers each profile of the layer set on its own", () => {
    for (const name of set.profiles.keys()) {
      expect(contexts.some((c) => Array.isArray(c.profiles) && c.profiles.length === 1 && c.profiles[0] === name), name).toBe(true);
    }
  });

  it("covers the total_gpus cases: several, one and no tp-size left", () => {
    const tpSizes = scenarios.filter((s) => typeof s.context.total_gpus === "number" && s.context.total_gpus > 0).map((s) => (s.expect.match ?? {})["parameters.tp-size"] as unknown[]);
    expect(tpSizes.some((t) => Array.isArray(t) && t.length > 1)).toBe(true);
    expect(tpSizes.some((t) => Array.isArray(t) && t.length === 1)).toBe(true);
    expect(tpSizes.some((t) => Array.isArray(t) && t.length === 0)).toBe(true);
  });

  it("covers slo_config together with the production profile", () => {
    expect(contexts.some((c) => c.slo_config && Array.isArray(c.profiles) && c.profiles.includes("production"))).toBe(true);
  });
});
