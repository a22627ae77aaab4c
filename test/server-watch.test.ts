// The layer set in use: loaded at start (a broken one refuses to start), reloaded live when a file under
// layers/ or schemas/ changes, and kept when an edit breaks it, with the errors at /api/layers/status.
import { mkdirSync, readFileSync, renameSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp, type RunningServer } from "../src/server/app.js";
import { StrataError } from "../src/core/issues.js";
import { autotunerProjectText, writeAutotunerProject } from "./helpers/project.js";
import { CURL_EXAMPLE, copyLayerSet, get, post, removeTempDirs, startServer, tempDir, waitFor } from "./server-helpers.js";

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  removeTempDirs();
});

async function watched(): Promise<{ server: RunningServer; layersDir: string; schemasDir: string }> {
  const { layersDir, schemasDir } = copyLayerSet();
  // No polling: these tests are about the watchers (polling only backs them up).
  const server = await startServer({ layersDir, schemasDir, watch: true, watchDebounceMs: 50, watchPollMs: 0 });
  servers.push(server);
  return { server, layersDir, schemasDir };
}

/** Wait until the status differs from `before` in hash (a new set) or in its checked time (a rejected edit). */
async function nextStatus(server: RunningServer, before: { hash: string; checked_at: string }, want: "new-hash" | "rejected") {
  return waitFor(async () => {
    const s = (await get(server, "/api/layers/status")).body;
    if (want === "new-hash" && s.ok && s.hash !== before.hash) return s;
    if (want === "rejected" && !s.ok && s.checked_at !== before.checked_at) return s;
    return undefined;
  }, 10_000, want);
}

