// A project file (strata.yaml) for a temporary folder: the autotuner's roles, as in the repository's own
// strata.yaml, with the paths given (the schemas default to the repository's, by absolute path).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SCHEMAS_DIR } from "./paths.js";

export interface ProjectPaths {
  /** The layer directory (default: layers). */
  layers?: string;
  /** The folder holding context.schema.json and task-config.schema.json (default: the repository's schemas/). */
  schemas?: string;
  /** The scenario directory; none when left out. */
  scenarios?: string;
}

export function autotunerProjectText(paths: ProjectPaths = {}): string {
  const schemas = paths.schemas ?? SCHEMAS_DIR;
  return [
    `layers: ${JSON.stringify(paths.layers ?? "layers")}`,
    "schemas:",
    `  context: ${JSON.stringify(join(schemas, "context.schema.json"))}`,
    `  output: ${JSON.stringify(join(schemas, "task-config.schema.json"))}`,
    ...(paths.scenarios ? [`scenarios: ${JSON.stringify(paths.scenarios)}`] : []),
    "roles:",
    "  profiles: profiles",
    "  overrides: user_overrides",
    "  override_mode: override_mode",
    "item_name: /task_name",
    "item_description: /description",
    "item_kind: task",
    "aliases:",
    "  overrides: user_overrides",
    "  slo: slo_config",
    "",
  ].join("\n");
}

/** Write `dir/strata.yaml` for the autotuner's layers and schemas (copies or the repository's own). */
export function writeAutotunerProject(dir: string, paths: ProjectPaths = {}): string {
  const file = join(dir, "strata.yaml");
  writeFileSync(file, autotunerProjectText(paths));
  return file;
}
