// Engine behaviours that mutation testing (docs/testing.md, "Mutation testing") found unguarded and that do not
// fit the compose cases as data (test/cases/): values too large for YAML, projects with their own schemas, the
// library's lower-level functions. Each asserts the exact outcome; grouped by the module that owns the behaviour.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compose, composeSync, EXPRESSION_LIMITS, historyOf, lastWrite, loadLayerSet, loadProject, normalizeContext, provenanceOf, resultView, Trace } from "../src/index.js";
import { fixtureDir } from "./helpers/paths.js";
import { errorsOf, positionIn, setWith, SHIPPED } from "./hostile/setup.js";

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of the no-roles fixture project, with `files` written over it. */
function projectWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "strata-units-"));
  temps.push(dir);
  cpSync(fixtureDir("projects/no-roles"), dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}

const CONTEXT = { model_name: "m", base_runtime: "sglang" };

/** n nested objects around a 1: `nestObjects(2)` is `{a: {a: 1}}`. */
const nestObjects = (n: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
};

describe("context (src/core/context.ts)", () => {
  it("a context one level too deep is refused with the limit in words, at the first pointer past it", async () => {
    const r = await compose(setWith(), { ...CONTEXT, user_overrides: { quant_config: nestObjects(63) } });
    expect(r.ok).toBe(false);
    expect(r.config).toBeUndefined();
    expect(r.errors).toEqual([
      {
        code: "too-deep",
        severity: "error",
        message: "the context nests deeper than 64 levels",
        pointer: "/user_overrides/quant_config" + "/a".repeat(62),
      },
    ]);
  });

  it("a context exactly at the depth limit is accepted as a copy that shares nothing with it; the input is left as it was", () => {
    const input = { ...CONTEXT, user_overrides: { quant_config: nestObjects(62), list: [{ a: [1, null] }, 2] } };
    const before = structuredClone(input);
    const r = normalizeContext(setWith().schemas, input);
    expect(r.issues).toEqual([]);
    expect(input).toEqual(before);
    const got = r.context as typeof input;
    expect(got.user_overrides).toEqual(before.user_overrides);
    expect(got.user_overrides).not.toBe(input.user_overrides);
    expect(got.user_overrides.quant_config).not.toBe(input.user_overrides.quant_config);
    expect(got.user_overrides.list).not.toBe(input.user_overrides.list);
    expect(got.user_overrides.list[0]).not.toBe(input.user_overrides.list[0]);
    expect(got.user_overrides.list[0].a).not.toBe(input.user_overrides.list[0].a);
  });

  it("a forbidden key or too deep a value inside a list is found and named at its place", () => {
    const schemas = setWith().schemas;
    const proto = JSON.parse('{"__proto__": {"polluted": true}}');
    expect(normalizeContext(schemas, { ...CONTEXT, user_overrides: { quant_config: { list: [{ a: 1 }, proto] } } }).issues).toEqual([
      { code: "forbidden-key", severity: "error", message: "key '__proto__' is not allowed in a context or override", pointer: "/user_overrides/quant_config/list/1/__proto__" },
    ]);
    expect(normalizeContext(schemas, { ...CONTEXT, user_overrides: { quant_config: { list: [1, nestObjects(61)] } } }).issues).toEqual([
      { code: "too-deep", severity: "error", message: "the context nests deeper than 64 levels", pointer: "/user_overrides/quant_config/list/1" + "/a".repeat(60) },
    ]);
  });

  it("a closed set of numbers and names: a misspelt name is offered the name, never a number", async () => {
    const schema = JSON.parse(readFileSync(fixtureDir("projects/no-roles/schemas/site.schema.json"), "utf8"));
    schema.properties.tier = { enum: [1, 2, "premium"] };
    const dir = projectWith({ "schemas/site.schema.json": JSON.stringify(schema) });
    const set = loadLayerSet(loadProject(dir));
    expect(set.issues).toEqual([]);
    const r = await compose(set, { site: "s", audience: "public", tier: "premum" });
    expect(r.errors).toEqual([
      {
        code: "context-invalid",
        severity: "error",
        message: "'tier' must be one of 1, 2, \"premium\" (did you mean 'premium'?)",
        pointer: "/tier",
        keyword: "enum",
      },
    ]);
  });

  it("a problem with the context as a whole names 'the context'", async () => {
    const schema = JSON.parse(readFileSync(fixtureDir("projects/no-roles/schemas/site.schema.json"), "utf8"));
    schema.maxProperties = 2;
    const set = loadLayerSet(loadProject(projectWith({ "schemas/site.schema.json": JSON.stringify(schema) })));
    const r = await compose(set, { site: "s", audience: "public", languages: ["en"] });
    expect(r.errors).toEqual([
      { code: "context-invalid", severity: "error", message: "the context has too many fields: at most 2", pointer: "", keyword: "maxProperties" },
    ]);
  });
});

