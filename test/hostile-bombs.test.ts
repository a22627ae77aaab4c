// YAML and JSON bombs: alias expansion, deep nesting, huge files, strings and lists, duplicate keys — in a layer
// file, a context file given to the CLI, a request body and a context handed to the library. Each gives a clear
// error at a line and column (or a JSON Pointer) instead of a hang, an exhausted heap or a crashed process.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compose, SOURCE_LIMITS } from "../src/index.js";
import { parseSource } from "../src/core/source.js";
import { createServer, type RunningServer } from "../src/server/app.js";
import { LAYERS_DIR, SCHEMAS_DIR, cli, errorsOf, get, positionIn, post, removeTemps, setWith, tempDir, writeFiles } from "./hostile/setup.js";

afterAll(removeTemps);

/** Billion laughs: nine levels of nine aliases each (9^9 strings once expanded). */
function billionLaughs(): string {
  let text = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n';
  let prev = "a";
  for (const c of "bcdefghi") {
    text += `${c}: &${c} [${Array(9).fill(`*${prev}`).join(", ")}]\n`;
    prev = c;
  }
  return text;
}

const deepFlow = (n: number) => "[".repeat(n) + "]".repeat(n);
const deepJsonObject = (n: number) => '{"a": '.repeat(n) + "1" + "}".repeat(n);
const deepBlock = (n: number) => Array.from({ length: n }, (_, i) => " ".repeat(i) + "-").join("\n") + " 1\n";
const compactDashes = (n: number) => "- ".repeat(n) + "1\n";

/** A layer file whose `data` holds `value` (flow YAML or JSON text) on line 4. */
const layerWithData = (value: string) => `name: bomb\nstage: base\ndata:\n  x: ${value}\n`;
/** The same, under a key of the task format that takes any value (`x` is not a key of the config: loading refuses it). */
const openLayerWithData = (value: string) => `name: bomb\nstage: base\ndata:\n  quant_config: { x: ${value} }\n`;

describe("layer files", () => {
  const loadOne = (path: string, text: string) => errorsOf(setWith({ path, text }));

  it("an alias bomb is refused at its first alias: alias-limit", () => {
    const text = billionLaughs();
    const errors = loadOne("bomb.yaml", text);
    expect(errors).toEqual([expect.objectContaining({ code: "alias-limit", file: "bomb.yaml", ...positionIn(text, "*a") })]);
  });

  it("a few aliases are fine: the limit is on expansion, not on use", () => {
    const text = `name: bomb\nstage: base\ndata:\n  defaults: &d {a: 1, b: [1, 2]}\n  one: *d\n  two: *d\n`;
    expect(loadOne("hostile/bomb.yaml", text).filter((e) => e.code === "alias-limit")).toEqual([]);
  });

  it.each([
    ["flow brackets, 100,000 deep (YAML)", "bomb.yaml", deepFlow(100_000)],
    ["an object 100,000 deep (JSON)", "bomb.json", deepJsonObject(100_000)],
    ["block indentation, 1,000 deep", "bomb.yaml", deepBlock(1000)],
    ["compact '- - -', 300,000 deep", "bomb.yaml", compactDashes(300_000)],
    ["explicit keys '? ? ?', 300,000 deep", "bomb.yaml", "? ".repeat(300_000) + "1\n"],
  ])("%s: too-deep at a line and column, before the parser recurses", (_, path, text) => {
    const errors = loadOne(path, text);
    expect(errors).toEqual([expect.objectContaining({ code: "too-deep", file: path, line: expect.any(Number), column: expect.any(Number) })]);
  });

  it("deep files, one after another in one process: each a clean error (a second parser stack overflow could abort Node)", () => {
    for (let i = 0; i < 4; i++) {
      for (const text of [deepFlow(300_000), compactDashes(200_000), deepJsonObject(100_000)]) {
        expect(parseSource({ path: "f.yaml", text }).issues[0]?.code).toBe("too-deep");
      }
    }
  });

  it(`nesting just past ${SOURCE_LIMITS.maxDepth} levels inside data: too-deep at the first node beyond the limit`, () => {
    const levels = SOURCE_LIMITS.maxDepth + 2;
    const text = layerWithData(deepFlow(levels));
    const errors = loadOne("hostile/bomb.yaml", text);
    // The root mapping is level 0, data's mapping 1, the first list 2: the list at level limit + 1 is bracket number limit.
    expect(errors).toEqual([expect.objectContaining({ code: "too-deep", file: "hostile/bomb.yaml", line: 4, column: 6 + SOURCE_LIMITS.maxDepth - 1 })]);
  });

  it(`nesting at ${SOURCE_LIMITS.maxDepth - 4} levels inside a value of data loads`, () => {
    expect(loadOne("hostile/bomb.yaml", openLayerWithData(deepFlow(SOURCE_LIMITS.maxDepth - 4)))).toEqual([]);
  });

  it("a list or mapping as a key (nested, so that stringifying it would grow exponentially): complex-key", () => {
    for (const text of ["? ".repeat(40) + "1\n", "{".repeat(40) + "a" + "}".repeat(40) + ": 1\n", "[a, b]: 1\n", "base: &k x\n*k : 1\n"]) {
      const errors = loadOne("bomb.yaml", text);
      expect(errors, text.slice(0, 20)).toEqual([expect.objectContaining({ code: "complex-key", file: "bomb.yaml", line: expect.any(Number) })]);
    }
  });

  it(`a file over ${SOURCE_LIMITS.maxBytes} bytes is refused unread: file-too-large`, () => {
    for (const [path, text] of [
      ["bomb.yaml", layerWithData(`"${"x".repeat(SOURCE_LIMITS.maxBytes)}"`)],
      ["bomb.json", `{"name": "bomb", "stage": "base", "data": {"x": [${Array(SOURCE_LIMITS.maxBytes / 2).fill("1").join(",")}]}}`],
    ]) {
      expect(loadOne(path, text)).toEqual([expect.objectContaining({ code: "file-too-large", file: path, line: 1, column: 1 })]);
    }
  });

  it("a long list and a long string just under the size limit load (the limit is the file size)", () => {
    const list = `[${Array(200_000).fill("1").join(", ")}]`;
    expect(loadOne("hostile/bomb.yaml", openLayerWithData(list))).toEqual([]);
    expect(loadOne("hostile/bomb.yaml", openLayerWithData(`"${"x".repeat(900_000)}"`))).toEqual([]);
  });

  it("duplicate keys, YAML and JSON, at any depth: duplicate-key at the second key", () => {
    const yaml = `name: bomb\nstage: base\ndata:\n  parameters:\n    tp-size: [1]\n    tp-size: [2]\n`;
    const json = `{"name": "bomb", "stage": "base",\n "data": {"slo": {"ttft": 1, "ttft": 2}}}`;
    expect(loadOne("hostile/bomb.yaml", yaml)).toEqual([expect.objectContaining({ code: "duplicate-key", file: "hostile/bomb.yaml", line: 6, column: 5 })]);
    expect(loadOne("hostile/bomb.json", json)).toEqual([expect.objectContaining({ code: "duplicate-key", file: "hostile/bomb.json", ...positionIn(json, '"ttft": 2') })]);
  });
});

