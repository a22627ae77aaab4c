// src/core/load.ts, piece by piece: what each kind of layer file becomes (layers, table rows, profiles, check rules,
// stages), every load-time issue as a whole object (code, message, file, line, column, pointer, layer), and where the
// schemas and roles come from. The broken-file catalogue is test/load-broken-files.test.ts; special files in the
// folder, test/load-special-files.test.ts.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { isUsable, layerOrder, layerParts, loadLayerSet, loadLayerSetFromFiles, loadLayerSetWithRecipe, readLayerFiles, tableRow, type Layer, type LayerSet } from "../src/core/load.js";
import { loadProject } from "../src/core/project.js";
import { SOURCE_LIMITS, type SourceFile } from "../src/core/source.js";
import { LAYERS_DIR, SCHEMAS_DIR, REPO_ROOT } from "./helpers/paths.js";
import { autotunerProjectText, writeAutotunerProject } from "./helpers/project.js";

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "strata-load-units-"));
  temps.push(dir);
  return dir;
}
/** Write `files` (paths relative to `dir`, folders made as needed); returns `dir`. */
function writeTree(dir: string, files: Record<string, string>): string {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const STAGES = readFileSync(join(LAYERS_DIR, "stages.yaml"), "utf8");
const CONTEXT_SCHEMA = readFileSync(join(SCHEMAS_DIR, "context.schema.json"), "utf8");
const OUTPUT_SCHEMA = readFileSync(join(SCHEMAS_DIR, "task-config.schema.json"), "utf8");
const ROLES = { profiles: "profiles", overrides: "user_overrides", override_mode: "override_mode" };
const TEXTS = { context: CONTEXT_SCHEMA, output: OUTPUT_SCHEMA };

const files = (map: Record<string, string>): SourceFile[] => Object.entries(map).map(([path, text]) => ({ path, text }));
/** The files with the shipped stage order (unless they bring their own), and the repository's schemas and roles. */
function load(map: Record<string, string>, roles: typeof ROLES | Record<string, string> = ROLES): LayerSet {
  return loadLayerSetFromFiles(files({ "stages.yaml": STAGES, ...map }), { schemaTexts: TEXTS, roles });
}
const stage = (set: LayerSet, name: string) => set.stages.find((s) => s.name === name)!;
const layer = (set: LayerSet, name: string): Layer => set.stages.flatMap((s) => s.layers).find((l) => l.name === name)!;
/** A layer without its compiled template and positions (for whole-object comparisons). */
const plain = (l: Layer) => {
  const { template, positions, table, ...rest } = l;
  expect(template).toBeDefined();
  expect(positions).toBeInstanceOf(Map);
  return table ? { ...rest, table: { key: table.key, rows: [...table.rows.values()].map(({ template: t, ...row }) => (expect(t).toBeDefined(), row)) } } : rest;
};
const VLLM = '{"==": [{"var": "base_runtime"}, "vllm"]}';

describe("a layer file", () => {
  it("becomes a layer with its name, stage, order, description, condition in words, entry and position", () => {
    const set = load({ "base/x.yaml": `name: x\nstage: base\norder: 3\ndescription: d\nwhen: ${VLLM}\ndata: {description: hi}\n`, "base/y.yaml": "name: y\nstage: base\ndata: {}\n" });
    expect(set.issues).toEqual([]);
    expect(plain(layer(set, "x"))).toEqual({
      name: "x", stage: "base", description: "d", order: 3, entry: "x", file: "base/x.yaml", line: 1, column: 1,
      when: { "==": [{ var: "base_runtime" }, "vllm"] }, whenText: 'base_runtime == "vllm"', dataPointer: "/data",
    });
    // No order: 0, and no condition: no words for it.
    expect(plain(layer(set, "y"))).toEqual({ name: "y", stage: "base", description: undefined, order: 0, entry: "y", file: "base/y.yaml", line: 1, column: 1, when: undefined, whenText: undefined, dataPointer: "/data" });
    expect(stage(set, "base").layers.map((l) => l.name)).toEqual(["y", "x"]);
    expect(set.files).toEqual(["base/x.yaml", "base/y.yaml", "stages.yaml"]);
    expect(isUsable(set)).toBe(true);
  });

  it("its position is its name's key, wherever the key is in the file", () => {
    const set = load({ "base/x.yaml": "stage: base\nname: x\ndata: {}\n" });
    expect(set.issues).toEqual([]);
    expect([layer(set, "x").line, layer(set, "x").column]).toEqual([2, 1]);
  });

  it("inside a stage: by order, then by file path (the layer name plays no part)", () => {
    const set = load({
      "base/b.yaml": "name: a-b\nstage: base\norder: 2\ndata: {}\n",
      "base/a.yaml": "name: z-a\nstage: base\norder: 2\ndata: {}\n",
      "base/c.yaml": "name: c\nstage: base\norder: -1\ndata: {}\n",
      "base/d.yaml": "name: d\nstage: base\ndata: {}\n",
    });
    expect(set.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(stage(set, "base").layers.map((l) => l.file)).toEqual(["base/c.yaml", "base/d.yaml", "base/a.yaml", "base/b.yaml"]);
    expect(layerOrder(set).map((s) => [s.stage, s.source, s.layers.map((l) => l.name)])).toEqual([
      ["base", "layers", ["c", "d", "z-a", "a-b"]],
      ["deployment", "layers", []],
      ["runtime", "layers", []],
      ["hardware", "layers", []],
      ["profiles", "profiles", []],
      ["user", "overrides", []],
      ["finalize", "layers", []],
    ]);
  });

  it("named differently from its file: a warning at the name, naming the file it should have", () => {
    const set = load({ "base/extra.json": '{"name": "extras", "stage": "base", "data": {}}' });
    expect(set.issues).toEqual([
      { code: "name-mismatch", severity: "warning", message: "layer 'extras' is in a file named 'extra.json'; name the file extras.json", file: "base/extra.json", line: 1, column: 10 },
    ]);
    expect(isUsable(set)).toBe(true);
  });

  it("a name used twice: an error in each file, each naming the other, at the name's value", () => {
    const set = load({ "base/twin.yaml": "name: twin\nstage: base\ndata: {}\n", "runtime/twin.yaml": "\nname:   twin\nstage: runtime\ndata: {}\n" });
    expect(set.issues).toEqual([
      { code: "duplicate-name", severity: "error", message: "layer 'twin' is defined twice (also in runtime/twin.yaml)", file: "base/twin.yaml", line: 1, column: 7, layer: "twin" },
      { code: "duplicate-name", severity: "error", message: "layer 'twin' is defined twice (also in base/twin.yaml)", file: "runtime/twin.yaml", line: 2, column: 9 },
    ]);
    expect(isUsable(set)).toBe(false);
  });

  it("data that is a bare string: an error at it (only `!expr` may stand for the whole data)", () => {
    expect(load({ "base/x.yaml": "name: x\nstage: base\ndata: 'hello'\n" }).issues).toEqual([
      { code: "layer-schema", severity: "error", message: "data must be a mapping, or one expression written `data: !expr …`", file: "base/x.yaml", line: 3, column: 7, pointer: "/data", layer: "x" },
    ]);
    expect(load({ "base/x.yaml": "name: x\nstage: base\ndata: !expr '{\"description\": model_name}'\n" }).issues).toEqual([]);
  });

  it("data that deletes, appends to or prepends to the whole config: config-not-object at the directive", () => {
    const at = (directive: string, verb: string) => ({
      code: "config-not-object", severity: "error", message: `data cannot ${verb}: the config is always an object (patch fields inside it instead)`,
      file: "base/x.yaml", line: 4, column: 3, pointer: `/data/${directive}`, layer: "x",
    });
    expect(load({ "base/x.yaml": "name: x\nstage: base\ndata:\n  $patch: delete\n" }).issues).toEqual([at("$patch", "delete the whole config")]);
    expect(load({ "base/x.yaml": "name: x\nstage: base\ndata:\n  $append: [1]\n" }).issues).toEqual([at("$append", "append to the whole config")]);
    expect(load({ "base/x.yaml": "name: x\nstage: base\ndata:\n  $prepend: [1]\n" }).issues).toEqual([at("$prepend", "prepend to the whole config")]);
    // `$patch: replace` of the whole config is allowed.
    expect(load({ "base/x.yaml": "name: x\nstage: base\ndata:\n  $patch: replace\n  description: d\n" }).issues).toEqual([]);
  });

  it("a context field an expression or a condition reads must exist: located at the name", () => {
    expect(load({ "base/x.yaml": "name: x\nstage: base\ndata:\n  description: !expr nope_field & 'x'\n" }).issues).toEqual([
      { code: "unknown-context-field", severity: "error", message: "layer 'x' reads 'nope_field', but the context has no field 'nope_field'", file: "base/x.yaml", line: 4, column: 22, layer: "x", pointer: "/data/description" },
    ]);
    expect(load({ "base/x.yaml": "name: x\nstage: base\ndata:\n  description: {$expr: \"nope_field & 'x'\"}\n" }).issues).toEqual([
      { code: "unknown-context-field", severity: "error", message: "layer 'x' reads 'nope_field', but the context has no field 'nope_field'", file: "base/x.yaml", line: 4, column: 25, layer: "x", pointer: "/data/description" },
    ]);
    expect(load({ "base/x.yaml": 'name: x\nstage: base\nwhen: {"==": [{"var": "nope_field"}, 1]}\ndata: {}\n' }).issues).toEqual([
      { code: "unknown-context-field", severity: "error", message: "layer 'x' reads 'nope_field', but the context has no field 'nope_field'", file: "base/x.yaml", line: 3, column: 23, layer: "x", pointer: "/when/==/0/var" },
    ]);
  });

  it("a condition that does not compile is reported once, and what it reads is not checked", () => {
    expect(load({ "base/x.yaml": 'name: x\nstage: base\nwhen: {"nope": [{"var": "nope_field"}]}\ndata: {}\n' }).issues).toEqual([
      { code: "unknown-operator", severity: "error", message: "unknown JSON-logic operator 'nope'", file: "base/x.yaml", line: 3, column: 8, pointer: "/when/nope", layer: "x" },
    ]);
  });

  it("an expression syntax error: at its character, in a block and in a file with a byte-order mark", () => {
    const block = "name: x\nstage: base\ndata:\n  description: !expr |\n    model_name\n      & (\n";
    const want = { code: "expression-syntax", severity: "error", message: 'JSONata syntax error: Expected ")" before end of expression', file: "base/x.yaml", line: 6, column: 10, pointer: "/data/description", layer: "x" };
    expect(load({ "base/x.yaml": block }).issues).toEqual([want]);
    expect(load({ "base/x.yaml": "\uFEFF" + block }).issues).toEqual([want]);
    expect(load({ "base/x.yaml": "name: x\nstage: base\ndata:\n  description: {$expr: 'model_name &'}\n" }).issues).toEqual([
      { code: "expression-syntax", severity: "error", message: "JSONata syntax error: Unexpected end of expression", file: "base/x.yaml", line: 4, column: 36, pointer: "/data/description", layer: "x" },
    ]);
  });

  it("an expression syntax error on the first line of a file with a byte-order mark: the mark is no column", () => {
    const json = '{"name": "x", "stage": "base", "data": {"description": {"$expr": "model_name &"}}}';
    const want = { code: "expression-syntax", severity: "error", message: "JSONata syntax error: Unexpected end of expression", file: "base/x.json", line: 1, column: 78, pointer: "/data/description", layer: "x" };
    expect(load({ "base/x.json": json }).issues).toEqual([want]);
    expect(load({ "base/x.json": "\uFEFF" + json }).issues).toEqual([want]);
  });

  it("an unknown field: at the key; a wrong type: at the value; with the schema keyword", () => {
    expect(load({ "base/x.yaml": "name: x\nstage: base\nbogus: 1\ndata: {}\n" }).issues).toEqual([
      { code: "layer-schema", severity: "error", message: "unknown field 'bogus'", file: "base/x.yaml", line: 3, column: 1, pointer: "/bogus", keyword: "additionalProperties" },
    ]);
    expect(load({ "base/x.yaml": "name: x\nstage: base\norder: first\ndata: {}\n" }).issues).toEqual([
      { code: "layer-schema", severity: "error", message: "'order' must be integer", file: "base/x.yaml", line: 3, column: 8, pointer: "/order", keyword: "type" },
    ]);
  });

  it("a prototype key: forbidden-key at it, naming the key", () => {
    expect(load({ "base/x.yaml": "name: x\nstage: base\ndata:\n  quant_config:\n    constructor: {a: 1}\n" }).issues).toEqual([
      { code: "forbidden-key", severity: "error", message: "key 'constructor' is not allowed: it could reach an object's prototype", file: "base/x.yaml", line: 5, column: 5, pointer: "/data/quant_config/constructor" },
    ]);
  });

  it("not a mapping (a list, a text, nothing): an error at the document", () => {
    const notMapping = (line: number) => [{ code: "layer-schema", severity: "error", message: "a layer file must be a mapping (name, stage, data, …)", file: "base/x.yaml", line, column: 1 }];
    expect(load({ "base/x.yaml": "- 1\n" }).issues).toEqual(notMapping(1));
    expect(load({ "base/x.yaml": "just text\n" }).issues).toEqual(notMapping(1));
    expect(load({ "base/x.yaml": "" }).issues).toEqual(notMapping(1));
    expect(load({ "base/x.yaml": "# a comment\n- 1\n" }).issues).toEqual(notMapping(2));
  });

  it("an unknown stage and a stage that takes no layer files: at the stage's value", () => {
    expect(load({ "base/x.yaml": "name: x\nstage: middle\ndata: {}\n" }).issues).toEqual([
      { code: "unknown-stage", severity: "error", message: "unknown stage 'middle' (stages: base, deployment, runtime, hardware, profiles, user, finalize)", file: "base/x.yaml", line: 2, column: 8, layer: "x", pointer: "/stage" },
    ]);
    expect(load({ "base/x.yaml": "name: x\nstage: user\ndata: {}\n" }).issues).toEqual([
      { code: "unknown-stage", severity: "error", message: "stage 'user' takes no layer files: its layers come from the user's overrides", file: "base/x.yaml", line: 2, column: 8, layer: "x", pointer: "/stage" },
    ]);
    expect(load({ "base/x.yaml": "name: x\nstage: profiles\ndata: {}\n" }).issues).toEqual([
      { code: "unknown-stage", severity: "error", message: "stage 'profiles' takes no layer files: its layers come from profile files", file: "base/x.yaml", line: 2, column: 8, layer: "x", pointer: "/stage" },
    ]);
  });
});

describe("a table layer", () => {
  const TABLE = `name: t\nstage: hardware\nwhen: ${VLLM}\ntable:\n  key: gpu_type\n  rows:\n    H100:\n      parameters: {tp-size: [8]}\n    'A/B': {}\n    "1": {description: one}\n    "true": {description: yes}\n`;

  it("keeps a row per key, each with its pointer and position", () => {
    const set = load({ "hardware/t.yaml": TABLE });
    expect(set.issues).toEqual([]);
    expect(plain(layer(set, "t"))).toEqual({
      name: "t", stage: "hardware", description: undefined, order: 0, entry: "t", file: "hardware/t.yaml", line: 1, column: 1,
      when: { "==": [{ var: "base_runtime" }, "vllm"] }, whenText: 'base_runtime == "vllm"', dataPointer: "/data",
      table: {
        key: "gpu_type",
        rows: [
          { key: "1", dataPointer: "/table/rows/1", file: "hardware/t.yaml", line: 10, column: 5 },
          { key: "H100", dataPointer: "/table/rows/H100", file: "hardware/t.yaml", line: 7, column: 5 },
          { key: "A/B", dataPointer: "/table/rows/A~1B", file: "hardware/t.yaml", line: 9, column: 5 },
          { key: "true", dataPointer: "/table/rows/true", file: "hardware/t.yaml", line: 11, column: 5 },
        ],
      },
    });
  });

  it("layerParts: each row with its key; a plain layer: its data", () => {
    const set = load({ "hardware/t.yaml": TABLE, "base/p.yaml": "name: p\nstage: base\ndata: {}\n" });
    const t = layer(set, "t");
    expect(layerParts(t)).toEqual([...t.table!.rows.values()].map((r) => ({ template: r.template, dataPointer: r.dataPointer, row: r.key })));
    expect(layerParts(t).map((p) => p.row)).toEqual(["1", "H100", "A/B", "true"]);
    const p = layer(set, "p");
    expect(layerParts(p)).toEqual([{ template: p.template, dataPointer: "/data" }]);
  });

  it("tableRow: the row the context's value names (text, number or boolean); none for a missing, null or object value", () => {
    const set = load({ "hardware/t.yaml": TABLE, "base/p.yaml": "name: p\nstage: base\ndata: {}\n" });
    const t = layer(set, "t");
    const rows = t.table!.rows;
    expect(tableRow(t, { gpu_type: "H100" })).toBe(rows.get("H100"));
    expect(tableRow(t, { gpu_type: "A/B" })).toBe(rows.get("A/B"));
    expect(tableRow(t, { gpu_type: 1 })).toBe(rows.get("1"));
    expect(tableRow(t, { gpu_type: true })).toBe(rows.get("true"));
    expect(tableRow(t, { gpu_type: "L4" })).toBeUndefined();
    expect(tableRow(t, {})).toBeUndefined();
    expect(tableRow(t, { gpu_type: null })).toBeUndefined();
    expect(tableRow(t, { gpu_type: ["H100"] })).toBeUndefined();
    expect(tableRow(t, { gpu_type: { toString: "H100" } })).toBeUndefined();
    expect(tableRow(layer(set, "p"), { gpu_type: "H100" })).toBeUndefined();
  });

  it("tableRow: an unset or null field picks no row, even one keyed 'undefined' or 'null'", () => {
    const set = load({ "hardware/t.yaml": "name: t\nstage: hardware\ntable:\n  key: gpu_type\n  rows:\n    'null': {description: a}\n    'undefined': {description: b}\n" });
    expect(set.issues).toEqual([]);
    const t = layer(set, "t");
    expect([...t.table!.rows.keys()]).toEqual(["null", "undefined"]);
    expect(tableRow(t, { gpu_type: null })).toBeUndefined();
    expect(tableRow(t, {})).toBeUndefined();
    expect(tableRow(t, { gpu_type: "null" })).toBe(t.table!.rows.get("null"));
  });

  it("a dotted key reads a nested context field", () => {
    const set = load({ "hardware/t.yaml": "name: t\nstage: hardware\ntable:\n  key: slo_config.ttft.threshold\n  rows:\n    '5': {description: five}\n" });
    expect(set.issues).toEqual([]);
    const t = layer(set, "t");
    expect(tableRow(t, { slo_config: { ttft: { threshold: 5 } } })).toBe(t.table!.rows.get("5"));
    expect(tableRow(t, { slo_config: { ttft: {} } })).toBeUndefined();
  });

  it("`data` and `table` both, or neither: an error on the layer", () => {
    expect(load({ "hardware/t.yaml": "name: t\nstage: hardware\ndata: {}\ntable:\n  key: gpu_type\n  rows:\n    H100: {}\n" }).issues).toEqual([
      { code: "layer-schema", severity: "error", message: "a layer has `data` or `table`, not both: put what every row shares in a layer of its own", file: "hardware/t.yaml", line: 4, column: 1, pointer: "/table", layer: "t" },
    ]);
    expect(load({ "hardware/t.yaml": "name: t\nstage: hardware\n" }).issues).toEqual([
      { code: "layer-schema", severity: "error", message: "missing required field 'data' (what the layer sets), or 'table' (a lookup table keyed by a context field)", file: "hardware/t.yaml", line: 1, column: 1, layer: "t" },
    ]);
  });

  it("a key that is no context field: an error at the key, with the likely name", () => {
    expect(load({ "hardware/t.yaml": "name: t\nstage: hardware\ntable:\n  key: gpu_typo\n  rows:\n    H100: {}\n" }).issues).toEqual([
      { code: "unknown-context-field", severity: "error", message: "the table of layer 't' reads 'gpu_typo', but the context has no field 'gpu_typo' (did you mean 'gpu_type'?)", file: "hardware/t.yaml", line: 4, column: 8, layer: "t", pointer: "/table/key" },
    ]);
  });

  it("a row that writes what the config has no key for: at the row's key", () => {
    expect(load({ "hardware/t.yaml": "name: t\nstage: hardware\ntable:\n  key: gpu_type\n  rows:\n    H100: {nope: 1}\n" }).issues).toEqual([
      { code: "unknown-config-key", severity: "error", message: "layer 't' writes 'nope', but the config has no such key", file: "hardware/t.yaml", line: 6, column: 12, layer: "t", keyword: "additionalProperties", pointer: "/table/rows/H100/nope" },
    ]);
  });
});

describe("a profile file", () => {
  const PROFILE = `profile: q\ntitle: T\ndescription: D\nlayers:\n  - name: l\n    when: ${VLLM}\n    data: {}\n  - name: m\n    description: md\n    data: {description: x}\n`;

  it("becomes a profile whose layers apply in the profiles stage, in file order", () => {
    const set = load({ "profiles/q.yaml": PROFILE });
    expect(set.issues).toEqual([]);
    const q = set.profiles.get("q")!;
    expect({ ...q, layers: q.layers.map(plain) }).toEqual({
      name: "q", title: "T", description: "D", file: "profiles/q.yaml", line: 1,
      layers: [
        {
          name: "l", stage: "profiles", description: undefined, order: 0, entry: "profile:q:l", profile: "q", file: "profiles/q.yaml", line: 5, column: 5,
          when: { "==": [{ var: "base_runtime" }, "vllm"] }, whenText: 'base_runtime == "vllm"', dataPointer: "/layers/0/data",
        },
        { name: "m", stage: "profiles", description: "md", order: 1, entry: "profile:q:m", profile: "q", file: "profiles/q.yaml", line: 8, column: 5, when: undefined, whenText: undefined, dataPointer: "/layers/1/data" },
      ],
    });
    expect(stage(set, "profiles").layers).toEqual([]);
  });

  it("its layers take the name the stage order gives the profiles stage", () => {
    const stages = "stages:\n  - name: base\n  - name: presets\n    source: profiles\n  - name: user\n    source: overrides\n";
    const set = load({ "stages.yaml": stages, "profiles/q.yaml": PROFILE });
    expect(set.issues).toEqual([]);
    expect(set.profiles.get("q")!.layers.map((l) => l.stage)).toEqual(["presets", "presets"]);
  });

  it("in a file of another name: a warning; in a project without a profiles role: an error", () => {
    expect(load({ "profiles/p.yaml": PROFILE }).issues).toEqual([
      { code: "name-mismatch", severity: "warning", message: "profile 'q' is in a file named 'p.yaml'; name the file q.yaml", file: "profiles/p.yaml", line: 1, column: 10 },
    ]);
    const stages = "stages:\n  - name: base\n  - name: user\n    source: overrides\n";
    expect(load({ "stages.yaml": stages, "profiles/q.yaml": PROFILE }, { overrides: "user_overrides" }).issues).toEqual([
      {
        code: "role-missing", severity: "error", file: "profiles/q.yaml", line: 1, column: 10,
        message: "profile 'q': the project declares no profiles role, so no profile can apply; add `roles: {profiles: <context field>}` to the project file, or remove this file",
      },
    ]);
  });

  it("defined twice: an error in each file; the one read second (by path) is not kept", () => {
    const set = load({ "profiles/q.yaml": PROFILE, "profiles/more/q.yaml": "\n\nprofile: q\ntitle: Other\ndescription: D\nlayers:\n  - name: z\n    data: {}\n" });
    expect(set.issues).toEqual([
      { code: "duplicate-name", severity: "error", message: "profile 'q' is defined twice (also in profiles/q.yaml)", file: "profiles/more/q.yaml", line: 3, column: 1 },
      { code: "duplicate-name", severity: "error", message: "profile 'q' is defined twice (also in profiles/more/q.yaml)", file: "profiles/q.yaml", line: 1, column: 10 },
    ]);
    expect(set.profiles.get("q")!.title).toBe("Other");
    expect(set.profiles.get("q")!.layers.map((l) => l.name)).toEqual(["z"]);
  });

  it("what a profile layer writes is checked at its place in the file", () => {
    expect(load({ "profiles/q.yaml": "profile: q\ntitle: T\ndescription: D\nlayers:\n  - name: l\n    data: {nope: 1}\n" }).issues).toEqual([
      { code: "unknown-config-key", severity: "error", message: "layer 'l' writes 'nope', but the config has no such key", file: "profiles/q.yaml", line: 6, column: 12, layer: "l", keyword: "additionalProperties", pointer: "/layers/0/data/nope" },
    ]);
  });

  it("a layer named twice inside it, and a condition reading an unknown field: each located", () => {
    const text = `profile: q\ntitle: T\ndescription: D\nlayers:\n  - name: l\n    data: {}\n  - name: l\n    when: {"==": [{"var": "nope"}, 1]}\n    data: {}\n`;
    expect(load({ "profiles/q.yaml": text }).issues).toEqual([
      { code: "duplicate-name", severity: "error", message: "layer 'l' appears twice in profile 'q'", file: "profiles/q.yaml", line: 7, column: 11 },
      { code: "unknown-context-field", severity: "error", message: "layer 'l' reads 'nope', but the context has no field 'nope'", file: "profiles/q.yaml", line: 8, column: 27, layer: "l", pointer: "/layers/1/when/==/0/var" },
    ]);
  });
});

describe("a check rule file", () => {
  it("becomes a rule with its name, severity, condition, message, path and position", () => {
    const set = load({ "checks/c.yaml": 'check: c\ndescription: dd\nseverity: error\npath: parameters.tp-size\nwhen: {"==": [1, 1]}\nmessage: m\n' });
    expect(set.issues).toEqual([]);
    expect(set.checks).toEqual([
      { check: "c", name: "c", description: "dd", severity: "error", path: "parameters.tp-size", when: { "==": [1, 1] }, message: "m", file: "checks/c.yaml", line: 1, column: 1 },
    ]);
  });

  it("a name twice, a path the config does not have, a field the context does not have: each located", () => {
    const set = load({
      "checks/a.yaml": 'check: c\nseverity: warning\nmessage: m\nwhen: {"==": [1, 1]}\n',
      "checks/b.yaml": 'check: c\nseverity: error\nmessage: m2\npath: nope.field\nwhen: {"==": [{"var": "nope"}, 1]}\n',
    });
    expect(set.issues).toEqual([
      { code: "duplicate-name", severity: "error", message: "check 'c' is defined twice (also in checks/a.yaml)", file: "checks/b.yaml", line: 1, column: 8 },
      { code: "unknown-config-field", severity: "error", message: "check 'c' is about 'nope.field', but the config has no field 'nope'", file: "checks/b.yaml", line: 4, column: 7, layer: "c", pointer: "/path" },
      { code: "unknown-context-field", severity: "error", message: "check 'c' reads 'nope', but the context has no field 'nope'", file: "checks/b.yaml", line: 5, column: 23, layer: "c", pointer: "/when/==/0/var" },
    ]);
    expect(set.checks.map((c) => [c.name, c.file])).toEqual([["c", "checks/a.yaml"], ["c", "checks/b.yaml"]]);
  });

  it("the duplicate names the file of the same name (not the first rule's); the rule's position is its `check:` key", () => {
    const rule = (name: string) => `severity: warning\ncheck: ${name}\nmessage: m\nwhen: {"==": [1, 1]}\n`;
    const set = load({ "checks/a.yaml": rule("c"), "checks/b.yaml": rule("d"), "checks/c.yaml": rule("d") });
    expect(set.issues).toEqual([{ code: "duplicate-name", severity: "error", message: "check 'd' is defined twice (also in checks/b.yaml)", file: "checks/c.yaml", line: 2, column: 8 }]);
    expect(set.checks.map((c) => [c.name, c.file, c.line, c.column])).toEqual([["c", "checks/a.yaml", 2, 1], ["d", "checks/b.yaml", 2, 1], ["d", "checks/c.yaml", 2, 1]]);
  });
});

describe("the stage order", () => {
  it("the stages as listed, with their descriptions and sources (layers unless said)", () => {
    const set = load({ "stages.yaml": "stages:\n  - name: a\n    description: first\n  - name: p\n    source: profiles\n  - name: u\n    source: overrides\n" });
    expect(set.issues).toEqual([]);
    expect(set.stages).toEqual([
      { name: "a", description: "first", source: "layers", layers: [] },
      { name: "p", description: undefined, source: "profiles", layers: [] },
      { name: "u", description: undefined, source: "overrides", layers: [] },
    ]);
  });

  it("a second stage order: an error at the second file, naming the first", () => {
    const set = load({ "a-stages.yaml": "stages:\n  - name: a\n    source: profiles\n  - name: u\n    source: overrides\n" });
    expect(set.issues).toEqual([{ code: "duplicate-stages", severity: "error", message: "stage order is already defined in a-stages.yaml", file: "stages.yaml", line: 3, column: 1 }]);
    expect(set.stages.map((s) => s.name)).toEqual(["a", "u"]);
  });

  it("none: missing-stages, with no file", () => {
    const set = loadLayerSetFromFiles(files({ "base/a.yaml": "name: a\nstage: base\ndata: {}\n" }), { schemaTexts: TEXTS, roles: ROLES });
    expect(set.issues).toEqual([{ code: "missing-stages", severity: "error", message: "no stage order found: add layers/stages.yaml with a `stages:` list" }]);
    expect(set.stages).toEqual([]);
  });

  it("a stage listed twice: an error at the second name", () => {
    expect(load({ "stages.yaml": "stages:\n  - name: a\n  - name: a\n  - name: p\n    source: profiles\n  - name: u\n    source: overrides\n" }).issues).toEqual([
      { code: "duplicate-name", severity: "error", message: "stage 'a' is listed twice", file: "stages.yaml", line: 3, column: 11 },
    ]);
  });

  it("a profiles or overrides stage without the role: at the stage's source; a role without exactly one stage: at the list", () => {
    const both = "stages:\n  - name: a\n  - name: p\n    source: profiles\n  - name: u\n    source: overrides\n";
    expect(load({ "stages.yaml": both }, {}).issues).toEqual([
      {
        code: "role-missing", severity: "error", file: "stages.yaml", line: 4, column: 13,
        message: "stage 'p' takes `source: profiles`, but the project declares no profiles role: add `roles: {profiles: <context field>}` to the project file, or remove the stage",
      },
      {
        code: "role-missing", severity: "error", file: "stages.yaml", line: 6, column: 13,
        message: "stage 'u' takes `source: overrides`, but the project declares no overrides role: add `roles: {overrides: <context field>}` to the project file, or remove the stage",
      },
    ]);
    // No role and no such stage: nothing to say.
    expect(load({ "stages.yaml": "stages:\n  - name: a\n" }, {}).issues).toEqual([]);
    expect(load({ "stages.yaml": "stages:\n  - name: a\n  - name: u\n    source: overrides\n" }, { overrides: "user_overrides" }).issues).toEqual([]);
    expect(load({ "stages.yaml": "stages:\n  - name: a\n  - name: u\n    source: overrides\n" }).issues).toEqual([
      { code: "stage-source", severity: "error", message: "exactly one stage must have `source: profiles` (found 0)", file: "stages.yaml", line: 1, column: 1 },
    ]);
    // At the `stages` key, not the document's start: in a JSON stage order they differ.
    const json = '{"stages": [{"name": "a"}, {"name": "p", "source": "profiles"}, {"name": "q", "source": "profiles"}]}';
    expect(loadLayerSetFromFiles(files({ "stages.json": json }), { schemaTexts: TEXTS, roles: { profiles: "profiles" } }).issues).toEqual([
      { code: "stage-source", severity: "error", message: "exactly one stage must have `source: profiles` (found 2)", file: "stages.json", line: 1, column: 2 },
    ]);
  });
});

describe("the hash", () => {
  const base = { "base/a.yaml": "name: a\nstage: base\ndata: {}\n" };
  it("follows every file's path and text, the schemas and the roles", () => {
    const h = load(base).hash;
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(load(base).hash).toBe(h);
    expect(load({ "base/a.yaml": "name: a\nstage: base\ndata: {}\n# c\n" }).hash).not.toBe(h);
    expect(load({ "base/b/../a.yaml": "name: a\nstage: base\ndata: {}\n" }).hash).not.toBe(h);
    expect(load(base, { ...ROLES, override_mode: "mode" }).hash).not.toBe(h);
    const otherOutput = JSON.stringify({ ...JSON.parse(OUTPUT_SCHEMA), title: "other" });
    expect(loadLayerSetFromFiles(files({ "stages.yaml": STAGES, ...base }), { schemaTexts: { context: CONTEXT_SCHEMA, output: otherOutput }, roles: ROLES }).hash).not.toBe(h);
    const otherContext = JSON.stringify({ ...JSON.parse(CONTEXT_SCHEMA), title: "other" });
    expect(loadLayerSetFromFiles(files({ "stages.yaml": STAGES, ...base }), { schemaTexts: { context: otherContext, output: OUTPUT_SCHEMA }, roles: ROLES }).hash).not.toBe(h);
    // The order the files are given in does not matter.
    expect(loadLayerSetFromFiles(files({ ...base, "stages.yaml": STAGES }), { schemaTexts: TEXTS, roles: ROLES }).hash).toBe(h);
  });
});

describe("schemas that do not compile", () => {
  const broken = JSON.stringify({ type: "object", properties: { a: { type: "no-such-type" } } });
  it("name the schema and its file; the set is empty", () => {
    const set = loadLayerSetFromFiles(files({ "stages.yaml": STAGES }), { schemaTexts: { context: broken, output: OUTPUT_SCHEMA }, roles: ROLES, schemaFiles: { context: "ctx.json", output: "out.json" } });
    expect(set.issues).toEqual([expect.objectContaining({ code: "schema-invalid", severity: "error", file: "ctx.json" })]);
    expect(set.issues[0].message).toMatch(/^the context schema does not compile: /);
    expect({ stages: set.stages, checks: set.checks, profiles: set.profiles.size, hash: set.hash, files: set.files }).toEqual({ stages: [], checks: [], profiles: 0, hash: "", files: [] });
    const out = loadLayerSetFromFiles(files({ "stages.yaml": STAGES }), { schemaTexts: { context: CONTEXT_SCHEMA, output: broken }, roles: ROLES, schemaFiles: { context: "ctx.json", output: "out.json" } });
    expect(out.issues).toEqual([expect.objectContaining({ code: "schema-invalid", severity: "error", file: "out.json" })]);
    expect(out.issues[0].message).toMatch(/^the output schema does not compile: /);
    // Without the files' names: no file.
    const unnamed = loadLayerSetFromFiles(files({ "stages.yaml": STAGES }), { schemaTexts: { context: CONTEXT_SCHEMA, output: broken }, roles: ROLES });
    expect(Object.keys(unnamed.issues[0]).sort()).toEqual(["code", "message", "severity"]);
  });

  it("each compiles alone but not with the others (an output schema taking the layer schema's $id): the output schema is named", () => {
    const clash = JSON.stringify({ $id: "https://strata.dev/schemas/layer.schema.json", type: "object" });
    const set = loadLayerSetFromFiles(files({ "stages.yaml": STAGES }), { schemaTexts: { context: CONTEXT_SCHEMA, output: clash }, roles: ROLES, schemaFiles: { context: "ctx.json", output: "out.json" } });
    expect(set.issues).toEqual([
      {
        code: "schema-invalid",
        severity: "error",
        message: 'the output schema does not compile: schema with key or id "https://strata.dev/schemas/layer.schema.json" already exists',
        file: "out.json",
      },
    ]);
  });
});

describe("where the layers, schemas and roles come from", () => {
  it("loadLayerSet(project): its layers, schemas and roles, and a recipe that loads the same set again", () => {
    const project = loadProject(REPO_ROOT);
    const { set, recipe } = loadLayerSetWithRecipe(project);
    expect(set.issues).toEqual([]);
    expect(set.roles).toEqual(project.roles);
    expect(recipe!.files.map((f) => f.path)).toEqual(set.files);
    expect(recipe!.options).toEqual({ schemaTexts: project.schemaTexts, roles: project.roles, schemaFiles: project.schemaFiles });
    expect(loadLayerSetFromFiles(recipe!.files, recipe!.options).hash).toBe(set.hash);
    expect(loadLayerSet(project).hash).toBe(set.hash);
  });

  it("loadLayerSet(dir, {project}): that folder's layers with the project's schemas and roles", () => {
    const dir = writeTree(tempDir(), { "stages.yaml": STAGES, "base/a.yaml": "name: a\nstage: base\ndata: {}\n" });
    const project = loadProject(REPO_ROOT);
    const set = loadLayerSet(dir, { project });
    expect(set.issues).toEqual([]);
    expect(set.files).toEqual(["base/a.yaml", "stages.yaml"]);
    expect(set.roles).toEqual(ROLES);
    // The project's own folder, named: the same as loading the project.
    expect(loadLayerSet(project.layersDir, { project }).hash).toBe(loadLayerSet(project).hash);
  });

  it("schemasDir: the project's schema files from another folder, under their names", () => {
    const schemas = writeTree(tempDir(), { "context.schema.json": CONTEXT_SCHEMA, "task-config.schema.json": JSON.stringify({ ...JSON.parse(OUTPUT_SCHEMA), title: "copy" }) });
    const project = loadProject(REPO_ROOT);
    const set = loadLayerSet(project, { schemasDir: schemas });
    expect(set.issues).toEqual([]);
    expect(set.hash).not.toBe(loadLayerSet(project).hash);
    expect(set.schemas.json.output).toMatchObject({ title: "copy" });
  });

  it("schema texts and roles given: no project is looked for", () => {
    const dir = writeTree(tempDir(), { "stages.yaml": "stages:\n  - name: a\n" });
    const cwd = vi.spyOn(process, "cwd").mockReturnValue(tmpdir());
    const set = loadLayerSet(dir, { schemaTexts: TEXTS, roles: {} });
    expect(cwd).not.toHaveBeenCalled();
    expect(set.issues).toEqual([]);
    expect(set.stages.map((s) => s.name)).toEqual(["a"]);
    expect(loadLayerSetFromFiles(files({ "stages.yaml": "stages:\n  - name: a\n" }), { schemaTexts: TEXTS, roles: {} }).issues).toEqual([]);
  });

  it("no project given and none from the working directory up: project-not-found, saying where it looked", () => {
    const empty = tempDir();
    vi.spyOn(process, "cwd").mockReturnValue(empty);
    const set = loadLayerSet(LAYERS_DIR);
    expect(set.issues).toEqual([
      expect.objectContaining({ code: "project-not-found", severity: "error", message: expect.stringMatching(new RegExp(`^no project file \\(strata\\.yaml\\) in ${empty} or any folder above it: pass the project \\(loadProject\\) or the schemas and roles; create strata\\.yaml`)) }),
    ]);
    expect(set.issues[0].file).toBeUndefined();
    expect({ stages: set.stages, files: set.files, hash: set.hash, roles: set.roles }).toEqual({ stages: [], files: [], hash: "", roles: {} });
    expect(loadLayerSetFromFiles(files({ "stages.yaml": STAGES })).issues.map((i) => i.code)).toEqual(["project-not-found"]);
    // Roles given without schemas, or schemas without roles: still no project; what was given is kept.
    const rolesOnly = loadLayerSet(LAYERS_DIR, { roles: ROLES });
    expect([rolesOnly.issues.map((i) => i.code), rolesOnly.roles]).toEqual([["project-not-found"], ROLES]);
    const textsOnly = loadLayerSet(LAYERS_DIR, { schemaTexts: TEXTS });
    expect([textsOnly.issues.map((i) => i.code), textsOnly.roles, textsOnly.schemas.json.context]).toEqual([["project-not-found"], {}, JSON.parse(CONTEXT_SCHEMA)]);
    // Schema texts that do not even parse: the empty set still has (empty) schemas, and no throw.
    const badTexts = loadLayerSet(LAYERS_DIR, { schemaTexts: { context: "{not json", output: "{}" } });
    expect([badTexts.issues.map((i) => i.code), badTexts.schemas.json.context]).toEqual([["project-not-found"], {}]);
  });

  it("a project's warnings come with the set's issues, sorted with them", () => {
    const root = tempDir();
    writeFileSync(join(root, "strata.yaml"), autotunerProjectText({ layers: LAYERS_DIR }).replace("item_name: /task_name", "item_name: /nope_name"));
    const project = loadProject(root);
    expect(project.issues.map((i) => [i.code, i.severity])).toEqual([["project-invalid", "warning"]]);
    const set = loadLayerSet(project);
    expect(set.issues).toEqual(project.issues);
    expect(isUsable(set)).toBe(true);
    expect(loadLayerSetFromFiles(readLayerFiles(LAYERS_DIR), { project }).issues).toEqual(project.issues);
    expect(set.stages.map((s) => s.layers.length)).toEqual([2, 2, 3, 1, 0, 0, 2]);
  });

  it("a project loaded with another schema folder keeps it when its own layer folder is named", () => {
    const schemas = writeTree(tempDir(), { "context.schema.json": CONTEXT_SCHEMA, "task-config.schema.json": JSON.stringify({ ...JSON.parse(OUTPUT_SCHEMA), title: "copy" }) });
    const project = loadProject(REPO_ROOT, { schemasDir: schemas });
    expect(loadLayerSet(project.layersDir, { project }).schemas.json.output).toMatchObject({ title: "copy" });
  });

  it("the project found from the working directory up, when none is given", () => {
    const root = tempDir();
    writeTree(root, { "my-layers/stages.yaml": "stages:\n  - name: a\n  - name: p\n    source: profiles\n  - name: u\n    source: overrides\n", "my-layers/a.yaml": "name: a\nstage: a\ndata: {}\n" });
    writeAutotunerProject(root, { layers: "my-layers" });
    mkdirSync(join(root, "sub"));
    vi.spyOn(process, "cwd").mockReturnValue(join(root, "sub"));
    const set = loadLayerSet();
    expect(set.issues).toEqual([]);
    expect(set.files).toEqual(["a.yaml", "stages.yaml"]);
    expect(loadLayerSetFromFiles(files({ "stages.yaml": "stages:\n  - name: a\n" }), { roles: {} }).issues).toEqual([]);
    // Schema texts and roles given without a folder: the found project's layers, with those schemas and roles.
    const given = loadLayerSet(undefined, { schemaTexts: { context: CONTEXT_SCHEMA, output: JSON.stringify({ ...JSON.parse(OUTPUT_SCHEMA), title: "given" }) }, roles: { ...ROLES, override_mode: "mode" } });
    expect([given.issues, given.files, given.roles, given.schemas.json.output.title]).toEqual([[], ["a.yaml", "stages.yaml"], { ...ROLES, override_mode: "mode" }, "given"]);
  });

  it("a project and schema texts or roles: those given win over the project's", () => {
    const project = loadProject(REPO_ROOT);
    const shipped = readLayerFiles(LAYERS_DIR);
    const texts = { context: CONTEXT_SCHEMA, output: JSON.stringify({ ...JSON.parse(OUTPUT_SCHEMA), title: "given" }) };
    const set = loadLayerSetFromFiles(shipped, { project, schemaTexts: texts });
    expect([set.issues, set.roles, set.schemas.json.output.title]).toEqual([[], ROLES, "given"]);
    const noRoles = loadLayerSetFromFiles(files({ "stages.yaml": "stages:\n  - name: a\n" }), { project, roles: {} });
    expect([noRoles.issues, noRoles.roles, noRoles.schemas.json.output.title]).toEqual([[], {}, JSON.parse(OUTPUT_SCHEMA).title]);
    // A schema given as text has no file for its issues (the project's file is not the one that failed).
    const broken = loadLayerSetFromFiles(shipped, { project, schemaTexts: { context: JSON.stringify({ type: "no-such-type" }), output: OUTPUT_SCHEMA } });
    expect(broken.issues.map((i) => [i.code, i.file])).toEqual([["schema-invalid", undefined]]);
    expect(loadLayerSetFromFiles(shipped, { project, schemaTexts: { context: JSON.stringify({ type: "no-such-type" }), output: OUTPUT_SCHEMA }, roles: ROLES }).issues.map((i) => [i.code, i.file])).toEqual([["schema-invalid", undefined]]);
    const unreadable = loadLayerSetFromFiles(shipped, { project: { ...project, schemaTexts: { context: JSON.stringify({ type: "no-such-type" }), output: OUTPUT_SCHEMA } } });
    expect(unreadable.issues.map((i) => [i.code, i.file])).toEqual([["schema-invalid", project.schemaFiles.context]]);
  });

  it("a project whose layer folder is missing: an error for the folder, but files given in memory load", () => {
    const root = tempDir();
    const file = writeAutotunerProject(root, { layers: "gone" });
    const project = loadProject(root);
    expect(project.issues.map((i) => [i.code, i.pointer])).toEqual([["project-path-missing", "/layers"]]);
    const set = loadLayerSet(project);
    expect(set.issues).toEqual(project.issues);
    expect(set.stages).toEqual([]);
    const inMemory = loadLayerSetFromFiles(files({ "stages.yaml": STAGES }), { project });
    expect(inMemory.issues).toEqual([]);
    expect(inMemory.stages.map((s) => s.name)).toEqual(["base", "deployment", "runtime", "hardware", "profiles", "user", "finalize"]);
    expect(file).toBe(join(root, "strata.yaml"));
  });

  it("a layer folder that is not there, is a file or a link loop: layers-unreadable naming it", () => {
    const root = tempDir();
    writeFileSync(join(root, "file"), "x");
    symlinkSync("loop", join(root, "loop"));
    expect(loadLayerSet(join(root, "loop"), { project: loadProject(REPO_ROOT) }).issues).toEqual([
      { code: "layers-unreadable", severity: "error", message: `cannot read layer directory ${join(root, "loop")}: ELOOP: too many symbolic links encountered, stat '${join(root, "loop")}'`, file: join(root, "loop") },
    ]);
    const project = loadProject(REPO_ROOT);
    for (const [dir, why] of [[join(root, "nope"), "no such directory"], [join(root, "file"), "not a directory"]]) {
      const { set, recipe } = loadLayerSetWithRecipe(dir, { project });
      expect(set.issues).toEqual([{ code: "layers-unreadable", severity: "error", message: `cannot read layer directory ${dir}: ${why}`, file: dir }]);
      expect(recipe).toBeUndefined();
      expect({ stages: set.stages, hash: set.hash, roles: set.roles }).toEqual({ stages: [], hash: "", roles: ROLES });
    }
  });
});

describe("readLayerFiles", () => {
  it(`a file of exactly ${SOURCE_LIMITS.maxBytes} bytes is read; one byte more is file-too-large, unread`, () => {
    const dir = writeTree(tempDir(), { "at.yaml": "#".repeat(SOURCE_LIMITS.maxBytes), "over.yaml": "#".repeat(SOURCE_LIMITS.maxBytes + 1) });
    const read = readLayerFiles(dir);
    expect(read.map((f) => [f.path, f.text.length, f.unreadable])).toEqual([
      ["at.yaml", SOURCE_LIMITS.maxBytes, undefined],
      ["over.yaml", 0, { code: "file-too-large", message: `file is larger than ${SOURCE_LIMITS.maxBytes} bytes` }],
    ]);
  });

  it("a file the walk refuses takes its place among the others, by path", () => {
    const dir = writeTree(tempDir(), { "a.yaml": "a", "c.yaml": "c" });
    execFileSync("mkfifo", [join(dir, "b.yaml")]);
    expect(readLayerFiles(dir)).toEqual([
      { path: "a.yaml", text: "a" },
      { path: "b.yaml", text: "", unreadable: { code: "not-a-file", message: "a FIFO (named pipe) is named like a data file; only regular files are read" } },
      { path: "c.yaml", text: "c" },
    ]);
  });

  it("reads .yaml, .yml and .json files at any depth, any case, sorted by path; nothing else", () => {
    const dir = writeTree(tempDir(), {
      "b.yaml": "b", "a/z.YML": "z", "a/j.Json": "j", "c.yml": "c", "notes.txt": "n", "x.yaml.bak": "x", "yaml": "y", "d.jsonl": "d", ".hidden/h.yaml": "h",
    });
    expect(readLayerFiles(dir)).toEqual([
      { path: "a/j.Json", text: "j" },
      { path: "a/z.YML", text: "z" },
      { path: "b.yaml", text: "b" },
      { path: "c.yml", text: "c" },
    ]);
  });
});
