// Behaviours that had no test failing when they broke (issue 14: bugs planted in src/ that the suite let
// through). Each `describe` is named after what broke; each assertion is the exact outcome.
import Database from "better-sqlite3";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compose, diffSides, merge, provenanceOf, Trace, type Origin } from "../src/index.js";
import { StoreError, TaskStore } from "../src/server/store.js";
import { formatText } from "../src/cli/diff.js";
import type { Side, DiffPaths } from "../src/review/diff.js";
import { SCHEMAS_DIR, SHIPPED, errorsOf, positionIn, setWith } from "./hostile/setup.js";
import { call, copyLayerSet, removeTempDirs, startServer, tempDir } from "./server-helpers.js";

afterAll(removeTempDirs);

const CONTEXT = { model_name: "m", base_runtime: "sglang" };

describe("a check rule that throws while evaluating is check-failed, not swallowed", () => {
  // json-logic-js's `in` calls `indexOf` on whatever has one: here a config value the layer set.
  const layer = { path: "base/odd.yaml", text: "name: odd\nstage: base\ndata:\n  quant_config:\n    indexOf: 1\n" };
  const rule = { path: "checks/throws.yaml", text: 'check: throws\nseverity: warning\nmessage: never shown\nwhen: {"in": ["x", {"var": "$config.quant_config"}]}\n' };

  it("ok false, no config refused silently: check-failed at the rule's file and line", async () => {
    const set = setWith(layer, rule);
    expect(errorsOf(set)).toEqual([]);
    const r = await compose(set, CONTEXT);
    expect(r.ok).toBe(false);
    expect(r.warnings).toEqual([]);
    expect(r.errors).toEqual([
      {
        code: "check-failed",
        severity: "error",
        message: "check 'throws' could not be evaluated: b.indexOf is not a function",
        file: "checks/throws.yaml",
        line: 1,
        column: 1,
        layer: "throws",
      },
    ]);
  });
});

describe("a check rule with severity: error refuses the config", () => {
  const rule = {
    path: "checks/no-sglang.yaml",
    text: 'check: no-sglang\nseverity: error\npath: base_runtime\nmessage: sglang is not allowed here\nwhen: {"==": [{"var": "$config.base_runtime"}, "sglang"]}\n',
  };
  const refused = {
    code: "no-sglang",
    severity: "error",
    message: "sglang is not allowed here",
    pointer: "/base_runtime",
    file: "checks/no-sglang.yaml",
    line: 1,
    column: 1,
    layer: "no-sglang",
  };

  it("in the library: ok false with the rule's error, and a config the rule does not fire on is ok", async () => {
    const set = setWith(rule);
    const r = await compose(set, CONTEXT);
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([refused]);
    expect(r.warnings).toEqual([]);
    const fine = await compose(set, { ...CONTEXT, base_runtime: "vllm" });
    expect(fine.ok).toBe(true);
    expect(fine.errors).toEqual([]);
  });

  it("in the service: a create is 422 and stores nothing", async () => {
    const copy = copyLayerSet();
    writeFileSync(join(copy.layersDir, rule.path), rule.text);
    const server = await startServer({ layersDir: copy.layersDir, schemasDir: copy.schemasDir });
    try {
      const res = await call(server, "POST", "/api/tasks/from-context", CONTEXT);
      expect(res.status).toBe(422);
      expect(res.body.error).toEqual({
        code: "config-invalid",
        message: "the composed config is invalid: sglang is not allowed here",
        issues: [refused],
      });
      const list = await call(server, "GET", "/api/tasks");
      expect(list.status).toBe(200);
      expect(list.body.total).toBe(0);
    } finally {
      await server.close();
    }
  });
});

