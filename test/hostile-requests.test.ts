// Hostile requests (issue 15): query strings and path parameters of every shape are a 400 naming the
// parameter, never a 500 from SQLite.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../src/server/app.js";
import { call, get, removeTempDirs, startServer } from "./server-helpers.js";

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
