// Hostile requests (issue 15): query strings and path parameters of every shape are a 400 naming the
// parameter, never a 500 from SQLite; the work a request causes is linear in its size, and its lists are bounded.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorObject } from "ajv";
import type { RunningServer } from "../src/server/app.js";
import { overLimits, usefulErrors } from "../src/lang/json-schema.js";
import { BODY_LIMITS } from "../src/server/json-body.js";
import { MAX_BODY_ISSUES } from "../src/server/body.js";
import { call, get, post, removeTempDirs, startServer } from "./server-helpers.js";

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
  removeTempDirs();
});

// Out of range, negative, fractional, not a number, not written in decimal digits, repeated.
const BAD_INTEGERS = ["1e20", "9223372036854775808", "1e308", "Infinity", "-1", "-9007199254740992", "1.5", "0.0", "abc", "", "%20", "0x10", "1e3", "1_000", "+5", "1".repeat(60)];

describe("query strings and path parameters", () => {
  it("GET /api/tasks: a bad limit, offset or cursor is a 400 naming it", async () => {
    for (const param of ["limit", "offset", "cursor"]) {
      for (const value of [...BAD_INTEGERS, "1".repeat(4000), "1&" + param + "=2"]) {
        const res = await get(server, `/api/tasks?${param}=${value}`);
        expect([param, value, res.status]).toEqual([param, value, 400]);
        expect(res.body.error.code).toBe("query-invalid");
        expect(res.body.error.issues[0], `${param}=${value}`).toMatchObject({ code: "query-invalid", pointer: `/${param}` });
        expect(res.body.error.message).toContain(`'${param}'`);
      }
    }
  });

  it("a parameter given twice is a 400 saying so, for each one repeated (not that it is no integer)", async () => {
    const res = await get(server, "/api/tasks?limit=1&limit=2&status=running&status=failed&status=pending&offset=0");
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      code: "query-invalid",
      message: "the query string is invalid: 'limit' is given 2 times; give it once (and 1 more problem)",
      issues: [
        { code: "query-invalid", severity: "error", message: "'limit' is given 2 times; give it once", pointer: "/limit" },
        { code: "query-invalid", severity: "error", message: "'status' is given 3 times; give it once", pointer: "/status" },
      ],
    });
    const preview = await call(server, "POST", "/api/config/preview?strict=true&strict=false", { model_name: "m", base_runtime: "sglang" });
    expect([preview.status, preview.body.error.issues]).toEqual([400, [{ code: "query-invalid", severity: "error", message: "'strict' is given 2 times; give it once", pointer: "/strict" }]]);
  });

  it("GET and DELETE /api/tasks/:id: a bad id is a 400 naming it", async () => {
    for (const method of ["GET", "DELETE"]) {
      for (const value of [...BAD_INTEGERS.filter((v) => v !== ""), "0"]) {
        const res = await call(server, method, `/api/tasks/${value}`);
        expect([method, value, res.status]).toEqual([method, value, 400]);
        expect(res.body.error.issues[0]).toMatchObject({ code: "param-invalid", pointer: "/id" });
      }
    }
  });

  it("the largest values allowed still answer (an empty page, a 404)", async () => {
    const max = String(Number.MAX_SAFE_INTEGER);
    const page = await get(server, `/api/tasks?offset=${max}&cursor=${max}&limit=500`);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ tasks: [], offset: Number.MAX_SAFE_INTEGER, limit: 500 });
    expect((await get(server, `/api/tasks/${max}`)).status).toBe(404);
    expect((await get(server, "/api/tasks?offset=007")).body.offset).toBe(7);
  });
});

