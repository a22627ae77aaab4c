// Bad layer files: every kind of broken layer file is an error at its file:line:col when the set loads, in the
// library (in-process, so mutation runs see it; test/hostile-layer-sets.test.ts keeps the running service's side).
import { describe, expect, it } from "vitest";
import { compose, loadLayerSetFromFiles } from "../src/index.js";
import { readLayerFiles, type LayerSet } from "../src/core/load.js";
import type { SourceFile } from "../src/core/source.js";
import { LAYERS_DIR, SCHEMAS_DIR } from "./helpers/paths.js";

// Not ./hostile/setup.js: it reads the shipped layers when imported, and a mutation run cannot tell which test
// reaches code run at import (it runs every test for such a mutant). Read in each test instead.
const shipped = (): SourceFile[] => readLayerFiles(LAYERS_DIR);
const setWith = (...extra: SourceFile[]): LayerSet => loadLayerSetFromFiles([...shipped(), ...extra], { schemasDir: SCHEMAS_DIR });
const errorsOf = (set: LayerSet) => set.issues.filter((i) => i.severity === "error");
/** Line and column (1-based) of the first occurrence of `pattern` in `text`. */
function positionIn(text: string, pattern: string): { line: number; column: number } {
  const index = text.indexOf(pattern);
  if (index < 0) throw new Error(`'${pattern}' not found in the text`);
  const before = text.slice(0, index).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

type Where = string | { line: number; column: number };
/** [kind, file path, file text, expected code, where: text the error points at (its first occurrence) or a line and column, the message]. */
const BROKEN: [string, string, string, string, Where, string][] = [
  // Syntax
  ["YAML: an item out of line", "hostile/x.yaml", "name: x\nstage: base\ndata:\n  a: 1\n b: 2\n", "parse-error", "b: 2", "the key 'b' is not lined up with the keys above it: it is indented 1 space(s), 'a' on line 4 2; line them up"],
  ["YAML: a tab as indentation", "hostile/x.yaml", "name: x\nstage: base\ndata:\n\ta: 1\n", "parse-error", "\ta", "line 4 is indented with a tab: YAML indents with spaces only (replace the tab with spaces)"],
  ["YAML: a mapping inside a compact mapping", "hostile/x.yaml", "name: x\nstage: base\ndata:\n  a: b: c\n", "parse-error", "b: c", "'b: c' is a 'key: value' inside the value of 'a' on the same line: put it on a line of its own, indented below 'a:', or quote the value (\"…\") if the ':' is part of the text"],
  ["YAML: a quote never closed", "hostile/x.yaml", "name: x\nstage: base\ndata:\n  a: 'oops\n", "parse-error", "'oops", "the text opened with ' on line 4 is never closed: add the closing '"],
  ["YAML: two documents in one file", "hostile/x.yaml", "name: x\nstage: base\ndata: {}\n---\nname: y\n", "parse-error", "---", "a second document starts here ('---'): a file holds one document; remove the '---' line or split the file"],
  ["YAML: a duplicate key", "hostile/x.yaml", "name: x\nstage: base\ndata:\n  a: 1\n  a: 2\n", "duplicate-key", "a: 2", "'a' appears twice: lines 4 and 5; a key may appear once in a mapping: keep one"],
  ["YAML: an alias to no anchor", "hostile/x.yaml", "name: x\nstage: base\ndata:\n  a: *nope\n", "parse-error", "*nope", "Unresolved alias (the anchor must be set before the alias): nope"],
  ["YAML: a tag other than !expr", "hostile/x.yaml", "name: x\nstage: base\ndata:\n  a: !!js/function 'function(){}'\n", "unknown-tag", "!!js", "unknown tag: Unresolved tag: tag:yaml.org,2002:js/function (the only tag strata knows is !expr)"],
  ["YAML: an !include tag", "hostile/x.yaml", "name: x\nstage: base\ndata:\n  a: !include other.yaml\n", "unknown-tag", "!include", "unknown tag: Unresolved tag: !include (the only tag strata knows is !expr)"],
  ["YAML: a list as a key", "hostile/x.yaml", "name: x\nstage: base\ndata:\n  [a, b]: 1\n", "complex-key", "[a, b]", "a key must be plain text, not a list, a mapping, an alias or an expression"],
  ["YAML: an expression as a key", "hostile/x.yaml", "name: x\nstage: base\ndata:\n  !expr model_name: 1\n", "complex-key", "model_name", "a key must be plain text, not a list, a mapping, an alias or an expression"],
  ["JSON: a trailing comma", "hostile/x.json", '{"name": "x", "stage": "base",\n "data": {"a": 1,}}', "parse-error", "}}", "not valid JSON: Expected double-quoted property name"],
  ["JSON: a comment", "hostile/x.json", '{"name": "x", "stage": "base", "data": {}}\n// the end\n', "parse-error", "//", "not valid JSON: Unexpected non-whitespace character after JSON"],
  ["JSON: a bare key", "hostile/x.json", '{"name": "x", "stage": "base",\n "data": {a: 1}}', "parse-error", "a: 1", "not valid JSON: Expected property name or '}'"],
  ["JSON: single quotes", "hostile/x.json", "{\"name\": \"x\", \"stage\": \"base\",\n \"data\": {\"a\": 'one'}}", "parse-error", "'one'", "not valid JSON: Unexpected token '''"],
  ["JSON: cut off (a half-saved file)", "hostile/x.json", '{"name": "x", "stage": "base",\n "data": {"a": 1}\n', "parse-error", { line: 3, column: 1 }, "not valid JSON: Expected ',' or '}' after property value"],
  ["JSON: a duplicate key", "hostile/x.json", '{"name": "x", "stage": "base",\n "data": {"a": 1, "a": 2}}', "duplicate-key", '"a": 2', "'a' appears twice: both on line 2; a key may appear once in a mapping: keep one"],
  // Shape
  ["a list instead of a mapping", "hostile/x.yaml", "- name: x\n", "layer-schema", { line: 1, column: 1 }, "a layer file must be a mapping (name, stage, data, …)"],
  ["plain text", "hostile/x.yaml", "just text\n", "layer-schema", { line: 1, column: 1 }, "a layer file must be a mapping (name, stage, data, …)"],
  ["an empty file", "hostile/x.yaml", "", "layer-schema", { line: 1, column: 1 }, "a layer file must be a mapping (name, stage, data, …)"],
  ["binary bytes", "hostile/x.yaml", "\u0089PNG\r\n\u001a\n", "layer-schema", { line: 1, column: 1 }, "a layer file must be a mapping (name, stage, data, …)"],
  ["an unknown field (a typo)", "hostile/x.yaml", "name: x\nstage: base\ndata: {}\nwhne: {}\n", "layer-schema", "whne", "unknown field 'whne'"],
  ["a wrong type", "hostile/x.yaml", "name: x\nstage: 3\ndata: {}\n", "layer-schema", "3", "'stage' must be string"],
  ["a missing field", "hostile/x.yaml", "name: x\nstage: base\n", "layer-schema", { line: 1, column: 1 }, "missing required field 'data' (what the layer sets), or 'table' (a lookup table keyed by a context field)"],
  ["a name that breaks the pattern", "hostile/x.yaml", "name: 'x y/z'\nstage: base\ndata: {}\n", "layer-schema", "'x y/z'", "'name' must be lower-case letters, digits and dashes, not starting with a dash"],
  ["data that is a list", "hostile/x.yaml", "name: x\nstage: base\ndata: [1, 2]\n", "layer-schema", "[1, 2]", "'data' must be object or string"],
  ["an order that is not a number", "hostile/x.yaml", "name: x\nstage: base\norder: first\ndata: {}\n", "layer-schema", "first", "'order' must be integer"],
  // Meaning
  ["an unknown stage", "hostile/x.yaml", "name: x\nstage: basse\ndata: {}\n", "unknown-stage", "basse", "unknown stage 'basse' (stages: base, deployment, runtime, hardware, profiles, user, finalize)"],
  ["the profiles stage in a layer file", "hostile/x.yaml", "name: x\nstage: profiles\ndata: {}\n", "unknown-stage", "profiles", "stage 'profiles' takes no layer files: its layers come from profile files"],
  ["a layer name used twice", "hostile/base-model.yaml", "name: base-model\nstage: base\ndata: {}\n", "duplicate-name", "base-model", "layer 'base-model' is defined twice (also in base/base-model.yaml)"],
  ["an unknown JSON-logic operator", "hostile/x.yaml", 'name: x\nstage: base\nwhen: {"equals": [1, 1]}\ndata: {}\n', "unknown-operator", '"equals"', "unknown JSON-logic operator 'equals'"],
  ["an unknown operator deep in a condition", "hostile/x.yaml", 'name: x\nstage: base\nwhen:\n  and:\n    - {"==": [1, 1]}\n    - {"regex": [1]}\ndata: {}\n', "unknown-operator", '"regex"', "unknown JSON-logic operator 'regex'"],
  ["a var that reads a prototype key", "hostile/x.yaml", 'name: x\nstage: base\nwhen: {"var": "constructor"}\ndata: {}\n', "forbidden-path", '"var"', "'constructor' reads a prototype key, which is not allowed"],
  ["a JSONata syntax error", "hostile/x.yaml", "name: x\nstage: base\ndata:\n  description: !expr 'model_name &'\n", "expression-syntax", { line: 4, column: 34 }, "JSONata syntax error: Unexpected end of expression"],
  ["a JSONata syntax error in a block", "hostile/x.yaml", "name: x\nstage: base\ndata:\n  description: !expr |\n    model_name\n      & (\n", "expression-syntax", { line: 6, column: 10 }, "JSONata syntax error: Expected \")\" before end of expression"],
  ["$expr that is not a string", "hostile/x.yaml", "name: x\nstage: base\ndata:\n  description: {$expr: 3}\n", "bad-expression", "3", "$expr must be a string holding a JSONata expression"],
  ["something beside $expr", "hostile/x.yaml", "name: x\nstage: base\ndata:\n  description: {$expr: model_name, b: 1}\n", "bad-expression", "model_name", "beside $expr only `$patch: replace` is allowed"],
  ["an unknown $patch directive", "hostile/x.yaml", "name: x\nstage: base\ndata:\n  model: {$patch: remove}\n", "bad-directive", "{$patch", "unknown $patch directive 'remove' (use delete, replace or merge)"],
  ["$append of a non-list", "hostile/x.yaml", "name: x\nstage: base\ndata:\n  a: {$append: 3}\n", "bad-directive", "{$append", "`$append` takes a list"],
  ["a profile defined twice", "profiles/production2.yaml", "profile: production\ntitle: t\ndescription: d\nlayers:\n  - name: a\n    data: {}\n", "duplicate-name", "production", "profile 'production' is defined twice (also in profiles/production.yaml)"],
  ["a profile with no layers", "profiles/empty.yaml", "profile: empty\ntitle: t\ndescription: d\nlayers: []\n", "layer-schema", "[]", "'layers' must NOT have fewer than 1 items"],
  ["a layer twice in one profile", "profiles/twice.yaml", "profile: twice\ntitle: t\ndescription: d\nlayers:\n  - name: a\n    data: {}\n  - name: a\n    data: {}\n", "duplicate-name", { line: 7, column: 11 }, "layer 'a' appears twice in profile 'twice'"],
  ["a check with an unknown severity", "checks/c.yaml", 'check: c\nseverity: fatal\nmessage: m\nwhen: {"==": [1, 1]}\n', "layer-schema", "fatal", "'severity' must be one of \"warning\", \"error\""],
  ["a check with an unknown operator", "checks/c.yaml", 'check: c\nseverity: warning\nmessage: m\nwhen: {"nope": [1]}\n', "unknown-operator", '"nope"', "unknown JSON-logic operator 'nope'"],
];

const expected = (text: string, where: Where) => (typeof where === "string" ? positionIn(text, where) : where);

describe("every kind of broken layer file: an error at file:line:col when the set loads", () => {
  it.each(BROKEN)("%s", (_, path, text, code, where, message) => {
    const at = expected(text, where);
    const errors = errorsOf(setWith({ path, text }));
    // Exactly one error about this file (a duplicate name also names the other file, in an error of its own).
    expect(errors.filter((e) => e.file === path)).toEqual([expect.objectContaining({ code, severity: "error", file: path, ...at, message })]);
  });

  it("the stage order: a stage listed twice and a missing profiles stage name stages.yaml and the line", () => {
    const replace = (text: string) => shipped().map((f) => (f.path === "stages.yaml" ? { ...f, text } : f));
    const twice = "stages:\n  - name: base\n  - name: base\n  - name: p\n    source: profiles\n  - name: u\n    source: overrides\n";
    const twiceErrors = errorsOf(loadLayerSetFromFiles(replace(twice), { schemasDir: SCHEMAS_DIR }));
    expect(twiceErrors.filter((e) => e.file === "stages.yaml")).toEqual([
      { code: "duplicate-name", severity: "error", message: "stage 'base' is listed twice", file: "stages.yaml", line: 3, column: 11 },
    ]);
    const noProfiles = "stages:\n  - name: base\n  - name: u\n    source: overrides\n";
    const noProfileErrors = errorsOf(loadLayerSetFromFiles(replace(noProfiles), { schemasDir: SCHEMAS_DIR }));
    expect(noProfileErrors.filter((e) => e.file === "stages.yaml")).toEqual([
      { code: "stage-source", severity: "error", message: "exactly one stage must have `source: profiles` (found 0)", file: "stages.yaml", line: 1, column: 1 },
    ]);
  });

  it("several broken files at once: each reported, sorted by file and line, and compose refuses the set", async () => {
    const cases = BROKEN.slice(0, 6);
    const files = cases.map(([, , text], i) => ({ path: `hostile/broken-${i}.yaml`, text: text.replace("name: x", `name: broken-${i}`) }));
    const set = loadLayerSetFromFiles([...shipped(), ...files], { schemasDir: SCHEMAS_DIR });
    expect(set.issues).toEqual(cases.map(([, , , code, where, message], i) => ({ code, severity: "error", message, file: files[i].path, ...expected(files[i].text, where) })));
    const r = await compose(set, { model_name: "m", base_runtime: "sglang" });
    expect(r.ok).toBe(false);
    expect(r.config).toBeUndefined();
    expect(r.errors).toEqual(set.issues);
  });
});
