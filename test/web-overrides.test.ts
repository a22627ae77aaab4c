// The page's reading of the overrides editor's text (web/src/overrides.ts): a YAML mistake is worded as the server
// words one in a layer file (src/core/yaml-errors.ts) and placed at the line of the mistake; a server issue's
// pointer finds the line of your changes it concerns.
import { describe, expect, it } from "vitest";
import { lineOfPointer, parseOverrides } from "../web/src/overrides";

describe("parseOverrides", () => {
  it("words an unclosed list in plain words, at the line where it was opened", () => {
    const parsed = parseOverrides("parameters:\n  tp-size: [16\nbenchmark:\n  num_concurrency: [1]\n");
    expect(parsed).toEqual({ ok: false, error: { line: 2, column: 12, message: "the list opened with '[' on line 2 is not closed: end it with ']'" } });
  });

  it("names both lines of a duplicate key", () => {
    const parsed = parseOverrides("optimization:\n  max_iterations: 1\n  max_iterations: 2\n");
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toEqual({ line: 3, column: 3, message: "'max_iterations' appears twice: lines 2 and 3; a key may appear once in a mapping: keep one" });
  });

  it("puts a key indented too far on its own line, not on the line the parser stopped at", () => {
    const parsed = parseOverrides("optimization:\n  strategy: grid_search\n    max_iterations: 10\n");
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error.line).toBe(3);
      expect(parsed.error.message).toMatch(/^the key 'max_iterations' is indented more than the keys above it/);
    }
  });

  it("refuses a number JSON cannot hold (.inf, .nan, 1e400) at its line, in the server's words, rather than send null", () => {
    expect(parseOverrides("slo:\n  ttft: {threshold: .inf}\n")).toEqual({ ok: false, error: { line: 2, column: 21, message: ".inf is a number JSON cannot hold (infinite): write a finite number" } });
    expect(parseOverrides("parameters:\n  tp-size: [1, 2]\n  x: [1e400]\n")).toEqual({ ok: false, error: { line: 3, column: 7, message: "1e400 is a number JSON cannot hold (infinite): write a finite number" } });
    expect(parseOverrides("a: &n .nan\nb: *n\n")).toEqual({ ok: false, error: { line: 1, column: 7, message: ".nan is a number JSON cannot hold (not a number): write a finite number" } });
    // A quoted '.inf' is a string, and the largest doubles are numbers: both fine.
    expect(parseOverrides("a: '.inf'\nbig: 1.7e308\nsmall: -1.7e308\n")).toMatchObject({ ok: true, value: { a: ".inf", big: 1.7e308, small: -1.7e308 } });
  });

  it("refuses a list or a scalar as the whole text, and reads empty text as no changes", () => {
    const list = parseOverrides("- a\n- b\n");
    expect(list.ok ? "" : list.error.message).toBe('your changes must be a mapping of config keys (like "parameters:"), not a list');
    const empty = parseOverrides("  \n");
    expect(empty.ok && empty.value).toEqual({});
  });

  it("finds the line of a pointer, or of its nearest enclosing entry", () => {
    const parsed = parseOverrides("parameters:\n  tp-size: [16]\noptimization:\n  max_iterations: 3\n");
    expect(parsed.ok && parsed.value).toEqual({ parameters: { "tp-size": [16] }, optimization: { max_iterations: 3 } });
    expect(lineOfPointer(parsed, "/optimization/max_iterations")).toBe(4);
    expect(lineOfPointer(parsed, "/parameters/tp-size/0")).toBe(2);
    expect(lineOfPointer(parsed, "/parameters/tp-size/7")).toBe(2);
    expect(lineOfPointer(parsed, "/benchmark")).toBeUndefined();
  });
});
