// `strata` as a user runs it: `node dist/cli.js …` in a child process, with files, standard input and
// exit codes. dist/ is built in beforeAll (npx tsc -p .) only when it is missing or older than src/;
// `npm test` builds it first anyway (pretest).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compose, loadLayerSet } from "../src/index.js";
import { ensureBuilt, pool, strata, type Run } from "./helpers/cli.js";
import { checkCase, loadCases, type Case, type ResultView } from "./helpers/cases.js";
import { LAYERS_DIR, REPO_ROOT, fixtureDir } from "./helpers/paths.js";

const DESIGN_CONTEXT = `# the design document's example
model_name: llama-3-2-1b-instruct
base_runtime: sglang
deployment_mode: docker
benchmark_task: text-to-text
traffic_scenarios: ["D(100,100)"]
num_concurrency: [1, 4, 8]
optimization_strategy: grid_search
optimization_objective: minimize_latency
profiles: [low-latency, production]
user_overrides:
  parameters:
    tp-size: [2]
`;
const DESIGN_LAYERS = [
  "base-model",
  "base-optimization",
  "docker-defaults",
  "sglang-defaults",
  "profile:low-latency:low-latency-params",
  "profile:production:production-params",
  "user_patch",
];
const SMALL = "model_name: m\nbase_runtime: sglang\n";

