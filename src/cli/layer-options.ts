// The options every command that loads layers shares, and loading them with a clean failure.
import { resolve } from "node:path";
import { loadLayerSet, type LayerSet } from "../core/load.js";
import { DEFAULT_LAYERS_DIR } from "../core/schemas.js";
import { UsageError, printIssues } from "./common.js";
import { existsSync } from "node:fs";

export const LAYER_OPTIONS = {
  layers: { type: "string", short: "l" },
  schemas: { type: "string" },
} as const;

export const LAYER_HELP = `  -l, --layers DIR        the layer directory (default: ./layers, else the
                          one shipped with strata)
      --schemas DIR       the schema directory (default: the one beside the
                          layer directory, else the one shipped)
`; // ends the options block: what follows in a help text starts after a blank line

export function layerDirs(values: { layers?: string; schemas?: string }): { layersDir: string; schemasDir?: string } {
  // A ./layers folder is the user's, even when it is broken (say, no stages.yaml yet): never fall back silently.
  const layersDir = values.layers ? resolve(values.layers) : existsSync("layers") ? resolve("layers") : DEFAULT_LAYERS_DIR;
  const beside = resolve(layersDir, "..", "schemas");
  const schemasDir = values.schemas ? resolve(values.schemas) : existsSync(resolve(beside, "task-config.schema.json")) ? beside : undefined;
  return { layersDir, schemasDir };
}

/** Load the layer set, broken or not (its problems are in `issues`). */
export function loadSet(values: { layers?: string; schemas?: string }): LayerSet {
  const { layersDir, schemasDir } = layerDirs(values);
  try {
    return loadLayerSet(layersDir, { schemasDir });
  } catch (e) {
    throw new UsageError(`cannot load layers from ${layersDir}: ${(e as Error).message}`);
  }
}

/** Load the layer set; a broken set is a usage error listing every problem with file:line:col. */
export function loadOrExit(values: { layers?: string; schemas?: string }): LayerSet {
  const { layersDir } = layerDirs(values);
  const set = loadSet(values);
  const errors = set.issues.filter((i) => i.severity === "error");
  // Load warnings (a file not named after its layer) are worth seeing, but must not spoil stdout.
  printIssues(withLayerDir(set.issues.filter((i) => i.severity === "warning"), set, undefined, values));
  if (errors.length > 0) throw new UsageError(`the layer set in ${relativeDir(layersDir)} has ${errors.length} error(s)`, withLayerDir(errors, set, undefined, values));
  return set;
}

/** Layer issues carry paths relative to the layer directory; on a terminal, show them relative to here. */
export function withLayerDir<T extends { file?: string }>(issues: T[], set: LayerSet, dataFile: string | undefined, values: { layers?: string; schemas?: string }): T[] {
  const dir = relativeDir(layerDirs(values).layersDir);
  return issues.map((i) => (i.file && i.file !== dataFile && (set.files.length === 0 || set.files.includes(i.file)) ? { ...i, file: `${dir}/${i.file}` } : i));
}

export function relativeDir(dir: string): string {
  const rel = resolve(dir).startsWith(process.cwd() + "/") ? resolve(dir).slice(process.cwd().length + 1) : resolve(dir);
  return rel || ".";
}