describe("checks (src/core/checks.ts)", () => {
  it("a check rule past a condition's size limit is that limit's error, located at the rule file", async () => {
    const when = `{"reduce": [${JSON.stringify(Array(40).fill(1))}, {"merge": [{"var": "accumulator"}, {"var": "accumulator"}]}, [1]]}`;
    const r = await compose(setWith({ path: "checks/big.yaml", text: `check: big\nseverity: warning\nmessage: never shown\nwhen: ${when}\n` }), CONTEXT);
    expect(r.ok).toBe(false);
    expect(r.warnings).toEqual([]);
    expect(r.errors).toEqual([
      {
        code: "condition-too-large",
        severity: "error",
        message: `check 'big': condition built a list of 131072 items (limit ${EXPRESSION_LIMITS.maxSequence}) and was stopped`,
        file: "checks/big.yaml",
        line: 1,
        column: 1,
        layer: "big",
      },
    ]);
  });

  it("a rule without a path fires with no pointer, at its own file and line", async () => {
    const text = `# about the whole config\ncheck: always\nseverity: warning\nmessage: looked at\nwhen: {"==": [{"var": "$config.base_runtime"}, "sglang"]}\n`;
    const set = setWith({ path: "checks/always.yaml", text });
    const r = await compose(set, CONTEXT);
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([{ code: "always", severity: "warning", message: "looked at", file: "checks/always.yaml", line: 2, column: 1, layer: "always" }]);
    expect((await compose(set, { ...CONTEXT, base_runtime: "vllm" })).warnings).toEqual([]);
  });
});

