// src/review/scenarios.ts on a small layer set of its own, built in memory (quick under mutation runs): what loading
// a scenario file gives or refuses, each failure runScenario gives as a whole object, and what --update rewrites.
// test/scenario-runner-library.test.ts runs the shipped layers; test/scenario-runner.test.ts the built CLI.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadLayerSetFromFiles, type LayerSet } from "../src/core/load.js";
import { loadScenarios, loadScenariosFromFiles, runScenario, runScenarios, problemOf, toYaml, updateScenarioText, type Scenario } from "../src/review/scenarios.js";

const STAGES = "stages:\n  - name: base\n  - name: profiles\n    source: profiles\n  - name: user\n    source: overrides\n";
const CONTEXT = JSON.stringify({
  type: "object",
  required: ["mode"],
  properties: {
    mode: { enum: ["a", "b", "c"] },
    n: { type: "integer" },
    profiles: { type: "array", items: { type: "string" } },
    user_overrides: { type: "object" },
    override_mode: { enum: ["patch", "replace"] },
  },
});
const OUTPUT = JSON.stringify({
  type: "object",
  properties: {
    x: { type: "integer" }, y: { type: "integer" }, z: { type: "string" },
    sec: { type: "object", properties: { p: { type: "integer" }, q: { type: "integer" } } },
    list: { type: "array" },
  },
});
const LAYERS: Record<string, string> = {
  "stages.yaml": STAGES,
  "base/one.yaml": "name: one\nstage: base\ndata:\n  x: 1\n  sec: { p: 1, q: 2 }\n  list: [1, 2]\n",
  "base/two.yaml": 'name: two\nstage: base\nwhen: { "==": [{ "var": "mode" }, "b"] }\ndata:\n  y: 2\n',
  "base/three.yaml": 'name: three\nstage: base\nwhen: { "==": [{ "var": "mode" }, "c"] }\ndata:\n  z: !expr "$string(n)"\n',
  "checks/w.yaml": 'check: w\nseverity: warning\npath: y\nwhen: { ">": [{ "var": "$config.y" }, 1] }\nmessage: y is big\n',
};
const set = (): LayerSet => loadLayerSetFromFiles(Object.entries(LAYERS).map(([path, text]) => ({ path, text })), {
  schemaTexts: { context: CONTEXT, output: OUTPUT }, roles: { profiles: "profiles", overrides: "user_overrides", override_mode: "override_mode" },
});
const load = (text: string, path = "s.yaml"): Scenario => {
  const loaded = loadScenariosFromFiles([{ path, text }], { dir: "sc" });
  expect(loaded.issues).toEqual([]);
  return loaded.scenarios[0];
};
const runText = async (text: string) => runScenario(set(), load(text));

const failure = (expectation: string, code: string, message: string, line: number, column: number, extra: Record<string, unknown> = {}) => ({
  code, severity: "error", message, expectation, updatable: false, file: "sc/s.yaml", line, column, ...extra,
});

describe("loadScenariosFromFiles", () => {
  it("sorts by path, names files under the directory as given, and reports each broken file, a forbidden key and a duplicate name", () => {
    const { scenarios, issues } = loadScenariosFromFiles([
      { path: "z.yaml", text: "name: dup\ncontext: { mode: a }\nexpect: { match: { x: 1 } }\n" },
      { path: "a.yaml", text: "name: dup\ndescription: first\ncontext: { mode: a }\nexpect: { match: { x: 1 } }\n" },
      { path: "m.yaml", text: "- a list\n" },
      { path: "n.yaml", text: "name: 3\ncontext: { mode: a }\nexpect: { match: { x: 1 } }\nextra: 1\n" },
      { path: "p.yaml", text: 'name: p\ncontext: { mode: a, "__proto__": { x: 1 } }\nexpect: { match: { x: 1 } }\n' },
    ], { dir: "sc//" });
    expect(scenarios.map(({ positions, ...rest }) => (expect(positions.get("/name")).toEqual({ line: 1, column: 1 }), rest))).toEqual([
      { id: "a.yaml", file: "sc/a.yaml", name: "dup", description: "first", context: { mode: "a" }, expect: { match: { x: 1 } }, text: "name: dup\ndescription: first\ncontext: { mode: a }\nexpect: { match: { x: 1 } }\n" },
      { id: "z.yaml", file: "sc/z.yaml", name: "dup", description: undefined, context: { mode: "a" }, expect: { match: { x: 1 } }, text: "name: dup\ncontext: { mode: a }\nexpect: { match: { x: 1 } }\n" },
    ]);
    expect(issues).toEqual([
      { code: "scenario-schema", severity: "error", message: "a scenario file must be a mapping with name, context and expect", file: "sc/m.yaml", line: 1, column: 1 },
      // An unknown key is pointed at the key itself, a wrong value at the value.
      { code: "scenario-schema", severity: "error", message: "unknown field 'extra'", file: "sc/n.yaml", line: 4, column: 1, pointer: "/extra", keyword: "additionalProperties" },
      { code: "scenario-schema", severity: "error", message: "'name' must be string", file: "sc/n.yaml", line: 1, column: 7, pointer: "/name", keyword: "type" },
      { code: "forbidden-key", severity: "error", message: "key '__proto__' is not allowed: it could reach an object's prototype", file: "sc/p.yaml", line: 2, column: 21, pointer: "/context/__proto__" },
      { code: "duplicate-name", severity: "warning", message: "scenario 'dup' has the same name as sc/a.yaml", file: "sc/z.yaml", line: 1, column: 7 },
    ]);
  });

  it("without a directory the file is its path", () => {
    expect(loadScenariosFromFiles([{ path: "d/s.yaml", text: "name: s\ncontext: { mode: a }\nexpect: { match: { x: 1 } }\n" }]).scenarios.map((x) => [x.id, x.file])).toEqual([["d/s.yaml", "d/s.yaml"]]);
  });
});