describe("live layer reload", () => {
  it("picks up an edit to a profile without a restart", async () => {
    const { server, layersDir } = await watched();
    const before = (await get(server, "/api/layers/status")).body;
    expect(before).toMatchObject({ ok: true, errors: [], watching: true });
    expect(before.files).toContain("profiles/low-latency.yaml");
    expect((await post(server, "/api/config/preview", CURL_EXAMPLE)).body.config.optimization.max_iterations).toBe(15);

    const file = join(layersDir, "profiles", "low-latency.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("max_iterations: 15", "max_iterations: 17"));
    const after = await nextStatus(server, before, "new-hash");
    expect(after.loaded_at > before.loaded_at).toBe(true);

    const preview = (await post(server, "/api/config/preview", CURL_EXAMPLE)).body;
    expect(preview.config.optimization.max_iterations).toBe(17);
    expect(preview.layer_set_hash).toBe(after.hash);
    const created = (await post(server, "/api/tasks/from-context", CURL_EXAMPLE)).body.task;
    expect(created.metadata.layer_set_hash).toBe(after.hash);
    expect((await get(server, "/api/profiles/low-latency")).body.layers[0].data.optimization.max_iterations).toBe(17);
  });

  it("keeps serving the last good set when an edit breaks it, and reports the errors with file:line", async () => {
    const { server, layersDir } = await watched();
    const good = (await get(server, "/api/layers/status")).body;
    const file = join(layersDir, "profiles", "low-latency.yaml");
    const original = readFileSync(file, "utf8");
    writeFileSync(file, original.replace("max_iterations: 15", "max_iterations: 15\n        bogus: [unclosed"));

    const broken = await nextStatus(server, good, "rejected");
    expect(broken.hash).toBe(good.hash);
    expect(broken.loaded_at).toBe(good.loaded_at);
    expect(broken.errors.length).toBeGreaterThan(0);
    expect(broken.errors[0]).toMatchObject({ file: "profiles/low-latency.yaml", severity: "error" });
    expect(broken.errors[0].line).toBeGreaterThan(1);
    // Still composing with the good set.
    const preview = await post(server, "/api/config/preview", CURL_EXAMPLE);
    expect(preview.status).toBe(200);
    expect(preview.body.applied_layers).toContain("profile:low-latency:low-latency-params");
    expect(preview.body.layer_set_hash).toBe(good.hash);
    expect((await post(server, "/api/tasks/from-context", CURL_EXAMPLE)).status).toBe(201);

    // A semantic error (unknown JSON-logic operator) is reported with its line and column too.
    writeFileSync(file, original.replace("  - name: low-latency-params", '  - name: low-latency-params\n    when: { "equals": [1, 1] }'));
    const semantic = await waitFor(async () => {
      const s = (await get(server, "/api/layers/status")).body;
      return s.errors.some((e: { code: string }) => e.code === "unknown-operator") ? s : undefined;
    });
    expect(semantic.errors).toEqual([expect.objectContaining({ code: "unknown-operator", file: "profiles/low-latency.yaml", line: 7 })]);
    expect(semantic.hash).toBe(good.hash);

    writeFileSync(file, original.replace("max_iterations: 15", "max_iterations: 16"));
    const fixed = await nextStatus(server, good, "new-hash");
    expect(fixed.errors).toEqual([]);
    expect((await post(server, "/api/config/preview", CURL_EXAMPLE)).body.config.optimization.max_iterations).toBe(16);
  });

  it("follows editors that save by renaming a new file over the old one, edit after edit", async () => {
    const { server, layersDir } = await watched();
    const file = join(layersDir, "deployment", "docker-defaults.yaml");
    const original = readFileSync(file, "utf8");
    let status = (await get(server, "/api/layers/status")).body;
    for (const tag of ["v1-first", "v2-second", "v3-third"]) {
      writeFileSync(`${file}.tmp`, original.replace("v0.5.2-cu126", tag));
      renameSync(`${file}.tmp`, file);
      status = await nextStatus(server, status, "new-hash");
      expect((await post(server, "/api/config/preview", CURL_EXAMPLE)).body.config.runtime_image_tag).toBe(tag);
    }
  });

  it("watches folders created after the start", async () => {
    const { server, layersDir } = await watched();
    let status = (await get(server, "/api/layers/status")).body;
    mkdirSync(join(layersDir, "profiles", "team"));
    const file = join(layersDir, "profiles", "team", "team-a.yaml");
    const profile = (n: number) => ["profile: team-a", "title: Team A", "description: Team A's runs.", "layers:", "  - name: team-a-params", "    data:", "      optimization:", `        max_iterations: ${n}`, ""].join("\n");
    writeFileSync(file, profile(40));
    status = await nextStatus(server, status, "new-hash");
    expect((await post(server, "/api/config/preview", { ...CURL_EXAMPLE, profiles: ["team-a"] })).body.config.optimization.max_iterations).toBe(40);
    writeFileSync(file, profile(41));
    await nextStatus(server, status, "new-hash");
    expect((await post(server, "/api/config/preview", { ...CURL_EXAMPLE, profiles: ["team-a"] })).body.config.optimization.max_iterations).toBe(41);
  });

  it("shows a profile added as a file, and forgets one removed, without touching the server", async () => {
    const { server, layersDir } = await watched();
    const before = (await get(server, "/api/layers/status")).body;
    writeFileSync(
      join(layersDir, "profiles", "long-context.yaml"),
      ["profile: long-context", "title: Long Context", "description: Long prompts.", "layers:", "  - name: long-context-params", "    data:", "      benchmark:", '        traffic_scenarios: ["D(8000,100)"]', ""].join("\n"),
    );
    const added = await nextStatus(server, before, "new-hash");
    const profiles = (await get(server, "/api/profiles")).body.profiles.map((p: { name: string }) => p.name);
    expect(profiles).toContain("long-context");
    const preview = (await post(server, "/api/config/preview", { ...CURL_EXAMPLE, profiles: ["long-context"] })).body;
    expect(preview.applied_layers).toContain("profile:long-context:long-context-params");
    expect(preview.config.benchmark.traffic_scenarios).toEqual(["D(8000,100)"]);

    rmSync(join(layersDir, "profiles", "quick-test.yaml"));
    await nextStatus(server, added, "new-hash");
    expect((await get(server, "/api/profiles/quick-test")).status).toBe(404);
  });

  it("reloads on schema edits: the form options and the request schema follow the context schema", async () => {
    const { server, schemasDir } = await watched();
    const before = (await get(server, "/api/layers/status")).body;
    const file = join(schemasDir, "context.schema.json");
    const schema = JSON.parse(readFileSync(file, "utf8"));
    schema.properties.gpu_type.examples.push("L40S");
    writeFileSync(file, JSON.stringify(schema, null, 2));
    await nextStatus(server, before, "new-hash");
    const options = (await get(server, "/api/options")).body.options;
    expect(options.gpu_type.map((o: { value: string }) => o.value)).toEqual(["H100", "A100", "L40S"]);
    expect((await get(server, "/api/openapi.json")).body.components.schemas.TaskRequest.properties.gpu_type.examples).toContain("L40S");

    // A broken schema file is named, and the set in use stays.
    const good = (await get(server, "/api/layers/status")).body;
    writeFileSync(file, "{ not json");
    const broken = await nextStatus(server, good, "rejected");
    expect(broken.errors[0]).toMatchObject({ code: "schema-invalid", file: "../schemas/context.schema.json" });
    expect(broken.hash).toBe(good.hash);
    expect((await post(server, "/api/config/preview", CURL_EXAMPLE)).status).toBe(200);
  });

  it("derives options from layer conditions: a new runtime layer adds a runtime", async () => {
    const { server, layersDir } = await watched();
    const before = (await get(server, "/api/layers/status")).body;
    writeFileSync(
      join(layersDir, "runtime", "lmdeploy-defaults.yaml"),
      ["name: lmdeploy-defaults", "stage: runtime", 'when: { "in": [{ "var": "base_runtime" }, ["lmdeploy", "turbomind"]] }', "data:", "  parameters:", "    cache-max-entry-count: [0.8]", ""].join("\n"),
    );
    await nextStatus(server, before, "new-hash");
    const runtimes = (await get(server, "/api/options")).body.options.base_runtime;
    expect(runtimes.slice(3)).toEqual([
      { value: "lmdeploy", layers: ["lmdeploy-defaults"], in_schema: false },
      { value: "turbomind", layers: ["lmdeploy-defaults"], in_schema: false },
    ]);
  });
});

describe("the project file is followed too", () => {
  it("an edit to strata.yaml takes effect (a role renamed in it and in the schema); a broken one is refused at its line", async () => {
    const { root, layersDir, schemasDir } = copyLayerSet();
    const projectFile = writeAutotunerProject(root, { schemas: "schemas" });
    const server = await startServer({ project: root, layersDir: undefined, schemasDir: undefined, watch: true, watchDebounceMs: 50, watchPollMs: 200 });
    servers.push(server);
    const good = (await get(server, "/api/layers/status")).body;
    expect(good).toMatchObject({ ok: true, files: expect.arrayContaining(["profiles/low-latency.yaml"]) });

    // A role names a field the context schema lacks: refused, at its line in strata.yaml; the set in use stays.
    writeFileSync(projectFile, autotunerProjectText({ schemas: "schemas" }).replace("profiles: profiles", "profiles: presets"));
    const broken = await nextStatus(server, good, "rejected");
    expect(broken.errors).toEqual([expect.objectContaining({ code: "project-invalid", file: "../strata.yaml", line: 6, column: 13 })]);
    expect((await post(server, "/api/config/preview", CURL_EXAMPLE)).body.applied_layers).toContain("profile:low-latency:low-latency-params");

    // The field renamed in the schema too: the new set reads the profiles from `presets`.
    const schemaFile = join(schemasDir, "context.schema.json");
    const schema = JSON.parse(readFileSync(schemaFile, "utf8"));
    schema.properties.presets = schema.properties.profiles;
    delete schema.properties.profiles;
    writeFileSync(schemaFile, JSON.stringify(schema, null, 2));
    const renamed = await nextStatus(server, good, "new-hash");
    expect(renamed.errors).toEqual([]);
    const { profiles, ...rest } = CURL_EXAMPLE;
    const preview = (await post(server, "/api/config/preview", { ...rest, presets: profiles })).body;
    expect(preview.applied_layers).toContain("profile:low-latency:low-latency-params");
    expect(layersDir).toBe(join(root, "layers"));
  });
});

describe("starting and reloading by hand", () => {
  it("refuses to start on a broken layer set, with every error's file and line", async () => {
    const { layersDir, schemasDir } = copyLayerSet();
    writeFileSync(join(layersDir, "runtime", "vllm-defaults.yaml"), 'name: vllm-defaults\nstage: runtime\nwhen: { "=~": [1, 1] }\ndata: { parameters: { a: !expr "1 +" } }\n');
    const error = await buildApp({ layersDir, schemasDir, db: join(tempDir(), "t.db"), watch: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StrataError);
    const issues = (error as StrataError).issues;
    expect(issues.map((i) => [i.code, i.file, i.line])).toEqual([
      ["unknown-operator", "runtime/vllm-defaults.yaml", 3],
      ["expression-syntax", "runtime/vllm-defaults.yaml", 4],
    ]);
    expect((error as Error).message).toMatch(/^runtime\/vllm-defaults\.yaml:3:\d+: error unknown-operator/);
  });

  it("reloads on POST /api/layers/reload when not watching", async () => {
    const { layersDir, schemasDir } = copyLayerSet();
    const server = await startServer({ layersDir, schemasDir, watch: false });
    servers.push(server);
    const before = (await get(server, "/api/layers/status")).body;
    expect(before.watching).toBe(false);
    const file = join(layersDir, "deployment", "docker-defaults.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("v0.5.2-cu126", "v0.5.3-cu128"));
    await new Promise((r) => setTimeout(r, 200));
    expect((await get(server, "/api/layers/status")).body.hash).toBe(before.hash);
    const reloaded = (await post(server, "/api/layers/reload")).body;
    expect(reloaded.ok).toBe(true);
    expect(reloaded.hash).not.toBe(before.hash);
    expect((await post(server, "/api/config/preview", CURL_EXAMPLE)).body.config.runtime_image_tag).toBe("v0.5.3-cu128");
  });
});
