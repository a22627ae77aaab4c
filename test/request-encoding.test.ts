// Request bodies are UTF-8 (RFC 8259 §8.1). Bytes that are not, or a Content-Type naming another charset, are
// refused where they are: decoding them leniently would store U+FFFD in place of the client's text.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../src/server/app.js";
import { decodeJsonBody } from "../src/server/json-body.js";
import { call, removeTempDirs, startServer } from "./server-helpers.js";

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p))));
const notUtf8 = (byte: string, line: number, column: number, at: number) => ({
  ok: false,
  status: 400,
  issue: {
    code: "body-not-utf8",
    severity: "error",
    message: `the request body is not UTF-8: byte 0x${byte} at line ${line}, column ${column} (byte ${at}) starts no UTF-8 character; send the text as UTF-8`,
    pointer: "",
    line,
    column,
  },
});

describe("decodeJsonBody", () => {
  it.each([
    ["ASCII", bytes('{"a": 1}'), '{"a": 1}'],
    ["two, three and four bytes, at the edges of their ranges", bytes('{"a": "', [0xc2, 0x80, 0xdf, 0xbf, 0xe0, 0xa0, 0x80, 0xed, 0x9f, 0xbf, 0xef, 0xbf, 0xbf, 0xf0, 0x90, 0x80, 0x80, 0xf4, 0x8f, 0xbf, 0xbf], '"}'), '{"a": "\u0080\u07ff\u0800\ud7ff\uffff\u{10000}\u{10ffff}"}'],
    ["a byte-order mark is kept for the parser to skip", bytes([0xef, 0xbb, 0xbf], "{}"), "\ufeff{}"],
    ["an encoded U+FFFD is text like any other", bytes('"', [0xef, 0xbf, 0xbd], '"'), '"\ufffd"'],
    ["empty", bytes(), ""],
  ])("%s: decoded as it is", (_, body, text) => {
    expect(decodeJsonBody(body)).toEqual({ ok: true, text });
    expect(decodeJsonBody(body, "application/json; charset=UTF-8")).toEqual({ ok: true, text });
  });

  it.each([
    // café in Latin-1: é is 0xE9, then a quote where a continuation byte must be.
    ["Latin-1 text", bytes('{\n  "description": "caf', [0xe9], '"\n}'), notUtf8("E9", 2, 22, 24)],
    ["a continuation byte alone", bytes("ab", [0x80]), notUtf8("80", 1, 3, 3)],
    ["an overlong encoding of '/'", bytes("x", [0xc0, 0xaf]), notUtf8("C0", 1, 2, 2)],
    ["C1, the other overlong lead byte", bytes([0xc1, 0xbf]), notUtf8("C1", 1, 1, 1)],
    ["an overlong three-byte form", bytes([0xe0, 0x9f, 0xbf]), notUtf8("E0", 1, 1, 1)],
    ["a surrogate (U+D800)", bytes("é\n", [0xed, 0xa0, 0x80]), notUtf8("ED", 2, 1, 4)],
    ["an overlong four-byte form", bytes([0xf0, 0x8f, 0xbf, 0xbf]), notUtf8("F0", 1, 1, 1)],
    ["beyond U+10FFFF", bytes([0xf4, 0x90, 0x80, 0x80]), notUtf8("F4", 1, 1, 1)],
    ["a lead byte no character has", bytes("€", [0xf5, 0x80, 0x80, 0x80]), notUtf8("F5", 1, 2, 4)],
    ["a bad third byte", bytes([0xe2, 0x82, 0x41]), notUtf8("E2", 1, 1, 1)],
    ["a bad fourth byte", bytes([0xf0, 0x9f, 0x98, 0x41]), notUtf8("F0", 1, 1, 1)],
    ["a character cut short at the end", bytes("ok", [0xe2, 0x82]), notUtf8("E2", 1, 3, 3)],
  ])("%s: refused where it is", (_, body, refused) => {
    expect(decodeJsonBody(body)).toEqual(refused);
  });

  it("a charset other than UTF-8 is a 415 naming it; utf8, any case, quoted, is UTF-8", () => {
    for (const type of ["application/json; charset=utf-8", "application/json;charset=UTF8", 'application/json; charset="utf-8"', "application/json", "application/json; foo=bar"]) {
      expect(decodeJsonBody(bytes("{}"), type)).toEqual({ ok: true, text: "{}" });
    }
    expect(decodeJsonBody(bytes("{}"), "application/json; charset=ISO-8859-1")).toEqual({
      ok: false,
      status: 415,
      issue: { code: "unsupported-media-type", severity: "error", message: "unsupported charset 'iso-8859-1': send the body as UTF-8 (application/json, or application/json; charset=utf-8)", pointer: "" },
    });
    expect(decodeJsonBody(bytes("{}"), "application/json; charset=").ok).toBe(false);
  });
});

describe("the service", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.close();
    removeTempDirs();
  });

  it("answers 400 body-not-utf8 for Latin-1 bytes and 415 for another charset, and stores nothing", async () => {
    const latin1 = bytes('{"model_name": "m", "base_runtime": "sglang", "task_name": "caf', [0xe9], '"}');
    const bad = await call(server, "POST", "/api/tasks/from-context", latin1);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: { code: "body-not-utf8", message: notUtf8("E9", 1, 64, 64).issue.message, issues: [notUtf8("E9", 1, 64, 64).issue] } });
    const other = await call(server, "POST", "/api/config/preview", '{"model_name": "m"}', { "content-type": "application/json; charset=latin1" });
    expect(other.status).toBe(415);
    expect(other.body.error.code).toBe("unsupported-media-type");
    expect(other.body.error.message).toBe("unsupported charset 'latin1': send the body as UTF-8 (application/json, or application/json; charset=utf-8)");
    expect((await call(server, "GET", "/api/tasks")).body.total).toBe(0);
    // The same text in UTF-8 is stored as it was sent.
    const good = await call(server, "POST", "/api/tasks/from-context", bytes('{"model_name": "m", "base_runtime": "sglang", "task_name": "café"}'), { "content-type": "application/json; charset=utf-8" });
    expect(good.status).toBe(201);
    expect(good.body.task.task_name).toBe("café");
  });
});