describe("provenance (src/core/provenance.ts), on a trace written by hand", () => {
  const origin = (source: string) => ({ source, stage: "base" });
  /** Writes, in this order: /a (seq 0), the root replaced (1), /a again (2), /a/b (3), /ab (4), /c deleted (5). */
  function trace(): Trace {
    const t = new Trace();
    t.record("/a", "set", origin("first"), { b: 1 });
    t.record("", "replace", origin("root"), { a: { b: 1 }, ab: 1 });
    t.record("/a", "set", origin("again"), { b: 1 });
    t.record("/a/b", "set", origin("deep"), 2);
    t.record("/ab", "set", origin("sibling"), 3);
    t.record("/c", "delete", origin("gone"), undefined);
    return t;
  }

  it("provenanceOf: a later write above a leaf wins over the leaf's own; a leaf without writes takes the latest above", () => {
    const t = new Trace();
    t.record("/a", "set", origin("leaf"), 1);
    t.record("/x", "set", origin("x"), {});
    t.record("", "replace", origin("root"), {});
    t.record("/x/y", "set", origin("y"), 1);
    expect(provenanceOf({ a: 1, b: { c: 2 }, x: { y: 1, z: {} }, e: {} }, t)).toEqual({
      "/a": origin("root"),
      "/b/c": origin("root"),
      "/x/y": origin("y"),
      "/x/z": origin("root"),
      "/e": origin("root"),
    });
    expect(provenanceOf({ a: 1, b: 2 }, (() => { const u = new Trace(); u.record("/a", "set", origin("only"), 1); return u; })())).toEqual({ "/a": origin("only") });
  });

  it("lastWrite: the latest write at the pointer or above it, or undefined", () => {
    const t = trace();
    expect(lastWrite(t, "/a")).toEqual({ seq: 2, op: "set", origin: origin("again"), value: { b: 1 } });
    expect(lastWrite(t, "/a/b")).toEqual({ seq: 3, op: "set", origin: origin("deep"), value: 2 });
    expect(lastWrite(t, "/zz/y")).toEqual({ seq: 1, op: "replace", origin: origin("root"), value: { a: { b: 1 }, ab: 1 } });
    expect(lastWrite(t, "")?.seq).toBe(1);
    const lone = new Trace();
    lone.record("/a", "set", origin("a"), 1);
    expect(lastWrite(lone, "/b")).toBeUndefined();
    expect(lastWrite(lone, "/a/b")?.origin).toEqual(origin("a"));
  });

  it("historyOf: every write at, above and below the pointer, in write order; not a sibling that shares a prefix", () => {
    const t = trace();
    expect(historyOf(t, "/a")).toEqual([
      { seq: 0, op: "set", origin: origin("first"), value: { b: 1 }, pointer: "/a" },
      { seq: 1, op: "replace", origin: origin("root"), value: { a: { b: 1 }, ab: 1 }, pointer: "" },
      { seq: 2, op: "set", origin: origin("again"), value: { b: 1 }, pointer: "/a" },
      { seq: 3, op: "set", origin: origin("deep"), value: 2, pointer: "/a/b" },
    ]);
    expect(historyOf(t, "/a/b").map((w) => w.seq)).toEqual([0, 1, 2, 3]);
    expect(historyOf(t, "/c").map((w) => [w.seq, w.pointer])).toEqual([[1, ""], [5, "/c"]]);
    expect(historyOf(t, "/ab").map((w) => [w.seq, w.pointer])).toEqual([[1, ""], [4, "/ab"]]);
    expect(historyOf(t, "").map((w) => w.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(historyOf(new Trace(), "/a")).toEqual([]);
  });
});

describe("validate (src/core/validate.ts)", () => {
  it("a problem with the config as a whole names 'the config'; no layer wrote the whole, so no origin is claimed", async () => {
    const schema = JSON.parse(readFileSync(fixtureDir("projects/no-roles/schemas/settings.schema.json"), "utf8"));
    schema.maxProperties = 1;
    const set = loadLayerSet(loadProject(projectWith({ "schemas/settings.schema.json": JSON.stringify(schema) })));
    expect(set.issues).toEqual([]);
    const r = await compose(set, { site: "s", audience: "public" });
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([
      { code: "config-invalid", severity: "error", message: "the config has too many fields: at most 1", pointer: "", keyword: "maxProperties" },
    ]);
  });
});

describe("compose (src/core/compose.ts)", () => {
  /** A layer file added to the shipped layers, composed with CONTEXT (or `context`). */
  const composeWith = (text: string, context: Record<string, unknown> = CONTEXT) => compose(setWith({ path: "odd.yaml", text }), context);
  const SHIPPED_APPLIED = ["base-model", "base-optimization", "docker-defaults", "sglang-defaults"];

  it("role fields the schema leaves open: each wrong kind of value is named, with the role it plays", async () => {
    const schema = '{ "type": "object", "properties": { "site": {}, "audience": {}, "p": {}, "o": {}, "m": {} } }';
    const set = loadLayerSet(loadProject(projectWith({
      "strata.yaml": "name: site-settings\nlayers: layers\nschemas:\n  context: schemas/site.schema.json\n  output: schemas/settings.schema.json\nroles:\n  profiles: p\n  overrides: o\n  override_mode: m\n",
      "schemas/site.schema.json": schema,
      "layers/stages.yaml": "stages:\n  - name: defaults\n  - name: p\n    source: profiles\n  - name: o\n    source: overrides\n  - name: audience\n  - name: finish\n",
    })));
    expect(set.issues).toEqual([]);
    const r = await compose(set, { site: "s", audience: "public", p: ["a", 1], o: ["x"], m: "merge" });
    expect(r.ok).toBe(false);
    expect(r.context).toBeUndefined();
    expect(r.errors).toEqual([
      { code: "context-invalid", severity: "error", message: "'p' must be a list of profile names (it is the project's profiles role)", pointer: "/p" },
      { code: "context-invalid", severity: "error", message: "'o' must be a mapping (it is the project's overrides role)", pointer: "/o" },
      { code: "context-invalid", severity: "error", message: `'m' must be "patch" or "replace" (it is the project's override_mode role)`, pointer: "/m" },
    ]);
    // Right kinds of value: no error, and the overrides apply.
    const fine = await compose(set, { site: "s", audience: "public", p: [], o: { search: true }, m: "patch" });
    expect(fine.errors).toEqual([]);
    expect(fine.applied_layers).toEqual(["site", "user_patch", "public"]);
    expect((await compose(set, { site: "s", audience: "public", m: "replace", o: { title: "t" } })).config).toEqual({ title: "t", search: true });
  });

  it("a layer set's errors stop compose before the context is read; its warnings do not", async () => {
    const broken = setWith({ path: "odd.yaml", text: "name: odd\nstage: nowhere\ndata: { description: d }\n" });
    const setErrors = errorsOf(broken);
    expect(setErrors.map((e) => e.code)).toEqual(["unknown-stage"]);
    const r = await compose(broken, { model_name: 1 });
    expect(r).toMatchObject({ ok: false, applied_layers: [], skipped_layers: [], warnings: [], provenance: {} });
    expect(r.errors).toEqual(setErrors);
    expect(r.config).toBeUndefined();
    expect(r.context).toBeUndefined();
    // A misnamed file is a warning of the set: the layer still applies, and the context after defaults is kept.
    const misnamed = setWith({ path: "finalize/other-name.yaml", text: "name: odd\nstage: finalize\ndata: { description: d }\n" });
    expect(misnamed.issues.map((i) => [i.code, i.severity])).toEqual([["name-mismatch", "warning"]]);
    const ok = await compose(misnamed, CONTEXT);
    expect(ok.ok).toBe(true);
    expect(ok.applied_layers).toEqual([...SHIPPED_APPLIED, "odd"]);
    expect(ok.config?.description).toBe("d");
    expect(ok.context).toEqual(normalizeContext(misnamed.schemas, CONTEXT).context);
    expect(ok.context).toMatchObject({ ...CONTEXT, optimization_strategy: "grid_search" });
  });

  it("resultView: the result as JSON answers it, config null when composing stopped, without the trace or the context", async () => {
    const set = setWith();
    const failed = await compose(set, { model_name: 1 });
    expect(failed.errors.length).toBeGreaterThan(0);
    const view = resultView(failed);
    expect(Object.keys(view)).toEqual(["ok", "config", "applied_layers", "skipped_layers", "warnings", "errors", "provenance", "layer_set_hash"]);
    expect(view).toEqual({ ok: false, config: null, applied_layers: [], skipped_layers: [], warnings: [], errors: failed.errors, provenance: {}, layer_set_hash: set.hash });
    const done = await compose(set, CONTEXT);
    expect(resultView(done)).toEqual({
      ok: true, config: done.config, applied_layers: SHIPPED_APPLIED, skipped_layers: done.skipped_layers, warnings: [], errors: [], provenance: done.provenance, layer_set_hash: set.hash,
    });
    expect(done.config).toMatchObject({ task_name: "m_grid_search" });
    expect(done.skipped_layers.map((s) => s.layer)).toEqual(["ome-defaults", "trtllm-defaults", "vllm-defaults", "gpu-aware", "slo-config", "tp-size-limit"]);
  });

  it("composeSync: undefined when a layer needs JSONata's interpreter, which compose then runs; the same result otherwise", async () => {
    const set = setWith({ path: "odd.yaml", text: "name: odd\nstage: finalize\ndata: { quant_config: { n: !expr '[1..3]' } }\n" });
    expect(composeSync(set, CONTEXT)).toBeUndefined();
    const r = await compose(set, CONTEXT);
    expect(r.errors).toEqual([]);
    expect(r.config?.quant_config).toEqual({ n: [1, 2, 3] });
    expect(resultView(await compose(set, CONTEXT, { interpretOnly: true }))).toEqual(resultView(r));
    const shipped = setWith();
    const sync = composeSync(shipped, CONTEXT);
    expect(sync && resultView(sync)).toEqual(resultView(await compose(shipped, CONTEXT)));
    expect(sync?.config).toMatchObject({ task_name: "m_grid_search" });
  });

  it("an expression that fails on the interpreter, or on the compiled path, is expression-failed at it; composeSync leaves both to compose", async () => {
    for (const expr of ["$count([1..2]) = 2 ? $error(\"boom\") : 1", "$error(\"boom\")"]) {
      const set = setWith({ path: "odd.yaml", text: `name: odd\nstage: finalize\ndata:\n  quant_config:\n    x: !expr '${expr}'\n` });
      const expected = [{ code: "expression-failed", severity: "error", message: "layer 'odd': D3137: boom", file: "odd.yaml", line: 5, column: 14, layer: "odd", pointer: "/data/quant_config/x" }];
      for (const interpretOnly of [false, true]) {
        const r = await compose(set, CONTEXT, { interpretOnly });
        expect(r.config).toBeUndefined();
        expect(r.errors).toEqual(expected);
      }
      expect(composeSync(set, CONTEXT)).toBeUndefined();
    }
  });

  it("an unknown profile close to two known ones names both, the nearest first, and at most two", async () => {
    const profile = (name: string) => ({ path: `profiles/${name}.yaml`, text: `profile: ${name}\ntitle: T\ndescription: d\nlayers:\n  - name: p\n    data: { description: ${name} }\n` });
    const set = setWith(profile("fast"), profile("last"), profile("vastly"));
    expect(errorsOf(set)).toEqual([]);
    const r = await compose(set, { ...CONTEXT, profiles: ["vast", "last"] });
    expect(r.warnings).toEqual([
      { code: "profile-not-found", severity: "warning", message: "profile 'vast' not found (did you mean 'fast' or 'last'?)", pointer: "/profiles/0" },
    ]);
    expect(r.applied_layers).toEqual([...SHIPPED_APPLIED, "profile:last:p"]);
    expect(r.config?.description).toBe("last");
  });

  it("a layer condition that runs past a limit is that limit's error, at the layer's `when`", async () => {
    const when = `{"reduce": [${JSON.stringify(Array(40).fill(1))}, {"merge": [{"var": "accumulator"}, {"var": "accumulator"}]}, [1]]}`;
    const r = await composeWith(`name: big\nstage: finalize\n# grows a list\nwhen: ${when}\ndata: { description: never }\n`);
    expect(r.config).toBeUndefined();
    expect(r.errors).toEqual([
      {
        code: "condition-too-large",
        severity: "error",
        message: `layer 'big': condition built a list of 131072 items (limit ${EXPRESSION_LIMITS.maxSequence}) and was stopped`,
        file: "odd.yaml",
        line: 4,
        column: 1,
        layer: "big",
        pointer: "/when",
      },
    ]);
  });

  it("a layer condition that throws is condition-failed at its `when`, with what it threw; nothing is composed", async () => {
    // json-logic-js's `in` calls the second operand's `indexOf`: a mapping with that key makes it throw.
    const r = await composeWith("name: odd\nstage: finalize\nwhen: { in: [a, { var: user_overrides }] }\ndata: { description: x }\n", { ...CONTEXT, user_overrides: { indexOf: 1 } });
    expect(r.ok).toBe(false);
    expect(r.config).toBeUndefined();
    expect(r.errors).toEqual([
      { code: "condition-failed", severity: "error", message: "layer 'odd': condition failed: b.indexOf is not a function", file: "odd.yaml", line: 3, column: 1, layer: "odd", pointer: "/when" },
    ]);
  });

  it("a skipped layer records what its condition read: a missing context field and a missing config value as null", async () => {
    const r = await composeWith(`name: odd\nstage: finalize\nwhen: { and: [{ var: gpu_type }, { var: "$config.quant_config.nope" }, { var: "$config.task_name" }] }\ndata: { description: never }\n`);
    expect(r.skipped_layers.find((s) => s.layer === "odd")).toEqual({
      layer: "odd", stage: "finalize", file: "odd.yaml", line: 1, reason: "condition-false",
      when: { and: [{ var: "gpu_type" }, { var: "$config.quant_config.nope" }, { var: "$config.task_name" }] },
      when_text: "gpu_type and $config.quant_config.nope and $config.task_name",
      read: { gpu_type: null, "$config.quant_config.nope": null, "$config.task_name": "m_grid_search" },
    });
  });

  it("data an expression builds: undefined sets nothing; a number or a string is layer-data-not-object at the expression", async () => {
    const nothing = await composeWith("name: odd\nstage: finalize\ndata: !expr \$config.quant_config.nowhere\n");
    expect(nothing.errors).toEqual([]);
    expect(nothing.applied_layers).toEqual([...SHIPPED_APPLIED, "odd"]);
    expect(nothing.config).toEqual((await compose(setWith(), CONTEXT)).config);
    for (const [expr, got] of [["42", "number"], ['"text"', "string"]]) {
      const r = await composeWith(`name: odd\nstage: finalize\ndata: !expr '${expr}'\n`);
      expect(r.config).toBeUndefined();
      expect(r.errors).toEqual([
        { code: "layer-data-not-object", severity: "error", message: `layer 'odd': data must produce an object, got ${got}`, file: "odd.yaml", line: 3, column: 13, layer: "odd", pointer: "/data" },
      ]);
    }
  });

  it("an expression failing inside `{$expr: …}` is located at its `$expr` key; with `!expr`, at the value", async () => {
    const mapping = await composeWith(`name: odd\nstage: finalize\ndata:\n  quant_config:\n    x:\n      $expr: '$error("boom")'\n`);
    expect(mapping.errors).toEqual([
      { code: "expression-failed", severity: "error", message: "layer 'odd': D3137: boom", file: "odd.yaml", line: 6, column: 14, layer: "odd", pointer: "/data/quant_config/x" },
    ]);
    const tag = await composeWith(`name: odd\nstage: finalize\ndata:\n  quant_config:\n    x: !expr '$error("boom")'\n`);
    expect(tag.errors).toEqual([
      { code: "expression-failed", severity: "error", message: "layer 'odd': D3137: boom", file: "odd.yaml", line: 5, column: 14, layer: "odd", pointer: "/data/quant_config/x" },
    ]);
  });

  it("data an expression builds is checked like a file's: a forbidden key, or one level too deep", async () => {
    const proto = await composeWith(`name: odd\nstage: finalize\ndata: !expr '{"quant_config": {"ok": 1, "__pro" & "to__": {"polluted": true}}}'\n`);
    expect(proto.config).toBeUndefined();
    expect(proto.errors).toEqual([
      {
        code: "forbidden-key", severity: "error",
        message: "layer 'odd': its data has the key '__proto__', which is not allowed: it could reach an object's prototype",
        // Inside what the expression built: located at the nearest written key, `data`.
        file: "odd.yaml", line: 3, column: 1, layer: "odd", pointer: "/data/quant_config/__proto__",
      },
    ]);
    // The expression's own result is within the limit; where the layer puts it, the data is one level too deep.
    const nest = (n: number) => '{"a": '.repeat(n) + "1" + "}".repeat(n);
    const deep = await composeWith(`name: odd\nstage: finalize\ndata:\n  quant_config:\n    x: !expr '${nest(63)}'\n`);
    expect(deep.config).toBeUndefined();
    expect(deep.errors).toEqual([
      { code: "too-deep", severity: "error", message: "layer 'odd': its data nests deeper than 64 levels", file: "odd.yaml", line: 5, column: 5, layer: "odd", pointer: "/data/quant_config/x" + "/a".repeat(62) },
    ]);
    const atLimit = await composeWith(`name: odd\nstage: finalize\ndata:\n  quant_config:\n    x: !expr '${nest(62)}'\n`);
    expect(atLimit.errors).toEqual([]);
    expect(atLimit.applied_layers).toEqual([...SHIPPED_APPLIED, "odd"]);
    expect(atLimit.config?.quant_config).toEqual({ x: JSON.parse(nest(62)) });
  });

  it("an expression that deletes the whole config is config-not-object at the expression, pointing at the directive", async () => {
    const r = await composeWith(`name: odd\nstage: finalize\ndata: !expr '{"$patch": "delete"}'\n`);
    expect(r.config).toBeUndefined();
    expect(r.errors).toEqual([
      { code: "config-not-object", severity: "error", message: "layer 'odd': this deletes the whole config; the config is always an object (patch fields inside it instead)", file: "odd.yaml", line: 3, column: 13, layer: "odd", pointer: "/data/$patch" },
    ]);
  });

  it("a table layer: each row's writes carry that row's line, also after another row was composed", async () => {
    const set = setWith();
    const gpu = SHIPPED.find((f) => f.path === "hardware/gpu-aware.yaml")!;
    const h100 = await compose(set, { ...CONTEXT, gpu_type: "H100" });
    const a100 = await compose(set, { ...CONTEXT, gpu_type: "A100" });
    expect(h100.provenance["/parameters/tp-size"]).toEqual({ source: "gpu-aware", layer: "gpu-aware", stage: "hardware", file: "hardware/gpu-aware.yaml", ...positionIn(gpu.text, "tp-size: [1, 2, 4, 8]") });
    expect(a100.provenance["/parameters/tp-size"]).toEqual({ source: "gpu-aware", layer: "gpu-aware", stage: "hardware", file: "hardware/gpu-aware.yaml", ...positionIn(gpu.text, "tp-size: [1, 2, 4]\n") });
    // A GPU with no row: the layer applies and sets nothing.
    const other = await compose(set, { ...CONTEXT, gpu_type: "L4" });
    expect(other.applied_layers).toEqual([...SHIPPED_APPLIED.slice(0, 4), "gpu-aware"]);
    expect(other.config).toEqual((await compose(set, CONTEXT)).config);
  });

  it("origins handed out in results are frozen: changing one result's cannot change the next compose's", async () => {
    const set = setWith();
    const first = await compose(set, CONTEXT);
    expect(() => {
      (first.provenance["/task_name"] as { line: number }).line = 99;
    }).toThrow(TypeError);
    expect((await compose(set, CONTEXT)).provenance["/task_name"]).toEqual({ source: "base-model", layer: "base-model", stage: "base", file: "base/base-model.yaml", line: 6, column: 3 });
  });

  // Built by a library caller (from files, such numbers are a number-not-finite at their line: file-errors/yaml.yaml;
  // in a request body, body-invalid at the field: server-errors.test.ts).
  it.each([
    ["Infinity in a nested field", { slo_config: { ttft: { threshold: Infinity } } }, "/slo_config/ttft/threshold", "'slo_config.ttft.threshold' is a number too large to hold (beyond ±1.8e308): write a finite number"],
    ["-Infinity in a list of the overrides", { user_overrides: { parameters: { "tp-size": [1, -Infinity, NaN] } } }, "/user_overrides/parameters/tp-size/1", "'user_overrides.parameters.tp-size.1' is a number too large to hold (beyond ±1.8e308): write a finite number"],
    ["NaN at the top", { total_gpus: NaN }, "/total_gpus", "'total_gpus' is not a number (NaN): write a finite number"],
  ])("a context with a number JSON cannot hold is refused at it, before any layer runs: %s", async (_, extra, pointer, message) => {
    const r = await compose(setWith(), { ...CONTEXT, ...extra });
    expect([r.ok, r.config, r.applied_layers, r.errors]).toEqual([false, undefined, [], [{ code: "context-invalid", severity: "error", message, pointer }]]);
  });

  it("a composed config JSON cannot hold is config-not-data, at the value (a library caller's function in an override)", async () => {
    // A number JSON cannot hold never gets this far: the context refuses it (above).
    const r = await compose(setWith(), { ...CONTEXT, user_overrides: { parameters: { x: [() => 1] } } });
    expect(r.ok).toBe(false);
    expect(r.config).toBeUndefined();
    expect(r.errors).toEqual([
      { code: "config-not-data", severity: "error", message: "the composed config produced a function at /parameters/x/0, which is not JSON data (call it, or leave the $ off its name)", pointer: "/parameters/x/0" },
    ]);
  });
});