let tmp: string;
const file = (name: string, text: string) => {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
};
const json = (r: Run) => JSON.parse(r.stdout) as Record<string, any>;
/** No stack trace, no internal error: what a user sees when they made a mistake. */
const noStack = (r: Run) => {
  expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
  expect(r.stdout).not.toMatch(/\n\s+at /);
};

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), "strata-cli-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("strata compose", () => {
  it("--context FILE prints the design example's config as YAML, the same as the library", async () => {
    const r = await strata(["compose", "--context", file("design.yaml", DESIGN_CONTEXT)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const lib = await compose(loadLayerSet(LAYERS_DIR), parseYaml(DESIGN_CONTEXT));
    expect(parseYaml(r.stdout)).toEqual(lib.config);
    expect(r.stdout).toMatch(/^task_name: llama-3-2-1b-instruct_grid_search\nmodel:\n  id_or_path: llama-3-2-1b-instruct\n/);
    expect(r.stdout).toContain("parameters:\n  tp-size:\n    - 2\n");
  });

  it("--json prints {config, applied_layers, warnings, provenance}", async () => {
    const r = await strata(["compose", "--context", file("design.yaml", DESIGN_CONTEXT), "--json", "--profile", "turbo"]);
    expect(r.code).toBe(0);
    const out = json(r);
    expect(Object.keys(out)).toEqual(expect.arrayContaining(["config", "applied_layers", "warnings", "provenance"]));
    expect(out.applied_layers).toEqual(DESIGN_LAYERS);
    expect(out.config.parameters["tp-size"]).toEqual([2]);
    expect(out.warnings).toEqual([expect.objectContaining({ code: "profile-not-found", message: "profile 'turbo' not found", severity: "warning" })]);
    expect(out.provenance["/parameters/tp-size"]).toMatchObject({ source: "user_patch" });
    expect(out.provenance["/task_name"]).toMatchObject({ source: "base-model", file: "base/base-model.yaml", line: 6 });
    expect(out.provenance["/slo/ttft/threshold"]).toMatchObject({ source: "profile:production:production-params", file: "profiles/production.yaml" });
    // Every leaf of the config has an origin.
    const leaves: string[] = [];
    const walk = (v: unknown, p: string) => {
      if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length) for (const [k, c] of Object.entries(v)) walk(c, `${p}/${k}`);
      else leaves.push(p);
    };
    walk(out.config, "");
    expect(Object.keys(out.provenance).sort()).toEqual(leaves.sort());
  });

  it("- reads the context from standard input (YAML or JSON)", async () => {
    const yaml = await strata(["compose", "--context", "-", "--json"], { input: DESIGN_CONTEXT });
    expect(yaml.code).toBe(0);
    expect(json(yaml).applied_layers).toEqual(DESIGN_LAYERS);
    const fromJson = await strata(["compose", "-c", "-", "--json"], { input: JSON.stringify(parseYaml(DESIGN_CONTEXT)) });
    expect(json(fromJson).config).toEqual(json(yaml).config);
  });

  it("--profile is repeatable and adds after the context's own profiles, in order", async () => {
    const r = await strata(["compose", "--context", "-", "--json", "--profile", "low-latency", "-p", "high-throughput"], {
      input: SMALL + "profiles: [quick-test]\n",
    });
    expect(r.code).toBe(0);
    const out = json(r);
    expect(out.applied_layers.slice(4)).toEqual([
      "profile:quick-test:quick-test-params",
      "profile:low-latency:low-latency-params",
      "profile:high-throughput:high-throughput-params",
    ]);
    expect(out.config.optimization.objective).toBe("maximize_throughput");
  });

  it("--set path=value reads the value as YAML; several --set combine", async () => {
    const r = await strata(
      ["compose", "-c", "-", "--json", "--set", "parameters.tp-size=[2]", "--set", "optimization.max_iterations=5", "-s", "benchmark.additional_params.stream=true", "--set", "description='a: b'"],
      { input: SMALL },
    );
    expect(r.code).toBe(0);
    const { config, applied_layers, provenance } = json(r);
    expect(config.parameters["tp-size"]).toEqual([2]);
    expect(config.optimization.max_iterations).toBe(5);
    expect(config.benchmark.additional_params).toEqual({ stream: true });
    expect(config.description).toBe("a: b");
    expect(applied_layers.at(-1)).toBe("user_patch");
    expect(provenance["/optimization/max_iterations"].source).toBe("user_patch");
  });

  it("--set takes a directive as its value", async () => {
    const r = await strata(["compose", "-c", "-", "--json", "--set", "parameters.tp-size={$append: [16]}"], { input: SMALL });
    expect(r.code).toBe(0);
    expect(json(r).config.parameters["tp-size"]).toEqual([1, 2, 4, 16]);
    expect(json(r).warnings.map((w: { message: string }) => w.message)).toEqual(["tp-size > 8 may require multiple nodes"]);
  });

  it("--override FILE merges a patch file; the context's overrides, then files, then --set", async () => {
    const patch = file("patch.yaml", "optimization:\n  max_iterations: 7\n  timeout_per_iteration: 60\nparameters:\n  tp-size: [4]\n");
    const r = await strata(["compose", "-c", "-", "--json", "--override", patch, "--set", "optimization.max_iterations=8"], {
      input: SMALL + "user_overrides:\n  description: from the context\n  parameters:\n    tp-size: [1]\n",
    });
    expect(r.code).toBe(0);
    const { config } = json(r);
    expect(config.description).toBe("from the context");
    expect(config.parameters["tp-size"]).toEqual([4]);
    expect(config.optimization).toMatchObject({ max_iterations: 8, timeout_per_iteration: 60 });
  });

  it("--mode replace: only the overrides plus finalize, reported as user_replace", async () => {
    const full = file(
      "full.yaml",
      "task_name: by-hand\nmodel: { id_or_path: m }\nbase_runtime: vllm\nparameters: { tp-size: [1, 2, 4, 8] }\noptimization: { strategy: random }\nbenchmark: {}\n",
    );
    const r = await strata(["compose", "-c", "-", "--json", "--override", full, "--mode", "replace"], { input: SMALL + "total_gpus: 2\nprofiles: [production]\n" });
    expect(r.code).toBe(0);
    const out = json(r);
    expect(out.applied_layers).toEqual(["base-model", "base-optimization", "docker-defaults", "sglang-defaults", "profile:production:production-params", "user_replace", "tp-size-limit"]);
    expect(out.config).toEqual({
      task_name: "by-hand",
      model: { id_or_path: "m" },
      base_runtime: "vllm",
      parameters: { "tp-size": [1, 2] },
      optimization: { strategy: "random" },
      benchmark: {},
    });
  });

  it("--layers DIR composes from another layer folder", async () => {
    const r = await strata(["compose", "-c", "-", "--json", "--layers", fixtureDir("merge"), "--profile", "extra"], { input: "model_name: m\nbase_runtime: r\n" });
    expect(r.code).toBe(0);
    const out = json(r);
    expect(out.applied_layers).toEqual(["base", "layer-a", "layer-b", "profile:extra:extra-append", "profile:extra:extra-narrow"]);
    expect(out.config.quant_config.nested).toEqual({ x: "from-b", y: "from-a" });
    expect(out.provenance["/quant_config/kept"]).toMatchObject({ source: "layer-a", file: "first/layer-a.yaml", line: 7 });
  });

  it("a warning is printed as one line and the config still comes out", async () => {
    const r = await strata(["compose", "-c", "-", "--profile", "x"], { input: SMALL });
    expect(r.code).toBe(0);
    // The profile came from --profile, not from the context file: no file line is blamed for it.
    expect(r.stderr.split("\n")).toEqual(["warning profile-not-found: profile 'x' not found (at /profiles/0)", ""]);
    expect(parseYaml(r.stdout).task_name).toBe("m_grid_search");
  });

  it("--strict turns the warning into an error: exit 1, no config", async () => {
    const r = await strata(["compose", "-c", "-", "--profile", "x", "--strict"], { input: SMALL });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("error profile-not-found: profile 'x' not found (strict mode) (at /profiles/0)\n");
    noStack(r);
  });
});

