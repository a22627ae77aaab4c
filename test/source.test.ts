// src/core/source.ts on its own: parsing a layer file into data and positions, its limits at their edges, and where
// each refusal points. A file of its own (not test/engine-units.test.ts) so that a mutation run of source.ts, which
// every test that loads layers reaches, can run these few fast tests (docs/testing.md, "Mutation testing").
import { describe, expect, it } from "vitest";
import { parseSource, positionOf, SOURCE_LIMITS, valuePosition } from "../src/core/source.js";
import { errorsOf, setWith } from "./hostile/setup.js";

describe("source (src/core/source.ts)", () => {
  const parse = (text: string, path = "x.yaml", options: { expressions?: boolean } = {}) => parseSource({ path, text }, options);
  const only = (code: string, message: string, line?: number, column?: number, file = "x.yaml") =>
    [{ code, severity: "error", message, file, ...(line === undefined ? {} : { line, column }) }];
  const NESTING = "nesting is too deep here (at most 64 levels; indentation, brackets and list dashes count)";

  it("positions: a key at its key, its value under `#value`, list items at theirs, an alias's entries at the anchor's", () => {
    const r = parse("a:\n  b: [x, {c: 1}]\n  d: &z\n    e: 1\n  f: *z\n");
    expect(r.issues).toEqual([]);
    expect(r.source!.data).toEqual({ a: { b: ["x", { c: 1 }], d: { e: 1 }, f: { e: 1 } } });
    const at = (line: number, column: number) => ({ line, column });
    expect(Object.fromEntries(r.source!.positions)).toEqual({
      "": at(1, 1),
      "/a": at(1, 1), "/a#value": at(2, 3),
      "/a/b": at(2, 3), "/a/b#value": at(2, 6), "/a/b/0": at(2, 7), "/a/b/1": at(2, 10), "/a/b/1/c": at(2, 11), "/a/b/1/c#value": at(2, 14),
      "/a/d": at(3, 3), "/a/d#value": at(4, 5), "/a/d/e": at(4, 5), "/a/d/e#value": at(4, 8),
      "/a/f": at(5, 3), "/a/f#value": at(5, 6), "/a/f/e": at(4, 5), "/a/f/e#value": at(4, 8),
    });
  });

  it("a file that could not be read is its own issue, never parsed; only a size refusal claims line 1", () => {
    expect(parseSource({ path: "big.yaml", text: "a: [", unreadable: { code: "file-too-large", message: "too big" } })).toEqual({ issues: only("file-too-large", "too big", 1, 1, "big.yaml") });
    expect(parseSource({ path: "d", text: "a: [", unreadable: { code: "link-loop", message: "loops" } })).toEqual({ issues: only("link-loop", "loops", undefined, undefined, "d") });
  });

  it("each limit at its edge, with the issue it gives one over", () => {
    const sized = (n: number) => "a: '" + "x".repeat(n - 6) + "'\n"; // n bytes
    expect(sized(SOURCE_LIMITS.maxBytes).length).toBe(1 << 20);
    expect(parse(sized(SOURCE_LIMITS.maxBytes)).issues).toEqual([]);
    expect(parse(sized(SOURCE_LIMITS.maxBytes + 1))).toEqual({ issues: only("file-too-large", "file is larger than 1048576 bytes", 1, 1) });
    // An anchor and 99 aliases are 100 expansions.
    const aliases = (n: number) => `a: &x 1\nb: [${Array(n - 1).fill("*x").join(", ")}]\n`;
    expect(parse(aliases(100)).source!.data).toEqual({ a: 1, b: Array(99).fill(1) });
    expect(parse(aliases(101))).toEqual({ issues: only("alias-limit", "Excessive alias count indicates a resource exhaustion attack (limit: 100 alias expansions)", 2, 5) });
    // 64 levels of lists under a key: the key's value is level 1.
    const lists = (n: number) => "a: " + "[".repeat(n) + "]".repeat(n) + "\n";
    expect(parse(lists(64)).issues).toEqual([]);
    expect(parse(lists(65))).toEqual({ issues: only("too-deep", "nesting is deeper than 64 levels", 1, 68) });
    // Before parsing: 256 spaces of indentation pass the estimate, 257 do not.
    expect(parse(`a: |\n${" ".repeat(256)}x\n`).source!.data).toEqual({ a: "x\n" });
    expect(parse(`a: |\n${" ".repeat(257)}x\n`)).toEqual({ issues: only("too-deep", NESTING, 2, 257) });
  });

  it("a byte-order mark is not content: JSON after it parses, and positions count from the character after it", () => {
    const r = parse('\uFEFF{"a": [1]}', "x.json");
    expect(r.issues).toEqual([]);
    expect(r.source!.data).toEqual({ a: [1] });
    expect(Object.fromEntries(r.source!.positions)).toEqual({ "": { line: 1, column: 1 }, "/a": { line: 1, column: 2 }, "/a#value": { line: 1, column: 7 }, "/a/0": { line: 1, column: 8 } });
  });

  it("the size limit counts bytes, not characters", () => {
    const text = "a: '" + "é".repeat(600_000) + "'\n"; // 600,006 characters, 1,200,006 bytes
    expect(parse(text)).toEqual({ issues: only("file-too-large", "file is larger than 1048576 bytes", 1, 1) });
  });

  it("the nesting estimate before parsing: dashes and `?` count as levels, a closing bracket never below zero, dashes inside a word not at all", () => {
    expect(parse(`${"- ".repeat(257)}x\n`)).toEqual({ issues: only("too-deep", NESTING, 1, 513) });
    expect(parse(`${"? ".repeat(257)}x\n`)).toEqual({ issues: only("too-deep", NESTING, 1, 513) });
    expect(parse(`${"-\t".repeat(257)}x\n`)).toEqual({ issues: only("too-deep", NESTING, 1, 513) });
    // A dash that ends the file is an indicator too: the 257th.
    expect(parse(`${"- ".repeat(256)}-`)).toEqual({ issues: only("too-deep", NESTING, 1, 513) });
    // Closing brackets with none open (here inside a string) do not make room for more opening ones.
    expect(parse(`a: "${"]".repeat(300)}"\nb: "${"[".repeat(257)}"\n`)).toEqual({ issues: only("too-deep", NESTING, 2, 261) });
    // Brackets closed on their line, indentation and dashes on earlier lines, spaces after text: none add up.
    const lines = parse(Array(300).fill("- [[1]]").join("\n") + "\n");
    expect(lines.issues).toEqual([]);
    expect(lines.source!.data).toEqual(Array(300).fill([[1]]));
    expect(parse(`a: ${"-".repeat(300)}x\nb: ${" ".repeat(300)}c\n`).source!.data).toEqual({ a: "-".repeat(300) + "x", b: "c" });
    expect(parse(`${"  ".repeat(100)}- x\n`.repeat(3)).issues).toEqual([]);
    expect(parse(Array(300).fill("- {a: {b: 1}}").join("\n") + "\n").issues).toEqual([]);
    expect(parse(`a: "${"{".repeat(257)}"\n`)).toEqual({ issues: only("too-deep", NESTING, 1, 261) });
    expect(parse(`a: "${"[x ".repeat(257)}"\n`)).toEqual({ issues: only("too-deep", NESTING, 1, 773) });
    expect(parse(`${" ".repeat(257)}x\n`)).toEqual({ issues: only("too-deep", NESTING, 1, 257) });
  });

  it("nesting past the limit that the estimate lets through is refused after parsing, at the first node too deep", () => {
    expect(parse("a: " + "[".repeat(65) + "]".repeat(65) + "\n")).toEqual({ issues: only("too-deep", "nesting is deeper than 64 levels", 1, 68) });
    expect(parse(`${"- ".repeat(255)}-`)).toEqual({ issues: only("too-deep", "nesting is deeper than 64 levels", 1, 131) });
    // Through an alias: the node past the limit is inside the anchored value.
    expect(parse("a: &x " + "[".repeat(40) + "]".repeat(40) + "\nb:\n  c: " + "[".repeat(30) + "*x" + "]".repeat(30) + "\n")).toEqual({ issues: only("too-deep", "nesting is deeper than 64 levels", 1, 40) });
  });

  it("a `.json` file (any case) must be JSON: where JSON.parse stops, with its message minus the echoed text", () => {
    expect(parse('{"a": 1,}\n', "x.json")).toEqual({ issues: only("parse-error", "not valid JSON: Expected double-quoted property name", 1, 9, "x.json") });
    expect(parse('{\n  // c\n  "a": 1\n}\n', "x.JSON")).toEqual({ issues: only("parse-error", "not valid JSON: Expected property name or '}'", 2, 3, "x.JSON") });
    // V8 names no offset for an unexpected token: the shortest failing prefix gives it.
    expect(parse('{\n  "a": tru\n}\n', "x.json")).toEqual({ issues: only("parse-error", "not valid JSON: Unexpected token '\n'", 2, 11, "x.json") });
    expect(parse("", "x.json")).toEqual({ issues: only("parse-error", "not valid JSON: Unexpected end of JSON input", 1, 1, "x.json") });
    expect(parse('{\n  "a": [1,\n    undefined]\n}\n', "x.json")).toEqual({ issues: only("parse-error", "not valid JSON: Unexpected token 'u'", 3, 5, "x.json") });
    expect(parse('{"a": 1, "b": 2} x', "x.json")).toEqual({ issues: only("parse-error", "not valid JSON: Unexpected non-whitespace character after JSON", 1, 18, "x.json") });
    expect(parse('{"a": 1} x', "x.json")).toEqual({ issues: only("parse-error", "not valid JSON: Unexpected non-whitespace character after JSON", 1, 10, "x.json") });
    // A trailing comma is fine in YAML: only a `.json` file is held to JSON (`.json` at the end of the name).
    expect(parse('{"a": 1,}\n', "x.json.yaml").source!.data).toEqual({ a: 1 });
    expect(parse('{"a": 1,}\n', "x.yaml").source!.data).toEqual({ a: 1 });
  });

  it("the YAML parser's errors, in plain words at the line of the mistake, with the file's path", () => {
    expect(parse("a: 1\nb: 2\na: 3\n", "d/x.yaml")).toEqual({ issues: only("duplicate-key", "'a' appears twice: lines 1 and 3; a key may appear once in a mapping: keep one", 3, 1, "d/x.yaml") });
  });

  it("tags: only `!expr` in layers, none in user data", () => {
    expect(parse("a: !foo 1\n")).toEqual({ issues: only("unknown-tag", "unknown tag: Unresolved tag: !foo (the only tag strata knows is !expr)", 1, 4) });
    expect(parse("a:\n  b: !expr 1\n", "x.yaml", { expressions: false })).toEqual({ issues: only("unknown-tag", "unknown tag: Unresolved tag: !expr (user data takes no tags)", 2, 6) });
    expect(parse("a: !expr b\n").source!.data).toEqual({ a: { $expr: "b" } });
  });

  it("YAML 1.1's tags that build values JSON cannot hold (bytes, sets, maps, dates) are unknown tags, at the tag", () => {
    const why = "(the only tag strata knows is !expr)";
    expect(parse("x: !!binary AAAA\n")).toEqual({ issues: only("unknown-tag", `unknown tag: !!binary builds a value JSON cannot hold ${why}`, 1, 4) });
    expect(parse("x: &a !!set {a, b}\n")).toEqual({ issues: only("unknown-tag", `unknown tag: !!set builds a value JSON cannot hold ${why}`, 1, 7) });
    // The first one in the file is the one reported.
    expect(parse("x: [1, !!binary AAAA]\ny: !!set {a}\n")).toEqual({ issues: only("unknown-tag", `unknown tag: !!binary builds a value JSON cannot hold ${why}`, 1, 8) });
    expect(parse("x: !!omap\n  - a: 1\n")).toEqual({ issues: only("unknown-tag", `unknown tag: !!omap builds a value JSON cannot hold ${why}`, 1, 4) });
    expect(parse("x:\n  - !<tag:yaml.org,2002:timestamp> 2001-12-14\n", "x.yaml", { expressions: false })).toEqual({
      issues: only("unknown-tag", "unknown tag: !!timestamp builds a value JSON cannot hold (user data takes no tags)", 2, 5),
    });
    // The JSON ones stay: they only say what the value already is, or make it a string or a number.
    expect(parse("a: !!str 1\nb: !!int '3'\nc: !!map {d: !!null ''}\ne: !!seq [!!bool true]\nf: !!float 1.5\n").source!.data).toEqual({ a: "1", b: 3, c: { d: null }, e: [true], f: 1.5 });
    // A layer with one is a load error, no longer a crash (freezing the bytes threw a TypeError).
    expect(errorsOf(setWith({ path: "odd.yaml", text: "name: odd\nstage: finalize\ndata: { quant_config: { x: !!binary AAAA } }\n" }))).toEqual([
      { code: "unknown-tag", severity: "error", message: `unknown tag: !!binary builds a value JSON cannot hold ${why}`, file: "odd.yaml", line: 3, column: 28 },
    ]);
  });

  it("a key that is a list or mapping is complex-key at the key; an empty or null key is a plain one", () => {
    const message = "a key must be plain text, not a list, a mapping, an alias or an expression";
    expect(parse("a: 1\n? [x, y]\n: 1\n")).toEqual({ issues: only("complex-key", message, 2, 3) });
    expect(parse("a: {[x]: 1}\n")).toEqual({ issues: only("complex-key", message, 1, 5) });
    expect(parse("a: {b: 1, [x]: 1}\nc: {{d: 1}: 2}\n")).toEqual({ issues: only("complex-key", message, 1, 11) });
    const empty = parse(": 1\n").source!;
    expect(empty.data).toEqual({ "": 1 });
    expect(Object.fromEntries(empty.positions)).toEqual({ "": { line: 1, column: 1 }, "/": { line: 1, column: 1 }, "/#value": { line: 1, column: 3 } });
    // A null key (`~`, `null`) is the empty key in the data, and its position is recorded under that key.
    const tilde = parse("a: 1\n~: 2\n").source!;
    expect(tilde.data).toEqual({ a: 1, "": 2 });
    expect(Object.fromEntries(tilde.positions)).toEqual({ "": { line: 1, column: 1 }, "/a": { line: 1, column: 1 }, "/a#value": { line: 1, column: 4 }, "/": { line: 2, column: 1 }, "/#value": { line: 2, column: 4 } });
  });

  it("aliases: an unknown anchor at its alias; an alias bomb at the first alias, naming the limit", () => {
    expect(parse("a: &x 1\nb: *x\nc: *nope\n")).toEqual({ issues: only("parse-error", "Unresolved alias (the anchor must be set before the alias): nope", 3, 4) });
    expect(parse("a: 1\nb: *nope\n")).toEqual({ issues: only("parse-error", "Unresolved alias (the anchor must be set before the alias): nope", 2, 4) });
    const bomb = `a: &x [1, 2]\nb: &y [${Array(12).fill("*x").join(", ")}]\nc: [${Array(12).fill("*y").join(", ")}]\n`;
    expect(parse(bomb)).toEqual({ issues: only("alias-limit", "Excessive alias count indicates a resource exhaustion attack (limit: 100 alias expansions)", 2, 8) });
  });

  it("valuePosition follows a value through block scalars and quotes; undefined where it cannot", () => {
    expect(valuePosition("a: |\n  xy\n  zw\n", { line: 1, column: 4 }, "xy\nzw\n", 3)).toEqual({ line: 3, column: 3 });
    expect(valuePosition("a: >\n  xy\n  zw\n", { line: 1, column: 4 }, "xy zw\n", 4)).toEqual({ line: 3, column: 4 });
    expect(valuePosition("a: 'xy'\n", { line: 1, column: 4 }, "xy", 1)).toEqual({ line: 1, column: 6 });
    expect(valuePosition('a: "xy"\n', { line: 1, column: 4 }, "xy", 0)).toEqual({ line: 1, column: 5 });
    // Past the last visible character: just after it.
    expect(valuePosition("a: 'xy'\n", { line: 1, column: 4 }, "xy", 5)).toEqual({ line: 1, column: 7 });
    expect(valuePosition("a: xy  \n", { line: 1, column: 4 }, "xy  ", 3)).toEqual({ line: 1, column: 6 });
    expect(valuePosition("a: xy\n", { line: 1, column: 4 }, "", 0)).toBeUndefined();
    expect(valuePosition("a: xy\n", { line: 1, column: 4 }, "   ", 0)).toBeUndefined();
    expect(valuePosition("a: xy\n", { line: 3, column: 4 }, "xy", 0)).toBeUndefined();
    expect(valuePosition("a: xy\n", { line: 0, column: 4 }, "xy", 0)).toBeUndefined();
    expect(valuePosition("a: |", { line: 1, column: 4 }, "xy", 0)).toBeUndefined();
    expect(valuePosition("a: xy\n", { line: 1, column: 4 }, "xz", 1)).toBeUndefined();
    // Where the indicator, the quote or the start matter: the same characters earlier in the text are not the value's.
    expect(valuePosition("a: |  # x\n  xy\n", { line: 1, column: 4 }, "xy\n", 0)).toEqual({ line: 2, column: 3 });
    expect(valuePosition("x: |", { line: 1, column: 4 }, "x", 0)).toBeUndefined();
    expect(valuePosition("a: '''q'\n", { line: 1, column: 4 }, "'q", 0)).toEqual({ line: 1, column: 5 });
    expect(valuePosition("a: 'xx'\n", { line: 1, column: 4 }, "xx", 1)).toEqual({ line: 1, column: 6 });
    expect(valuePosition("a: x\n", { line: 1, column: 4 }, "x", 0)).toEqual({ line: 1, column: 4 });
    expect(valuePosition("a: xy", { line: 1, column: 4 }, "xy", 0)).toEqual({ line: 1, column: 4 });
    expect(valuePosition("xy: 1\nxy: xy\n", { line: 2, column: 5 }, "xy", 0)).toEqual({ line: 2, column: 5 });
    expect(valuePosition('a: "x\ny"\n', { line: 1, column: 4 }, "x\ny", 2)).toEqual({ line: 2, column: 1 });
  });

  it("positionOf: the pointer's own position, else the nearest ancestor's; `#value` first when asked for", () => {
    const m = new Map([["", { line: 1, column: 1 }], ["/a", { line: 2, column: 1 }], ["/a#value", { line: 2, column: 4 }]]);
    expect(positionOf(m, "/a")).toEqual({ line: 2, column: 1 });
    expect(positionOf(m, "/a", true)).toEqual({ line: 2, column: 4 });
    expect(positionOf(m, "/a/b/c")).toEqual({ line: 2, column: 1 });
    expect(positionOf(m, "/a/b", true)).toEqual({ line: 2, column: 1 });
    expect(positionOf(m, "/zz")).toEqual({ line: 1, column: 1 });
    expect(positionOf(new Map([["/a", { line: 2, column: 1 }]]), "/b/c")).toBeUndefined();
  });
});