describe("context files given to the CLI (the same reader, with expressions off)", () => {
  const compose = (text: string, name = "ctx.yaml") => {
    const dir = writeFiles({ [name]: text });
    return cli(["compose", "--context", join(dir, name), "--layers", LAYERS_DIR, "--schemas", SCHEMAS_DIR]);
  };

  it.each([
    ["an alias bomb", billionLaughs(), "alias-limit"],
    ["100,000 brackets deep", `model_name: m\nbase_runtime: sglang\nuser_overrides: {x: ${deepFlow(100_000)}}\n`, "too-deep"],
    ["a duplicate key", "model_name: m\nbase_runtime: sglang\nmodel_name: n\n", "duplicate-key"],
    ["a file over the size limit", `model_name: "${"m".repeat(SOURCE_LIMITS.maxBytes)}"\n`, "file-too-large"],
    ["an expression tag (user data takes none)", "model_name: !expr '$string(1)'\nbase_runtime: sglang\n", "unknown-tag"],
  ])("%s: exit 2 with file:line:col", (_, text, code) => {
    const r = compose(text);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`ctx\\.yaml:\\d+:\\d+: error ${code}`));
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  });
});

describe("library: contexts that are not data from a file", () => {
  const set = setWith();

  it("a context nested 100,000 deep is a typed too-deep issue, not a stack overflow", async () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 100_000; i++) deep = (deep.a = {}) as Record<string, unknown>;
    const r = await compose(set, { model_name: "m", base_runtime: "sglang", user_overrides: root });
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([expect.objectContaining({ code: "too-deep", pointer: expect.stringMatching(/^\/user_overrides(\/a)+$/) })]);
  });

  it("a context with a cycle is a typed too-deep issue", async () => {
    const overrides: Record<string, unknown> = {};
    overrides.self = overrides;
    const r = await compose(set, { model_name: "m", base_runtime: "sglang", user_overrides: overrides });
    expect(r.errors[0]?.code).toBe("too-deep");
  });
});

