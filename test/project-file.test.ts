// The project file (strata.yaml): loading it, finding it from any folder below, and every way it can be wrong,
// each a located issue (file:line:col in strata.yaml, or the path of the missing or broken file). Then the roles:
// optional, checked against the stage list and the profile files, and never a crash when a context lacks them.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compose, findProject, loadLayerSet, loadLayerSetFromFiles, loadProject, type Issue } from "../src/index.js";
import { REPO_ROOT, fixtureDir } from "./helpers/paths.js";

const NO_ROLES = fixtureDir("projects/no-roles");
const K8S = join(REPO_ROOT, "examples", "k8s-deployment");

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of the no-roles fixture project in a temporary folder, with `files` written over it (null: deleted). */
function projectWith(files: Record<string, string | null> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "strata-project-"));
  temps.push(dir);
  cpSync(NO_ROLES, dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    if (text === null) rmSync(join(dir, path), { recursive: true, force: true });
    else {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
  }
  return dir;
}

const brief = (i: Issue) => ({ code: i.code, severity: i.severity, file: i.file, line: i.line, column: i.column, message: i.message });

const PROJECT = `name: site-settings
layers: layers
schemas:
  context: schemas/site.schema.json
  output: schemas/settings.schema.json
scenarios: scenarios
`;

describe("the repository's own project file", () => {
  it("loads without a problem and says where everything is, and which fields play the roles", () => {
    const p = loadProject(REPO_ROOT);
    expect(p.issues).toEqual([]);
    expect(p).toMatchObject({
      file: join(REPO_ROOT, "strata.yaml"),
      dir: REPO_ROOT,
      name: "autotuner",
      layersDir: join(REPO_ROOT, "layers"),
      schemas: { context: join(REPO_ROOT, "schemas", "context.schema.json"), output: join(REPO_ROOT, "schemas", "task-config.schema.json") },
      scenariosDir: join(REPO_ROOT, "test", "scenarios"),
      roles: { profiles: "profiles", overrides: "user_overrides", override_mode: "override_mode" },
      itemName: "/task_name",
      aliases: { overrides: "user_overrides", slo: "slo_config" },
    });
    expect(JSON.parse(p.schemaTexts!.context).title).toBe("Task context");
  });

  it("is found from any folder below it; a project of its own below wins", () => {
    expect(findProject(join(REPO_ROOT, "layers", "profiles"))).toBe(join(REPO_ROOT, "strata.yaml"));
    expect(findProject(join(REPO_ROOT, "docs"))).toBe(join(REPO_ROOT, "strata.yaml"));
    expect(findProject(join(K8S, "layers", "tiers"))).toBe(join(K8S, "strata.yaml"));
    expect(findProject(join(NO_ROLES, "layers"))).toBe(join(NO_ROLES, "strata.yaml"));
    const outside = mkdtempSync(join(tmpdir(), "strata-none-"));
    temps.push(outside);
    expect(findProject(outside)).toBeUndefined();
  });

  it("loadProject takes the folder or the file itself, and keeps the path as given for messages", () => {
    const byFile = loadProject(join(NO_ROLES, "strata.yaml"));
    const byDir = loadProject(NO_ROLES);
    expect(byFile).toEqual(byDir);
    expect(byDir.roles).toEqual({});
    expect(byDir.scenariosDir).toBe(join(NO_ROLES, "scenarios"));
  });
});

