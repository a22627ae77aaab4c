// The create route's hand-off hook: `start` in the body, and the config checked against TaskCreate before
// anything is stored.
import { issue } from "../../core/issues.js";
import { isPlainObject } from "../../util/data.js";
import { ApiError, invalidRequest } from "../errors.js";
import { toTaskCreate, type TaskCreate } from "./task-create.js";

/** The body without `start`, and `start` (a boolean, default false). */
export function takeStart(body: unknown, handoff: boolean): { body: unknown; start: boolean } {
  if (!isPlainObject(body) || !Object.hasOwn(body, "start")) return { body, start: false };
  const { start, ...rest } = body;
  if (typeof start !== "boolean") throw invalidRequest("body-invalid", [issue("body-invalid", "'start' must be boolean", { pointer: "/start" })]);
  if (start && !handoff) {
    const message = "'start' needs the autotuner: this server has no autotuner URL (strata serve --autotuner-url)";
    throw invalidRequest("body-invalid", [issue("body-invalid", message, { pointer: "/start" })]);
  }
  return { body: rest, start };
}

/** The TaskCreate body for a composed config; a field the autotuner does not take is a 422, nothing stored. */
export function taskCreateOrThrow(config: Record<string, unknown>): TaskCreate {
  const { body, issues } = toTaskCreate(config);
  if (body) return body;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  throw new ApiError(422, "handoff-unsupported-field", `the config cannot be handed to the autotuner: ${issues[0].message}${more}`, issues);
}