describe("request bodies", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await createServer({ layersDir: LAYERS_DIR, schemasDir: SCHEMAS_DIR, db: join(tempDir(), "strata.db"), webDir: join(tempDir(), "no-web"), watch: false });
  });
  afterAll(async () => {
    await server?.close();
  });
  const ROUTES = ["/api/config/preview", "/api/tasks/from-context"];
  const body = (extra: string) => `{"model_name": "m", "base_runtime": "sglang"${extra}}`;

  it("over 1 MiB: 413 body-too-large", async () => {
    for (const route of ROUTES) {
      const res = await post(server.url, route, body(`, "description": "${"x".repeat(1 << 20)}"`));
      expect(res.status, route).toBe(413);
      expect(res.body.error.code).toBe("body-too-large");
    }
  });

  it.each([
    ["65 levels of objects in overrides", body(`, "overrides": ${deepJsonObject(65)}`), /^\/overrides(\/a)+$/],
    ["400,000 levels of lists", deepFlow(400_000), /^(\/0)+$/],
    ["100,000 levels of objects", deepJsonObject(100_000), /^(\/a)+$/],
  ])("%s: 400 body-too-deep with the pointer", async (_, text, pointer) => {
    for (const route of ROUTES) {
      const res = await post(server.url, route, text);
      expect(res.status, route).toBe(400);
      expect(res.body.error.code).toBe("body-too-deep");
      expect(res.body.error.issues[0].pointer).toMatch(pointer);
    }
  });

  it.each([
    ["at the top", `{"model_name": "m", "base_runtime": "sglang", "model_name": "other"}`, "/model_name", '"model_name": "other"'],
    ["in overrides", `{"model_name": "m", "base_runtime": "sglang",\n "overrides": {"parameters": {"tp-size": [1], "tp-size": [8]}}}`, "/overrides/parameters/tp-size", '"tp-size": [8]'],
    ["in a list item", `{"model_name": "m", "base_runtime": "sglang", "overrides": {"x": [{}, {"a": 1, "a": 2}]}}`, "/overrides/x/1/a", '"a": 2'],
  ])("a duplicate key %s: 400 duplicate-key with the pointer, line and column", async (_, text, pointer, second) => {
    for (const route of ROUTES) {
      const res = await post(server.url, route, text);
      expect(res.status, route).toBe(400);
      expect(res.body.error.code).toBe("duplicate-key");
      expect(res.body.error.issues[0]).toMatchObject({ code: "duplicate-key", pointer, ...positionIn(text, second) });
    }
  });

  it("the same key in different objects, and a key-like text inside a string, are not duplicates", async () => {
    const res = await post(server.url, "/api/config/preview", body(`, "overrides": {"parameters": {"x": [1]}, "slo": {"ttft": {"threshold": 2}}, "description": "{\\"x\\": 1, \\"x\\": 2}"}`));
    expect(res.status).toBe(200);
  });

  const invalid = (pointer: string, message: string, keyword: string) => ({
    error: { code: "body-invalid", message: `the request body is invalid: ${message}`, issues: [{ code: "body-invalid", severity: "error", message, pointer, keyword }] },
  });
  const notFinite = (pointer: string, at: string) => {
    const message = `${at} is a number too large to hold (beyond ±1.8e308): write a finite number`;
    return { error: { code: "body-invalid", message, issues: [{ code: "body-invalid", severity: "error", message, pointer }] } };
  };
  it.each<[string, string, number, Record<string, unknown>]>([
    ["a 900,000-character string", `, "description": "${"x".repeat(900_000)}"`, 400, invalid("/description", "'description' is too long: at most 4000 characters", "maxLength")],
    ["a list of 200 items (over its schema's bound)", `, "num_concurrency": [${Array(200).fill(1).join(",")}]`, 400, invalid("/num_concurrency", "'num_concurrency' has too many items: at most 100", "maxItems")],
    ["a list of 200,000 items (over any list's bound, refused before validation)", `, "num_concurrency": [${Array(200_000).fill(1).join(",")}]`, 400, {
      error: { code: "body-too-many-items", message: "'/num_concurrency' has 200000 items; at most 10000 are accepted in one list or object", issues: [{ code: "body-too-many-items", severity: "error", pointer: "/num_concurrency" }] },
    }],
    // JSON.parse reads 1e400 as Infinity: no config can hold it, so the body is refused at the field that has it.
    ["a number out of range (1e400)", `, "total_gpus": 1e400`, 400, notFinite("/total_gpus", "'total_gpus'")],
    ["-1e400 in overrides", `, "overrides": {"parameters": {"x": [-1e400]}}`, 400, notFinite("/overrides/parameters/x/0", "'overrides.parameters.x.0'")],
  ])("under the size limit, %s: a located answer, never a 500", async (_, extra, status, answer) => {
    const res = await post(server.url, "/api/config/preview", body(extra));
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject(answer);
    expect((await get(server.url, "/api/health")).status).toBe(200);
  });

  it("lone surrogates in a string: composed, kept as they were sent", async () => {
    const res = await post(server.url, "/api/config/preview", body(`, "description": "\\ud800\\udfff\\ud800"`));
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(true);
    expect(res.body.config.description).toBe("\ud800\udfff\ud800");
  });
});
