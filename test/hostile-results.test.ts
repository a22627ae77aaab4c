// What a compose produces is JSON data, an object, and bounded; directive values are checked before use;
// no walk over user data is bounded by the JS stack. Each class through the library, the CLI and HTTP:
//   - an expression's result: a function, nothing where a list is needed, a 540 MB $pad, shared data that
//     doubles at each step, a result or a config too large → a located compose error (never
//     `{"_jsonata_function": true}`, a RangeError, exit 70 or a 500);
//   - a layer or user patch that deletes or replaces the whole config → config-not-object;
//   - `$patch: {toString: 1}` and other odd directive values → an error naming where it was written;
//   - 12,000-segment --set paths, 100,000-level data → a located error or a plain result, never a stack overflow.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compose, COMPOSE_LIMITS, merge, loadLayerSetFromFiles, provenanceOf, Trace } from "../src/index.js";
import { EXPRESSION_LIMITS } from "../src/lang/expression.js";
import { cloneData, deepFreeze, findForbiddenKeys } from "../src/util/data.js";
import { cli, positionIn, removeTemps, setWith, SHIPPED, SCHEMAS_DIR, tempDir } from "./hostile/setup.js";
import { post, removeTempDirs, startServer } from "./server-helpers.js";
import type { RunningServer } from "../src/server/app.js";

afterAll(() => {
  removeTemps();
  removeTempDirs();
});

const CONTEXT = { model_name: "m", base_runtime: "vllm", benchmark_task: "text-to-text", deployment_mode: "docker" };
const CONTEXT_YAML = "model_name: m\nbase_runtime: vllm\n";

/** A finalize layer `odd` whose data is `data` (YAML text, indented under `data:`), its text and the position of `mark`. */
function oddLayer(data: string, mark: string) {
  const text = `name: odd\nstage: finalize\ndata:\n${data}\n`;
  return { file: { path: "odd.yaml", text }, at: positionIn(text, mark) };
}

async function composeWith(data: string, mark: string, context: object = CONTEXT) {
  const { file, at } = oddLayer(data, mark);
  const set = setWith(file);
  expect(set.issues.filter((i) => i.severity === "error")).toEqual([]);
  return { result: await compose(set, context), at };
}

