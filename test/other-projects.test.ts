// strata is not the autotuner's alone: a second kind of project (examples/k8s-deployment, Kubernetes Deployments)
// and a project with no roles at all (test/fixtures/projects/no-roles) go through the library and every CLI
// command (compose, explain, lint, test, diff, profiles, layers), with --project and from inside the project.
// And the autotuner's own everyday commands run from any folder of this repository.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compose, loadLayerSet, loadProject, loadScenarios, runScenarios, readLayerFiles, type LayerSet, type Project } from "../src/index.js";
import { lintLayerFiles } from "../src/review/lint.js";
import { ensureBuilt, pool, strata, type Run } from "./helpers/cli.js";
import { REPO_ROOT, fixtureDir } from "./helpers/paths.js";

const K8S = join(REPO_ROOT, "examples", "k8s-deployment");
const NO_ROLES = fixtureDir("projects/no-roles");
const CHECKOUT = join(K8S, "contexts", "checkout-prod.yaml");

/** The context fields of the Kubernetes example: a project's own type (the engine's is a plain record). */
type DeploymentContext = { service: string; environment: "dev" | "staging" | "prod"; region: string; version: string; tiers: string[]; changes: Record<string, unknown> };

/** The checkout scenario's recorded snapshot: what every surface must give for that context. */
const checkoutSnapshot = () => (parseYaml(readFileSync(join(K8S, "scenarios", "checkout-prod-critical.yaml"), "utf8")) as { expect: { config: Record<string, unknown> } }).expect.config;

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
};
beforeAll(() => ensureBuilt());
const json = (r: Run) => JSON.parse(r.stdout) as Record<string, any>;
const noStack = (r: Run) => expect(r.stderr).not.toMatch(/\n\s+at |internal error/);

describe("the Kubernetes example through the library", () => {
  let project: Project;
  let set: LayerSet;
  beforeAll(() => {
    project = loadProject(K8S);
    set = loadLayerSet(project);
  });

  it("loads: its own stages, roles and schemas, and no problem", () => {
    expect(project.issues).toEqual([]);
    expect(set.issues).toEqual([]);
    expect(project.roles).toEqual({ profiles: "tiers", overrides: "changes" });
    expect(set.stages.map((s) => [s.name, s.source])).toEqual([
      ["base", "layers"], ["environment", "layers"], ["region", "layers"], ["tiers", "profiles"], ["user", "overrides"], ["finalize", "layers"],
    ]);
    expect([...set.profiles.keys()].sort()).toEqual(["batch", "critical"]);
    expect(set.checks.map((c) => c.name)).toEqual(["prod-replicas"]);
  });

  it("composes a typed context: a value computed from two fields, a list-membership condition, a tier profile, the finalize copy", async () => {
    const r = await compose<DeploymentContext>(set, parseYaml(readFileSync(CHECKOUT, "utf8")));
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.context!.service).toBe("checkout");
    expect(r.context!.changes).toEqual({}); // the schema's default, filled in
    expect(r.config).toEqual(checkoutSnapshot());
    expect(r.applied_layers).toEqual(["deployment", "prod", "region", "eu-data-residency", "profile:critical:critical-replicas", "pod-labels"]);
    // The profiles stage's own name, not "profiles".
    expect(r.provenance["/spec/replicas"]).toEqual({ source: "profile:critical:critical-replicas", layer: "critical-replicas", stage: "tiers", file: "tiers/critical.yaml", line: 12, column: 9 });
    expect(r.provenance["/metadata/name"]).toMatchObject({ source: "deployment", stage: "base", file: "base/deployment.yaml", line: 10 });
    expect(r.config!.metadata).toMatchObject({ name: "checkout-prod" });
    expect(r.skipped_layers).toEqual([
      { layer: "staging", stage: "environment", file: "environment/staging.yaml", line: 2, reason: "condition-false", when: { "==": [{ var: "environment" }, "staging"] }, when_text: 'environment == "staging"', read: { environment: "prod" } },
    ]);
  });

  it("the `in` condition: an EU region applies the data-residency layer, another region skips it and says why", async () => {
    const eu = await compose(set, { service: "a", environment: "dev", region: "eu-central-1" });
    expect(eu.applied_layers).toContain("eu-data-residency");
    expect((eu.config!.metadata as Record<string, any>).labels["data-residency"]).toBe("eu");
    const us = await compose(set, { service: "a", environment: "dev", region: "us-east-1" });
    expect(us.skipped_layers.find((s) => s.layer === "eu-data-residency")).toMatchObject({ read: { region: "us-east-1" }, when_text: 'region in ["eu-west-1", "eu-central-1", "eu-north-1"]' });
  });

  it("the check rule makes a prod Deployment with one replica invalid, at the rule's file; an unknown tier warns at its place", async () => {
    const r = await compose(set, { service: "a", environment: "prod", region: "us-east-1", tiers: ["critcal"], changes: { spec: { replicas: 1 } } });
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([{ code: "prod-replicas", severity: "error", message: "a prod Deployment needs at least 2 replicas", pointer: "/spec/replicas", file: "checks/prod-replicas.yaml", line: 2, column: 1, layer: "prod-replicas" }]);
    expect(r.warnings.map((w) => [w.code, w.pointer])).toEqual([["profile-not-found", "/tiers/0"]]);
    expect(r.provenance["/spec/replicas"]).toEqual({ source: "user_patch", stage: "user" });
  });

  it("a context that breaks the project's context schema is refused with the field", async () => {
    const r = await compose(set, { service: "Bad Name", environment: "qa", region: "x" });
    expect(r.errors.map((e) => [e.code, e.pointer])).toEqual([["context-invalid", "/service"], ["context-invalid", "/environment"]]);
  });

  it("its scenarios pass and its layers lint clean", async () => {
    const loaded = loadScenarios(project.scenariosDir!);
    expect(loaded.issues).toEqual([]);
    const results = await runScenarios(set, loaded.scenarios);
    expect(results.map((r) => [r.scenario.id, r.passed])).toEqual([["checkout-prod-critical.yaml", true], ["prod-one-replica.yaml", true], ["reports-dev-batch.yaml", true]]);
    expect(lintLayerFiles(readLayerFiles(project.layersDir), { project }).issues).toEqual([]);
  });
});