describe("a broken project file is located: file:line:col in strata.yaml, or the missing path", () => {
  const cases: [string, Record<string, string | null>, Partial<ReturnType<typeof brief>>[]][] = [
    ["no strata.yaml in the folder", { "strata.yaml": null }, [{ code: "project-not-found", line: undefined }]],
    ["not YAML", { "strata.yaml": "layers: [a\nschemas: x\n" }, [{ code: "parse-error", line: 1, column: 9 }]],
    ["a list, not a mapping", { "strata.yaml": "- layers\n" }, [{ code: "project-invalid", line: 1, column: 1, message: "the project file must be a mapping (layers, schemas, roles, …)" }]],
    ["an unknown key", { "strata.yaml": PROJECT + "layer: other\n" }, [{ code: "project-invalid", line: 7, column: 1, message: "unknown field 'layer'" }]],
    ["no schemas", { "strata.yaml": "layers: layers\n" }, [{ code: "project-invalid", line: 1, column: 1, message: "missing required field 'schemas'" }]],
    ["a schema path that is not a string", { "strata.yaml": PROJECT.replace("output: schemas/settings.schema.json", "output: [a]") }, [{ code: "project-invalid", line: 5, column: 11, message: "'schemas.output' must be string" }]],
    ["the layer directory missing", { "strata.yaml": PROJECT.replace("layers: layers", "layers: layerz") }, [{ code: "project-path-missing", line: 2, column: 9, message: expect.stringMatching(/the layer directory .*layerz does not exist$/) as unknown as string }]],
    ["the default layer directory missing", { "strata.yaml": PROJECT.replace("layers: layers\n", ""), layers: null }, [{ code: "project-path-missing", line: 1, column: 1, message: expect.stringContaining("does not exist (the default; set `layers:` to the folder of layer files)") as unknown as string }]],
    ["a schema file missing", { "schemas/site.schema.json": null }, [{ code: "project-path-missing", line: 5, column: 12, message: expect.stringMatching(/the context schema .*schemas\/site\.schema\.json does not exist$/) as unknown as string }]],
    ["the scenario directory missing", { scenarios: null }, [{ code: "project-path-missing", line: 7, column: 12 }]],
    ["a schema that is not JSON", { "schemas/settings.schema.json": '{\n  "type": "object",\n  "properties": {\n}\n' }, [{ code: "schema-invalid", line: 5, column: 1 }]],
    ["a role naming a field the context does not have", { "strata.yaml": PROJECT + "roles:\n  profiles: site_profiles\n" }, [{
      code: "project-invalid", line: 8, column: 13, message: "roles.profiles names the context field 'site_profiles', but the context schema has no such field (did you mean 'site'?)",
    }]],
    ["a misspelt role field gets a suggestion", { "strata.yaml": PROJECT + "roles:\n  overrides: languges\n" }, [{
      code: "project-invalid", line: 8, column: 14, message: "roles.overrides names the context field 'languges', but the context schema has no such field (did you mean 'languages'?)",
    }]],
    ["override_mode without overrides", { "strata.yaml": PROJECT + "roles:\n  override_mode: audience\n" }, [{ code: "project-invalid", line: 8, column: 3 }]],
    ["two roles on one field", { "strata.yaml": PROJECT + "roles:\n  profiles: languages\n  overrides: languages\n" }, [{
      code: "project-invalid", line: 9, column: 14, message: "roles.overrides and roles.profiles name the same field 'languages': each role needs its own",
    }]],
    ["an alias to no field", { "strata.yaml": PROJECT + "aliases:\n  lang: langs\n" }, [{ code: "project-invalid", line: 8, column: 9, message: "the alias 'lang' names the context field 'langs', but the context schema has no such field" }]],
    ["an alias that is a context field", { "strata.yaml": PROJECT + "aliases:\n  site: languages\n" }, [{ code: "project-invalid", line: 8, column: 3, message: "the alias 'site' is itself a context field: a request could not say which one it means" }]],
    ["two aliases for one field", { "strata.yaml": PROJECT + "aliases:\n  lang: languages\n  langs: languages\n" }, [{ code: "project-invalid", line: 9, column: 3 }]],
    ["an item name that is not a JSON Pointer", { "strata.yaml": PROJECT + "item_name: title\n" }, [{ code: "project-invalid", line: 7, column: 12, message: "'item_name' must match the pattern ^/" }]],
    ["a prototype key", { "strata.yaml": PROJECT + "aliases:\n  __proto__: languages\n" }, [{ code: "forbidden-key", line: 8, column: 3 }]],
  ];
  it.each(cases)("%s", (_name, files, expected) => {
    const dir = projectWith(files);
    const p = loadProject(dir);
    expect(p.issues.map(brief)).toEqual(expected.map((e) => expect.objectContaining({ severity: "error", ...e })));
    // Every issue names a file: strata.yaml, or the schema that is broken.
    for (const i of p.issues) expect(i.file).toMatch(/strata\.yaml$|\.schema\.json$/);
    // A broken project makes an unusable layer set that says why (no silent switch to other files).
    const set = loadLayerSet(p);
    expect(set.issues.filter((i) => i.severity === "error").map((i) => i.code)).toEqual(expected.map((e) => e.code));
    expect(set.stages).toEqual([]);
  });

  it("an item name the output schema does not list is a warning at its line", () => {
    const p = loadProject(projectWith({ "strata.yaml": PROJECT + "item_name: /slug\n" }));
    expect(p.issues.map(brief)).toEqual([{ code: "project-invalid", severity: "warning", file: expect.stringMatching(/strata\.yaml$/), line: 7, column: 12, message: "item_name /slug: the output schema lists no field 'slug'" }]);
  });

  it("a schema that parses but does not compile is schema-invalid, naming that schema", () => {
    const dir = projectWith({ "schemas/site.schema.json": '{ "type": "object", "properties": { "site": { "type": "strin" } } }' });
    const p = loadProject(dir);
    expect(p.issues).toEqual([]);
    const set = loadLayerSet(p);
    expect(set.issues.map((i) => [i.code, i.file])).toEqual([["schema-invalid", join(dir, "schemas", "site.schema.json")]]);
    expect(set.issues[0].message).toMatch(/^the context schema does not compile: /);
  });

  it("a YAML schema file works like a JSON one", async () => {
    const dir = projectWith({
      "strata.yaml": PROJECT.replace("schemas/site.schema.json", "schemas/site.schema.yaml"),
      "schemas/site.schema.yaml": "type: object\nrequired: [site, audience]\nproperties:\n  site: { type: string }\n  audience: { enum: [internal, public] }\n  languages: { type: array, default: [fr] }\n",
    });
    const set = loadLayerSet(loadProject(dir));
    expect(set.issues).toEqual([]);
    const r = await compose(set, { site: "s", audience: "public" });
    expect(r.config).toMatchObject({ languages: ["fr"], search: true });
  });
});

