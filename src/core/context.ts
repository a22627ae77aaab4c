// The task context: validated against schemas/context.schema.json, with its defaults filled in.
import { issue, type Issue } from "./issues.js";
import { type SchemaSet } from "./schemas.js";
import { SOURCE_LIMITS } from "./source.js";
import { cloneData, findForbiddenKeys, findTooDeep, isPlainObject } from "../util/data.js";
import { errorMessage, errorPointer, usefulErrors } from "../lang/json-schema.js";

// A type, not an interface: a context is plain data, assignable to Record<string, unknown> (the API's types).
export type TaskContext = {
  model_name: string;
  base_runtime: string;
  deployment_mode: string;
  benchmark_task: string;
  traffic_scenarios: string[];
  num_concurrency: number[];
  optimization_strategy: string;
  optimization_objective: string;
  slo_config: Record<string, unknown> | null;
  profiles: string[];
  user_overrides: Record<string, unknown>;
  override_mode: "patch" | "replace";
  gpu_type: string | null;
  total_gpus: number | null;
};

/** Validate a context (never mutated) and return a copy with defaults, or issues naming each bad field. */
export function normalizeContext(schemas: SchemaSet, input: unknown): { context?: TaskContext; issues: Issue[] } {
  if (!isPlainObject(input)) return { issues: [issue("context-invalid", "the context must be an object (a mapping of fields)", { pointer: "" })] };
  // Checked first, so that no walk below can exhaust the stack (a cycle counts as too deep).
  const tooDeep = findTooDeep(input, SOURCE_LIMITS.maxDepth);
  if (tooDeep !== undefined) {
    return { issues: [issue("too-deep", `the context nests deeper than ${SOURCE_LIMITS.maxDepth} levels`, { pointer: tooDeep })] };
  }
  const forbidden = findForbiddenKeys(input);
  if (forbidden.length > 0) {
    return {
      issues: forbidden.map((pointer) => issue("forbidden-key", `key '${pointer.split("/").pop()}' is not allowed in a context or override`, { pointer })),
    };
  }
  const copy = cloneData(input);
  if (!schemas.context(copy)) {
    return {
      issues: usefulErrors(schemas.context.errors).map((e) => issue("context-invalid", errorMessage(e, "the context"), { pointer: errorPointer(e), keyword: e.keyword })),
    };
  }
  return { context: copy as unknown as TaskContext, issues: [] };
}