// Every command, three ways: --project from the repository root, from the project's folder, from a folder inside it.
const WAYS: [string, string, string[]][] = [
  ["--project from the repository root", REPO_ROOT, ["--project", "examples/k8s-deployment"]],
  ["from the project's folder", K8S, []],
  ["from a folder inside the project", join(K8S, "layers", "tiers"), []],
];

describe.each(WAYS)("every CLI command on the Kubernetes example, %s", (_way, cwd, flag) => {
  const runs = new Map<string, Run>();
  const COMMANDS: Record<string, string[]> = {
    compose: ["compose", "-c", CHECKOUT],
    composeJson: ["compose", "-c", CHECKOUT, "--json"],
    explain: ["explain", "-c", CHECKOUT, "--path", "spec.replicas"],
    lint: ["lint"],
    test: ["test"],
    profiles: ["profiles"],
    profilesJson: ["profiles", "--json"],
    layers: ["layers"],
    layersJson: ["layers", "--json"],
    mode: ["compose", "-c", CHECKOUT, "--mode", "replace"],
    setReplicas: ["compose", "-c", CHECKOUT, "--set", "spec.replicas=1"],
  };
  beforeAll(async () => {
    const names = Object.keys(COMMANDS);
    const results = await pool(names, 2, (n) => strata([...COMMANDS[n], ...flag], { cwd }));
    names.forEach((n, i) => runs.set(n, results[i]));
  });
  const run = (n: string) => runs.get(n)!;

  it("compose prints the config the library composes (YAML, exit 0); --json shows the stages by their own names", () => {
    expect(run("compose").code).toBe(0);
    expect(run("compose").stderr).toBe("");
    expect(parseYaml(run("compose").stdout)).toEqual(checkoutSnapshot());
    const out = json(run("composeJson"));
    expect(out.ok).toBe(true);
    expect(out.provenance["/spec/replicas"]).toMatchObject({ stage: "tiers", source: "profile:critical:critical-replicas" });
  });

  it("explain --path gives the value's history with each layer's file:line", () => {
    const r = run("explain");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/^spec\.replicas: 3 {3}\(set by profile:critical:critical-replicas, .*layers\/tiers\/critical\.yaml:12\)$/);
    expect(lines.filter((l) => /^\s+\d+ {2}/.test(l)).map((l) => l.trim().split(/\s+/)[1])).toEqual(["deployment", "prod", "profile:critical:critical-replicas"]);
    expect(r.stdout).toContain('staging: when environment == "staging" → false (environment is "prod")');
  });

  it("lint finds no problem and composes the project's three scenarios; test passes them", () => {
    expect(run("lint").code).toBe(0);
    expect(run("lint").stdout).toBe("");
    expect(run("lint").stderr).toMatch(/^strata lint: no problems in 10 file\(s\) under \S*layers; 3 scenario\(s\) composed from \S*scenarios\n$/);
    expect(run("test").code).toBe(0);
    expect(run("test").stdout).toMatch(/PASS {2}\S*checkout-prod-critical\.yaml {2}checkout in prod, EU, critical\n/);
    expect(run("test").stdout).toContain("\n3 scenario(s): 3 passed\n");
  });

  it("profiles lists the two tiers; layers shows the project's own stages", () => {
    expect(run("profiles").code).toBe(0);
    expect(run("profiles").stdout).toBe(
      "batch     Batch\n          Background work on spot nodes, with the low priority class.\n" +
      "critical  Critical\n          Customer-facing: three replicas and the high priority class.\n",
    );
    expect(json(run("profilesJson")).map((p: { name: string; layers: string[] }) => [p.name, p.layers])).toEqual([["batch", ["batch-spot"]], ["critical", ["critical-replicas"]]]);
    expect(run("layers").stdout).toContain("4. tiers (the context's tiers, in its order)\n     profile batch            tiers/batch.yaml                   when listed in tiers\n");
    expect(json(run("layersJson")).stages.map((s: { stage: string; source: string }) => `${s.stage}:${s.source}`)).toEqual([
      "base:layers", "environment:layers", "region:layers", "tiers:profiles", "user:overrides", "finalize:layers",
    ]);
  });

  it("--mode needs a role this project does not declare: exit 2, saying so; --set goes through the overrides role and the check rule", () => {
    const mode = run("mode");
    expect(mode.code).toBe(2);
    expect(mode.stderr).toBe("strata compose: --mode: the project k8s-deployment (" + (flag.length ? "examples/k8s-deployment/strata.yaml" : cwd === K8S ? "strata.yaml" : join(K8S, "strata.yaml")) + ") has no override mode role; to use --mode, declare `roles.override_mode` (the context field saying patch or replace) in it\n");
    const set = run("setReplicas");
    expect(set.code).toBe(1);
    expect(set.stderr).toMatch(/layers\/checks\/prod-replicas\.yaml:2:1: error prod-replicas: a prod Deployment needs at least 2 replicas\n$/);
    noStack(set);
  });
});