describe("roles are optional, and each one the stages or profile files need must be declared", () => {
  it("a project without roles loads, and its layer set records none", () => {
    const set = loadLayerSet(loadProject(NO_ROLES));
    expect(set.issues).toEqual([]);
    expect(set.roles).toEqual({});
    expect(set.stages.map((s) => [s.name, s.source])).toEqual([["defaults", "layers"], ["audience", "layers"], ["finish", "layers"]]);
  });

  it("a stage taking profiles or overrides without the role is role-missing at its `source` line", () => {
    const stages = "stages:\n  - name: defaults\n  - name: presets\n    source: profiles\n  - name: mine\n    source: overrides\n  - name: audience\n  - name: finish\n";
    const set = loadLayerSet(loadProject(projectWith({ "layers/stages.yaml": stages })));
    expect(set.issues.map(brief)).toEqual([
      { code: "role-missing", severity: "error", file: "stages.yaml", line: 4, column: 13, message: "stage 'presets' takes `source: profiles`, but the project declares no profiles role: add `roles: {profiles: <context field>}` to the project file, or remove the stage" },
      { code: "role-missing", severity: "error", file: "stages.yaml", line: 6, column: 13, message: "stage 'mine' takes `source: overrides`, but the project declares no overrides role: add `roles: {overrides: <context field>}` to the project file, or remove the stage" },
    ]);
  });

  it("a profile file in a project without the profiles role is role-missing at its `profile` line", () => {
    const set = loadLayerSet(loadProject(projectWith({ "layers/presets/big.yaml": "profile: big\ntitle: Big\ndescription: d\nlayers:\n  - name: big\n    data: { search: true }\n" })));
    expect(set.issues.map((i) => [i.code, i.file, i.line, i.column])).toEqual([["role-missing", "presets/big.yaml", 1, 10]]);
  });

  it("a declared role needs exactly one stage to apply it", () => {
    const set = loadLayerSet(loadProject(projectWith({ "strata.yaml": PROJECT + "roles:\n  profiles: languages\n" })));
    expect(set.issues.map((i) => [i.code, i.file, i.line, i.message])).toEqual([["stage-source", "stages.yaml", 1, "exactly one stage must have `source: profiles` (found 0)"]]);
  });

  it("profile layers carry the name the project gives the profiles stage (provenance, skipped layers)", async () => {
    const stages = "stages:\n  - name: defaults\n  - name: presets\n    source: profiles\n  - name: audience\n  - name: finish\n";
    const schema = '{ "type": "object", "additionalProperties": false, "required": ["site", "audience"], "properties": { "site": { "type": "string" }, "audience": { "enum": ["internal", "public"] }, "languages": { "type": "array", "default": ["en"] }, "presets": { "type": "array", "items": { "type": "string" }, "default": [] } } }';
    const dir = projectWith({
      "strata.yaml": PROJECT + "roles:\n  profiles: presets\n",
      "schemas/site.schema.json": schema,
      "layers/stages.yaml": stages,
      "layers/presets/multilingual.yaml": "profile: multilingual\ntitle: M\ndescription: d\nlayers:\n  - name: more-languages\n    data: { languages: [en, fr] }\n  - name: internal-only\n    when: { '==': [{ var: audience }, internal] }\n    data: { login_required: true }\n",
    });
    const set = loadLayerSet(loadProject(dir));
    expect(set.issues).toEqual([]);
    const r = await compose(set, { site: "s", audience: "public", presets: ["multilingual", "nope"] });
    expect(r.provenance["/languages"]).toMatchObject({ source: "profile:multilingual:more-languages", stage: "presets" });
    expect(r.skipped_layers[0]).toMatchObject({ layer: "profile:multilingual:internal-only", stage: "presets", file: "presets/multilingual.yaml" });
    expect(r.warnings.map((w) => [w.code, w.pointer])).toEqual([["profile-not-found", "/presets/1"]]);
  });
});