describe("work linear in the request's size, lists bounded", () => {
  const base = { model_name: "m", base_runtime: "vllm" };

  it("100,000 profile names are one 400 at /profiles; 9,000 invalid ones too, for the list's length", async () => {
    const many = await post(server, "/api/config/preview", { ...base, profiles: Array.from({ length: 100_000 }, (_, i) => `p${i}`) });
    expect(many.status).toBe(400);
    expect(many.body.error.issues).toEqual([expect.objectContaining({ code: "body-too-many-items", pointer: "/profiles" })]);
    // Under the body's own bound, the schema's maxItems refuses the list before any item is looked at:
    // one issue, not 9,000 pattern errors.
    const invalid = await post(server, "/api/config/preview", { ...base, profiles: Array.from({ length: 9_000 }, (_, i) => `Bad-${i}`) });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.issues).toEqual([expect.objectContaining({ code: "body-invalid", pointer: "/profiles", keyword: "maxItems", message: "'profiles' has too many items: at most 100" })]);
  });

  it("10,000 objects in a list of integers are one 400, not 10,000 problems (30,000 took 30 s)", async () => {
    const res = await post(server, "/api/config/preview", { ...base, num_concurrency: Array.from({ length: 10_000 }, (_, i) => ({ a: i })) });
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual([expect.objectContaining({ pointer: "/num_concurrency", keyword: "maxItems" })]);
  });

  it("a list or object with more than 10,000 entries anywhere in the body is a 400 naming it", async () => {
    expect(BODY_LIMITS.maxItems).toBe(10_000);
    const keys = Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, i]));
    const wide = await post(server, "/api/config/preview", { ...base, overrides: keys });
    expect(wide.status).toBe(400);
    expect(wide.body.error.issues[0]).toMatchObject({ code: "body-too-many-items", pointer: "/overrides" });
    expect(wide.body.error.message).toBe("'/overrides' has 10001 fields; at most 10000 are accepted in one list or object");
    const long = await post(server, "/api/config/preview", { ...base, overrides: { parameters: { "tp-size": Array(20_000).fill(1) } } });
    expect(long.status).toBe(400);
    expect(long.body.error.issues[0]).toMatchObject({ code: "body-too-many-items", pointer: "/overrides/parameters/tp-size" });
    // At the limit, the body is read (and the config found invalid as usual).
    const atLimit = await post(server, "/api/config/preview", { ...base, overrides: { parameters: { "tp-size": Array(10_000).fill(1) } } });
    expect(atLimit.status).toBe(200);
  });

  it("at most 100 problems are listed for one body, then how many more there were", async () => {
    expect(MAX_BODY_ISSUES).toBe(100);
    const unknown = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`field${i}`, i]));
    const res = await post(server, "/api/config/preview", { ...base, ...unknown });
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toHaveLength(101);
    expect(res.body.error.issues[100]).toMatchObject({ code: "body-invalid", pointer: "", message: "and 4900 more problems of the same kind, not listed" });
  });

  it("usefulErrors is linear: it reads each error's path a bounded number of times", () => {
    // Counted, not timed: with a comparison of every error with every other, 4,000 errors read their paths
    // millions of times.
    let reads = 0;
    const error = (instancePath: string, keyword: string, params: Record<string, unknown>, message: string): ErrorObject => {
      const e = { keyword, schemaPath: "", params, message } as ErrorObject;
      Object.defineProperty(e, "instancePath", { enumerable: true, get: () => (reads++, instancePath) });
      return e;
    };
    const errors: ErrorObject[] = [];
    for (let i = 0; i < 2_000; i++) {
      const at = `/list/${i}`;
      errors.push(error(at, "type", { type: "null" }, "must be null"), error(at, "type", { type: "string" }, "must be string"), error(at, "minimum", { limit: 0 }, "must be >= 0"));
    }
    for (const type of ["null", "array", "object"]) errors.push(error("/a", "type", { type }, `must be ${type}`));
    errors.push(error("/b", "type", { type: "null" }, "must be null"), error("/b/c", "required", { missingProperty: "d" }, "must have d"));
    const useful = usefulErrors(errors);
    expect(reads).toBeLessThan(20 * errors.length);
    // Every "must be null" beside another problem is gone; the two type errors of /a are one.
    expect(useful).toHaveLength(4_002);
    expect(useful.filter((e) => e.params.type === "null")).toEqual([]);
    expect(useful.find((e) => e.instancePath === "/a")?.params.type).toBe("array,object");
  });

  it("overLimits walks properties, items and $refs once, and stops at each list over its bound", () => {
    const schema = {
      type: "object",
      definitions: { names: { type: "array", maxItems: 2, items: { type: "string" } } },
      properties: { a: { $ref: "#/definitions/names" }, b: { type: "array", items: { type: "object", maxProperties: 1 } } },
    };
    expect(overLimits(schema, { a: ["x", "y"], b: [{ p: 1 }] })).toEqual([]);
    const found = overLimits(schema, { a: Array(100_000).fill("x"), b: [{ p: 1 }, { p: 1, q: 2 }] });
    expect(found.map((e) => [e.instancePath, e.keyword, e.params.limit])).toEqual([["/a", "maxItems", 2], ["/b/1", "maxProperties", 1]]);
  });
});
