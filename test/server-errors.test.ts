// Bad input gets the right status and names the field; nothing a client sends yields a 500 or a stack.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../src/server/app.js";
import { CURL_EXAMPLE, call, copyLayerSet, get, post, removeTempDirs, startServer } from "./server-helpers.js";

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
  removeTempDirs();
});

const ROUTES = ["/api/tasks/from-context", "/api/config/preview"];

describe("400: malformed JSON, wrong types, missing or unknown fields", () => {
  it("reports malformed JSON with its line and column, without echoing the body", async () => {
    for (const route of ROUTES) {
      const res = await post(server, route, '{\n  "model_name": "m",\n  "base_runtime": \n}');
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("malformed-json");
      expect(res.body.error.issues[0]).toMatchObject({ code: "malformed-json", pointer: "", line: 4, column: 1 });
      expect(res.body.error.message).toBe("malformed JSON at line 4, column 1: unexpected '}'");
    }
    const cases: [string, string][] = [
      ['{"a": 1,}', "trailing comma before '}'"],
      ["{'a': 1}", "expected a property name in double quotes, found '''"],
      ['{"a": 1} extra', "unexpected 'e' after the JSON value"],
      ['{"a": "unterminated', "unterminated string"],
      ["[1, 2", "expected ',' or ']', found end of input"],
    ];
    for (const [text, message] of cases) {
      const res = await post(server, "/api/config/preview", text);
      expect(res.status, text).toBe(400);
      expect(res.body.error.issues[0].message, text).toContain(message);
    }
  });

  it("names the field of a wrong type, a missing field and an unknown field by JSON Pointer", async () => {
    const cases: [unknown, string, string][] = [
      [{ model_name: 3, base_runtime: "sglang" }, "/model_name", "'model_name' must be string"],
      [{ model_name: "m" }, "/base_runtime", "missing required field 'base_runtime'"],
      [{ model_name: "m", base_runtime: "sglang", num_concurrency: [1, "four"] }, "/num_concurrency/1", "'num_concurrency.1' must be integer"],
      [{ model_name: "m", base_runtime: "sglang", total_gpus: -1 }, "/total_gpus", "'total_gpus' must be >= 0"],
      [{ model_name: "m", base_runtime: "sglang", override_mode: "merge" }, "/override_mode", `'override_mode' must be one of "patch", "replace"`],
      [{ model_name: "m", base_runtime: "sglang", modle: "typo" }, "/modle", "unknown field 'modle'"],
      [{ model_name: "m", base_runtime: "sglang", overrides: [1] }, "/overrides", "'overrides' must be object"],
      [{ model_name: "m", base_runtime: "sglang", slo: { ttft: { weight: 1 } } }, "/slo/ttft/threshold", "missing required field 'slo.ttft.threshold'"],
      [{ model_name: "m", base_runtime: "sglang", profiles: ["Bad Name"] }, "/profiles/0", "'profiles.0' must be lower-case letters, digits and dashes, not starting with a dash"],
      [[CURL_EXAMPLE], "", "the request body must be a JSON object"],
      ["null", "", "the request body must be a JSON object"],
    ];
    for (const route of ROUTES) {
      for (const [body, pointer, message] of cases) {
        const res = await post(server, route, typeof body === "string" ? body : body);
        const label = `${route} ${JSON.stringify(body)}`;
        expect(res.status, label).toBe(400);
        const issue = res.body.error.issues.find((i: { pointer: string }) => i.pointer === pointer);
        expect(issue, `${label}: ${JSON.stringify(res.body)}`).toBeDefined();
        expect(issue.message, label).toContain(message);
        // The message leads with the first issue ("the request body is invalid: …", or that issue alone when it
        // is about the whole body).
        const first = res.body.error.issues[0].message;
        expect(res.body.error.message, label).toBe(first.startsWith("the request body") ? first : `the request body is invalid: ${first}${res.body.error.issues.length > 1 ? ` (and ${res.body.error.issues.length - 1} more problem${res.body.error.issues.length > 2 ? "s" : ""})` : ""}`);
      }
    }
  });

  it("refuses a number JSON can write but not hold (1e400 is Infinity) at the request field that has it, not in the config", async () => {
    const cases: [string, string, string][] = [
      ['{"model_name": "m", "base_runtime": "sglang", "slo": {"ttft": {"threshold": 1e400}}}', "/slo/ttft/threshold", "'slo.ttft.threshold' is a number too large to hold (beyond ±1.8e308): write a finite number"],
      ['{"model_name": "m", "base_runtime": "sglang", "total_gpus": -1e400}', "/total_gpus", "'total_gpus' is a number too large to hold (beyond ±1.8e308): write a finite number"],
      ['{"model_name": "m", "base_runtime": "sglang", "overrides": {"parameters": {"tp-size": [1, 2e308]}}}', "/overrides/parameters/tp-size/1", "'overrides.parameters.tp-size.1' is a number too large to hold (beyond ±1.8e308): write a finite number"],
      ["1e400", "", "the request body is a number too large to hold (beyond ±1.8e308): write a finite number"],
    ];
    for (const route of ROUTES) {
      for (const [body, pointer, message] of cases) {
        const res = await post(server, route, body);
        expect([res.status, res.body.error]).toEqual([400, { code: "body-invalid", message, issues: [{ code: "body-invalid", severity: "error", message, pointer }] }]);
      }
    }
  });

  it("rejects an empty body, a non-JSON content type, prototype keys and a too deeply nested body", async () => {
    const empty = await post(server, "/api/tasks/from-context", "");
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe("empty-body");
    // Said once, not after "the request body is invalid:".
    expect(empty.body.error.message).toMatch(/^the request body is empty: send a JSON object/);
    const noBody = await call(server, "POST", "/api/config/preview");
    expect(noBody.status).toBe(400);
    expect(noBody.body.error.code).toBe("empty-body");

    const text = await post(server, "/api/tasks/from-context", "model_name=m", { "content-type": "text/plain" });
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe("unsupported-media-type");

    for (const raw of ['{"model_name":"m","base_runtime":"sglang","overrides":{"__proto__":{"polluted":1}}}', '{"model_name":"m","base_runtime":"sglang","overrides":{"a":{"constructor":{"prototype":{"polluted":1}}}}}']) {
      const res = await post(server, "/api/tasks/from-context", raw);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("forbidden-key");
      expect(res.body.error.issues[0].pointer).toMatch(/^\/overrides\/(__proto__|a\/constructor)$/);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }

    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = { a: deep };
    const tooDeep = await post(server, "/api/config/preview", { model_name: "m", base_runtime: "sglang", overrides: deep });
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.body.error.code).toBe("body-too-deep");
    expect(tooDeep.body.error.issues[0].pointer).toMatch(/^\/overrides(\/a)+$/);
    // Far deeper than any stack would hold, and malformed: still a 400.
    const bomb = await post(server, "/api/config/preview", "[".repeat(200_000));
    expect(bomb.status).toBe(400);
    const deepValid = await post(server, "/api/config/preview", "[".repeat(100_000) + "]".repeat(100_000));
    expect(deepValid.status).toBe(400);
    expect(deepValid.body.error.code).toBe("body-too-deep");
  });
});