describe("loadScenarios", () => {
  it("a missing directory or a file in its place is one issue saying which", () => {
    const dir = mkdtempSync(join(tmpdir(), "strata-scenario-units-"));
    try {
      writeFileSync(join(dir, "file.yaml"), "x");
      expect(loadScenarios(join(dir, "nowhere"))).toEqual({ scenarios: [], issues: [{ code: "scenarios-unreadable", severity: "error", message: `cannot read scenario directory ${join(dir, "nowhere")}: no such directory`, file: join(dir, "nowhere") }] });
      expect(loadScenarios(join(dir, "file.yaml")).issues.map((i) => i.message)).toEqual([`cannot read scenario directory ${join(dir, "file.yaml")}: not a directory`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("runScenario: each expectation that does not hold, as a whole failure, in file order", () => {
  it("a stale snapshot, a wrong and a missing match, a present absent path, layers in another order, a wrong warning", async () => {
    const r = await runText("name: s\ncontext:\n  mode: b\nexpect:\n  config: { x: 2 }\n  match: { x: 2, nope: 1, y: 2 }\n  absent: [y, nope]\n  applied_layers: [two, one]\n  warnings: [nope]\n");
    expect(r.passed).toBe(false);
    expect(r.failures).toEqual([
      failure("config", "scenario-config", "the composed config differs from the snapshot at 5 path(s): x, sec.p, sec.q, list, y", 5, 3, {
        updatable: true, expected: { x: 2 }, actual: { x: 1, sec: { p: 1, q: 2 }, list: [1, 2], y: 2 },
        changes: [
          { pointer: "/x", kind: "changed", before: 2, after: 1 }, { pointer: "/sec/p", kind: "added", after: 1 }, { pointer: "/sec/q", kind: "added", after: 2 },
          { pointer: "/list", kind: "added", after: [1, 2] }, { pointer: "/y", kind: "added", after: 2 },
        ],
        diff: "--- expected (sc/s.yaml)\n+++ actual\n@@ -1,1 +1,6 @@\n-x: 2\n+x: 1\n+sec:\n+  p: 1\n+  q: 2\n+list: [1, 2]\n+y: 2",
      }),
      failure("match", "scenario-match", "expect.match 'x': expected 2, got 1", 6, 12, { updatable: true, path: "x", expected: 2, actual: 1 }),
      failure("match", "scenario-match", "expect.match 'nope': the config has no value there (expected 1)", 6, 18, { path: "nope", expected: 1 }),
      failure("absent", "scenario-absent", "expect.absent 'y': the config has 2 there", 7, 12, { path: "y", actual: 2 }),
      failure("applied_layers", "scenario-applied-layers", "expect.applied_layers: same layers in a different order", 8, 3, { updatable: true, expected: ["two", "one"], actual: ["one", "two"] }),
      failure("warnings", "scenario-warnings", "expect.warnings: missing nope; unexpected w (y is big)", 9, 3, { updatable: true, expected: ["nope"], actual: [{ code: "w", message: "y is big", path: "y" }] }),
    ]);
  });

  it("a snapshot that differs at more than five paths names five, then …; the snapshot's key order is kept in the diff", async () => {
    const r = await runText("name: s\ncontext:\n  mode: b\nexpect:\n  config: { y: 3, list: [1], x: 0, sec: { q: 0, p: 0 }, z: a }\n");
    expect(r.failures.map((f) => f.message)).toEqual(["the composed config differs from the snapshot at 6 path(s): x, sec.p, sec.q, list, y, …"]);
    expect(r.failures[0].diff!.split("\n")).toEqual(["--- expected (sc/s.yaml)", "+++ actual", "@@ -1,7 +1,6 @@", "-y: 3", "-list: [1]", "-x: 0", "+y: 2", "+list: [1, 2]", "+x: 1", " sec:", "-  q: 0", "-  p: 0", "-z: a", "+  q: 2", "+  p: 1"]);
  });

  it("when composing fails: the errors, located in the scenario, and nothing updatable", async () => {
    const r = await runText("name: s\ncontext:\n  mode: c\n  n: many\nexpect:\n  config:\n  match: { x: 1 }\n  absent: [x]\n  applied_layers:\n  warnings:\n");
    expect(r.result.config).toBeUndefined();
    expect(r.failures).toEqual([
      failure("compose", "scenario-compose-failed", "composing failed with 1 error(s): context-invalid", 2, 1, {
        issues: [{ code: "context-invalid", severity: "error", message: "'n' must be integer", pointer: "/n", keyword: "type", file: "sc/s.yaml", line: 4, column: 6 }],
      }),
      failure("config", "scenario-not-recorded", "expect.config is empty: run `strata test --update` to record the snapshot, then review it", 6, 3),
      failure("match", "scenario-match", "expect.match 'x': no config was composed", 7, 12, { path: "x", expected: 1 }),
      failure("applied_layers", "scenario-not-recorded", "expect.applied_layers is empty: run `strata test --update` to record them, then review them", 9, 3, { actual: [] }),
      failure("warnings", "scenario-not-recorded", "expect.warnings is empty: run `strata test --update` to record them, or write `warnings: []` for none", 10, 3, { actual: [] }),
    ]);
    expect((await runText("name: s\ncontext:\n  mode: c\n  n: many\nexpect:\n  config: { x: 1 }\n")).failures.map((f) => [f.code, f.message, f.expected])).toEqual([
      ["scenario-compose-failed", "composing failed with 1 error(s): context-invalid", undefined],
      ["scenario-config", "expect.config: no config was composed", { x: 1 }],
    ]);
  });

  it("empty expectations are updatable once something composed", async () => {
    const r = await runText("name: s\ncontext:\n  mode: c\n  n: 3\nexpect:\n  config: { x: 1, sec: { p: 1, q: 2 }, list: [1, 2], z: '3' }\n  applied_layers:\n  warnings:\n");
    expect(r.failures).toEqual([
      failure("applied_layers", "scenario-not-recorded", "expect.applied_layers is empty: run `strata test --update` to record them, then review them", 7, 3, { updatable: true, actual: ["one", "three"] }),
      failure("warnings", "scenario-not-recorded", "expect.warnings is empty: run `strata test --update` to record them, or write `warnings: []` for none", 8, 3, { updatable: true, actual: [] }),
    ]);
    expect((await runText("name: s\ncontext:\n  mode: a\nexpect:\n  config:\n")).failures).toEqual([
      failure("config", "scenario-not-recorded", "expect.config is empty: run `strata test --update` to record the snapshot, then review it", 5, 3, { updatable: true, actual: { x: 1, sec: { p: 1, q: 2 }, list: [1, 2] } }),
    ]);
  });

  it("expected errors and warnings: a code, or a code with the exact message or path; every one must match and every actual one be expected", async () => {
    const errors = (list: string) => runText(`name: s\ncontext:\n  mode: a\n  n: x\nexpect:\n  errors: ${list}\n`);
    for (const ok of ["[context-invalid]", "[{ code: context-invalid, path: n }]", "[{ code: context-invalid, message: \"'n' must be integer\" }, context-invalid]"]) {
      expect((await errors(ok)).failures, ok).toEqual([]);
    }
    const wrong = await errors("[{ code: context-invalid, path: n }, { code: context-invalid, message: nope }, { code: context-invalid, path: mode }, config-invalid]");
    expect(wrong.failures).toEqual([
      failure("errors", "scenario-errors", 'expect.errors: missing {code: "context-invalid", message: "nope"}, {code: "context-invalid", path: "mode"}, config-invalid', 6, 3, {
        expected: [{ code: "context-invalid", path: "n" }, { code: "context-invalid", message: "nope" }, { code: "context-invalid", path: "mode" }, "config-invalid"],
        actual: [{ code: "context-invalid", message: "'n' must be integer", path: "n" }],
      }),
    ]);
    expect((await errors("[config-invalid]")).failures.map((f) => f.message)).toEqual(["expect.errors: missing config-invalid; unexpected context-invalid ('n' must be integer)"]);
    // Errors expected, none given.
    expect((await runText("name: s\ncontext:\n  mode: a\nexpect:\n  errors: [context-invalid]\n")).failures.map((f) => [f.message, f.actual])).toEqual([["expect.errors: missing context-invalid", []]]);
    const warnings = await runText("name: s\ncontext:\n  mode: b\n  profiles: [nope]\nexpect:\n  warnings: [{ code: profile-not-found, path: profiles.0 }, { code: w, message: y is big }]\n");
    expect(warnings.failures).toEqual([]);
    expect(warnings.passed).toBe(true);
  });

  it("layers missing and unexpected are named", async () => {
    const r = await runText("name: s\ncontext:\n  mode: b\nexpect:\n  applied_layers: [one, three]\n");
    expect(r.failures.map((f) => f.message)).toEqual(["expect.applied_layers: missing three; unexpected two"]);
  });

  it("runScenarios runs each in order; problemOf gives a path only when there is a pointer", async () => {
    const s = set();
    const results = await runScenarios(s, [load("name: a\ncontext: { mode: a }\nexpect: { match: { x: 1 } }\n", "a.yaml"), load("name: b\ncontext: { mode: b }\nexpect: { match: { x: 2 } }\n", "b.yaml")]);
    expect(results.map((r) => [r.scenario.id, r.passed])).toEqual([["a.yaml", true], ["b.yaml", false]]);
    expect(problemOf({ code: "c", severity: "warning", message: "m" })).toEqual({ code: "c", message: "m" });
    expect(problemOf({ code: "c", severity: "warning", message: "m", pointer: "/a/b~1c" })).toEqual({ code: "c", message: "m", path: "a.b/c" });
  });
});

describe("updateScenarioText", () => {
  it("nothing updatable: undefined", async () => {
    expect(updateScenarioText(await runText("name: s\ncontext:\n  mode: b\nexpect:\n  absent: [y]\n"))).toBeUndefined();
    expect(updateScenarioText(await runText("name: s\ncontext:\n  mode: b\nexpect:\n  match: { y: 2 }\n"))).toBeUndefined();
  });

  it("fills in empty expectations, keeping comments, including one right after an empty value", async () => {
    const r = updateScenarioText(await runText("# top\nname: s\ncontext:\n  mode: b\nexpect:\n  # recorded\n  config:\n  applied_layers:   # the layers\n  warnings:\n"));
    expect(r).toEqual({
      text: "# top\nname: s\ncontext:\n  mode: b\nexpect:\n  # recorded\n  config:\n    x: 1\n    sec:\n      p: 1\n      q: 2\n    list: [1, 2]\n    y: 2\n  applied_layers: [one, two] # the layers\n  warnings: [w]\n",
      updated: ["config", "applied_layers", "warnings"],
    });
    // A comment after an empty snapshot stays on its key's line; at the end of a file without a newline too.
    expect(updateScenarioText(await runText("name: s\ncontext:\n  mode: b\nexpect:\n  config: # the snapshot\n  applied_layers:\n"))!.text).toBe(
      "name: s\ncontext:\n  mode: b\nexpect:\n  config: # the snapshot\n    x: 1\n    sec:\n      p: 1\n      q: 2\n    list: [1, 2]\n    y: 2\n  applied_layers: [one, two]\n",
    );
    expect(updateScenarioText(await runText("name: s\ncontext:\n  mode: b\nexpect:\n  applied_layers:   # the layers"))!.text).toBe("name: s\ncontext:\n  mode: b\nexpect:\n  applied_layers: [one, two] # the layers");
  });

  it("rewrites only the values that changed: a match in place, a snapshot's changed leaves, a list's style", async () => {
    const r = updateScenarioText(await runText("name: s\ncontext:\n  mode: b\nexpect:\n  match:\n    x: 5 # was five\n    sec.p: 1\n  config:\n    x: 1 # keep\n    sec: { p: 1, q: 3 }\n    list:\n      - 1\n      - 3\n    y: 2\n  applied_layers: [one]\n"));
    expect(r).toEqual({
      text: "name: s\ncontext:\n  mode: b\nexpect:\n  match:\n    x: 1 # was five\n    sec.p: 1\n  config:\n    x: 1 # keep\n    sec: {p: 1, q: 2}\n    list:\n      - 1\n      - 2\n    y: 2\n  applied_layers: [one, two]\n",
      updated: ["match", "config", "applied_layers"],
    });
  });
});

describe("toYaml", () => {
  it("writes short lists of plain values on one line, long ones and lists of mappings as blocks", () => {
    expect(toYaml({ a: [1, 2], b: Array.from({ length: 12 }, (_, i) => i * 1000), c: [{ d: 1 }], e: { f: "g" } })).toBe(
      `a: [1, 2]\nb:\n${Array.from({ length: 12 }, (_, i) => `  - ${i * 1000}\n`).join("")}c:\n  - d: 1\ne:\n  f: g\n`,
    );
  });
});
