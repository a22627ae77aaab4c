// known-values: the literals layer conditions compare context fields with, and the compose-time
// `unknown-value` warning for a context value none of them (nor the context schema) knows.
import { describe, expect, it } from "vitest";
import { compose } from "../src/core/compose.js";
import { comparedLiterals } from "../src/lang/condition.js";
import { layerLiterals, unknownValueWarnings } from "../src/core/known-values.js";
import { loadLayerSet, loadLayerSetFromFiles } from "../src/core/load.js";
import { formOptions } from "../src/server/catalog.js";
import { LAYERS_DIR } from "./helpers/paths.js";

const layer = (name: string, when: string) => ({
  path: `runtime/${name}.yaml`,
  text: `name: ${name}\nstage: runtime\nwhen: ${when}\ndata:\n  quant_config: { marker: ${name} }\n`,
});
const STAGES = { path: "stages.yaml", text: "stages:\n  - name: runtime\n  - name: profiles\n    source: profiles\n  - name: user\n    source: overrides\n" };

describe("comparedLiterals", () => {
  it("finds ==, === (either side) and in-a-list comparisons anywhere in a rule", () => {
    const rule = { and: [{ "==": [{ var: "a" }, "x"] }, { "===": ["y", { var: "b" }] }, { or: [{ in: [{ var: "c" }, ["p", "q", 3]] }] }] };
    expect(comparedLiterals(rule)).toEqual([
      { field: "a", value: "x" }, { field: "b", value: "y" }, { field: "c", value: "p" }, { field: "c", value: "q" },
    ]);
  });

  it("leaves out comparisons inside per-item logic, where var reads the item", () => {
    expect(comparedLiterals({ some: [{ var: "traffic_scenarios" }, { "==": [{ var: "name" }, "x"] }] })).toEqual([]);
  });
});

describe("unknown-value warnings", () => {
  const set = loadLayerSetFromFiles([
    STAGES,
    layer("vllm-only", `{ "==": [{ "var": "base_runtime" }, "vllm"] }`),
    layer("trtllm-only", `{ "==": [{ "var": "base_runtime" }, "trtllm"] }`),
  ]);

  it("warns for a value no layer compares with, at the field, naming the known values", async () => {
    expect(set.issues).toEqual([]);
    const r = await compose(set, { model_name: "m", base_runtime: "tgi" });
    expect(r.warnings).toEqual([
      { code: "unknown-value", severity: "warning", message: "base_runtime 'tgi' matches no layer (the layers know: trtllm, vllm)", pointer: "/base_runtime" },
    ]);
  });

  it("does not warn for a value the context schema lists as an example, though no layer compares with it", async () => {
    // schemas/context.schema.json lists sglang, vllm and trtllm as examples of base_runtime.
    const r = await compose(set, { model_name: "m", base_runtime: "sglang" });
    expect(r.warnings).toEqual([]);
    expect(r.applied_layers).toEqual([]);
  });

  it("does not warn for fields no condition compares with literals, nor for null or absent values", () => {
    const byGpu = loadLayerSetFromFiles([
      STAGES,
      layer("h100", `{ "==": [{ "var": "gpu_type" }, "H100"] }`),
      layer("b200", `{ "==": [{ "var": "gpu_type" }, "B200"] }`),
    ]);
    expect(unknownValueWarnings(byGpu, { model_name: "anything", base_runtime: "whatever", gpu_type: null })).toEqual([]);
    expect(unknownValueWarnings(byGpu, { model_name: "m", base_runtime: "x" })).toEqual([]);
    // A100 is one of the context schema's examples for gpu_type: known, though no layer names it.
    expect(unknownValueWarnings(byGpu, { model_name: "m", base_runtime: "x", gpu_type: "A100" })).toEqual([]);
    expect(unknownValueWarnings(byGpu, { model_name: "m", base_runtime: "x", gpu_type: "L4" })).toMatchObject([{ code: "unknown-value", pointer: "/gpu_type" }]);
  });

  it("does not warn for a field only one literal is compared with (a model-specific layer)", () => {
    const one = loadLayerSetFromFiles([STAGES, layer("llama-70b", `{ "==": [{ "var": "model_name" }, "llama-70b"] }`)]);
    expect(unknownValueWarnings(one, { model_name: "mistral-7b", base_runtime: "vllm" })).toEqual([]);
  });

  it("is worked out once per layer set, and the API's form options are built from it", () => {
    const shipped = loadLayerSet(LAYERS_DIR);
    const literals = layerLiterals(shipped);
    expect(layerLiterals(shipped)).toBe(literals);
    expect([...literals.get("base_runtime")!.keys()].sort()).toEqual(["sglang", "trtllm", "vllm"]);
    const options = formOptions(shipped);
    expect(options.deployment_mode.map((o) => [o.value, o.layers])).toEqual([["docker", ["docker-defaults"]], ["ome", ["ome-defaults"]]]);
  });
});
