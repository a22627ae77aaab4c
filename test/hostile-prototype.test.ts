// Prototype keys (`__proto__`, `constructor`, `prototype`) at any depth, through every entry point: the library's
// compose and merge, layer files (YAML and JSON, data and conditions and expressions), the CLI and HTTP.
// None may change a prototype, and none may serve as a way to read one. What protects each is named per block.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { compose, merge, type Origin } from "../src/index.js";
import { createServer, type RunningServer } from "../src/server/app.js";
import {
  PAYLOADS, YAML_PAYLOADS, SENTINEL, contextWithOverrides, contextWithTopLevel, globalPollution, prototypeProblems, prototypeSnapshot,
} from "./hostile/payloads.js";
import { LAYERS_DIR, ROOT, SCHEMAS_DIR, cli, errorsOf, get, positionIn, post, removeTemps, setWith, tempDir, writeFiles } from "./hostile/setup.js";

const shipped = setWith();
const USER: Origin = { source: "user_patch", stage: "user" };
let before: ReturnType<typeof prototypeSnapshot>;

beforeEach(() => {
  before = prototypeSnapshot();
});
afterEach(() => {
  // Whatever a test did, no shared prototype may have gained or lost a property.
  expect(prototypeSnapshot()).toEqual(before);
  expect(globalPollution()).toEqual([]);
});
afterAll(removeTemps);

describe("library compose: contexts and user overrides (normalizeContext rejects the keys; setOwn/cloneData never assign them)", () => {
  it.each(PAYLOADS)("$name in user_overrides, patch and replace mode: forbidden-key with the pointer", async (p) => {
    for (const mode of ["patch", "replace"] as const) {
      const input = JSON.parse(contextWithOverrides(p, mode));
      const snapshot = JSON.stringify(input);
      const r = await compose(shipped, input);
      expect(r.ok).toBe(false);
      expect(r.config).toBeUndefined();
      expect(r.errors.map((e) => [e.code, e.pointer])).toContainEqual(["forbidden-key", "/user_overrides" + p.pointer]);
      expect(JSON.stringify(input)).toBe(snapshot);
    }
  });

  it.each(PAYLOADS)("$name at the top of the context: forbidden-key with the pointer", async (p) => {
    const r = await compose(shipped, JSON.parse(contextWithTopLevel(p)));
    expect(r.ok).toBe(false);
    expect(r.errors.map((e) => [e.code, e.pointer])).toContainEqual(["forbidden-key", p.pointer]);
  });

  it("a valid context next to the payloads still composes, and its config has only ordinary prototypes", async () => {
    const r = await compose(shipped, { model_name: "m", base_runtime: "sglang", user_overrides: { parameters: { "tp-size": [2] } } });
    expect(r.ok).toBe(true);
    expect(prototypeProblems(r.config)).toEqual([]);
  });
});

describe("library merge (setOwn: a prototype key becomes an own data property, never a prototype)", () => {
  const base = () => ({ parameters: { "tp-size": [1, 2] }, slo: { ttft: { threshold: 1 } }, optimization: { strategy: "grid_search" }, tags: ["a"] });

  it.each(PAYLOADS)("$name as a patch: no prototype changes, inputs untouched, the key stays own data", (p) => {
    const patch = JSON.parse(p.json);
    const b = base();
    const [patchText, baseText] = [JSON.stringify(patch), JSON.stringify(b)];
    const out = merge(b, patch, USER);
    expect(prototypeProblems(out)).toEqual([]);
    expect(JSON.stringify(patch)).toBe(patchText);
    expect(JSON.stringify(b)).toBe(baseText);
    // The key is there as what it is in the data: an own property (JSON.stringify shows own keys only).
    const key = p.pointer.split("/").pop()!;
    expect(JSON.stringify(out)).toContain(JSON.stringify(key));
  });

  it.each(PAYLOADS)("$name as the base, patched again with the same payload: still no prototype changes", (p) => {
    const once = merge(undefined, JSON.parse(p.json), USER);
    expect(prototypeProblems(once)).toEqual([]);
    const twice = merge(once, JSON.parse(p.json), USER) as Record<string, unknown>;
    expect(prototypeProblems(twice)).toEqual([]);
    // The same again changes nothing (prototype keys stay own data, written over themselves), but for
    // `$append`, which adds its items a second time to what is now a list.
    const tags = (once as { tags?: unknown[] }).tags;
    const expected = p.json.includes("$append") ? { tags: [...tags!, ...tags!] } : once;
    expect(JSON.stringify(twice)).toBe(JSON.stringify(expected));
  });
});