describe("a value deleted inside a newly written object leaves no key and no provenance", () => {
  const A: Origin = { source: "layer-a", layer: "layer-a", stage: "base", file: "a.yaml", line: 3 };

  it("merge: the key is gone (not undefined) from the object and from the trace", () => {
    const trace = new Trace();
    const out = merge({ other: 1 }, { fresh: { kept: 1, gone: { $patch: "delete" }, deeper: { also: { $patch: "delete" } } } }, A, trace) as Record<string, Record<string, unknown>>;
    expect(Object.keys(out.fresh)).toEqual(["kept", "deeper"]);
    expect("gone" in out.fresh).toBe(false);
    expect(Object.keys(out.fresh.deeper)).toEqual([]);
    expect([...trace.writes.keys()].sort()).toEqual(["/fresh", "/fresh/deeper", "/fresh/kept"]);
    const prov = provenanceOf(out, trace);
    expect(Object.keys(prov).sort()).toEqual(["/fresh/deeper", "/fresh/kept"]);
    expect("/fresh/gone" in prov).toBe(false);
  });

  it("the same under $patch: replace and in a user's overrides through compose", async () => {
    const replaced = merge({ a: { x: 1 } }, { a: { $patch: "replace", y: 1, gone: { $patch: "delete" } } }, A) as Record<string, Record<string, unknown>>;
    expect(Object.keys(replaced.a)).toEqual(["y"]);
    const r = await compose(setWith(), { ...CONTEXT, user_overrides: { quant_config: { fresh: { kept: 1, gone: { $patch: "delete" } } } } });
    expect(r.ok).toBe(true);
    const fresh = (r.config!.quant_config as Record<string, Record<string, unknown>>).fresh;
    expect(Object.keys(fresh)).toEqual(["kept"]);
    expect(Object.keys(r.provenance).filter((p) => p.startsWith("/quant_config/fresh"))).toEqual(["/quant_config/fresh/kept"]);
  });
});

describe("a check name defined twice is reported", () => {
  it("duplicate-name at the second file's check, naming the first", () => {
    const text = (m: string) => `check: twin\nseverity: warning\nmessage: ${m}\nwhen: {"==": [1, 1]}\n`;
    const set = setWith({ path: "checks/twin-a.yaml", text: text("a") }, { path: "checks/twin-b.yaml", text: text("b") });
    expect(errorsOf(set)).toEqual([
      { code: "duplicate-name", severity: "error", message: "check 'twin' is defined twice (also in checks/twin-a.yaml)", file: "checks/twin-b.yaml", line: 1, column: 8 },
    ]);
  });
});

describe("an empty condition {} is refused at load", () => {
  it.each([
    // A whole `when` that is wrong is located at its key; a part of one at the part.
    ["a layer's when", "base/empty-when.yaml", "name: empty-when\nstage: base\nwhen: {}\ndata: {}\n", "when:", "/when", "empty-when"],
    ["inside an and", "base/empty-when.yaml", 'name: empty-when\nstage: base\nwhen: {"and": [{"==": [1, 1]}, {}]}\ndata: {}\n', "{}]", "/when/and/1", "empty-when"],
    ["a check rule's when", "checks/empty.yaml", "check: empty\nseverity: warning\nmessage: m\nwhen: {}\n", "when:", "/when", "empty"],
  ])("%s: unknown-operator at the {}", (_, path, text, at, pointer, layer) => {
    expect(errorsOf(setWith({ path, text }))).toEqual([
      {
        code: "unknown-operator",
        severity: "error",
        message: "a condition object must have exactly one operator key, found none",
        file: path,
        ...positionIn(text, at),
        pointer,
        layer,
      },
    ]);
  });
});

describe("the task store: only a UNIQUE conflict is a 409; a newer database is refused", () => {
  const task = (name: string) => ({ task_name: name, description: null, config: { task_name: name }, metadata: {} as never });

  it("a name taken is a conflict naming the holder", () => {
    const store = TaskStore.open(join(tempDir(), "t.db"));
    try {
      const a = store.create(task("x"));
      expect("task" in a && a.task.id).toBe(1);
      expect(store.create(task("x"))).toEqual({ conflict: { id: 1 } });
    } finally {
      store.close();
    }
  });

  it("any other SQLite error is thrown as it is (a 500 in the service, never a 409 naming a task)", async () => {
    const file = join(tempDir(), "t.db");
    TaskStore.open(file).close();
    const db = new Database(file);
    db.exec("CREATE TRIGGER no_more BEFORE INSERT ON tasks BEGIN SELECT RAISE(ABORT, 'the disk is on fire'); END;");
    db.close();
    const store = TaskStore.open(file);
    try {
      expect(() => store.create(task("x"))).toThrow(expect.objectContaining({ code: "SQLITE_CONSTRAINT_TRIGGER", message: "the disk is on fire" }));
    } finally {
      store.close();
    }
    const server = await startServer({ db: file });
    try {
      const res = await call(server, "POST", "/api/tasks/from-context", CONTEXT);
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: { code: "internal-error", message: expect.stringMatching(/^internal error \(request [\w-]+\); the server log has the details$/), issues: [] } });
    } finally {
      await server.close();
    }
  });

  it("a database written by a newer strata is refused and left as it was", () => {
    const file = join(tempDir(), "t.db");
    TaskStore.open(file).close();
    const db = new Database(file);
    db.pragma("user_version = 99");
    db.close();
    const before = readFileSync(file);
    const mtime = statSync(file).mtimeMs;
    expect(() => TaskStore.open(file)).toThrow(StoreError);
    expect(() => TaskStore.open(file)).toThrow(new RegExp(`^cannot open the task database ${file}: the database was written by a newer strata \\(schema version 99, this one knows \\d+\\)$`));
    const after = new Database(file, { readonly: true });
    expect(after.pragma("user_version", { simple: true })).toBe(99);
    after.close();
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(statSync(file).mtimeMs).toBe(mtime);
  });
});

