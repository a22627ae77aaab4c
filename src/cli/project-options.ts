// The options every command that reads a project shares (--project, --layers, --schemas), finding and loading the
// project once, and loading its layer set with a clean failure. Nothing falls back to another project's files.
import { resolve } from "node:path";
import { loadLayerSet, type LayerSet } from "../core/load.js";
import { findProject, loadProject, PROJECT_FILE, PROJECT_HINT, type Project, type RoleName } from "../core/project.js";
import { UsageError, printIssues } from "./common.js";

export const PROJECT_OPTIONS = {
  project: { type: "string" },
  layers: { type: "string", short: "l" },
  schemas: { type: "string" },
} as const;

export const PROJECT_HELP = `      --project DIR       the project: DIR/strata.yaml (default: the nearest
                          strata.yaml from here up)
  -l, --layers DIR        use this layer directory instead of the project's
      --schemas DIR       read the project's schema files from DIR (same names)
`; // ends the options block: what follows in a help text starts after a blank line

export interface ProjectValues {
  project?: string;
  layers?: string;
  schemas?: string;
}

const loaded = new WeakMap<ProjectValues, Project>();

/**
 * The project: the one --project names, else the nearest strata.yaml from the working directory up, with
 * --layers and --schemas replacing its paths. None found, or a broken one, is a usage error naming the file
 * and line. Loaded once per command.
 */
export function projectOf(values: ProjectValues): Project {
  const hit = loaded.get(values);
  if (hit) return hit;
  let where: string;
  if (values.project !== undefined) {
    if (values.project.trim() === "") throw new UsageError("--project needs a folder (or its strata.yaml)");
    where = values.project;
  } else {
    const found = findProject(process.cwd());
    if (!found) throw new UsageError(`no project file (${PROJECT_FILE}) in ${process.cwd()} or any folder above it.\nRun strata inside a project, give one with --project DIR, or ${PROJECT_HINT}`);
    where = relativeDir(found);
  }
  const project = loadProject(where, { layers: values.layers, schemasDir: values.schemas });
  const errors = project.issues.filter((i) => i.severity === "error");
  if (errors.length > 0) {
    const missing = errors.length === 1 && errors[0].code === "project-not-found";
    throw new UsageError(missing ? errors[0].message : `the project file ${project.file} has ${errors.length} error(s)`, missing ? [] : errors);
  }
  printIssues(project.issues);
  loaded.set(values, project);
  return project;
}

/** A command-line option that needs a role the project does not declare is a usage error saying so. */
export function requireRole(project: Project, role: RoleName, option: string): string {
  const field = project.roles[role];
  if (field === undefined) {
    const need = role === "override_mode" ? "`roles.override_mode` (the context field saying patch or replace)" : `\`roles.${role}\` (the context field that holds them)`;
    throw new UsageError(`${option}: the project ${project.name} (${project.file}) has no ${role.replace("_", " ")} role; to use ${option}, declare ${need} in it`);
  }
  return field;
}

/** Load the layer set, broken or not (its problems are in `issues`). */
export function loadSet(values: ProjectValues): LayerSet {
  return loadLayerSet(projectOf(values));
}

/** Load the layer set; a broken set is a usage error listing every problem with file:line:col. */
export function loadOrExit(values: ProjectValues): LayerSet {
  const project = projectOf(values);
  const set = loadSet(values);
  const errors = set.issues.filter((i) => i.severity === "error");
  // Load warnings (a file not named after its layer) are worth seeing, but must not spoil stdout.
  printIssues(withLayerDir(set.issues.filter((i) => i.severity === "warning"), set, undefined, values));
  if (errors.length > 0) throw new UsageError(`the layer set in ${relativeDir(project.layersDir)} has ${errors.length} error(s)`, withLayerDir(errors, set, undefined, values));
  return set;
}

/** Layer issues carry paths relative to the layer directory; on a terminal, show them relative to here. */
export function withLayerDir<T extends { file?: string }>(issues: T[], set: LayerSet, dataFile: string | undefined, values: ProjectValues): T[] {
  const dir = relativeDir(projectOf(values).layersDir);
  return issues.map((i) => (i.file && i.file !== dataFile && set.files.includes(i.file) ? { ...i, file: `${dir}/${i.file}` } : i));
}

/** A directory (or file) as shown: relative to the working directory when it is inside it. */
export function relativeDir(dir: string): string {
  const rel = resolve(dir).startsWith(process.cwd() + "/") ? resolve(dir).slice(process.cwd().length + 1) : resolve(dir);
  return rel || ".";
}