describe("strata compose: exit codes and error lines", () => {
  it("0 for a valid config", async () => {
    expect((await strata(["compose", "-c", "-"], { input: SMALL })).code).toBe(0);
  });

  it("1 for an invalid config: one line naming the path and who set it, located in the context file", async () => {
    const ctx = file("bad-key.yaml", SMALL + "user_overrides:\n  optimization:\n    max_iteration: 50\n");
    const r = await strata(["compose", "--context", ctx]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/bad-key\.yaml:5:\d+: error config-invalid: unknown field 'optimization\.max_iteration' \[set by user_patch\]$/);
    noStack(r);
  });

  it("1 for a misspelt key set by a layer's expression: the line names the layer file and line", async () => {
    const r = await strata(["compose", "-c", "-", "--layers", fixtureDir("misspelt-key")], { input: "model_name: m\nbase_runtime: r\n" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^test\/fixtures\/misspelt-key\/tuning\/more-iterations\.yaml:5:3: error config-invalid: unknown field 'optimization\.max_iteration'/m);
    noStack(r);
  });

  it("1 for --set with an unknown key", async () => {
    const r = await strata(["compose", "-c", "-", "--set", "optimization.max_iteration=5", "--json"], { input: SMALL });
    expect(r.code).toBe(1);
    expect(json(r).errors).toEqual([expect.objectContaining({ code: "config-invalid", pointer: "/optimization/max_iteration", origin: expect.objectContaining({ source: "user_patch" }) })]);
  });

  const usage: [string, string[], string | undefined, RegExp][] = [
    ["no --context", ["compose"], undefined, /--context FILE is required/],
    ["an unknown option", ["compose", "-c", "-", "--bogus"], SMALL, /Unknown option '--bogus'[\s\S]*Run 'strata compose --help'/],
    ["a bad --mode", ["compose", "-c", "-", "--mode", "merge"], SMALL, /--mode must be patch or replace, not 'merge'/],
    ["a missing context file", ["compose", "-c", "/no/such/context.yaml"], undefined, /cannot read \/no\/such\/context\.yaml: no such file/],
    ["a missing override file", ["compose", "-c", "-", "-o", "/no/such/patch.yaml"], SMALL, /cannot read \/no\/such\/patch\.yaml/],
    ["a --set without =", ["compose", "-c", "-", "--set", "parameters.tp-size"], SMALL, /--set takes PATH=VALUE/],
    ["a --set path with an empty part", ["compose", "-c", "-", "--set", "parameters..tp-size=[1]"], SMALL, /^strata compose: --set parameters\.\.tp-size=\[1\]: the path 'parameters\.\.tp-size' has an empty part \(two dots together, or a dot at an end\); for a key with a dot in it, write the path as a JSON Pointer \(\/a\/b\.c\)\n/],
    ["a context that is not a mapping", ["compose", "-c", "-"], "- a\n- b\n", /must hold a mapping/],
    ["an unknown command", ["bogus"], undefined, /unknown command 'bogus'\n\nstrata: compose configs from layer files/],
    ["a misspelt command", ["compse", "-c", "-"], SMALL, /^strata: unknown command 'compse'; did you mean 'compose'\?\nRun 'strata --help' to list the commands\.\n$/],
    ["a misspelt command after help", ["help", "exlpain"], undefined, /^strata: unknown command 'exlpain'; did you mean 'explain'\?\n/],
    ["a misspelt option", ["compose", "-c", "-", "--contxt", "x"], SMALL, /^strata compose: Unknown option '--contxt'; did you mean --context\?\nRun 'strata compose --help' for usage\.\n$/],
    ["a misspelt option with =", ["serve", "--no-wach", "--port=0"], undefined, /^strata serve: Unknown option '--no-wach'; did you mean --no-watch\?\n/],
    ["a misspelt option of a shared set", ["explain", "-c", "-", "--layer", "layers"], SMALL, /^strata explain: Unknown option '--layer'; did you mean --layers\?\n/],
  ];
  for (const [name, args, input, message] of usage) {
    it(`2 for ${name}`, async () => {
      const r = await strata(args, { input });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).not.toMatch(/task_name/);
      noStack(r);
    });
  }

  it("2 for a context file that is not valid YAML: file:line:col", async () => {
    const ctx = file("broken.yaml", "model_name: m\nbase_runtime: [sglang\n");
    const r = await strata(["compose", "-c", ctx]);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toMatch(/broken\.yaml:\d+:\d+: error parse-error: /);
    noStack(r);
  });

  it("2 for a context or override file saved as Latin-1: file:line:col of the first byte that is not UTF-8, stdin too", async () => {
    const ctx = file("latin1.yaml", "");
    writeFileSync(ctx, Buffer.from("model_name: m\nbase_runtime: sglang\ndescription: café\n", "latin1"));
    const r = await strata(["compose", "-c", ctx]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${ctx}:3:17: error file-not-utf8: not UTF-8: byte 0xE9 at line 3, column 17 (byte 52) starts no UTF-8 character; save the file as UTF-8\nstrata compose: cannot read ${ctx}\n`);
    const patch = await strata(["compose", "-c", "-", "-o", ctx], { input: SMALL });
    expect([patch.code, patch.stderr.split("\n")[0]]).toEqual([2, `${ctx}:3:17: error file-not-utf8: not UTF-8: byte 0xE9 at line 3, column 17 (byte 52) starts no UTF-8 character; save the file as UTF-8`]);
    const stdin = await strata(["compose", "-c", "-"], { input: Buffer.from("model_name: é\n", "latin1") });
    expect([stdin.code, stdin.stderr.split("\n")[0]]).toEqual([2, "<stdin>:1:13: error file-not-utf8: not UTF-8: byte 0xE9 at line 1, column 13 (byte 13) starts no UTF-8 character; save the file as UTF-8"]);
  });

  it("2 for a bad context: each bad field named, located in the file", async () => {
    const ctx = file("bad-context.yaml", "base_runtime: sglang\nnum_concurrency: four\n");
    const r = await strata(["compose", "-c", ctx]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toContain(`${ctx}:2:18: error context-invalid: 'num_concurrency' must be array`);
    expect(lines.some((l) => /error context-invalid: missing required field 'model_name'/.test(l))).toBe(true);
    noStack(r);
  });

  it("2 for a directive error in the overrides", async () => {
    const r = await strata(["compose", "-c", "-", "--set", "task_name={$append: [x]}"], { input: SMALL });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error merge-failed: user overrides: cannot append to a value that is not a list/);
    noStack(r);
  });

  it("2 for a broken layer folder: one file:line:col line per problem, relative to here", async () => {
    const r = await strata(["compose", "-c", "-", "--layers", "test/fixtures/broken"], { input: SMALL });
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split("\n");
    const issues = lines.filter((l) => / error /.test(l));
    expect(issues).toHaveLength(14);
    expect(issues).toContain("test/fixtures/broken/base/bad-yaml.yaml:3:14: error parse-error: 'Note: a colon and a space start a mappi…' is a 'key: value' inside the value of 'description' on the same line: put it on a line of its own, indented below 'description:', or quote the value (\"…\") if the ':' is part of the text");
    expect(issues).toContain("test/fixtures/broken/base/unknown-operator.yaml:6:9: error unknown-operator: unknown JSON-logic operator 'equals'");
    expect(issues).toContain("test/fixtures/broken/runtime/twin.yaml:1:7: error duplicate-name: layer 'twin' is defined twice (also in base/twin.yaml)");
    expect(issues).toContain("test/fixtures/broken/base/twin.yaml:1:7: error duplicate-name: layer 'twin' is defined twice (also in runtime/twin.yaml)");
    for (const l of issues) expect(l).toMatch(/^test\/fixtures\/broken\/[\w/-]+\.yaml:\d+:\d+: error [a-z-]+: /);
    noStack(r);
  });

  it("2 for a layer that fails while composing, named by file and line", async () => {
    const r = await strata(["compose", "-c", "-", "--layers", fixtureDir("compose-errors")], { input: "model_name: append-to-scalar\nbase_runtime: r\n" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/compose-errors\/broken\/append-to-scalar\.yaml:6:5: error merge-failed: layer 'append-to-scalar': cannot append to a value that is not a list/);
    noStack(r);
  });
});

describe("--help for every command", () => {
  it("strata --help lists every command", async () => {
    const r = await strata(["--help"]);
    expect(r.code).toBe(0);
    for (const c of ["compose", "explain", "profiles", "layers", "lint", "test", "diff", "serve", "submit"]) expect(r.stdout).toMatch(new RegExp(`^  ${c} +\\S`, "m"));
  });

  it("strata with no command prints the help and exits 2", async () => {
    const r = await strata([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/Usage: strata <command>/);
  });

  for (const c of ["compose", "explain", "profiles", "layers", "lint", "test", "diff", "serve"]) {
    it(`strata ${c} --help and -h`, async () => {
      for (const flag of ["--help", "-h"]) {
        const r = await strata([c, flag]);
        expect(r.code).toBe(0);
        expect(r.stderr).toBe("");
        expect(r.stdout).toMatch(new RegExp(`strata ${c}\\b`));
      }
      expect((await strata(["help", c])).stdout).toBe((await strata([c, "--help"])).stdout);
    });
  }

  // A terminal is 80 columns wide; a help text longer than 40 lines scrolls its usage line away.
  it("every command's --help fits a terminal: at most 80 columns and 40 lines", async () => {
    const commands = [...(await strata(["--help"])).stdout.matchAll(/^  ([a-z]+) {2,}\S/gm)].map((m) => m[1]);
    expect(commands).toEqual(["compose", "explain", "profiles", "layers", "lint", "test", "diff", "serve", "submit"]);
    const tooBig: string[] = [];
    for (const args of [["--help"], ...commands.map((c) => [c, "--help"])]) {
      const lines = (await strata(args)).stdout.trimEnd().split("\n");
      for (const l of lines) if ([...l].length > 80) tooBig.push(`strata ${args.join(" ")}: ${[...l].length} columns: ${l}`);
      if (lines.length > 40) tooBig.push(`strata ${args.join(" ")}: ${lines.length} lines`);
    }
    expect(tooBig).toEqual([]);
  });

  it("compose --help names every option and the exit codes", async () => {
    const r = await strata(["compose", "--help"]);
    expect(r.stdout).toMatch(/^Usage: strata compose --context FILE\|- \[options\]/);
    for (const o of ["--context", "--profile", "--set", "--override", "--mode", "--json", "--strict", "--layers"]) expect(r.stdout).toContain(o);
    expect(r.stdout).toMatch(/0 valid config, 1 invalid config.*2 bad input or usage/);
  });
});

describe("strata profiles", () => {
  it("lists the four profiles with their titles and descriptions", async () => {
    const r = await strata(["profiles"]);
    expect(r.code).toBe(0);
    const text = r.stdout;
    const expected: [string, string][] = [
      ["high-throughput", "High Throughput"],
      ["low-latency", "Low Latency"],
      ["production", "Production"],
      ["quick-test", "Quick Test"],
    ];
    for (const [name, title] of expected) expect(text).toMatch(new RegExp(`^${name} +${title}$`, "m"));
    expect(text).toContain("2 iterations with one tp-size, one memory fraction and one load level, for fast validation; the engine's own options still vary (2 grid points on SGLang).");
    expect(text).toContain("Full test with more iterations, longer timeouts and SLO constraints on TTFT, TPOT and p90 latency.");
  });

  it("--json gives name, title, description and layers of each", async () => {
    const r = await strata(["profiles", "--json"]);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { name: string; title: string; description: string; layers: string[] }[];
    expect(list.map((p) => [p.name, p.title, p.layers])).toEqual([
      ["high-throughput", "High Throughput", ["high-throughput-params"]],
      ["low-latency", "Low Latency", ["low-latency-params"]],
      ["production", "Production", ["production-params"]],
      ["quick-test", "Quick Test", ["quick-test-params"]],
    ]);
    for (const p of list) expect(p.description.length).toBeGreaterThan(10);
  });
});

describe("an ops person adds a profile by adding one file", () => {
  let layers: string;
  const LONG_CONTEXT = `# A new profile: nothing else changes.
profile: long-context
title: Long Context
description: Long prompts (4k in, 512 out) at low concurrency, with more memory for the KV cache.
layers:
  - name: long-context-params
    data:
      parameters:
        mem-fraction-static: [0.9, 0.95]
        chunked-prefill-size: [4096, 8192]
      benchmark:
        traffic_scenarios: ["D(4096,512)"]
        num_concurrency: [1, 2]
`;

  beforeAll(() => {
    layers = join(mkdtempSync(join(tmpdir(), "strata-ops-")), "layers");
    cpSync(LAYERS_DIR, layers, { recursive: true });
    writeFileSync(join(layers, "profiles", "long-context.yaml"), LONG_CONTEXT);
  });
  afterAll(() => rmSync(join(layers, ".."), { recursive: true, force: true }));

  it("the copy differs from layers/ by that one file", () => {
    const shipped = loadLayerSet(LAYERS_DIR).files;
    const copy = loadLayerSet(layers).files;
    expect(copy.filter((f) => !shipped.includes(f))).toEqual(["profiles/long-context.yaml"]);
    expect(shipped.filter((f) => !copy.includes(f))).toEqual([]);
    for (const f of shipped) expect(readFileSync(join(layers, f), "utf8")).toBe(readFileSync(join(LAYERS_DIR, f), "utf8"));
  });

  it("compose uses it, after the profiles before it", async () => {
    const r = await strata(["compose", "-c", "-", "--json", "--layers", layers, "--profile", "low-latency", "--profile", "long-context"], { input: SMALL });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const out = json(r);
    expect(out.applied_layers).toEqual([
      "base-model",
      "base-optimization",
      "docker-defaults",
      "sglang-defaults",
      "profile:low-latency:low-latency-params",
      "profile:long-context:long-context-params",
    ]);
    expect(out.config.parameters).toEqual({
      "tp-size": [1, 2],
      "mem-fraction-static": [0.9, 0.95],
      "schedule-policy": ["lpm"],
      "enable-torch-compile": [true, false],
      "chunked-prefill-size": [4096, 8192],
    });
    expect(out.config.benchmark).toMatchObject({ traffic_scenarios: ["D(4096,512)"], num_concurrency: [1, 2] });
    expect(out.provenance["/parameters/chunked-prefill-size"]).toMatchObject({ source: "profile:long-context:long-context-params", file: "profiles/long-context.yaml", line: 10 });
  });

  it("strata profiles --layers lists it with its title and description", async () => {
    const r = await strata(["profiles", "--layers", layers]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^long-context +Long Context$/m);
    expect(r.stdout).toContain("Long prompts (4k in, 512 out) at low concurrency, with more memory for the KV cache.");
    expect(r.stdout.match(/^\S+ +\S.*$/gm)).toHaveLength(5);
  });

  it("the shipped layers do not know it", async () => {
    const r = await strata(["compose", "-c", "-", "--json", "--profile", "long-context"], { input: SMALL });
    expect(json(r).warnings.map((w: { message: string }) => w.message)).toEqual(["profile 'long-context' not found"]);
  });
});

// The cases of test/cases/design and test/cases/errors through `strata compose --json`: the CLI must give
// what the library gives, with the exit code each error calls for. (test/conformance.test.ts runs its own
// cases through every surface; a process per case is slow on a shared machine, so this stays small.)
describe("test/cases/{design,errors} through strata compose --json", () => {
  const cases = [...loadCases().entries()].flatMap(([f, list]) => (/^(design|errors)\//.test(f) ? list : []));
  const runs = new Map<string, Run>();

  beforeAll(async () => {
    await pool(cases, 2, async (c: Case) => {
      const args = ["compose", "--context", "-", "--json"];
      if (c.layers) args.push("--layers", fixtureDir(c.layers));
      if (c.strict) args.push("--strict");
      runs.set(c.name, await strata(args, { input: JSON.stringify(c.context), cwd: REPO_ROOT }));
    });
  }, 240_000);

  for (const c of cases) {
    it(`${c.file}: ${c.name}`, () => {
      const r = runs.get(c.name)!;
      noStack(r);
      if (c.context === null || typeof c.context !== "object" || Array.isArray(c.context)) {
        // The CLI refuses a context that is not a mapping before composing.
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/must hold a mapping/);
        return;
      }
      const out = json(r);
      checkCase(c, out as unknown as ResultView);
      expect(r.code).toBe(out.ok ? 0 : out.config ? 1 : 2);
    });
  }
});

// Regression: a bad value from --set or --override was blamed on the context file's line for the same path.
describe("strata compose: a problem from the user's overrides is located where it was written", () => {
  const ctx = "model_name: m\nbase_runtime: sglang\nuser_overrides:\n  parameters:\n    tp-size: [2]\n";

  it("--set wins over the context file, and is named as the argument", async () => {
    const r = await strata(["compose", "-c", file("o-ctx.yaml", ctx), "--set", "parameters.tp-size=5"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error config-invalid: 'parameters.tp-size' must be array or object (from --set parameters.tp-size=5)");
    expect(r.stderr).not.toContain("o-ctx.yaml:");
    noStack(r);
  });

  it("an --override file is named with the value's line and column", async () => {
    const over = file("o-over.yaml", "# a patch\nparameters:\n  tp-size: 5\n");
    const r = await strata(["compose", "-c", file("o-ctx2.yaml", ctx), "-o", over]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${over}:3:12: error config-invalid: 'parameters.tp-size' must be array or object [set by user_patch]\n`);
  });

  it("the context file itself, at the key for an unknown field", async () => {
    const r = await strata(["compose", "-c", file("o-ctx3.yaml", "model_name: m\nbase_runtime: sglang\nuser_overrides:\n  optimization: {max_iteration: 3}\n")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("o-ctx3.yaml:4:18: error config-invalid: unknown field 'optimization.max_iteration' [set by user_patch]");
  });
});

describe("parseSet: the path of --set", () => {
  it("a dotted path with an empty part is refused, whichever part; a JSON Pointer may hold dots and empty keys", async () => {
    const { parseSet } = await import("../src/cli/compose.js");
    for (const path of ["a..b", ".a", "a.", "."]) {
      expect(() => parseSet(`${path}=1`)).toThrow(`--set ${path}=1: the path '${path}' has an empty part`);
    }
    expect(parseSet("a.b=[1]")).toEqual({ a: { b: [1] } });
    expect(parseSet("/a.b/c=x")).toEqual({ "a.b": { c: "x" } });
    expect(parseSet("/a//b=1")).toEqual({ a: { "": { b: 1 } } });
  });
});
