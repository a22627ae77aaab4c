// The config → TaskCreate mapping (src/server/handoff/task-create.ts) against the real autotuner task files in
// test/fixtures/autotuner-tasks and the task schema: what maps is sent as it is, what the autotuner would drop
// is refused naming the field.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { differingFields, TASK_CREATE_FIELDS, toTaskCreate, type TaskCreate } from "../src/server/handoff/task-create.js";
import { ROOT } from "./server-helpers.js";

const FIXTURES = join(ROOT, "test", "fixtures", "autotuner-tasks");
const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => ({ file: f, config: JSON.parse(readFileSync(join(FIXTURES, f), "utf8")) as Record<string, unknown> }));

describe("config → TaskCreate", () => {
  it("the task schema's fields are TaskCreate's plus four the autotuner's task API does not take", () => {
    const schema = JSON.parse(readFileSync(join(ROOT, "schemas", "task-config.schema.json"), "utf8"));
    const fields = Object.keys(schema.properties).filter((k) => k !== "$schema");
    expect(Object.keys(TASK_CREATE_FIELDS).filter((f) => !fields.includes(f))).toEqual([]);
    expect(fields.filter((f) => !Object.hasOwn(TASK_CREATE_FIELDS, f)).sort()).toEqual(["clusterbasemodel_config", "clusterservingruntime_config", "parallel_config", "storage"]);
  });

  it("every real autotuner task file maps: as it is when TaskCreate takes all its fields, else refused at each field it lacks", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(13);
    const refused: Record<string, string[]> = {};
    for (const { file, config } of fixtures) {
      const { body, issues } = toTaskCreate(config);
      const extra = Object.keys(config).filter((k) => !Object.hasOwn(TASK_CREATE_FIELDS, k));
      if (extra.length === 0) {
        expect(issues, file).toEqual([]);
        expect(body, file).toEqual(config);
        expect(differingFields(body!, config), file).toEqual([]);
      } else {
        expect(body, file).toBeUndefined();
        expect(issues.map((i) => i.pointer), file).toEqual(extra.map((k) => `/${k}`));
        for (const i of issues) expect(i.code).toBe("handoff-unsupported-field");
        refused[file] = extra;
      }
    }
    expect(refused).toEqual({
      "ome_with_presets_task.json": ["clusterbasemodel_config", "clusterservingruntime_config"],
      "parallel_config_test.json": ["parallel_config"],
      "pvc_task.json": ["storage"],
      "simple_task.json": ["clusterbasemodel_config", "clusterservingruntime_config"],
    });
  });

  it("leaves $schema out, and needs a task_name", () => {
    const { body } = toTaskCreate({ $schema: "x", task_name: "t", model: {} });
    expect(body).toEqual({ task_name: "t", model: {} });
    expect(toTaskCreate({ model: {} }).issues).toEqual([expect.objectContaining({ pointer: "/task_name" })]);
  });

  it("compares with the autotuner's defaults filled in and whatever the key order", () => {
    const sent = { task_name: "t", model: { a: 1, b: [1, { c: 2 }] }, base_runtime: "sglang" } as TaskCreate;
    const held = { id: 3, status: "pending", base_runtime: "sglang", model: { b: [1, { c: 2 }], a: 1 }, task_name: "t", description: null, slo: null, quant_config: null, runtime_image_tag: null, deployment_mode: "docker", total_experiments: 0 };
    expect(differingFields(sent, held)).toEqual([]);
    expect(differingFields({ ...sent, deployment_mode: "ome" }, held)).toEqual(["deployment_mode"]);
    expect(differingFields({ ...sent, model: { a: 1, b: [{ c: 2 }, 1] } }, held)).toEqual(["model"]);
  });
});
