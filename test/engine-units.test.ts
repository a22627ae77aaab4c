// Engine behaviours that mutation testing (docs/testing.md, "Mutation testing") found unguarded and that do not
// fit the compose cases as data (test/cases/): values too large for YAML, projects with their own schemas, the
// library's lower-level functions. Each asserts the exact outcome; grouped by the module that owns the behaviour.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compose, EXPRESSION_LIMITS, historyOf, lastWrite, loadLayerSet, loadProject, normalizeContext, provenanceOf, Trace } from "../src/index.js";
import { fixtureDir } from "./helpers/paths.js";
import { setWith } from "./hostile/setup.js";

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
