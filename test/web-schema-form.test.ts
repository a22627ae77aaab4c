// The New task form read from a context schema (web/src/schema-form.ts): which widget each field gets, the text
// the form starts with and the body it sends, for the autotuner's schema and for the k8s example's, which the
// page has to serve without a line of React about either.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bodyOf, fieldsets, formModel, initialValues, missingRequired, panels, resolveSchema, splitList, type FormField } from "../web/src/schema-form";
import { REPO_ROOT as ROOT } from "./helpers/paths";

const read = (p: string) => JSON.parse(readFileSync(join(ROOT, p), "utf8"));
const autotuner = read("schemas/context.schema.json");
const k8s = read("examples/k8s-deployment/schemas/context.schema.json");
const AUTOTUNER_ROLES = { profiles: "profiles", overrides: "user_overrides", override_mode: "override_mode" };
/** What GET /api/schemas/request adds to the context: the task's name and description, and the body names of two fields. */
const request = {
  properties: {
    ...autotuner.properties,
    overrides: autotuner.properties.user_overrides,
    slo: autotuner.properties.slo_config,
    task_name: { title: "Task name", type: "string", maxLength: 400 },
    description: { title: "Description", type: "string" },
  },
};
const ALIASES = { overrides: "user_overrides", slo: "slo_config" };

const kinds = (fields: FormField[]) => Object.fromEntries(fields.map((f) => [f.key, f.kind]));

describe("the autotuner's form", () => {
  const model = formModel(autotuner, AUTOTUNER_ROLES, request, ALIASES);

  it("gives each field the widget its schema asks for, and leaves the role fields to their own widgets", () => {
    expect(kinds(model.fields)).toEqual({
      model_name: "text",
      base_runtime: "select", // x-form-widget: select
      deployment_mode: "select", // enum
      benchmark_task: "text",
      traffic_scenarios: "list",
      num_concurrency: "list",
      optimization_strategy: "select",
      optimization_objective: "select",
      slo_config: "table", // x-form-widget: table
      gpu_type: "text",
      total_gpus: "number",
    });
    expect([model.profiles?.key, model.overrides?.key, model.overrideMode?.key]).toEqual(["profiles", "user_overrides", "override_mode"]);
    expect(model.profiles?.title).toBe("Profiles");
    // The body's own fields, less the body names of context fields.
    expect(model.itemFields.map((f) => f.key)).toEqual(["task_name", "description"]);
  });

  it("reads titles, required fields, null branches and the integer items of a list from the schema", () => {
    const field = (k: string) => model.fields.find((f) => f.key === k)!;
    expect(field("model_name")).toMatchObject({ title: "Model", required: true, nullable: false, examples: ["llama-3-2-1b-instruct"] });
    expect(field("base_runtime")).toMatchObject({ required: true, choices: ["sglang", "vllm", "trtllm"] });
    expect(field("gpu_type")).toMatchObject({ nullable: true, required: false });
    expect(field("total_gpus")).toMatchObject({ nullable: true, numeric: "integer" });
    expect(field("num_concurrency").numeric).toBe("integer");
    expect(field("traffic_scenarios").numeric).toBeUndefined();
  });

  it("lays the SLO out as a table: rows from the targets (latency's one level down), columns from a target's fields", () => {
    const slo = model.fields.find((f) => f.key === "slo_config")!;
    expect(slo.title).toBe("Response-time targets (SLO)");
    expect(slo.nullable).toBe(true);
    expect(slo.rows.map((r) => [r.key, r.title])).toEqual([
      ["slo_config.latency.p50", "Median latency (p50)"],
      ["slo_config.latency.p90", "90th-percentile latency (p90)"],
      ["slo_config.latency.p99", "99th-percentile latency (p99)"],
      ["slo_config.ttft", "Time to first token (TTFT)"],
      ["slo_config.tpot", "Time per output token (TPOT)"],
    ]);
    expect(slo.columns.map((c) => c.title)).toEqual(["Limit (seconds)", "Importance", "Fail outright", "Allowed overshoot"]);
    expect(slo.children.map((c) => [c.key, c.kind])).toEqual([["slo_config.steepness", "number"]]);
  });

  it("groups the fields into the panels their x-form-group names, in order of first use", () => {
    expect(panels(model).map((p) => [p.title, p.fields.map((f) => f.key)])).toEqual([
      ["Model and hardware", ["model_name", "base_runtime", "deployment_mode", "gpu_type", "total_gpus"]],
      ["Load test and search", ["benchmark_task", "traffic_scenarios", "num_concurrency", "optimization_strategy", "optimization_objective"]],
    ]);
    expect(fieldsets(model).map((f) => f.key)).toEqual(["slo_config"]);
  });

  it("starts from the defaults as text, and sends them back as the values they were", () => {
    const defaults = { deployment_mode: "docker", traffic_scenarios: ["D(100,100)"], num_concurrency: [1, 4], slo_config: null, gpu_type: null, total_gpus: null };
    const values = initialValues(model, defaults);
    expect(values).toMatchObject({ deployment_mode: "docker", traffic_scenarios: "D(100,100)", num_concurrency: "1, 4", gpu_type: "", total_gpus: "", "slo_config.ttft.threshold": "", "slo_config.ttft.hard_fail": false, task_name: "" });
    expect(missingRequired(model, values).map((f) => f.key)).toEqual(["model_name", "base_runtime"]);
    const { body, problems } = bodyOf(model, { ...values, model_name: " m ", base_runtime: "vllm" });
    expect(problems).toEqual([]);
    // Empty fields that take null send null; the SLO table with no row filled is null. A field the server's
    // defaults leave out starts from the schema's own default.
    expect(body).toEqual({
      model_name: "m",
      base_runtime: "vllm",
      deployment_mode: "docker",
      benchmark_task: "text-to-text",
      optimization_strategy: "grid_search",
      optimization_objective: "minimize_latency",
      traffic_scenarios: ["D(100,100)"],
      num_concurrency: [1, 4],
      slo_config: null,
      gpu_type: null,
      total_gpus: null,
    });
  });

  it("sends a filled row under its group, numbers as numbers, and text that is no number as typed (the server names it)", () => {
    const values = {
      ...initialValues(model, {}),
      model_name: "m",
      base_runtime: "sglang",
      num_concurrency: "1, x",
      "slo_config.latency.p90.threshold": "2.5",
      "slo_config.latency.p90.hard_fail": true,
      "slo_config.ttft.weight": "fast",
      "slo_config.steepness": "0.1",
      total_gpus: "8",
    };
    const { body } = bodyOf(model, values);
    expect(body.num_concurrency).toEqual([1, "x"]);
    expect(body.slo_config).toEqual({ latency: { p90: { threshold: 2.5, hard_fail: true } }, ttft: { weight: "fast" }, steepness: 0.1 });
    expect(body.total_gpus).toBe(8);
    // Optional text left empty is left out: the server fills the default.
    expect(bodyOf(model, { ...values, benchmark_task: " " }).body).not.toHaveProperty("benchmark_task");
  });
});