describe("compose never crashes on a context without the roles' fields", () => {
  it("a context schema without `profiles` (the issue's crash: TypeError, exit 70) composes", async () => {
    const set = loadLayerSet(loadProject(NO_ROLES));
    const r = await compose(set, { site: "docs", audience: "internal" });
    expect(r.ok).toBe(true);
    expect(r.config).toEqual({ title: "docs", base_url: "https://docs.intranet.example.com", languages: ["en"], search: false, login_required: true });
  });

  it("role fields the schema leaves open get an error when they hold the wrong kind of value", async () => {
    const schema = '{ "type": "object", "properties": { "site": {}, "audience": {}, "p": {}, "o": {}, "m": {} } }';
    const dir = projectWith({
      "strata.yaml": PROJECT + "roles:\n  profiles: p\n  overrides: o\n  override_mode: m\n",
      "schemas/site.schema.json": schema,
      "layers/stages.yaml": "stages:\n  - name: defaults\n  - name: p\n    source: profiles\n  - name: o\n    source: overrides\n  - name: audience\n  - name: finish\n",
    });
    const set = loadLayerSet(loadProject(dir));
    expect(set.issues).toEqual([]);
    const r = await compose(set, { site: "s", audience: "public", p: "one", o: [1], m: "merge" });
    expect(r.config).toBeUndefined();
    expect(r.errors.map((e) => [e.code, e.pointer])).toEqual([["context-invalid", "/p"], ["context-invalid", "/o"], ["context-invalid", "/m"]]);
    // Absent or null role fields ask for nothing.
    const none = await compose(set, { site: "s", audience: "public", p: null, o: null });
    expect(none.ok).toBe(true);
    expect(none.applied_layers).toEqual(["site", "public"]);
  });

  it("`$config` is not a context field: layers read the config under that name", async () => {
    const schema = '{ "type": "object", "properties": { "site": {}, "audience": {}, "$config": {} } }';
    const set = loadLayerSet(loadProject(projectWith({ "schemas/site.schema.json": schema })));
    const r = await compose(set, { site: "s", audience: "public", $config: { search: false } });
    expect(r.errors.map((e) => [e.code, e.pointer])).toEqual([["context-invalid", "/$config"]]);
  });
});

describe("library calls without a project use the one found from the working directory (as the CLI does)", () => {
  it("loadLayerSetFromFiles with the files only: the working directory's project gives schemas and roles", () => {
    // The tests run in the repository: its strata.yaml (the autotuner's roles) is the one found.
    const set = loadLayerSetFromFiles([{ path: "stages.yaml", text: "stages:\n  - name: base\n" }]);
    expect(set.roles).toEqual({ profiles: "profiles", overrides: "user_overrides", override_mode: "override_mode" });
    expect(set.issues.map((i) => i.code)).toEqual(["stage-source", "stage-source"]);
  });

  it("schemas and roles given in the options need no project at all", () => {
    const set = loadLayerSetFromFiles([{ path: "stages.yaml", text: "stages:\n  - name: base\n" }, { path: "a.yaml", text: "name: a\nstage: base\ndata: { x: 1 }\n" }], {
      schemaTexts: { context: "{}", output: '{ "required": ["x"] }' },
      roles: {},
    });
    expect(set.issues).toEqual([]);
    expect(set.roles).toEqual({});
  });
});