describe("an expression's result is JSON data", () => {
  const CASES: [string, string, string, string, string, string][] = [
    ["a function", "  description: !expr '$uppercase'", "'", "expression-not-data", "/data/description", "expression produced a function at the top, which is not JSON data (call it, or leave the $ off its name)"],
    ["a function inside an object", `  description: !expr '{"f": $uppercase}'`, "'", "expression-not-data", "/data/description", "expression produced a function at /f, which is not JSON data (call it, or leave the $ off its name)"],
    ["a lambda", "  description: !expr 'function($v){ $v }'", "'", "expression-not-data", "/data/description", "expression produced a function at the top, which is not JSON data (call it, or leave the $ off its name)"],
    ["nothing where $append needs a list", "  benchmark: { traffic_scenarios: { $append: !expr 'slo_config.ttft' } }", "'", "expression-not-data", "/data/benchmark/traffic_scenarios/$append", "expression produced nothing (undefined) for $append, which takes a list"],
    ["a 540 MB string from $pad", `  description: !expr '$pad("x", 540000000)'`, "'", "expression-too-large", "/data/description", `$pad to width 540000000 would build 540000000 characters (limit ${EXPRESSION_LIMITS.maxStringLength}) and was stopped before it did`],
    ["$pad with a long padding text", `  description: !expr '$pad("x", 20000, $pad("", 1000, "ab"))'`, "'", "expression-too-large", "/data/description", `$pad to width 20000 would build 20000000 characters (limit ${EXPRESSION_LIMITS.maxStringLength}) and was stopped before it did`],
    ["data that shares its parts, doubling 40 times", "  description: !expr '$reduce([1..40], function($acc, $i){ {\"a\": $acc, \"b\": $acc} }, 1) ~> $string()'", "'", "expression-too-large", "/data/description", `expression built data of more than ${EXPRESSION_LIMITS.maxBuilt} values and characters (limit) and was stopped`],
    ["$string of data too large to be one string", "  description: !expr '$string([1..2000].{\"k\": $pad(\"\", 600, \"x\")})'", "'", "expression-too-large", "/data/description", `$string would build ${EXPRESSION_LIMITS.maxStringLength + 1} characters (limit ${EXPRESSION_LIMITS.maxStringLength}) and was stopped before it did`],
    ["a result too large", "  description: !expr '[1..2000].$pad(\"\", 2100, \"x\")'", "'", "expression-too-large", "/data/description", `expression built a value of more than ${EXPRESSION_LIMITS.maxResultSize} characters as JSON (limit) and was stopped`],
  ];

  it.each(CASES)("%s is a located compose error", async (_what, data, mark, code, pointer, message) => {
    const { result, at } = await composeWith(data, mark);
    expect(result.ok).toBe(false);
    expect(result.config).toBeUndefined();
    expect(result.errors).toEqual([{ code, severity: "error", message: `layer 'odd': ${message}`, file: "odd.yaml", line: at.line, column: at.column, layer: "odd", pointer }]);
  });

  it("a config larger than the compose limit is refused, however it was built", async () => {
    const big = `'[1..1900].$pad("", 2000, "x")'`;
    // Under quant_config, which takes any key.
    const data = ["  quant_config:", ...Array.from({ length: 5 }, (_, i) => `    x${i}: !expr ${big}`)].join("\n");
    const { result } = await composeWith(data, "x0");
    expect(result.errors).toEqual([
      { code: "config-too-large", severity: "error", message: `the composed config is larger than ${COMPOSE_LIMITS.maxConfigSize} characters as JSON (limit)`, pointer: "/quant_config/x4/386" },
    ]);
  });

  it("the CLI: exit 2 with file:line:col, no stack; HTTP: 200 with ok false, and a create is a 422", async () => {
    const dir = tempDir();
    const layers = join(dir, "layers");
    for (const f of [...SHIPPED, oddLayer("  description: !expr '$uppercase'", "$uppercase").file]) {
      const path = join(layers, f.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.text);
    }
    writeFileSync(join(dir, "ctx.yaml"), CONTEXT_YAML);
    const r = cli(["compose", "-c", join(dir, "ctx.yaml"), "--layers", layers, "--schemas", SCHEMAS_DIR]);
    expect(r.status).toBe(2);
    expect(r.stderr.replaceAll(layers, "L").trim()).toBe("L/odd.yaml:4:22: error expression-not-data: layer 'odd': expression produced a function at the top, which is not JSON data (call it, or leave the $ off its name)");
    const server: RunningServer = await startServer({ layersDir: layers, schemasDir: SCHEMAS_DIR });
    try {
      const preview = await post(server, "/api/config/preview", { model_name: "m", base_runtime: "vllm" });
      expect(preview.status).toBe(200);
      expect(preview.body).toMatchObject({ ok: false, config: null, errors: [{ code: "expression-not-data", file: "odd.yaml", line: 4, column: 22 }] });
      const created = await post(server, "/api/tasks/from-context", { model_name: "m", base_runtime: "vllm" });
      expect(created.status).toBe(422);
    } finally {
      await server.close();
    }
  });
});