describe("a deep malformed JSON body: 400 body-too-deep, the whole answer", () => {
  it.each([
    ["200,000 open brackets", "[".repeat(200_000)],
    ["65 open objects, cut off", '{"a": '.repeat(65)],
    ["deep and then a syntax error", "[".repeat(100) + "x" + "]".repeat(100)],
  ])("%s", async (_, text) => {
    const server = await startServer();
    try {
      const res = await call(server, "POST", "/api/config/preview", text);
      expect(res.status).toBe(400);
      const message = "the request body nests deeper than 64 levels";
      expect(res.body).toEqual({ error: { code: "body-too-deep", message, issues: [{ code: "body-too-deep", severity: "error", message, pointer: "" }] } });
    } finally {
      await server.close();
    }
  });

  it("malformed at exactly 64 levels is still malformed-json, with its line and column", async () => {
    const server = await startServer();
    try {
      const res = await call(server, "POST", "/api/config/preview", "[".repeat(64) + "x");
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: "malformed-json", issues: [{ code: "malformed-json", pointer: "", line: 1, column: 65 }] });
    } finally {
      await server.close();
    }
  });
});

describe("strata diff reports a change of layer order alone", () => {
  const read = (p: string) => readFileSync(join(SCHEMAS_DIR, p), "utf8");
  const paths: DiffPaths = {
    layers: "layers",
    schemas: { context: "schemas/context.schema.json", output: "schemas/task-config.schema.json" },
    scenarios: "scenarios",
    roles: { profiles: "profiles", overrides: "user_overrides", override_mode: "override_mode" },
  };
  const layer = (name: string, order: number, key: string) => ({
    path: `runtime/${name}.yaml`,
    text: `name: ${name}\nstage: runtime\norder: ${order}\ndata:\n  quant_config:\n    ${key}: 1\n`,
  });
  const side = (label: string, firstOrder: number, secondOrder: number): Side => ({
    label,
    layerFiles: [...SHIPPED, layer("first", firstOrder, "a"), layer("second", secondOrder, "b")],
    schemaTexts: { context: read("context.schema.json"), output: read("task-config.schema.json") },
    scenarioFiles: [{ path: "s.yaml", text: `name: s\ncontext: { model_name: m, base_runtime: sglang }\nexpect: { warnings: [] }\n` }],
    notes: [],
  });

  it("the same config, the same layers, another order: changed, with orderChanged", async () => {
    const report = await diffSides(side("base", 1, 2), side("head", 2, 1), paths);
    expect(report.issues).toEqual([]);
    expect(report.summary).toEqual({ total: 1, changed: 1, unchanged: 0, added: 0, removed: 0, uncovered: 0 });
    expect(report.scenarios[0]).toMatchObject({ status: "changed", orderChanged: true, changes: [], nowApplies: [], noLongerApplies: [] });
    expect(formatText(report)).toContain("the applied layers are the same, in a different order");
  });

  it("the same order on both sides: unchanged", async () => {
    const report = await diffSides(side("base", 1, 2), side("head", 1, 2), paths);
    expect(report.scenarios[0]).toMatchObject({ status: "unchanged", orderChanged: false });
  });
});