describe("layer files (load: findForbiddenKeys over every parsed file; the YAML parser itself defines own keys)", () => {
  it.each(PAYLOADS)("$name in a YAML layer's data: forbidden-key at the key's file:line:col", (p) => {
    const text = `name: x\nstage: base\ndata: ${p.json}\n`;
    const set = setWith({ path: "hostile/x.yaml", text });
    const key = p.pointer.split("/").pop()!;
    expect(errorsOf(set)).toContainEqual(
      expect.objectContaining({ code: "forbidden-key", file: "hostile/x.yaml", pointer: "/data" + p.pointer, ...positionIn(text, `"${key}"`) }),
    );
  });

  it.each(PAYLOADS)("$name in a JSON layer's data: forbidden-key at the key's file:line:col", (p) => {
    const text = `{\n  "name": "x",\n  "stage": "base",\n  "data": ${p.json}\n}\n`;
    const set = setWith({ path: "hostile/x.json", text });
    const key = p.pointer.split("/").pop()!;
    expect(errorsOf(set)).toContainEqual(
      expect.objectContaining({ code: "forbidden-key", file: "hostile/x.json", pointer: "/data" + p.pointer, ...positionIn(text, `"${key}"`) }),
    );
  });

  it.each(YAML_PAYLOADS)("YAML only: $name in data: forbidden-key at file:line:col", (p) => {
    const text = `name: x\nstage: base\ndata:\n${p.yaml.replace(/^/gm, "  ").trimEnd()}\n`;
    const set = setWith({ path: "hostile/x.yaml", text });
    const key = p.pointer.split("/").pop()!;
    expect(errorsOf(set)).toContainEqual(
      expect.objectContaining({ code: "forbidden-key", file: "hostile/x.yaml", pointer: "/data" + p.pointer, ...positionIn(text, new RegExp(`['"]?${key}`)) }),
    );
  });

  it("in a profile's layer and a check rule: forbidden-key with file:line:col", () => {
    const profile = `profile: evil\ntitle: Evil\ndescription: d\nlayers:\n  - name: evil-params\n    data:\n      parameters:\n        __proto__: {polluted: yes}\n`;
    const check = `check: evil-check\nseverity: warning\nmessage: m\nwhen: {"==": [1, {"constructor": 1}]}\n`;
    const set = setWith({ path: "profiles/evil.yaml", text: profile }, { path: "checks/evil-check.yaml", text: check });
    expect(errorsOf(set)).toContainEqual(expect.objectContaining({ code: "forbidden-key", file: "profiles/evil.yaml", ...positionIn(profile, "__proto__") }));
    expect(errorsOf(set)).toContainEqual(expect.objectContaining({ code: "forbidden-key", file: "checks/evil-check.yaml", ...positionIn(check, '"constructor"') }));
  });

  it("at the top of a layer file: an error at file:line:col (the schema's unknown field or forbidden-key)", () => {
    for (const [path, text] of [
      ["hostile/x.yaml", `name: x\nstage: base\n__proto__: {polluted: yes}\ndata: {}\n`],
      ["hostile/x.json", `{"name": "x", "stage": "base",\n "constructor": {"prototype": {"polluted": "yes"}}, "data": {}}`],
    ]) {
      const errors = errorsOf(setWith({ path, text }));
      expect(errors.length, path).toBeGreaterThan(0);
      expect(errors[0], path).toMatchObject({ file: path, line: expect.any(Number), column: expect.any(Number) });
      expect(["forbidden-key", "layer-schema"]).toContain(errors[0].code);
    }
  });

  it("a set with such a file is refused by compose: nothing is composed from it", async () => {
    const set = setWith({ path: "hostile/x.yaml", text: `name: x\nstage: base\ndata: {"__proto__": {"polluted": "yes"}}\n` });
    const r = await compose(set, { model_name: "m", base_runtime: "sglang" });
    expect(r.ok).toBe(false);
    expect(r.config).toBeUndefined();
    expect(r.errors[0].code).toBe("forbidden-key");
  });
});

