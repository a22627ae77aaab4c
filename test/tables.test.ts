// Lookup tables in a layer (`table: {key, rows}`): the row the context's value picks is the layer's data, each row
// has its own lines for provenance and errors, a value with no row is shown by explain, and the rows' keys are the
// values the form offers. layers/hardware/gpu-aware.yaml is written as one.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compose, loadLayerSetFromFiles } from "../src/index.js";
import { formOptions } from "../src/server/catalog.js";
import { CLI, ROOT, SCHEMAS_DIR, SHIPPED, errorsOf, positionIn, setWith } from "./hostile/setup.js";

const GPU = SHIPPED.find((f) => f.path === "hardware/gpu-aware.yaml")!;
/** The shipped layers with gpu-aware's text replaced. */
const withGpuAware = (text: string) => loadLayerSetFromFiles(SHIPPED.map((f) => (f === GPU ? { path: f.path, text } : f)), { schemasDir: SCHEMAS_DIR });
const B200 = GPU.text.replace("    A100:\n", "    B200:\n      parameters:\n        tp-size: [1, 2, 4, 8, 16]\n    A100:\n");

const tmp: string[] = [];
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("a table layer", () => {
  it("gpu-aware is a table keyed by gpu_type, a row per GPU", () => {
    const set = setWith();
    const layer = set.stages.flatMap((s) => s.layers).find((l) => l.name === "gpu-aware")!;
    expect(layer.table?.key).toBe("gpu_type");
    expect([...layer.table!.rows.keys()]).toEqual(["H100", "A100"]);
  });

  it("applies the row the context's value picks, each value with the line it has in its row", async () => {
    const set = setWith();
    for (const [gpu, tp, row] of [["H100", [1, 2, 4, 8], "H100:"], ["A100", [1, 2, 4], "A100:"]] as const) {
      const r = await compose(set, { model_name: "m", base_runtime: "sglang", gpu_type: gpu });
      expect(r.config!.parameters).toMatchObject({ "tp-size": tp });
      const rowLine = positionIn(GPU.text, row).line;
      expect(r.provenance["/parameters/tp-size"]).toMatchObject({ source: "gpu-aware", file: "hardware/gpu-aware.yaml", line: rowLine + 2 });
    }
  });

  it("a new GPU is a new row: composed at once, offered by the form, and at its own line", async () => {
    const set = withGpuAware(B200);
    expect(errorsOf(set)).toEqual([]);
    const r = await compose(set, { model_name: "m", base_runtime: "sglang", gpu_type: "B200" });
    expect(r.config!.parameters).toMatchObject({ "tp-size": [1, 2, 4, 8, 16] });
    expect(r.provenance["/parameters/tp-size"]).toMatchObject({ line: positionIn(B200, "B200:").line + 2 });
    // The page's GPU suggestions are the table's keys (and the schema's examples).
    expect(formOptions(set).gpu_type).toEqual([
      { value: "H100", layers: ["gpu-aware"], in_schema: true },
      { value: "A100", layers: ["gpu-aware"], in_schema: true },
      { value: "B200", layers: ["gpu-aware"], in_schema: false },
    ]);
  });

  it("a value with no row sets nothing, and strata explain says so at the table's line", async () => {
    const r = await compose(setWith(), { model_name: "m", base_runtime: "sglang", gpu_type: "L4" });
    expect(r.applied_layers).toContain("gpu-aware");
    expect(r.provenance["/parameters/tp-size"]).toMatchObject({ source: "docker-defaults" });
    const dir = mkdtempSync(join(tmpdir(), "strata-tables-"));
    tmp.push(dir);
    writeFileSync(join(dir, "ctx.yaml"), "model_name: m\nbase_runtime: sglang\ngpu_type: L4\n");
    const cli = (gpu: string) => {
      writeFileSync(join(dir, "ctx.yaml"), `model_name: m\nbase_runtime: sglang\ngpu_type: ${gpu}\n`);
      return spawnSync(process.execPath, [CLI, "explain", "--project", ROOT, "-c", join(dir, "ctx.yaml")], { cwd: ROOT, encoding: "utf8" }).stdout;
    };
    const tableLine = positionIn(GPU.text, "table:").line;
    expect(cli("L4")).toContain(`# Tables (1):\n#   layers/hardware/gpu-aware.yaml:${tableLine}: gpu-aware: gpu_type "L4" has no row (rows: H100, A100): it set nothing\n`);
    expect(cli("A100")).toContain(`#   layers/hardware/gpu-aware.yaml:${positionIn(GPU.text, "A100:").line}: gpu-aware: gpu_type "A100" picked the row 'A100'\n`);
  });

  it("mistakes in a table are errors at their line", () => {
    const cases: [string, string, string, string][] = [
      ["a row that is not a mapping", GPU.text.replace("    A100:\n      parameters:", "    A100: [1, 2]\n    A101:\n      parameters:"), "layer-schema", "[1, 2]"],
      ["data and table both", GPU.text.replace("table:\n", "data: {}\ntable:\n"), "layer-schema", "table:"],
      ["a table without rows", GPU.text.slice(0, GPU.text.indexOf("  rows:")), "layer-schema", "table:"],
      ["a table key that is no context field", GPU.text.replace("key: gpu_type", "key: gpu_typ"), "unknown-context-field", "key: gpu_typ"],
      ["an expression error inside a row", GPU.text.replace("tp-size: [1, 2, 4]\n", "tp-size: !expr '[1, 2,'\n"), "expression-syntax", "[1, 2,'"],
    ];
    for (const [name, text, code, at] of cases) {
      const errors = errorsOf(withGpuAware(text));
      expect(errors.map((e) => ({ code: e.code, file: e.file, line: e.line })), name).toEqual([{ code, file: "hardware/gpu-aware.yaml", line: positionIn(text, at).line }]);
    }
  });

  it("a misspelt table key names the field it meant", () => {
    const [error] = errorsOf(withGpuAware(GPU.text.replace("key: gpu_type", "key: gpu_typ")));
    expect(error.message).toBe("the table of layer 'gpu-aware' reads 'gpu_typ', but the context has no field 'gpu_typ' (did you mean 'gpu_type'?)");
  });
});