describe("a config is an object", () => {
  it("a layer whose data deletes the whole config, or appends to it, is a load error at the directive", () => {
    for (const [data, directive, message] of [
      ["data: { $patch: delete }", "$patch", "data cannot delete the whole config: the config is always an object (patch fields inside it instead)"],
      ["data: { $append: [1] }", "$append", "data cannot append to the whole config: the config is always an object (patch fields inside it instead)"],
    ]) {
      const text = `name: odd\nstage: finalize\n${data}\n`;
      const set = loadLayerSetFromFiles([...SHIPPED, { path: "odd.yaml", text }], { schemasDir: SCHEMAS_DIR });
      const at = positionIn(text, directive);
      expect(set.issues.filter((i) => i.severity === "error")).toEqual([
        { code: "config-not-object", severity: "error", message, file: "odd.yaml", line: at.line, column: at.column, pointer: `/data/${directive}`, layer: "odd" },
      ]);
    }
  });

  it("an expression that deletes the whole config is a compose error at the expression", async () => {
    const text = `name: odd\nstage: finalize\ndata: !expr '{"$patch": "delete"}'\n`;
    const result = await compose(setWith({ path: "odd.yaml", text }), CONTEXT);
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([
      { code: "config-not-object", severity: "error", message: "layer 'odd': this deletes the whole config; the config is always an object (patch fields inside it instead)", file: "odd.yaml", line: 3, column: 13, layer: "odd", pointer: "/data/$patch" },
    ]);
  });

  it.each([
    ["patch", { $patch: "delete" }, "/user_overrides/$patch", "this deletes the whole config"],
    ["replace", { $patch: "delete" }, "/user_overrides/$patch", "this deletes the whole config"],
    ["replace", { $append: [1] }, "/user_overrides/$append", "this makes the whole config a list"],
    ["patch", { $prepend: [1] }, "/user_overrides/$prepend", "this makes the whole config a list"],
  ])("user overrides (%s mode) %j are an error, never ok with config null", async (mode, overrides, pointer, what) => {
    const result = await compose(setWith(), { ...CONTEXT, override_mode: mode, user_overrides: overrides });
    expect(result.ok).toBe(false);
    expect(result.config).toBeUndefined();
    expect(result.errors).toEqual([{ code: "config-not-object", severity: "error", message: `user overrides: ${what}; the config is always an object (patch fields inside it instead)`, pointer }]);
  });

  it("the CLI names the --set argument or the file line; HTTP answers 200 ok false", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "ctx.yaml"), CONTEXT_YAML + "user_overrides:\n  $patch: delete\n");
    const viaSet = cli(["compose", "-c", "-", "--set", "$patch=delete"], { input: CONTEXT_YAML });
    expect(viaSet.status).toBe(2);
    expect(viaSet.stderr.trim()).toBe("error config-not-object: user overrides: this deletes the whole config; the config is always an object (patch fields inside it instead) (from --set $patch=delete) (at /user_overrides/$patch)");
    const viaFile = cli(["compose", "-c", join(dir, "ctx.yaml")]);
    expect(viaFile.status).toBe(2);
    expect(viaFile.stderr.replaceAll(dir, "D").trim()).toBe("D/ctx.yaml:4:3: error config-not-object: user overrides: this deletes the whole config; the config is always an object (patch fields inside it instead)");
    const server = await startServer();
    try {
      const r = await post(server, "/api/config/preview", { model_name: "m", base_runtime: "vllm", overrides: { $patch: "delete" } });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ ok: false, config: null, errors: [{ code: "config-not-object" }] });
    } finally {
      await server.close();
    }
  });
});

// Odd values for every directive, in every place a directive is written.
const ODD_VALUES: [string, unknown, string][] = [
  ["an object with toString", { toString: 1 }, '{"toString":1}'],
  ["an object with valueOf", { valueOf: "x" }, '{"valueOf":"x"}'],
  ["a list", [1, "a"], '[1,"a"]'],
  ["a number", 7, "7"],
  ["a string with a newline and a quote", "del\nete'\"", "'del\\nete'\\\"'"],
  ["null", null, "null"],
];

