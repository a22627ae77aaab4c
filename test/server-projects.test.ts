// The service serves any project, as its project file says: the Kubernetes example (examples/k8s-deployment)
// through `strata serve --project …` as a real child process on a real SQLite file (preview with the project's own
// stage names, store by the Deployment's metadata name, 409 with a free name, located 400s), a project that names
// no stored items (previews, but storing is a 405), and what GET /api/options tells a client of each project.
import type { ChildProcess } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "./helpers/cli.js";
import { REPO_ROOT, fixtureDir } from "./helpers/paths.js";
import { startServe, type Served } from "./helpers/serve-process.js";
import { get, post, removeTempDirs, startServer, tempDir, call } from "./server-helpers.js";
import type { RunningServer } from "../src/server/app.js";

const K8S = join(REPO_ROOT, "examples", "k8s-deployment");
const CHECKOUT = parseYaml(readFileSync(join(K8S, "contexts", "checkout-prod.yaml"), "utf8")) as Record<string, unknown>;
const scenario = parseYaml(readFileSync(join(K8S, "scenarios", "checkout-prod-critical.yaml"), "utf8")) as {
  expect: { config: Record<string, any>; applied_layers: string[] };
};

const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  removeTempDirs();
});

describe("the Kubernetes example through `strata serve --project examples/k8s-deployment`", () => {
  let served: Served;
  const server = { url: "" };
  beforeAll(async () => {
    ensureBuilt();
    const args = ["--project", "examples/k8s-deployment", "--port", "0", "--db", join(tempDir(), "k8s.db"), "--no-watch", "--web", join(tempDir(), "no-web"), "--log-level", "info"];
    served = await startServe(args, children);
    server.url = served.url;
  }, 60_000);
  afterAll(() => served?.child.kill("SIGTERM"));

  it("previews a Deployment with provenance in the project's own stage names", async () => {
    const res = await post(server, "/api/config/preview", CHECKOUT);
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(true);
    expect(res.body.config).toEqual(scenario.expect.config);
    expect(res.body.applied_layers).toEqual(scenario.expect.applied_layers);
    // The critical tier's replicas win over prod's: written by the `tiers` stage (the profiles role), not "profiles".
    expect(res.body.provenance["/spec/replicas"]).toMatchObject({ stage: "tiers", source: "profile:critical:critical-replicas" });
    expect(res.body.provenance["/metadata/name"]).toMatchObject({ stage: "base", layer: "deployment" });
    expect(res.body.provenance["/spec/template/metadata/labels/tier"]).toMatchObject({ stage: "finalize" });
    // The context's defaults are filled in (no changes given: an empty patch).
    expect(res.body.context).toMatchObject({ service: "checkout", tiers: ["critical"], changes: {} });
  });

  it("a change through the project's overrides field is the user stage's", async () => {
    const res = await post(server, "/api/config/preview", { ...CHECKOUT, changes: { spec: { replicas: 5 } } });
    expect(res.status).toBe(200);
    expect(res.body.config.spec.replicas).toBe(5);
    expect(res.body.provenance["/spec/replicas"]).toMatchObject({ stage: "user", source: "user_patch" });
  });

  it("stores a Deployment under its metadata name, gets it, lists it (with its tiers as profiles)", async () => {
    const created = await post(server, "/api/tasks/from-context", CHECKOUT);
    expect(created.status).toBe(201);
    const id = created.body.task.id as number;
    expect(created.headers.get("location")).toBe(`/api/tasks/${id}`);
    expect(created.body.task).toMatchObject({ task_name: "checkout-prod", description: null, status: "pending", config: scenario.expect.config });
    expect(created.body.applied_layers).toEqual(scenario.expect.applied_layers);

    const one = await get(server, `/api/tasks/${id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id, task_name: "checkout-prod", config: scenario.expect.config });
    expect(one.body.metadata.context).toMatchObject({ service: "checkout", environment: "prod", tiers: ["critical"] });
    expect(one.body.metadata.provenance["/spec/replicas"]).toMatchObject({ stage: "tiers" });

    const list = await get(server, "/api/tasks");
    expect(list.status).toBe(200);
    const summary = list.body.tasks.find((t: { id: number }) => t.id === id);
    // The summary's profiles are read from the context field that plays the profiles role (`tiers`).
    expect(summary).toMatchObject({ task_name: "checkout-prod", profiles: ["critical"], applied_layers: scenario.expect.applied_layers });
  });

  it("refuses a second Deployment of the same name (409) and names where the body gives another; that name is free", async () => {
    const again = await post(server, "/api/tasks/from-context", CHECKOUT);
    expect(again.status).toBe(409);
    const { error } = again.body;
    expect(error.code).toBe("task-name-taken");
    expect(error.suggested_name).toBe("checkout-prod-2");
    expect(error.message).toBe(`a deployment named 'checkout-prod' already exists (id ${error.existing_id}); 'checkout-prod-2' is free`);
    // The name is nested (/metadata/name): the body sets it through the project's overrides field.
    expect(error.issues).toEqual([expect.objectContaining({ code: "task-name-taken", pointer: "/changes/metadata/name" })]);

    const renamed = await post(server, "/api/tasks/from-context", { ...CHECKOUT, changes: { metadata: { name: error.suggested_name } } });
    expect(renamed.status).toBe(201);
    expect(renamed.body.task.task_name).toBe("checkout-prod-2");
    expect(renamed.body.task.metadata.provenance["/metadata/name"]).toMatchObject({ stage: "user" });
  });

  it("a bad body is a 400 naming the field; the autotuner's aliases and item fields are unknown here", async () => {
    const wrong = await post(server, "/api/config/preview", { ...CHECKOUT, environment: "production" });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe("body-invalid");
    expect(wrong.body.error.issues).toEqual([expect.objectContaining({ code: "body-invalid", pointer: "/environment", keyword: "enum" })]);

    for (const field of ["overrides", "task_name", "user_overrides"]) {
      const res = await post(server, "/api/tasks/from-context", { ...CHECKOUT, [field]: field === "task_name" ? "x" : {} });
      expect(res.status, field).toBe(400);
      expect(res.body.error.issues, field).toEqual([expect.objectContaining({ code: "body-invalid", pointer: `/${field}`, keyword: "additionalProperties" })]);
    }

    const missing = await post(server, "/api/config/preview", { service: "checkout" });
    expect(missing.status).toBe(400);
    expect(missing.body.error.issues.map((i: { pointer: string }) => i.pointer).sort()).toEqual(["/environment", "/region"]);

    const empty = await call(server, "POST", "/api/config/preview", "", { "content-type": "application/json" });
    expect(empty.status).toBe(400);
    expect(empty.body.error.issues).toEqual([expect.objectContaining({ code: "empty-body", message: "the request body is empty: send a JSON object of context fields (service, environment, region, …)" })]);
  });

  it("a Deployment its check rule refuses is a preview with ok: false and a 422 to store, nothing stored", async () => {
    const body = { ...CHECKOUT, tiers: [], changes: { spec: { replicas: 1 } } };
    const preview = await post(server, "/api/config/preview", body);
    expect(preview.status).toBe(200);
    expect(preview.body.ok).toBe(false);
    expect(preview.body.errors).toEqual([expect.objectContaining({ code: "prod-replicas" })]);
    const before = (await get(server, "/api/tasks")).body.total;
    const created = await post(server, "/api/tasks/from-context", { ...body, changes: { ...body.changes, metadata: { name: "one-replica" } } });
    expect(created.status).toBe(422);
    expect(created.body.error.issues).toEqual([expect.objectContaining({ code: "prod-replicas" })]);
    expect((await get(server, "/api/tasks")).body.total).toBe(before);
  });

  it("tells a client the project (GET /api/options) and describes its body and store (OpenAPI)", async () => {
    const options = (await get(server, "/api/options")).body;
    expect(options.project).toEqual({
      name: "k8s-deployment",
      description: "Kubernetes Deployments for services, by environment, region and tier.",
      items: { kind: "deployment", name: "/metadata/name", name_field: null, description: null, description_field: null },
    });
    expect([options.roles, options.aliases]).toEqual([{ profiles: "tiers", overrides: "changes" }, {}]);
    expect(options.profiles.map((p: { name: string }) => p.name)).toEqual(["batch", "critical"]);

    const doc = (await get(server, "/api/openapi.json")).body;
    expect(doc.info.description).toContain("project k8s-deployment");
    expect(Object.keys(doc.components.schemas.TaskRequest.properties).sort()).toEqual(["changes", "environment", "region", "service", "tiers", "version"]);
    expect(doc.components.schemas.TaskRequest.required).toEqual(["service", "environment", "region"]);
    expect(doc.paths["/api/tasks/from-context"].post.description).toContain("`/metadata/name`");
    expect((await get(server, "/api/schemas/request")).body.properties).toEqual(expect.not.objectContaining({ overrides: expect.anything() }));
    const output = JSON.parse(readFileSync(join(K8S, "schemas", "deployment.schema.json"), "utf8"));
    expect((await get(server, "/api/schemas/output")).body).toEqual(output);

    const none = await get(server, "/api/tasks/99999");
    expect(none.status).toBe(404);
    expect(none.body.error.message).toBe("no deployment with id 99999");
  });
});

describe("a copy of the Kubernetes example whose project file is edited while it is served", () => {
  let server: RunningServer;
  let dir: string;
  beforeAll(async () => {
    dir = join(tempDir(), "k8s");
    cpSync(K8S, dir, { recursive: true });
    // A context field named `start` is the project's: the create route's hand-off flag of that name gives way.
    const schemaFile = join(dir, "schemas", "context.schema.json");
    const schema = JSON.parse(readFileSync(schemaFile, "utf8"));
    schema.properties.start = { type: "string", description: "When the rollout may begin." };
    writeFileSync(schemaFile, JSON.stringify(schema, null, 2));
    server = await startServer({ project: dir, layersDir: undefined, schemasDir: undefined, compose: { size: 0 } });
  });
  afterAll(() => server?.close());

  it("a context field named start is the context's, not the hand-off's flag", async () => {
    const created = await post(server, "/api/tasks/from-context", { ...CHECKOUT, start: "09:00" });
    expect(created.status).toBe(201);
    expect(created.body.task.metadata.context.start).toBe("09:00");
    const doc = (await get(server, "/api/openapi.json")).body;
    expect(doc.components.schemas.CreateTaskRequest.properties.start).toEqual({ type: "string", description: "When the rollout may begin." });
  });

  it("follows the project file: new aliases take effect on reload, and without item_name storing stops", async () => {
    const projectFile = join(dir, "strata.yaml");
    const text = readFileSync(projectFile, "utf8");
    expect((await post(server, "/api/config/preview", { ...CHECKOUT, environment: undefined, env: "prod" })).status).toBe(400);
    writeFileSync(projectFile, `${text.replace(/^item_name: .*$/m, "").replace(/^item_kind: .*$/m, "")}aliases:\n  env: environment\n`);
    const status = await post(server, "/api/layers/reload");
    expect(status.body.errors).toEqual([]);

    const { environment, ...rest } = CHECKOUT;
    const renamed = await post(server, "/api/config/preview", { ...rest, env: environment });
    expect(renamed.status).toBe(200);
    expect(renamed.body.config.metadata.name).toBe("checkout-prod");
    const both = await post(server, "/api/config/preview", { ...CHECKOUT, env: "prod" });
    expect(both.status).toBe(400);
    expect(both.body.error.issues).toEqual([expect.objectContaining({ code: "conflicting-fields", pointer: "/environment" })]);
    const wrong = await post(server, "/api/config/preview", { ...rest, env: "production" });
    expect(wrong.body.error.issues).toEqual([expect.objectContaining({ code: "body-invalid", pointer: "/env" })]);

    const refused = await post(server, "/api/tasks/from-context", { ...rest, env: environment });
    expect(refused.status).toBe(405);
    expect(refused.body.error.code).toBe("items-not-stored");
    expect((await get(server, "/api/options")).body.project.items).toBeNull();
  });
});

describe("a project that names no stored items (no item_name)", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ project: fixtureDir("projects/no-roles"), layersDir: undefined, schemasDir: undefined, compose: { size: 0 } });
  });
  afterAll(() => server?.close());

  it("previews, and answers a create with 405 items-not-stored (empty Allow), storing nothing", async () => {
    const context = parseYaml(readFileSync(fixtureDir("projects/no-roles/scenarios/internal.yaml"), "utf8")).context;
    const preview = await post(server, "/api/config/preview", context);
    expect(preview.status).toBe(200);
    expect(preview.body.ok).toBe(true);

    const created = await post(server, "/api/tasks/from-context", context);
    expect(created.status).toBe(405);
    expect(created.headers.get("allow")).toBe("");
    expect(created.body.error.code).toBe("items-not-stored");
    expect(created.body.error.message).toMatch(/^the project site-settings names no stored items \(its project file has no item_name\)/);
    expect((await get(server, "/api/tasks")).body).toMatchObject({ tasks: [], total: 0 });

    const options = (await get(server, "/api/options")).body;
    expect(options.project).toEqual({ name: "site-settings", description: null, items: null });
    const doc = (await get(server, "/api/openapi.json")).body;
    expect(doc.paths["/api/tasks/from-context"].post.description).toContain("names no stored items");
    expect(doc.paths["/api/tasks/from-context"].post.responses[405]).toBeDefined();
  });
});

describe("the autotuner's project file gives the service what it hard-coded before", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ compose: { size: 0 } });
  });
  afterAll(() => server?.close());

  it("GET /api/options names its task_name and description body fields", async () => {
    const options = (await get(server, "/api/options")).body;
    expect(options.project).toEqual({
      name: "autotuner",
      description: "Task configs for the LLM inference autotuner.",
      items: { kind: "task", name: "/task_name", name_field: "task_name", description: "/description", description_field: "description" },
    });
  });
});

