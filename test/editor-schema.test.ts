// The editor's layer schema (schemas/editor-layer.schema.json, `npm run editor-schema`): generated from strata's
// layer schema and the project's output schema, and checked here the way yaml-language-server checks a file
// (ajv over the YAML with `!expr` read as text, as the editor's `yaml.customTags: ["!expr scalar"]` reads it).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { parseDocument } from "yaml";
import { describe, expect, it } from "vitest";
import { editorLayerSchema, withLayerSchema } from "../src/core/schemas.js";
import { loadProject, readLayerFiles } from "../src/index.js";
import { LAYERS_DIR, REPO_ROOT } from "./helpers/paths.js";

const FILE = join(REPO_ROOT, "schemas/editor-layer.schema.json");
const committed = JSON.parse(readFileSync(FILE, "utf8"));
const expr = { tag: "!expr", resolve: (s: string) => s, identify: () => false } as const;
const asEditorReadsIt = (text: string) => parseDocument(text, { customTags: [expr] }).toJS();
const validate = new Ajv({ allErrors: true, strict: false }).compile(committed);
const problems = (text: string) => (validate(asEditorReadsIt(text)) ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message}`));

describe("the editor's layer schema", () => {
  it("is what `npm run editor-schema` writes from the current schemas", () => {
    const project = loadProject(REPO_ROOT);
    expect(committed).toEqual(JSON.parse(JSON.stringify(editorLayerSchema(withLayerSchema(project.schemaTexts!)))));
  });

  it("accepts every shipped layer, profile, check and the stage order, and each names it on its first line", () => {
    for (const f of readLayerFiles(LAYERS_DIR)) {
      expect(problems(f.text), f.path).toEqual([]);
      const depth = f.path.split("/").length - 1;
      expect(f.text.split("\n")[0], f.path).toBe(`# yaml-language-server: $schema=${"../".repeat(depth + 1)}schemas/editor-layer.schema.json`);
    }
  });

  it("underlines wrong keys and types inside data, and offers the keys with their descriptions", () => {
    const layer = (data: string) => `name: x\nstage: runtime\ndata:\n${data}`;
    expect(problems(layer("  optimization:\n    max_iteratons: 3\n"))).toContain("/data/optimization must NOT have additional properties");
    expect(problems(layer("  parameters:\n    tp-size: 2\n")).some((p) => p.startsWith("/data/parameters/tp-size "))).toBe(true);
    expect(problems(layer("  runtime_image_tag: [v1]\n")).some((p) => p.startsWith("/data/runtime_image_tag "))).toBe(true);
    expect(problems(layer("  benchmark:\n    num_concurrency: [0]\n")).some((p) => p.startsWith("/data/benchmark/num_concurrency/0 "))).toBe(true);
    // Expressions, directives and `$patch` beside keys are fine.
    expect(problems(layer("  optimization:\n    $patch: replace\n    max_iterations: !expr total_gpus\n  parameters:\n    tp-size: { $append: [16] }\n  slo: { $patch: delete }\n"))).toEqual([]);
    const optimization = committed.definitions.configData.properties.optimization;
    expect(optimization.description).toMatch(/search/);
    expect(Object.keys(optimization.anyOf[0].properties)).toContain("max_iterations");
  });
});