describe("directive values are checked before use", () => {
  it.each(ODD_VALUES)("$patch: %s in a layer is a bad-directive at its key", (_what, value, shown) => {
    const text = `name: odd\nstage: finalize\ndata:\n  quant_config: ${JSON.stringify({ $patch: value })}\n`;
    const set = loadLayerSetFromFiles([...SHIPPED, { path: "odd.yaml", text }], { schemasDir: SCHEMAS_DIR });
    expect(set.issues.filter((i) => i.severity === "error")).toEqual([
      { code: "bad-directive", severity: "error", message: `unknown $patch directive ${shown} (use delete, replace or merge)`, file: "odd.yaml", line: 4, column: 17, pointer: "/data/quant_config", layer: "odd" },
    ]);
  });

  it.each(ODD_VALUES)("$patch: %s in user_overrides is merge-failed at its pointer", async (_what, value, shown) => {
    const result = await compose(setWith(), { ...CONTEXT, user_overrides: { a: { $patch: value } } });
    expect(result.errors).toEqual([{ code: "merge-failed", severity: "error", message: `user overrides: unknown $patch directive ${shown} (use delete, replace or merge)`, pointer: "/user_overrides/a" }]);
  });

  it.each(ODD_VALUES)("$append / $prepend: %s in user_overrides is merge-failed (it takes a list)", async (_what, value) => {
    if (Array.isArray(value)) return; // a list is what they take
    for (const op of ["$append", "$prepend"]) {
      const result = await compose(setWith(), { ...CONTEXT, user_overrides: { a: { [op]: value } } });
      expect(result.errors).toEqual([{ code: "merge-failed", severity: "error", message: `user overrides: \`${op}\` takes a list`, pointer: "/user_overrides/a" }]);
    }
  });

  it("$expr in user overrides is data: stored as written, never evaluated", async () => {
    const result = await compose(setWith(), { ...CONTEXT, user_overrides: { description: { $expr: { toString: 1 } } } });
    expect(result.config?.description).toEqual({ $expr: { toString: 1 } });
  });

  it("--set and --override: exit 2 naming the argument or the file line, no stack", () => {
    const dir = tempDir();
    const viaSet = cli(["compose", "-c", "-", "--set", "a.$patch={toString: 1}"], { input: CONTEXT_YAML });
    expect(viaSet.status).toBe(2);
    expect(viaSet.stderr.trim()).toBe('error merge-failed: user overrides: unknown $patch directive {"toString":1} (use delete, replace or merge) (from --set a.$patch={toString: 1}) (at /user_overrides/a)');
    writeFileSync(join(dir, "o.yaml"), "a:\n  b:\n    $patch: [x]\n");
    const viaFile = cli(["compose", "-c", "-", "--override", join(dir, "o.yaml")], { input: CONTEXT_YAML });
    expect(viaFile.status).toBe(2);
    expect(viaFile.stderr.replaceAll(dir, "D").trim()).toBe('D/o.yaml:3:5: error merge-failed: user overrides: unknown $patch directive ["x"] (use delete, replace or merge)');
  });

  it("a request body: 200 ok false for a preview, 422 for a create, never a 500", async () => {
    const server = await startServer();
    try {
      for (const [, value, shown] of ODD_VALUES) {
        const body = { model_name: "m", base_runtime: "vllm", overrides: { a: { $patch: value } } };
        const preview = await post(server, "/api/config/preview", body);
        expect(preview.status).toBe(200);
        expect(preview.body.errors).toEqual([{ code: "merge-failed", severity: "error", message: `user overrides: unknown $patch directive ${shown} (use delete, replace or merge)`, pointer: "/overrides/a" }]);
        expect((await post(server, "/api/tasks/from-context", { ...body, task_name: "t" })).status).toBe(422);
      }
    } finally {
      await server.close();
    }
  });
});

describe("recursion is not bounded by the JS stack", () => {
  const deep = (n: number) => {
    let v: unknown = 1;
    for (let i = 0; i < n; i++) v = { a: v };
    return v;
  };

  it("two --set options with the same 12,000-segment path: exit 2 naming the limit, no stack", () => {
    const path = Array(12_000).fill("a").join(".");
    const r = cli(["compose", "-c", "-", "--set", `${path}=1`, "--set", `${path}=2`], { input: CONTEXT_YAML });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`strata compose: --set: the path has 12000 segments; at most ${64} levels of nesting are allowed`);
  });

  it("merge refuses data deeper than the limit before walking it", () => {
    expect(() => merge({}, deep(100_000), { source: "user_patch", stage: "user" })).toThrow("the patch nests deeper than 64 levels");
    expect(() => merge(deep(100_000), { a: 1 }, { source: "user_patch", stage: "user" })).toThrow("the base nests deeper than 64 levels");
  });

  it("cloneData, deepFreeze, findForbiddenKeys and provenanceOf walk 100,000 levels without recursion", () => {
    // Only booleans and counts go to expect: its own formatting of a value that deep would recurse.
    const v = deep(100_000);
    expect(findForbiddenKeys(v).length).toBe(0);
    const copy = cloneData(v) as { a: unknown };
    expect(copy === v).toBe(false);
    deepFreeze(copy);
    expect(Object.isFrozen(copy.a)).toBe(true);
    const trace = new Trace();
    trace.record("", "set", { source: "x", stage: "s" }, v);
    expect(Object.keys(provenanceOf(v, trace)).length).toBe(1);
  });

  it("a context or override 100,000 levels deep is too-deep, through the library", async () => {
    const result = await compose(setWith(), { ...CONTEXT, user_overrides: deep(100_000) });
    expect(result.errors).toEqual([{ code: "too-deep", severity: "error", message: "the context nests deeper than 64 levels", pointer: "/user_overrides" + "/a".repeat(63) }]);
  });

  it("an expression 5,000 operators long loads, and stops within the call-depth limit", async () => {
    const text = `name: odd\nstage: finalize\ndata:\n  description: !expr '${Array(5000).fill("1").join("+")}'\n`;
    const result = await compose(setWith({ path: "odd.yaml", text }), CONTEXT);
    expect(result.errors).toEqual([expect.objectContaining({ code: "expression-too-deep", file: "odd.yaml", line: 4, column: 22 })]);
  });
});
