// The autotuner's task shape: a composed config → the body of its `POST /api/tasks/` (`TaskCreate` in the
// autotuner's src/web/schemas). The autotuner ignores fields it does not know, so a config field outside
// TaskCreate would be dropped silently there: here it is an error at the field instead.
import { issue, type Issue } from "../../core/issues.js";
import { escapeToken } from "../../util/pointer.js";

/** TaskCreate's fields, with the value the autotuner takes when one is left out. */
export const TASK_CREATE_FIELDS = {
  task_name: undefined,
  description: null,
  model: undefined,
  base_runtime: undefined,
  runtime_image_tag: null,
  parameters: undefined,
  optimization: undefined,
  benchmark: undefined,
  slo: null,
  quant_config: null,
  deployment_mode: "docker",
} as const satisfies Record<string, unknown>;

export type TaskCreate = Record<keyof typeof TASK_CREATE_FIELDS, unknown> & { task_name: string };

/** Config keys that are annotations, not task fields: left out of the body. */
const ANNOTATIONS = new Set(["$schema"]);

/** The TaskCreate body of a composed config, or one `handoff-unsupported-field` issue per field TaskCreate lacks. */
export function toTaskCreate(config: Record<string, unknown>): { body?: TaskCreate; issues: Issue[] } {
  const issues: Issue[] = [];
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (ANNOTATIONS.has(key)) continue;
    if (!Object.hasOwn(TASK_CREATE_FIELDS, key)) {
      issues.push(
        issue("handoff-unsupported-field", `the autotuner's task API does not take '${key}' (it takes ${Object.keys(TASK_CREATE_FIELDS).join(", ")}); it would be dropped there, so the task is not handed over`, {
          pointer: `/${escapeToken(key)}`,
        }),
      );
      continue;
    }
    body[key] = value;
  }
  if (typeof body.task_name !== "string" || body.task_name === "") {
    issues.push(issue("handoff-unsupported-field", "the config has no task_name, which the autotuner's task API requires", { pointer: "/task_name" }));
  }
  return issues.length > 0 ? { issues } : { body: body as TaskCreate, issues };
}

/** A value as JSON with sorted keys, so equal data compares equal whatever its key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * The TaskCreate fields on which a task the autotuner holds differs from the body we send (defaults filled on
 * both sides); none: it is our task.
 */
export function differingFields(sent: TaskCreate, held: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [field, fallback] of Object.entries(TASK_CREATE_FIELDS)) {
    const a = (sent as Record<string, unknown>)[field] ?? fallback ?? null;
    const b = held[field] ?? fallback ?? null;
    if (canonical(a) !== canonical(b)) out.push(field);
  }
  return out;
}