describe("JSON-logic conditions (checkLogic refuses prototype paths at load; the own-property `var` reads nothing else)", () => {
  it.each([
    ['{"var": "__proto__"}', "__proto__"],
    ['{"var": "constructor.name"}', "constructor"],
    ['{"var": ["prototype"]}', "prototype"],
    ['{"!!": {"var": "$config.__proto__.polluted"}}', "__proto__"],
    ['{"and": [true, {"var": "model_name.constructor"}]}', "constructor"],
  ])("when: %s is refused at load with file:line:col", (when, key) => {
    const text = `name: x\nstage: base\nwhen: ${when}\ndata: {}\n`;
    const errors = errorsOf(setWith({ path: "hostile/x.yaml", text }));
    expect(errors).toContainEqual(expect.objectContaining({ code: "forbidden-path", file: "hostile/x.yaml", line: 3 }));
    expect(errors.find((e) => e.code === "forbidden-path")!.message).toContain(key);
  });

  it("a path built at run time cannot read a prototype: {var: cat(…)} finds nothing", async () => {
    // json-logic-js's own `var` would find Object (truthy) on any object; strata's reads own properties only.
    const built = `{"var": {"cat": ["constr", "uctor"]}}`;
    const layer = `name: x\nstage: base\nwhen: {"!!": ${built}}\ndata: {description: "prototype was read"}\n`;
    const set = setWith({ path: "hostile/x.yaml", text: layer });
    expect(errorsOf(set)).toEqual([]);
    const r = await compose(set, { model_name: "m", base_runtime: "sglang" });
    expect(r.applied_layers).not.toContain("x");
    expect(r.skipped_layers).toContainEqual(expect.objectContaining({ layer: "x", reason: "condition-false" }));
    expect(r.config?.description).toBeUndefined();
  });

  it("`missing` goes through the same var: an inherited name counts as missing", async () => {
    const layer = `name: x\nstage: base\nwhen: {"missing": [{"cat": ["to", "String"]}]}\ndata: {description: "toString is not a context field"}\n`;
    const set = setWith({ path: "hostile/x.yaml", text: layer });
    const r = await compose(set, { model_name: "m", base_runtime: "sglang" });
    expect(r.applied_layers).toContain("x");
    expect(r.config?.description).toBe("toString is not a context field");
  });
});