describe("another project's form (examples/k8s-deployment)", () => {
  const model = formModel(k8s, { profiles: "tiers", overrides: "changes" }, { properties: k8s.properties }, {});

  it("comes from its schema alone: an enum without a type is a select, the roles are its own fields", () => {
    expect(kinds(model.fields)).toEqual({ service: "text", environment: "select", region: "text", version: "text" });
    expect(model.profiles?.title).toBe("Tiers");
    expect(model.overrides?.key).toBe("changes");
    expect(model.overrideMode).toBeUndefined();
    expect(model.itemFields).toEqual([]);
    // No x-form-group: one panel, named by the schema's title.
    expect(panels(model).map((p) => p.title)).toEqual(["Deployment context"]);
    expect(model.fields.find((f) => f.key === "environment")!.choices).toEqual(["dev", "staging", "prod"]);
  });

  it("waits for its required fields and sends the default it was given", () => {
    const values = initialValues(model, { version: "stable", tiers: [], changes: {} });
    expect(missingRequired(model, values).map((f) => f.title)).toEqual(["Service", "Environment", "Region"]);
    expect(bodyOf(model, { ...values, service: "checkout", environment: "prod", region: "eu-west-1" }).body).toEqual({
      service: "checkout",
      environment: "prod",
      region: "eu-west-1",
      version: "stable",
    });
  });
});

describe("schemas the form reads", () => {
  it("merges $ref, allOf and a null branch, the property's own words winning", () => {
    const root = { definitions: { target: { title: "Target", type: "object", properties: { limit: { type: "number" } } } } };
    const r = resolveSchema({ title: "Mine", anyOf: [{ type: "null" }, { allOf: [{ $ref: "#/definitions/target" }] }] }, root);
    expect(r.nullable).toBe(true);
    expect(r.schema).toMatchObject({ title: "Mine", type: "object", properties: { limit: { type: "number" } } });
    expect(resolveSchema({ type: ["integer", "null"] }, {})).toEqual({ schema: { type: "integer" }, nullable: true });
  });

  it("does not follow a schema that refers to itself forever", () => {
    const root = { definitions: { node: { type: "object", properties: { label: { type: "string" }, next: { $ref: "#/definitions/node" } } } } };
    const model = formModel({ ...root, properties: { tree: { $ref: "#/definitions/node" } } }, {});
    expect(model.fields[0].kind).toBe("object");
    let depth = 0;
    for (let f: FormField | undefined = model.fields[0]; f; f = f.children.find((c) => c.key.endsWith(".next"))) depth++;
    expect(depth).toBeLessThan(10); // nested fieldsets stop; the deepest is YAML
    expect(resolveSchema({ $ref: "#/definitions/node" }, root).schema.type).toBe("object");
  });

  it("takes a free-form object as YAML and reports YAML that does not parse, under its field", () => {
    const model = formModel({ properties: { extra: { title: "Extra", type: "object" } } }, {});
    expect(model.fields[0].kind).toBe("yaml");
    expect(bodyOf(model, { extra: "a: [1, 2" }).problems.map((p) => p.key)).toEqual(["extra"]);
    expect(bodyOf(model, { extra: "a: [1, 2]" }).body).toEqual({ extra: { a: [1, 2] } });
  });

  it("splits a list on commas outside brackets", () => {
    expect(splitList("D(100,100), D(1000,100);x\n y ,, ")).toEqual(["D(100,100)", "D(1000,100)", "x", "y"]);
  });
});
