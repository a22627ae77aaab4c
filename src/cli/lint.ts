// `strata lint [DIR]`: check every layer, profile, check rule and stage file without composing, then compose
// every scenario and report those that fail. One line per problem, like a compiler; the library (src/lint.ts) finds them.
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { formatIssue, sortIssues, type Issue } from "../core/issues.js";
import { readLayerFiles } from "../core/load.js";
import { lintLayerFiles, lintScenarios } from "../review/lint.js";
import { loadScenarios } from "../review/scenarios.js";
import type { SourceFile } from "../core/source.js";
import { EXIT, UsageError, parse, out, type Command } from "./common.js";
import { projectOf, relativeDir, PROJECT_OPTIONS } from "./project-options.js";

const OPTIONS = {
  ...PROJECT_OPTIONS,
  scenarios: { type: "string" },
  "no-scenarios": { type: "boolean" },
  format: { type: "string" },
  strict: { type: "boolean" },
} as const;

export const command: Command = {
  name: "lint",
  summary: "check the layers, profiles, checks and scenarios without composing",
  help: `Usage: strata lint [DIR] [options]

Check every file in the layer directory DIR (default: the project's) without
composing anything: the layer schema, YAML syntax, JSON-logic operators,
JSONata syntax, duplicate names, unknown stages, file names that do not match,
profiles with no layers, fields the context does not have (in conditions and
expressions), \`$config\` paths the output schema does not have (a warning) and
layers whose condition can never be true. Then compose every scenario of the
project and report each one whose config fails.

Each problem is one line, sorted by file:

  file:line:column: severity code: message

Options:
      --format text|json  output format (default: text); json prints
                          {ok, errors, warnings, issues, …}
      --scenarios DIR     the scenario directory (default: the project's)
      --no-scenarios      do not compose the scenarios
      --strict            warnings count as errors (exit 1)
      --project DIR       the project (default: the nearest strata.yaml up)
  -l, --layers DIR        the same as DIR
      --schemas DIR       read the project's schema files from DIR (same names)

Exit status: 0 no error (warnings allowed), 1 at least one error, 2 bad usage.`,
  async run(argv) {
    const { values, positionals } = parse(argv, OPTIONS, true);
    const format = values.format ?? "text";
    if (format !== "text" && format !== "json") throw new UsageError(`--format must be text or json, not '${format}'`);
    if (positionals.length > 1) throw new UsageError(`lint takes one directory, got ${positionals.length}: ${positionals.join(" ")}`);
    if (positionals.length === 1 && values.layers !== undefined) throw new UsageError("give the layer directory once: as DIR or as --layers, not both");
    if (values.scenarios !== undefined && values["no-scenarios"]) throw new UsageError("--scenarios and --no-scenarios contradict each other");
    const given = positionals[0] ?? values.layers;
    if (values.schemas !== undefined && !isDirectory(resolve(values.schemas))) throw new UsageError(`--schemas ${values.schemas}: no such directory`);
    const project = projectOf({ project: values.project, layers: given, schemas: values.schemas });
    const layersDir = project.layersDir;
    if (!isDirectory(layersDir)) throw new UsageError(`${given ?? relativeDir(layersDir)}: ${existsSync(layersDir) ? "not a directory" : "no such directory"}`);

    let files: SourceFile[];
    try {
      files = readLayerFiles(layersDir);
    } catch (e) {
      throw new UsageError(`cannot read ${layersDir}: ${(e as Error).message}`);
    }
    const linted = lintLayerFiles(files, { project });
    const dir = relativeDir(layersDir);
    const show = (f: string) => (linted.set.files.includes(f) ? `${dir}/${f}` : f);
    const issues: Issue[] = linted.issues.map((i) => (i.file ? { ...i, file: show(i.file) } : i));

    // Scenarios: their files are checked always; they are composed only with a layer set that loads.
    const scenariosDir = values["no-scenarios"] ? undefined : values.scenarios !== undefined ? resolve(values.scenarios) : project.scenariosDir;
    if (values.scenarios !== undefined && !isDirectory(scenariosDir!)) throw new UsageError(`--scenarios ${values.scenarios}: no such directory`);
    let scenarioCount = 0;
    let composed = false;
    const layerErrors = linted.issues.some((i) => i.severity === "error");
    if (scenariosDir) {
      const loaded = loadScenarios(relativeDir(scenariosDir));
      issues.push(...loaded.issues);
      scenarioCount = loaded.scenarios.length;
      if (!layerErrors) {
        issues.push(...(await lintScenarios(linted.set, loaded.scenarios, show)));
        composed = true;
      }
    }

    const sorted = sortIssues(issues);
    const errors = sorted.filter((i) => i.severity === "error").length;
    const warnings = sorted.length - errors;
    const failed = errors > 0 || (values.strict === true && warnings > 0);
    const note = !scenariosDir
      ? values["no-scenarios"] ? "scenarios not composed (--no-scenarios)" : "the project declares no scenarios (add `scenarios: DIR` to its strata.yaml, or use --scenarios DIR)"
      : composed ? `${scenarioCount} scenario(s) composed from ${relativeDir(scenariosDir)}` : `scenarios in ${relativeDir(scenariosDir)} not composed: fix the layer errors first`;

    if (format === "json") {
      out(JSON.stringify({
        ok: !failed, errors, warnings, layers_dir: dir, files: linted.set.files.length,
        scenarios: { dir: scenariosDir ? relativeDir(scenariosDir) : null, count: scenarioCount, composed },
        issues: sorted,
      }, null, 2));
    } else {
      for (const i of sorted) out(formatIssue(i));
      const counts = sorted.length === 0 ? "no problems" : `${errors} error(s), ${warnings} warning(s)`;
      process.stderr.write(`strata lint: ${counts} in ${linted.set.files.length} file(s) under ${dir}; ${note}\n`);
    }
    return failed ? EXIT.invalid : EXIT.ok;
  },
};

const isDirectory = (p: string) => existsSync(p) && statSync(p).isDirectory();