describe("JSONata expressions (names and strings that are prototype keys and $eval refused at load; JSONata 2.2's lookup is own-only; built keys checked at compose)", () => {
  const layer = (expr: string) => `name: x\nstage: base\ndata:\n  description: !expr '${expr}'\n`;

  it.each([
    ["$config.__proto__", "__proto__"],
    ["$.constructor", "constructor"],
    ["$$.`prototype`", "`prototype`"],
    ['$lookup($, "constructor")', '"constructor"'],
    ['{"__proto__": {"polluted": "yes"}}', '"__proto__"'],
    ['$ ~> |$|{"__proto__": {"polluted": "yes"}}|', '"__proto__"'],
    ['$merge([{}, {"prototype": 1}])', '"prototype"'],
    ["$eval(model_name)", "$eval"],
    ['$eval("1 + 1")', "$eval"],
  ])("%s is refused at load, at the token's file:line:col", (expr, token) => {
    const text = layer(expr);
    const errors = errorsOf(setWith({ path: "hostile/x.yaml", text }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "expression-syntax", file: "hostile/x.yaml", pointer: "/data/description", ...positionIn(text, token) });
  });

  it("a key name built at run time reads nothing through $lookup (JSONata's own hasOwnProperty)", async () => {
    const set = setWith({ path: "hostile/x.yaml", text: layer('$string($exists($lookup($, "constr" & "uctor")) or $exists($lookup($config, "__pro" & "to__")))') });
    expect(errorsOf(set)).toEqual([]);
    const r = await compose(set, { model_name: "m", base_runtime: "sglang" });
    expect(r.config?.description).toBe("false");
  });

  it("an object key taken from the context (`{ model_name: … }`) is refused when it is a prototype key", async () => {
    const text = `name: x\nstage: base\ndata:\n  parameters: !expr '{ model_name: [1] }'\n`;
    const set = setWith({ path: "hostile/x.yaml", text });
    expect(errorsOf(set)).toEqual([]);
    for (const key of ["__proto__", "constructor", "prototype"]) {
      const r = await compose(set, { model_name: key, base_runtime: "sglang" });
      expect(r.ok, key).toBe(false);
      expect(r.errors[0], key).toMatchObject({ code: "forbidden-key", file: "hostile/x.yaml", layer: "x", pointer: `/data/parameters/${key}`, line: 4 });
    }
    const fine = await compose(set, { model_name: "my-option", base_runtime: "sglang" });
    expect(fine.ok).toBe(true);
    expect(fine.config?.parameters).toMatchObject({ "my-option": [1] });
  });

  it("a transform that sets a key taken from the context leaves no changed prototype in the config", async () => {
    const text = `name: x\nstage: base\ndata:\n  parameters: !expr '{"tp-size": [1]} ~> | $ | { $$.model_name: {"${SENTINEL}": [2]} } |'\n`;
    const set = setWith({ path: "hostile/x.yaml", text });
    expect(errorsOf(set)).toEqual([]);
    const r = await compose(set, { model_name: "__proto__", base_runtime: "sglang" });
    expect(prototypeProblems(r.config)).toEqual([]);
    expect(Object.keys((r.config?.parameters ?? {}) as object)).not.toContain("__proto__");
  });
});

