// src/review/diff.ts on small sides built in memory (a few layers, scenarios and schemas of their own), so that each
// part of the comparison is seen exactly and mutation runs stay quick; reading sides from git, on a small repository.
// test/diff-library.test.ts runs the same on copies of the shipped project, test/diff.test.ts the built CLI.
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { execFileSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import {
  diffSides, hasChanges, hasUncovered, openRepo, readRevision, readWorkingTree, repoPaths, resolveRevision, DiffError,
  type DiffPaths, type DiffReport, type ScenarioDiff, type Side,
} from "../src/review/diff.js";
import { loadProject } from "../src/core/project.js";

const STAGES = "stages:\n  - name: base\n  - name: profiles\n    source: profiles\n  - name: user\n    source: overrides\n";
const CONTEXT = JSON.stringify({
  type: "object",
  required: ["mode"],
  properties: {
    mode: { enum: ["a", "b", "c"] },
    gpu: { type: "string" },
    n: { type: "integer" },
    profiles: { type: "array", items: { type: "string" } },
    user_overrides: { type: "object" },
    override_mode: { enum: ["patch", "replace"] },
  },
});
const OUTPUT = JSON.stringify({
  type: "object",
  properties: {
    x: { type: "integer" },
    y: { type: "integer" },
    sec: { type: "object", properties: { p: { type: "integer" }, q: { type: "integer" } } },
    list: { type: "array" },
  },
});
const PATHS: DiffPaths = {
  layers: "layers",
  schemas: { context: "schemas/context.json", output: "schemas/output.json" },
  scenarios: "sc",
  roles: { profiles: "profiles", overrides: "user_overrides", override_mode: "override_mode" },
};
const BASE_LAYERS: Record<string, string> = {
  "stages.yaml": STAGES,
  "base/one.yaml": "name: one\nstage: base\ndata:\n  x: 1\n  sec: { p: 1, q: 2 }\n",
  "base/two.yaml": 'name: two\nstage: base\nwhen: { "==": [{ "var": "mode" }, "b"] }\ndata:\n  y: 2\n',
};
const SCENARIOS: Record<string, string> = {
  "a.yaml": "name: on a\ncontext:\n  mode: a\nexpect:\n  match: { x: 1 }\n",
  "b.yaml": "name: on b\ncontext:\n  mode: b\nexpect:\n  match: { x: 1 }\n",
};
const files = (map: Record<string, string | undefined>) =>
  Object.entries(map).filter((e): e is [string, string] => e[1] !== undefined).map(([path, text]) => ({ path, text }));
function side(label: string, layers: Record<string, string | undefined> = {}, scenarios: Record<string, string | undefined> = {}, extra: Partial<Side> = {}): Side {
  return {
    label, ...(label === "working tree" ? {} : { rev: `rev-${label}`, commit: `${label}0000000000` }),
    layerFiles: files({ ...BASE_LAYERS, ...layers }), schemaTexts: { context: CONTEXT, output: OUTPUT },
    scenarioFiles: files({ ...SCENARIOS, ...scenarios }), notes: [], ...extra,
  };
}
const run = (head: Side, base: Side = side("base")) => diffSides(base, head, PATHS);
const scenario = (r: DiffReport, id: string) => r.scenarios.find((d) => d.id === id)!;
const UNCHANGED = { contextChanged: false, changes: [], nowApplies: [], noLongerApplies: [], orderChanged: false, warningsAdded: [], warningsRemoved: [], errorsAdded: [], errorsRemoved: [] };
const origin = (name: string, file: string, line: number, column: number, stage = "base") => ({ source: name, layer: name, stage, file, line, column });

describe("diffSides: what changed for each scenario", () => {
  it("a value one layer sets, changed: the whole report", async () => {
    const r = await run(side("head", { "base/two.yaml": 'name: two\nstage: base\nwhen: { "==": [{ "var": "mode" }, "b"] }\ndata:\n  y: 3\n' }, {}, { notes: ["head note"] }), side("base", {}, {}, { notes: ["base note"] }));
    expect(r).toEqual({
      base: { label: "base", rev: "rev-base", commit: "base0000000000" },
      head: { label: "head", rev: "rev-head", commit: "head0000000000" },
      paths: PATHS,
      scenarios: [
        { id: "a.yaml", name: "on a", file: "sc/a.yaml", status: "unchanged", ...UNCHANGED },
        {
          id: "b.yaml", name: "on b", file: "sc/b.yaml", status: "changed", ...UNCHANGED,
          changes: [{ path: "y", pointer: "/y", kind: "changed", before: 2, after: 3, origin: origin("two", "layers/base/two.yaml", 5, 3) }],
        },
      ],
      summary: { total: 2, changed: 1, unchanged: 1, added: 0, removed: 0, uncovered: 0 },
      units: [{ id: "layer:two", kind: "layer", name: "two", status: "modified", file: "layers/base/two.yaml", line: 1, scenarios: ["sc/b.yaml"], changed: ["sc/b.yaml"], covered: true }],
      files: [{ file: "layers/base/two.yaml", status: "modified" }],
      issues: [],
      notes: ["base: base note", "head: head note"],
    });
    expect([hasChanges(r), hasUncovered(r)]).toEqual([true, false]);
  });

  it("the same sides: every scenario unchanged, no unit, no file", async () => {
    const r = await run(side("head"));
    expect(r.scenarios).toEqual([
      { id: "a.yaml", name: "on a", file: "sc/a.yaml", status: "unchanged", ...UNCHANGED },
      { id: "b.yaml", name: "on b", file: "sc/b.yaml", status: "unchanged", ...UNCHANGED },
    ]);
    expect([r.units, r.files, r.summary]).toEqual([[], [], { total: 2, changed: 0, unchanged: 2, added: 0, removed: 0, uncovered: 0 }]);
    expect([hasChanges(r), hasUncovered(r)]).toEqual([false, false]);
  });

  it("a change of layer order alone (the same config, the same layers) is a change: orderChanged", async () => {
    const pq = (p: number, q: number) => ({
      "base/p.yaml": `name: p\nstage: base\norder: ${p}\ndata:\n  sec: { p: 1 }\n`,
      "base/q.yaml": `name: q\nstage: base\norder: ${q}\ndata:\n  sec: { q: 2 }\n`,
    });
    const r = await run(side("head", pq(2, 1)), side("base", pq(1, 2)));
    expect(scenario(r, "a.yaml")).toEqual({ id: "a.yaml", name: "on a", file: "sc/a.yaml", status: "changed", ...UNCHANGED, orderChanged: true });
    expect(r.summary).toEqual({ total: 2, changed: 2, unchanged: 0, added: 0, removed: 0, uncovered: 0 });
    expect(hasChanges(r)).toBe(true);
    // The same order on both sides: nothing.
    expect(scenario(await run(side("head", pq(1, 2)), side("base", pq(1, 2))), "a.yaml")).toEqual({ id: "a.yaml", name: "on a", file: "sc/a.yaml", status: "unchanged", ...UNCHANGED });
  });

  it("a layer that now applies, and one that no longer does, each change the scenario by itself", async () => {
    const now = await run(side("head", { "base/two.yaml": 'name: two\nstage: base\nwhen: { "!=": [{ "var": "mode" }, "c"] }\ndata:\n  y: 2\n' }));
    expect(scenario(now, "a.yaml")).toEqual({
      id: "a.yaml", name: "on a", file: "sc/a.yaml", status: "changed", ...UNCHANGED, nowApplies: ["two"],
      changes: [{ path: "y", pointer: "/y", kind: "added", after: 2, origin: origin("two", "layers/base/two.yaml", 5, 3) }],
    });
    // A layer that writes nothing new still changes what applies.
    const empty = await run(side("head", { "base/e.yaml": "name: e\nstage: base\ndata: {}\n" }));
    expect(scenario(empty, "a.yaml")).toEqual({ id: "a.yaml", name: "on a", file: "sc/a.yaml", status: "changed", ...UNCHANGED, nowApplies: ["e"] });
    const gone = await run(side("head", { "base/e.yaml": undefined }), side("base", { "base/e.yaml": "name: e\nstage: base\ndata: {}\n" }));
    expect(scenario(gone, "a.yaml")).toEqual({ id: "a.yaml", name: "on a", file: "sc/a.yaml", status: "changed", ...UNCHANGED, noLongerApplies: ["e"] });
  });

  it("a removed value names who removed it (the latest delete there, or a replace above) and who had set it", async () => {
    const was = origin("one", "layers/base/one.yaml", 5, 16);
    const del = await run(side("head", { "base/z-del.yaml": "name: z-del\nstage: base\norder: 1\ndata:\n  sec: { q: { $patch: delete } }\n" }));
    expect(scenario(del, "a.yaml").changes).toEqual([{ path: "sec.q", pointer: "/sec/q", kind: "removed", before: 2, origin: origin("z-del", "layers/base/z-del.yaml", 5, 10), was }]);
    // A replace of the section above, after the delete: the replace is the latest.
    const both = await run(side("head", {
      "base/z-del.yaml": "name: z-del\nstage: base\norder: 1\ndata:\n  sec: { q: { $patch: delete } }\n",
      "base/z-rep.yaml": "name: z-rep\nstage: base\norder: 2\ndata:\n  sec: { $patch: replace, p: 1 }\n",
    }));
    expect(scenario(both, "a.yaml").changes).toEqual([{ path: "sec.q", pointer: "/sec/q", kind: "removed", before: 2, origin: origin("z-rep", "layers/base/z-rep.yaml", 5, 3), was }]);
    // Removed because its layer no longer applies: nobody removed it.
    const off = await run(side("head", { "base/two.yaml": 'name: two\nstage: base\nwhen: { "==": [{ "var": "mode" }, "c"] }\ndata:\n  y: 2\n' }));
    expect(scenario(off, "b.yaml")).toEqual({
      id: "b.yaml", name: "on b", file: "sc/b.yaml", status: "changed", ...UNCHANGED, noLongerApplies: ["two"],
      changes: [{ path: "y", pointer: "/y", kind: "removed", before: 2, was: origin("two", "layers/base/two.yaml", 5, 3) }],
    });
  });

  it("warnings and errors that come and go, with the layer file:line when a layer file is involved", async () => {
    const head = side("head", {
      "checks/big.yaml": 'check: big\nseverity: warning\npath: x\nwhen: { ">": [{ "var": "$config.x" }, 0] }\nmessage: x is set\n',
      "base/two.yaml": 'name: two\nstage: base\nwhen: { "==": [{ "var": "mode" }, "b"] }\ndata:\n  y: !expr "\'no\'"\n',
    }, { "a.yaml": "name: on a\ncontext:\n  mode: a\n  profiles: [nope]\nexpect:\n  match: { x: 1 }\n" });
    const r = await run(head);
    const warned = { code: "big", message: "x is set", path: "x", where: "layers/checks/big.yaml:1" };
    expect(scenario(r, "a.yaml")).toEqual({
      id: "a.yaml", name: "on a", file: "sc/a.yaml", status: "changed", ...UNCHANGED, contextChanged: true,
      warningsAdded: [{ code: "profile-not-found", message: "profile 'nope' not found", path: "profiles.0" }, warned],
    });
    const b = scenario(r, "b.yaml");
    expect([b.status, b.warningsAdded, b.errorsAdded]).toEqual(["changed", [warned], [{ code: "config-invalid", message: "'y' must be integer", path: "y", where: "layers/base/two.yaml:5" }]]);
    // The other way round: removed.
    const back = await run(side("base"), head);
    expect(scenario(back, "a.yaml")).toMatchObject({ status: "changed", contextChanged: true, warningsAdded: [], warningsRemoved: [{ code: "profile-not-found", message: "profile 'nope' not found", path: "profiles.0" }, warned] });
    expect(scenario(back, "b.yaml")).toMatchObject({ status: "changed", warningsRemoved: [warned], errorsAdded: [], errorsRemoved: [{ code: "config-invalid", message: "'y' must be integer", path: "y", where: "layers/base/two.yaml:5" }] } satisfies Partial<ScenarioDiff>);
  });

  it("a scenario whose own context changed says so; one added or removed lists what applies on its side", async () => {
    const r = await run(side("head", {}, { "a.yaml": "name: on a\ncontext:\n  mode: a\n  n: 1\nexpect:\n  match: { x: 1 }\n", "b.yaml": undefined, "c.yaml": "name: on c\ncontext:\n  mode: b\nexpect:\n  match: { x: 1 }\n" }));
    expect(r.scenarios).toEqual([
      { id: "a.yaml", name: "on a", file: "sc/a.yaml", status: "unchanged", ...UNCHANGED, contextChanged: true },
      { id: "b.yaml", name: "on b", file: "sc/b.yaml", status: "removed", ...UNCHANGED, appliedLayers: ["one", "two"] },
      { id: "c.yaml", name: "on c", file: "sc/c.yaml", status: "added", ...UNCHANGED, appliedLayers: ["one", "two"] },
    ]);
    expect(r.summary).toEqual({ total: 3, changed: 0, unchanged: 1, added: 1, removed: 1, uncovered: 0 });
    expect(hasChanges(r)).toBe(false);
  });
});

describe("diffSides: broken sides", () => {
  const broken = { "base/bad.yaml": "name: bad\nstage: nowhere\ndata: {}\n" };
  const refused = async (head: Side, base: Side = side("base")) => {
    try {
      await run(head, base);
    } catch (e) {
      expect(e).toBeInstanceOf(DiffError);
      return { message: (e as DiffError).message, issues: (e as DiffError).issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.code}`) };
    }
    throw new Error("not refused");
  };

  it("a broken layer set is refused, its issues named in the revision (a commit) or the working tree", async () => {
    expect(await refused(side("head", broken))).toEqual({
      message: "the layer set at head (head) has 1 error(s); fix them (see 'strata lint') before diffing",
      issues: ["head:layers/base/bad.yaml:2:8 unknown-stage"],
    });
    expect(await refused(side("working tree", broken))).toEqual({
      message: "the layer set at head (working tree) has 1 error(s); fix them (see 'strata lint') before diffing",
      issues: ["layers/base/bad.yaml:2:8 unknown-stage"],
    });
    expect(await refused(side("head"), side("base", broken))).toEqual({
      message: "the layer set at base (base) has 1 error(s); fix them (see 'strata lint') before diffing",
      issues: ["base:layers/base/bad.yaml:2:8 unknown-stage"],
    });
  });

  it("a warning alone does not refuse the set", async () => {
    const r = await run(side("head", { "base/other-name.yaml": "name: w\nstage: base\ndata: {}\n" }));
    expect(r.units.map((u) => [u.id, u.status])).toEqual([["layer:w", "added"]]);
  });

  it("a broken scenario file is left out, as a warning naming the side", async () => {
    const bad = { "bad.yaml": "name: bad\ncontext: { mode: a }\nexpect: { matches: {} }\n" };
    const r = await run(side("head", {}, bad));
    expect(r.issues).toEqual([
      { code: "scenario-schema", severity: "warning", message: "unknown field 'expect.matches' (at head, head; the scenario is left out)", file: "head:sc/bad.yaml", line: 3, column: 11, pointer: "/expect/matches", keyword: "additionalProperties" },
    ]);
    expect(r.scenarios.map((d) => d.id)).toEqual(["a.yaml", "b.yaml"]);
    const wt = await run(side("working tree", {}, bad), side("base", {}, bad));
    expect(wt.issues.map((i) => [i.file, i.message])).toEqual([
      ["base:sc/bad.yaml", "unknown field 'expect.matches' (at base, base; the scenario is left out)"],
      ["sc/bad.yaml", "unknown field 'expect.matches' (at head, working tree; the scenario is left out)"],
    ]);
  });
});

describe("diffSides: the changed files and units, with the scenarios they affect", () => {
  it("layer files added, removed and modified, sorted; a comment-only edit is a changed file but no changed unit", async () => {
    const r = await run(side("head", {
      "base/one.yaml": "name: one\nstage: base\n# a comment\ndata:\n  x: 1\n  sec: { p: 1, q: 2 }\n",
      "base/two.yaml": undefined,
      "base/a-new.yaml": 'name: a-new\nstage: base\nwhen: { "==": [{ "var": "mode" }, "c"] }\ndata: {}\n',
    }));
    expect(r.files).toEqual([
      { file: "layers/base/a-new.yaml", status: "added" },
      { file: "layers/base/one.yaml", status: "modified" },
      { file: "layers/base/two.yaml", status: "removed" },
    ]);
    expect(r.units).toEqual([
      { id: "layer:a-new", kind: "layer", name: "a-new", status: "added", file: "layers/base/a-new.yaml", line: 1, scenarios: [], changed: [], covered: false },
      { id: "layer:two", kind: "layer", name: "two", status: "removed", file: "layers/base/two.yaml", line: 1, scenarios: ["sc/b.yaml"], changed: ["sc/b.yaml"], covered: true },
    ]);
    expect(r.summary.uncovered).toBe(1);
    expect(hasUncovered(r)).toBe(true);
  });

  it("a file that holds no unit (a schema, the stage order) affects every scenario", async () => {
    const output = JSON.stringify({ ...JSON.parse(OUTPUT), description: "the task" });
    const r = await run(side("head", { "stages.yaml": STAGES + "# the order\n" }, {}, { schemaTexts: { context: CONTEXT, output } }));
    expect(r.files).toEqual([{ file: "layers/stages.yaml", status: "modified" }, { file: "schemas/output.json", status: "modified" }]);
    expect(r.units).toEqual([
      { id: "layers/stages.yaml", kind: "file", name: "layers/stages.yaml", status: "modified", file: "layers/stages.yaml", scenarios: ["sc/a.yaml", "sc/b.yaml"], changed: [], covered: true },
      { id: "schemas/output.json", kind: "file", name: "schemas/output.json", status: "modified", file: "schemas/output.json", scenarios: ["sc/a.yaml", "sc/b.yaml"], changed: [], covered: true },
    ]);
    // With no scenario at all, nothing covers it; a changed scenario is named.
    const none = await run(side("head", { "stages.yaml": STAGES + "# the order\n" }, { "a.yaml": undefined, "b.yaml": undefined }), side("base", {}, { "a.yaml": undefined, "b.yaml": undefined }));
    expect(none.units.map((u) => [u.id, u.covered])).toEqual([["layers/stages.yaml", false]]);
    const changed = await run(side("head", { "stages.yaml": STAGES + "# the order\n", "base/one.yaml": "name: one\nstage: base\ndata:\n  x: 2\n  sec: { p: 1, q: 2 }\n" }));
    expect(changed.units.find((u) => u.kind === "file")!.changed).toEqual(["sc/a.yaml", "sc/b.yaml"]);
  });

  it("a profile and its layers are units of their own: a profile layer's change is not the profile's, and a new profile no scenario asks for is not covered", async () => {
    const profile = (x: number, title = "Fast") => ({ "profiles/fast.yaml": `profile: fast\ntitle: ${title}\ndescription: d\nlayers:\n  - name: fast-params\n    data:\n      x: ${x}\n` });
    const added = await run(side("head", profile(7)));
    expect(added.units).toEqual([
      { id: "profile:fast", kind: "profile", name: "fast", status: "added", file: "layers/profiles/fast.yaml", line: 1, scenarios: [], changed: [], covered: false },
      { id: "profile:fast:fast-params", kind: "profile-layer", name: "profile:fast:fast-params", status: "added", file: "layers/profiles/fast.yaml", line: 5, scenarios: [], changed: [], covered: false },
    ]);
    expect(added.summary.uncovered).toBe(2);
    const uses = { "p.yaml": "name: fast\ncontext:\n  mode: a\n  profiles: [fast]\nexpect:\n  match: { x: 7 }\n" };
    const layerOnly = await run(side("head", profile(8), uses), side("base", profile(7), uses));
    expect(layerOnly.units).toEqual([
      { id: "profile:fast:fast-params", kind: "profile-layer", name: "profile:fast:fast-params", status: "modified", file: "layers/profiles/fast.yaml", line: 5, scenarios: ["sc/p.yaml"], changed: ["sc/p.yaml"], covered: true },
    ]);
    const titleOnly = await run(side("head", profile(7, "Quick"), uses), side("base", profile(7), uses));
    expect(titleOnly.units.map((u) => [u.id, u.status, u.scenarios, u.changed])).toEqual([["profile:fast", "modified", ["sc/p.yaml"], []]]);
  });

  it("a table row is a unit of its own, apart from its layer; units come in file order, then line", async () => {
    const table = (h: number, extra = "") => ({
      "base/gpu.yaml": `name: gpu\nstage: base\ntable:\n  key: gpu\n  rows:\n    H:\n      y: ${h}\n    A:\n      y: 3\n${extra}`,
      "checks/c.yaml": "check: c\nseverity: warning\npath: x\nwhen: false\nmessage: never\n",
    });
    const uses = { "h.yaml": "name: on H\ncontext:\n  mode: a\n  gpu: H\nexpect:\n  match: { x: 1 }\n" };
    const r = await run(side("head", { ...table(9, "    B:\n      y: 4\n"), "checks/c.yaml": "check: c\nseverity: warning\npath: x\nwhen: false\nmessage: still never\n" }, uses), side("base", table(8), uses));
    expect(r.units.map((u) => [u.id, u.kind, u.name, u.status, u.file, u.line, u.scenarios, u.changed, u.covered])).toEqual([
      ["row:gpu:H", "table-row", "gpu row H", "modified", "layers/base/gpu.yaml", 6, ["sc/h.yaml"], ["sc/h.yaml"], true],
      ["row:gpu:B", "table-row", "gpu row B", "added", "layers/base/gpu.yaml", 10, [], [], false],
      ["check:c", "check", "c", "modified", "layers/checks/c.yaml", 1, [], [], false],
    ]);
  });
});

describe("reading a side from git or from the working tree (a small repository)", () => {
  const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com", GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };
  const git = (dir: string, ...args: string[]) => execFileSync("git", args, { cwd: dir, env: GIT_ENV }).toString();
  const temps: string[] = [];
  afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const thrown = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(DiffError);
      return (e as DiffError).message;
    }
    throw new Error("nothing thrown");
  };
  const ONE = "name: one\nstage: base\ndata:\n  x: 1\n";
  const SCENARIO = "name: a\ncontext: {}\nexpect: { match: { x: 1 } }\n";
  /** A repository with one commit: a project, its layers (a hidden folder, node_modules, a non-data file and a link among them), schemas and scenarios. */
  function repo(): string {
    const dir = mkdtempSync(join(tmpdir(), "strata-diff-units-"));
    temps.push(dir);
    const w = (p: string, t: string) => {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), t);
    };
    w("strata.yaml", "layers: layers\nschemas:\n  context: schemas/context.json\n  output: schemas/output.json\nscenarios: sc\nroles:\n  profiles: profiles\n");
    w("layers/stages.yaml", "stages:\n  - name: base\n");
    w("layers/base/one.yaml", ONE);
    w("layers/.hidden/h.yaml", "name: h\n");
    w("layers/node_modules/n.yaml", "name: n\n");
    w("layers/readme.md", "hi");
    symlinkSync("base/one.yaml", join(dir, "layers/link.yaml"));
    w("schemas/context.json", '{"type":"object"}');
    w("schemas/output.json", '{"type":"object"}');
    w("sc/a.yaml", SCENARIO);
    git(dir, "init", "-q", "-b", "main");
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "-m", "one");
    return dir;
  }
  const LAYER_FILES = [{ path: "base/one.yaml", text: ONE }, { path: "stages.yaml", text: "stages:\n  - name: base\n" }];
  const SCHEMAS = { context: '{"type":"object"}', output: '{"type":"object"}' };

  it("a revision: its data files from git's object store, without dot-folders, node_modules, other files or links", () => {
    const dir = repo();
    const r = openRepo(join(dir, "layers"));
    expect(r).toEqual({ root: dir });
    const paths = repoPaths(r, dir, {});
    expect(paths).toEqual({ layers: "layers", schemas: { context: "schemas/context.json", output: "schemas/output.json" }, scenarios: "sc", roles: { profiles: "profiles" } });
    const commit = git(dir, "rev-parse", "HEAD").trim();
    expect(resolveRevision(r, "main")).toBe(commit);
    expect(readRevision(r, "HEAD", paths)).toEqual({
      label: commit.slice(0, 7), rev: "HEAD", commit, layerFiles: LAYER_FILES, schemaTexts: SCHEMAS, scenarioFiles: [{ path: "a.yaml", text: SCENARIO }], notes: [],
    });
    // A revision without scenarios says so in a note.
    expect(readRevision(r, "HEAD", { ...paths, scenarios: "nosc" }).notes).toEqual([`${commit.slice(0, 7)} has no scenarios in nosc/`]);
  });

  it("the working tree: the files on disk, uncommitted ones too", () => {
    const dir = repo();
    writeFileSync(join(dir, "sc/b.yaml"), SCENARIO.replace("name: a", "name: b"));
    const r = openRepo(dir);
    const paths = repoPaths(r, dir, {});
    expect(readWorkingTree(r, paths)).toEqual({
      label: "working tree", layerFiles: [LAYER_FILES[0], { path: "link.yaml", text: ONE }, LAYER_FILES[1]], schemaTexts: SCHEMAS,
      scenarioFiles: [{ path: "a.yaml", text: SCENARIO }, { path: "b.yaml", text: SCENARIO.replace("name: a", "name: b") }], notes: [],
    });
    expect(readWorkingTree(r, { ...paths, scenarios: "nosc" })).toMatchObject({ scenarioFiles: [], notes: ["the working tree has no scenarios in nosc/"] });
    expect(thrown(() => readWorkingTree(r, { ...paths, layers: "nol" }))).toBe("the working tree has no layer directory nol/");
    writeFileSync(join(dir, "schemas/output.json"), "{ not json");
    expect(thrown(() => readWorkingTree(r, paths))).toBe("the working tree's output schema schemas/output.json cannot be used");
  });

  it("clear errors: no directory, no repository, a revision that names nothing or looks like an option, a side without layers or schema", () => {
    const dir = repo();
    const r = openRepo(dir);
    const paths = repoPaths(r, dir, {});
    const short = git(dir, "rev-parse", "--short=7", "HEAD").trim();
    expect(thrown(() => openRepo(join(dir, "nowhere")))).toBe(`no such directory: ${join(dir, "nowhere")}`);
    const outside = mkdtempSync(join(tmpdir(), "strata-nogit-"));
    temps.push(outside);
    expect(thrown(() => openRepo(outside))).toBe(`${outside} is not inside a git repository (strata diff compares revisions of one): fatal: not a git repository (or any of the parent directories): .git`);
    expect(thrown(() => resolveRevision(r, "-x"))).toBe("unknown revision '-x'");
    expect(thrown(() => resolveRevision(r, ""))).toBe("unknown revision ''");
    expect(thrown(() => resolveRevision(r, "nope"))).toBe(`unknown revision 'nope': no commit, branch or tag has that name in ${dir}`);
    expect(thrown(() => readRevision(r, "HEAD", { ...paths, layers: "sc2" }))).toBe(`HEAD (${short}) has no layer files in sc2/`);
    expect(thrown(() => readRevision(r, "HEAD", { ...paths, schemas: { ...paths.schemas, output: "schemas/nope.json" } }))).toBe(`HEAD (${short}) has no schemas/nope.json (the project's output schema)`);
    writeFileSync(join(dir, "schemas/output.json"), "{ not json");
    git(dir, "commit", "-q", "-am", "broken schema");
    const short2 = git(dir, "rev-parse", "--short=7", "HEAD").trim();
    expect(thrown(() => readRevision(r, "HEAD", paths))).toBe(`the output schema at HEAD (${short2}) is broken`);
  });

  it("the project's paths: directories given instead, each inside the repository; a project that declares no scenarios, or none at all", () => {
    const dir = repo();
    const r = openRepo(dir);
    expect(repoPaths(r, join(dir, "sc"), { layers: "../sc", schemas: "../schemas", scenarios: "../layers" })).toEqual({
      layers: "sc", schemas: { context: "schemas/context.json", output: "schemas/output.json" }, scenarios: "layers", roles: { profiles: "profiles" },
    });
    expect(thrown(() => repoPaths(r, dir, { layers: "../x" }))).toBe(`--layers ../x must be inside the repository ${dir}`);
    expect(thrown(() => repoPaths(r, dir, { scenarios: "." }))).toBe(`--scenarios . must be inside the repository ${dir}`);
    writeFileSync(join(dir, "strata.yaml"), "layers: layers\nschemas:\n  context: schemas/context.json\n  output: schemas/output.json\n");
    expect(thrown(() => repoPaths(r, dir, {}))).toBe(`the project (${join(dir, "strata.yaml")}) declares no scenarios, and strata diff compares scenarios: add \`scenarios: DIR\` to it, or pass --scenarios DIR`);
    expect(repoPaths(r, dir, { scenarios: "sc" }).scenarios).toBe("sc");
    // A project given, with a broken field: refused, unless the option given replaces it.
    writeFileSync(join(dir, "strata.yaml"), "layers: 3\nschemas:\n  context: schemas/context.json\n  output: schemas/output.json\nscenarios: sc\n");
    expect(thrown(() => repoPaths(r, dir, { project: loadProject(dir) }))).toBe(`the project file ${join(dir, "strata.yaml")} has 1 error(s)`);
    expect(repoPaths(r, dir, { project: loadProject(dir), layers: "layers", schemas: "schemas", scenarios: "sc" }).layers).toBe("layers");
    rmSync(join(dir, "strata.yaml"));
    expect(thrown(() => repoPaths(r, dir, {}))).toMatch(/^no project file \(strata\.yaml\) in .* or any folder above it; create strata\.yaml/);
  });
});