describe("the project without roles through every CLI command", () => {
  const CONTEXT = "site: docs\naudience: internal\nlanguages: [en, de]\n";
  const runs = new Map<string, Run>();
  const COMMANDS: Record<string, string[]> = {
    compose: ["compose", "-c", "-"],
    explain: ["explain", "-c", "-"],
    lint: ["lint"],
    test: ["test"],
    profiles: ["profiles"],
    profilesJson: ["profiles", "--json"],
    layers: ["layers"],
    profile: ["compose", "-c", "-", "--profile", "fast"],
    set: ["compose", "-c", "-", "--set", "search=true"],
    override: ["explain", "-c", "-", "--override", join(NO_ROLES, "strata.yaml")],
    mode: ["compose", "-c", "-", "--mode", "patch"],
  };
  beforeAll(async () => {
    const names = Object.keys(COMMANDS);
    // Half of them with --project from the repository root, half from inside the project.
    const results = await pool(names, 2, (n) => (names.indexOf(n) % 2 ? strata([...COMMANDS[n], "--project", NO_ROLES], { input: CONTEXT }) : strata(COMMANDS[n], { cwd: NO_ROLES, input: CONTEXT })));
    names.forEach((n, i) => runs.set(n, results[i]));
  });
  const run = (n: string) => runs.get(n)!;

  it("compose and explain work with the project's own stages", () => {
    expect(run("compose").code).toBe(0);
    expect(run("compose").stdout).toBe("title: docs\nbase_url: https://docs.intranet.example.com\nlanguages:\n  - en\n  - de\nsearch: false\nlogin_required: true\n");
    expect(run("explain").code).toBe(0);
    expect(run("explain").stdout).toMatch(/^login_required: true +# internal {2}\S*layers\/audience\/internal\.yaml:6$/m);
    expect(run("explain").stdout).toContain("# Applied layers (2), in order: site, internal\n");
    expect(run("explain").stdout).not.toContain("Profiles not selected");
  });

  it("lint, test, layers and profiles", () => {
    expect(run("lint").code).toBe(0);
    expect(run("lint").stderr).toMatch(/^strata lint: no problems in 5 file\(s\) under \S*layers; 2 scenario\(s\) composed from \S*scenarios\n$/);
    expect(run("test").code).toBe(0);
    expect(run("test").stdout).toContain("\n2 scenario(s): 2 passed\n");
    expect(run("layers").stdout).toBe(
      "1. defaults\n     site                     defaults/site.yaml:1               always\n" +
      "2. audience\n     internal                 audience/internal.yaml:1           when audience == \"internal\"\n" +
      "     public                   audience/public.yaml:1             when audience == \"public\"\n" +
      "3. finish\nthen checks: many-languages; then JSON Schema validation\n",
    );
    expect(run("profiles").code).toBe(0);
    expect(run("profiles").stdout).toMatch(/^The project site-settings has no profiles: its project file \(\S*strata\.yaml\) declares no profiles role\.\n$/);
    expect(run("profilesJson").stdout).toBe("[]\n");
  });

  it("--profile, --set, --override and --mode say the project has no such role (exit 2)", () => {
    for (const [name, option, role, need] of [
      ["profile", "--profile", "profiles", "`roles.profiles` (the context field that holds them)"],
      ["set", "--set", "overrides", "`roles.overrides` (the context field that holds them)"],
      ["override", "--override", "overrides", "`roles.overrides` (the context field that holds them)"],
      ["mode", "--mode", "override mode", "`roles.override_mode` (the context field saying patch or replace)"],
    ]) {
      const r = run(name);
      expect(r.code, name).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(new RegExp(`^strata (compose|explain): ${option}: the project site-settings \\(\\S*strata\\.yaml\\) has no ${role} role; to use ${option}, declare ${need.replace(/[()`.]/g, "\\$&")} in it\\n$`));
    }
  });
});

describe("strata diff on a repository holding another kind of project", () => {
  const git = (dir: string, ...args: string[]) =>
    execFileSync("git", args, { cwd: dir, env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com", GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" } }).toString();
  let repo: string;
  beforeAll(() => {
    // The two projects in one repository, in folders of their own; then one commit changes each.
    repo = tempDir("strata-diff-projects-");
    cpSync(K8S, join(repo, "deploy"), { recursive: true });
    cpSync(NO_ROLES, join(repo, "site"), { recursive: true });
    git(repo, "init", "-q", "-b", "main");
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "projects");
    const tier = join(repo, "deploy", "layers", "tiers", "critical.yaml");
    writeFileSync(tier, readFileSync(tier, "utf8").replace("replicas: 3", "replicas: 4"));
    const pub = join(repo, "site", "layers", "audience", "public.yaml");
    writeFileSync(pub, readFileSync(pub, "utf8").replace("search: true", "search: true\n  login_required: false"));
  });

  it("the Kubernetes project: from its folder and with --project from the root, the changed scenario and the layer that changed it", async () => {
    const [inside, fromRoot] = await Promise.all([
      strata(["diff", "--base", "HEAD", "--format", "json"], { cwd: join(repo, "deploy") }),
      strata(["diff", "--base", "HEAD", "--format", "json", "--project", "deploy", "--exit-code"], { cwd: repo }),
    ]);
    expect(inside.code).toBe(0);
    expect(fromRoot.code).toBe(1); // --exit-code: a result changed
    for (const r of [inside, fromRoot]) {
      const report = json(r);
      expect(report.paths).toEqual({ layers: "deploy/layers", schemas: { context: "deploy/schemas/context.schema.json", output: "deploy/schemas/deployment.schema.json" }, scenarios: "deploy/scenarios", roles: { profiles: "tiers", overrides: "changes" } });
      expect(report.summary).toEqual({ total: 3, changed: 1, unchanged: 2, added: 0, removed: 0, uncovered: 0 });
      // The changed unit is the tier's layer, reached by the one scenario that asks for the tier.
      expect(report.units).toEqual([{
        id: "profile:critical:critical-replicas", kind: "profile-layer", name: "profile:critical:critical-replicas", status: "modified",
        file: "deploy/layers/tiers/critical.yaml", line: expect.any(Number), scenarios: ["deploy/scenarios/checkout-prod-critical.yaml"], changed: ["deploy/scenarios/checkout-prod-critical.yaml"], covered: true,
      }]);
      const changed = report.scenarios.find((s: { status: string }) => s.status === "changed");
      expect(changed.id).toBe("checkout-prod-critical.yaml");
      expect(changed.changes).toEqual([
        { path: "spec.replicas", pointer: "/spec/replicas", kind: "changed", before: 3, after: 4, origin: { source: "profile:critical:critical-replicas", layer: "critical-replicas", stage: "tiers", file: "deploy/layers/tiers/critical.yaml", line: 12, column: 9 } },
      ]);
      expect(report.files).toEqual([{ file: "deploy/layers/tiers/critical.yaml", status: "modified" }]);
    }
  });

  it("the project without roles: its scenarios and its own stage names", async () => {
    const r = await strata(["diff", "--base", "HEAD", "--format", "json"], { cwd: join(repo, "site", "layers") });
    expect(r.code).toBe(0);
    const report = json(r);
    expect(report.summary).toEqual({ total: 2, changed: 1, unchanged: 1, added: 0, removed: 0, uncovered: 0 });
    expect(report.scenarios.find((s: { id: string }) => s.id === "public.yaml").changes).toEqual([
      { path: "login_required", pointer: "/login_required", kind: "added", after: false, origin: { source: "public", layer: "public", stage: "audience", file: "site/layers/audience/public.yaml", line: 6, column: 3 } },
    ]);
  });
});

describe("without a project anywhere, every command says how to make one (exit 2), never using other files", () => {
  it.each([["compose", "-c", "ctx.yaml"], ["explain", "-c", "ctx.yaml"], ["lint"], ["test"], ["diff", "--base", "HEAD"], ["profiles"], ["layers"]])("strata %s", async (...args) => {
    const dir = tempDir("strata-no-project-");
    writeFileSync(join(dir, "ctx.yaml"), "model_name: m\nbase_runtime: sglang\n");
    mkdirSync(join(dir, "layers"));
    // diff first needs a repository (outside one it says so: test/diff.test.ts); this one has no project.
    if (args[0] === "diff") execFileSync("git", ["init", "-q"], { cwd: dir });
    const r = await strata(args, { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `strata ${args[0]}: no project file (strata.yaml) in ${dir} or any folder above it.\n` +
      "Run strata inside a project, give one with --project DIR, or create strata.yaml in the project's folder, for example:\n" +
      "  layers: layers\n  schemas:\n    context: schemas/context.schema.json\n    output: schemas/output.schema.json\n(see docs/projects.md)\n",
    );
  });

  it("--project naming a folder without strata.yaml, and a broken project file, are located errors", async () => {
    const dir = tempDir("strata-bad-project-");
    const none = await strata(["layers", "--project", dir]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(new RegExp(`^strata layers: no project file: ${dir}/strata\\.yaml does not exist; create strata\\.yaml`));
    writeFileSync(join(dir, "strata.yaml"), "layers: layers\nschemas:\n  context: c.json\n  output: o.json\n");
    const broken = await strata(["layers", "--project", dir]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toBe(
      `${dir}/strata.yaml:1:9: error project-path-missing: the layer directory ${dir}/layers does not exist\n` +
      `${dir}/strata.yaml:3:12: error project-path-missing: the context schema ${dir}/c.json does not exist\n` +
      `${dir}/strata.yaml:4:11: error project-path-missing: the output schema ${dir}/o.json does not exist\n` +
      `strata layers: the project file ${dir}/strata.yaml has 3 error(s)\n`,
    );
    // The file's form is checked first: a misspelt role is reported before any path.
    writeFileSync(join(dir, "strata.yaml"), "layers: layers\nschemas:\n  context: c.json\n  output: o.json\nroles:\n  profile: p\n");
    const typo = await strata(["layers", "--project", dir]);
    expect(typo.stderr).toBe(`${dir}/strata.yaml:6:3: error project-invalid: unknown field 'roles.profile'\nstrata layers: the project file ${dir}/strata.yaml has 1 error(s)\n`);
  });
});

describe("the autotuner's everyday commands run from any folder of this repository", () => {
  it("compose, explain, profiles and layers from a folder deep inside give what they give at the root", async () => {
    const deep = join(REPO_ROOT, "layers", "profiles");
    const ctx = join(REPO_ROOT, "examples", "design-example.yaml");
    const commands = [["compose", "-c", ctx, "--json"], ["profiles", "--json"], ["layers", "--json"], ["explain", "-c", ctx, "--json"]];
    const here = await pool(commands, 2, (c) => strata(c, { cwd: deep }));
    const root = await pool(commands, 2, (c) => strata(c, { cwd: REPO_ROOT }));
    for (let i = 0; i < commands.length; i++) {
      expect(here[i].code, commands[i].join(" ")).toBe(0);
      // The same, but for the layer files explain names: by their full path from outside the folder.
      const relative = (r: Run) => JSON.parse(r.stdout.replaceAll(`${REPO_ROOT}/`, ""));
      expect(relative(here[i]), commands[i].join(" ")).toEqual(relative(root[i]));
    }
    // explain shows the layer files from where it runs: the same files, another relative path.
    const explained = await strata(["explain", "-c", ctx, "--path", "parameters.mem-fraction-static"], { cwd: deep });
    expect(explained.stdout).toContain(`(set by profile:low-latency:low-latency-params, ${join(REPO_ROOT, "layers", "profiles", "low-latency.yaml")}:`);
  });

  it("lint and test from the docs folder use the repository's layers and scenarios", async () => {
    const [lint, test] = await Promise.all([strata(["lint", "--format", "json"], { cwd: join(REPO_ROOT, "docs") }), strata(["test", "--format", "json"], { cwd: join(REPO_ROOT, "docs") })]);
    expect(lint.code).toBe(0);
    // Folders outside the working directory are shown by their full path.
    expect(json(lint)).toMatchObject({ ok: true, errors: 0, layers_dir: join(REPO_ROOT, "layers"), scenarios: { dir: join(REPO_ROOT, "test", "scenarios"), composed: true } });
    expect(test.code).toBe(0);
    expect(json(test).failed).toBe(0);
    expect(json(test).passed).toBe(readLayerFiles(join(REPO_ROOT, "test", "scenarios")).length);
  });
});

describe("the README's library example", () => {
  it("runs unchanged at the repository's root and gives what its comments say", () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const block = /## Use it as a library\n\n```js\n([\s\S]*?)```/.exec(readme)![1];
    // `result.ok;  // true` and `result.applied_layers;  // [...]`: the comments that hold a value.
    const expected = Object.fromEntries([...block.matchAll(/^(result\.(?:ok|applied_layers));\s+\/\/ (\S.*?)$/gm)].map(([, expr, value]) => [expr, value]));
    expect(Object.keys(expected)).toEqual(["result.ok", "result.applied_layers"]);
    const script = block.replace('from "strata"', `from ${JSON.stringify(join(REPO_ROOT, "dist", "index.js"))}`) +
      "\nconsole.log(JSON.stringify({ ok: result.ok, applied_layers: result.applied_layers }));\n";
    const out = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: REPO_ROOT, encoding: "utf8" }));
    expect(out.ok).toBe(JSON.parse(expected["result.ok"]));
    expect(out.applied_layers).toEqual(JSON.parse(expected["result.applied_layers"]));
  });
});