describe("CLI: --set, --override and the context file (same checks, reported at the file's line and column)", () => {
  const context = "model_name: m\nbase_runtime: sglang\n";
  const run = (args: string[], files: Record<string, string> = {}) => {
    const dir = writeFiles({ "ctx.yaml": context, ...files });
    const r = cli(["compose", "--context", join(dir, "ctx.yaml"), "--project", ROOT, "--layers", LAYERS_DIR, "--schemas", SCHEMAS_DIR, "--json", ...args], { cwd: dir });
    return { ...r, json: JSON.parse(r.stdout || "null"), dir };
  };

  // One run per entry point, with every payload at once (each as its own --set or --override): compose
  // reports every prototype key it finds, so each payload's pointer must be among the errors.
  it("--set with prototype keys (dotted and pointer paths): exit 2, forbidden-key for each", () => {
    const sets: [string, string][] = [
      ["__proto__.polluted=yes", "/user_overrides/__proto__"],
      ["parameters.constructor.prototype.polluted=yes", "/user_overrides/parameters/constructor"],
      ["/benchmark/__proto__=[1]", "/user_overrides/benchmark/__proto__"],
      ["slo.prototype={polluted: yes}", "/user_overrides/slo/prototype"],
    ];
    const r = run(sets.flatMap(([assignment]) => ["--set", assignment]));
    expect(r.status, r.stderr).toBe(2);
    expect(r.json.config).toBeNull();
    for (const [, pointer] of sets) expect(r.json.errors).toContainEqual(expect.objectContaining({ code: "forbidden-key", pointer }));
  });

  /** Payloads in runs where no two share a top-level key (a later override file would replace an earlier one's). */
  function runs<T extends { pointer: string }>(payloads: readonly T[]): T[][] {
    const groups: T[][] = [];
    for (const p of payloads) {
      const top = p.pointer.split("/")[1];
      const group = groups.find((g) => !g.some((q) => q.pointer.split("/")[1] === top));
      if (group) group.push(p);
      else groups.push([p]);
    }
    return groups;
  }

  it.each([
    ["json", PAYLOADS.map((p) => ({ ...p, text: p.json }))],
    ["yaml", YAML_PAYLOADS.map((p) => ({ ...p, text: p.yaml }))],
  ])("--override FILE.%s, one file per payload: exit 2, forbidden-key for each", (ext, payloads) => {
    for (const group of runs(payloads)) {
      const files = Object.fromEntries(group.map((p, i) => [`patch-${i}.${ext}`, p.text]));
      const r = run(Object.keys(files).flatMap((f) => ["--override", f]), files);
      expect(r.status, r.stderr).toBe(2);
      for (const p of group) expect(r.json.errors, p.name).toContainEqual(expect.objectContaining({ code: "forbidden-key", pointer: "/user_overrides" + p.pointer }));
    }
  });

  it("a context file with a prototype key: forbidden-key at its line and column in that file", () => {
    const dir = writeFiles({ "ctx.yaml": "model_name: m\nbase_runtime: sglang\nuser_overrides:\n  parameters:\n    constructor:\n      prototype: {polluted: yes}\n" });
    const r = cli(["compose", "--context", join(dir, "ctx.yaml"), "--project", ROOT, "--layers", LAYERS_DIR, "--schemas", SCHEMAS_DIR], { cwd: dir });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${join(dir, "ctx.yaml")}:5:5: error forbidden-key`);
  });
});

describe("HTTP (the body parser keeps __proto__ an own key; readTaskRequest refuses prototype keys with 400)", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await createServer({ layersDir: LAYERS_DIR, schemasDir: SCHEMAS_DIR, db: join(tempDir(), "strata.db"), webDir: join(tempDir(), "no-web"), watch: false });
  });
  afterAll(async () => {
    await server?.close();
  });

  const placements: [string, (json: string) => string, string][] = [
    ["as overrides", (json) => `{"model_name": "m", "base_runtime": "sglang", "overrides": ${json}}`, "/overrides"],
    ["as user_overrides", (json) => `{"model_name": "m", "base_runtime": "sglang", "user_overrides": ${json}}`, "/user_overrides"],
    ["at the top of the body", (json) => `{"model_name": "m", "base_runtime": "sglang", ${json.trim().slice(1)}`, ""],
  ];

  it.each(PAYLOADS)("$name: 400 forbidden-key naming the field, on preview and create", async (p) => {
    for (const [where, wrap, prefix] of placements) {
      for (const route of ["/api/config/preview", "/api/tasks/from-context"]) {
        const res = await post(server.url, route, wrap(p.json));
        expect(res.status, `${route} ${where}`).toBe(400);
        expect(res.body.error.code, `${route} ${where}`).toBe("forbidden-key");
        expect(res.body.error.issues, `${route} ${where}`).toContainEqual(expect.objectContaining({ code: "forbidden-key", pointer: prefix + p.pointer }));
      }
    }
    const tasks = await get(server.url, "/api/tasks");
    expect(tasks.body.total).toBe(0);
  });

  it.each([
    ["/api/tasks?__proto__[polluted]=yes", 400, "query-invalid"],
    ["/api/tasks?constructor[prototype][polluted]=yes", 400, "query-invalid"],
    ["/api/tasks?__proto__=1", 400, "query-invalid"],
    ["/api/tasks/__proto__", 400, "param-invalid"],
    ["/api/tasks/constructor", 400, "param-invalid"],
    ["/api/profiles/__proto__", 404, "profile-not-found"],
    ["/api/profiles/constructor", 404, "profile-not-found"],
    ["/api/profiles/hasOwnProperty", 404, "profile-not-found"],
    ["/api/schemas/__proto__", 404, "schema-not-found"],
    ["/api/schemas/constructor", 404, "schema-not-found"],
    ["/api/schemas/toString", 404, "schema-not-found"],
    ["/api/config/preview?__proto__[polluted]=yes", 400, "query-invalid"],
  ])("a prototype key in the query string or a path parameter, %s: %i %s, never a change", async (path, status, code) => {
    const res = path.startsWith("/api/config") ? await post(server.url, path, `{"model_name": "m", "base_runtime": "sglang"}`) : await get(server.url, path);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });

  it("a clean body still works after all that, and the stored task has ordinary prototypes", async () => {
    const res = await post(server.url, "/api/tasks/from-context", `{"model_name": "m", "base_runtime": "sglang", "task_name": "after-the-payloads"}`);
    expect(res.status).toBe(201);
    const task = await get(server.url, `/api/tasks/${res.body.task.id}`);
    expect(task.body.config.task_name).toBe("after-the-payloads");
    expect(prototypeProblems(task.body)).toEqual([]);
  });
});