describe("413: oversized bodies", () => {
  it("refuses a body over the default 1 MiB limit, and over a configured one", async () => {
    const big = JSON.stringify({ ...CURL_EXAMPLE, overrides: { benchmark: { additional_params: { blob: "x".repeat(1_100_000) } } } });
    const res = await post(server, "/api/tasks/from-context", big);
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: "body-too-large", message: "the request body is larger than the limit of 1048576 bytes" });

    const small = await startServer({ bodyLimit: 2000 });
    try {
      expect((await post(small, "/api/config/preview", CURL_EXAMPLE)).status).toBe(200);
      const over = await post(small, "/api/config/preview", { ...CURL_EXAMPLE, description: "y".repeat(3000) });
      expect(over.status).toBe(413);
      expect(over.body.error.message).toContain("2000 bytes");
    } finally {
      await small.close();
    }
  });
});

describe("422: a config that fails validation names who set the bad value", () => {
  it("blames the user's override for a value it set", async () => {
    const body = { ...CURL_EXAMPLE, overrides: { optimization: { max_iterations: "ten" } } };
    const res = await post(server, "/api/tasks/from-context", body);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("config-invalid");
    expect(res.body.error.issues).toEqual([
      expect.objectContaining({ code: "config-invalid", pointer: "/optimization/max_iterations", origin: { source: "user_patch", stage: "user" } }),
    ]);
    expect(res.body.applied_layers).toContain("user_patch");
    // Preview: same errors, with status 200 and ok: false, so a form can show them beside the fields.
    const preview = await post(server, "/api/config/preview", body);
    expect(preview.status).toBe(200);
    expect(preview.body.ok).toBe(false);
    expect(preview.body.errors).toEqual(res.body.error.issues);
    expect(preview.body.config.optimization.max_iterations).toBe("ten");
    expect((await get(server, "/api/tasks")).body.tasks.some((t: { task_name: string }) => t.task_name === "llama-3-2-1b-instruct_grid_search")).toBe(false);
  });

  it("blames the layer file and line for a value a layer set", async () => {
    // Computed: a value written as it is would be refused when the layers load (layer-value).
    const { layersDir, schemasDir } = copyLayerSet();
    writeFileSync(
      join(layersDir, "runtime", "odd-defaults.yaml"),
      ["name: odd-defaults", "stage: runtime", 'when: { "==": [{ "var": "base_runtime" }, "odd"] }', "data:", "  optimization:", "    max_iterations: !expr '\"many\"'", ""].join("\n"),
    );
    const odd = await startServer({ layersDir, schemasDir });
    try {
      const res = await post(odd, "/api/tasks/from-context", { model_name: "m", base_runtime: "odd" });
      expect(res.status).toBe(422);
      expect(res.body.error.issues).toEqual([
        expect.objectContaining({
          code: "config-invalid",
          pointer: "/optimization/max_iterations",
          file: "runtime/odd-defaults.yaml",
          line: 6,
          layer: "odd-defaults",
          origin: expect.objectContaining({ source: "odd-defaults", file: "runtime/odd-defaults.yaml", line: 6 }),
        }),
      ]);
      expect((await post(odd, "/api/tasks/from-context", { model_name: "m", base_runtime: "sglang" })).status).toBe(201);
    } finally {
      await odd.close();
    }
  });

  it("points a failing directive in the overrides at the body field", async () => {
    const res = await post(server, "/api/tasks/from-context", { ...CURL_EXAMPLE, overrides: { model: { $append: [1] } } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("compose-failed");
    expect(res.body.error.issues[0].pointer).toMatch(/^\/overrides\/model/);
  });
});

describe("404 and 500", () => {
  it("answers unknown routes with a JSON 404, and a known route asked with another method with 405", async () => {
    for (const [method, path] of [["GET", "/api/nope"], ["GET", "/api"], ["PUT", "/api/nope/1"]]) {
      const res = await call(server, method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/application\/json/);
      expect(res.body.error.code).toBe("not-found");
    }
    for (const [method, path, allow] of [["POST", "/api/tasks", "GET"], ["PUT", "/api/tasks/1", "GET, DELETE"], ["DELETE", "/api/profiles/low-latency", "GET"]]) {
      const res = await call(server, method, path);
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get("allow"), `${method} ${path}`).toBe(allow);
      expect(res.body.error.code).toBe("method-not-allowed");
    }
    const res = await get(server, "/api/tasks/%E0%A4%A");
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("bad-url");
  });

  it("never answers 500 to hostile bodies", async () => {
    const bodies: unknown[] = [
      "0", '"text"', "true", "[]", "{}", '{"model_name":""}',
      { model_name: "m".repeat(100_000), base_runtime: "sglang" },
      { model_name: "m", base_runtime: "sglang", num_concurrency: [1e308] },
      { model_name: "m", base_runtime: "sglang", total_gpus: 2 ** 60 },
      { model_name: "m", base_runtime: "sglang", profiles: ["../../etc/passwd"] },
      { model_name: "\u0000\ud800", base_runtime: "sglang" },
      { model_name: "m", base_runtime: "sglang", overrides: { $patch: "delete" } },
      { model_name: "m", base_runtime: "sglang", override_mode: "replace", overrides: { a: 1 } },
      { model_name: "m", base_runtime: "sglang", overrides: { parameters: { $patch: "replace" } } },
      { model_name: "m", base_runtime: "sglang", overrides: { parameters: { "tp-size": { $append: "x" } } } },
      { model_name: "m", base_runtime: "sglang", gpu_type: "H100", total_gpus: 0 },
      { model_name: "m", base_runtime: "sglang", overrides: { task_name: { $expr: "$now()" } } },
    ];
    for (const route of ROUTES) {
      for (const body of bodies) {
        const res = await post(server, route, body);
        expect([200, 201, 400, 409, 422], `${route} ${JSON.stringify(body).slice(0, 80)} → ${res.status} ${res.text.slice(0, 200)}`).toContain(res.status);
        expect(res.text).not.toMatch(/\bat .+\.(js|ts):\d+/);
      }
    }
  });

  it("answers a server-side fault with a generic 500 and logs the details server-side", async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, next) {
        lines.push(chunk.toString());
        next();
      },
    });
    const faulty = await startServer({ logger: { level: "error", stream } });
    try {
      faulty.store.close(); // the database goes away under the running service
      const res = await post(faulty, "/api/tasks/from-context", CURL_EXAMPLE);
      expect(res.status).toBe(500);
      expect(res.body.error.code).toBe("internal-error");
      expect(res.body.error.message).toMatch(/^internal error \(request [\w-]+\); the server log has the details$/);
      expect(res.text).not.toMatch(/database|stack|\.ts:|\.js:/i);
      expect(lines.join("")).toMatch(/database connection is not open/);
      expect(lines.join("")).toMatch(/"stack"/);
      // The service still answers what does not need the database.
      expect((await post(faulty, "/api/config/preview", CURL_EXAMPLE)).status).toBe(200);
    } finally {
      await faulty.close();
    }
  });
});
