// Lint a layer folder without composing: everything loading finds (schema, operators, JSONata syntax,
// duplicate names, stages), plus what a reviewer would catch by eye: fields the context does not have,
// `$config` paths the task config does not have, empty profiles, layers that can never apply. Then every
// scenario is composed, and the ones whose config fails are reported.
import { evaluateLogic, varRefs, type Logic } from "../lang/condition.js";
import { allowsNull, finiteValues, objectBranches, propertyIn, type Schema } from "../lang/json-schema.js";
import { formatLocation, warning, sortIssues, type Code, type Issue } from "../core/issues.js";
import { layerParts, loadLayerSetFromFiles, type Layer, type LayerSet, type LoadOptions } from "../core/load.js";
import { runScenario, type Scenario } from "./scenarios.js";
import { positionOf, type SourceFile } from "../core/source.js";
import { type Template } from "../core/template.js";
import { isPlainObject } from "../util/data.js";
import { pointerToDots, escapeToken } from "../util/pointer.js";

export interface LintResult {
  set: LayerSet;
  issues: Issue[];
}

/** Load the files and run every static check on them. Issues are sorted by file, line and column. */
export function lintLayerFiles(files: readonly SourceFile[], options: LoadOptions = {}): LintResult {
  const set = loadLayerSetFromFiles(files, options);
  const issues = set.issues.map(renameEmptyProfile);
  issues.push(...lintLayerSet(set, files));
  return { set, issues: sortIssues(issues) };
}

/** A profile with `layers: []` fails the schema's minItems; say it in the user's words. */
function renameEmptyProfile(i: Issue): Issue {
  if (i.code === "layer-schema" && i.pointer === "/layers" && i.keyword === "minItems") {
    return { ...i, code: "profile-empty" satisfies Code, message: "the profile has no layers: list at least one under `layers:` (or delete the file)" };
  }
  return i;
}

/** The checks loading does not do: conditions that can never hold, sections set to null. (What conditions, expressions and check rules read is checked when the set loads: core/references.ts.) */
export function lintLayerSet(set: LayerSet, _files: readonly SourceFile[] = []): Issue[] {
  const context = set.schemas.json.context;
  const issues: Issue[] = [];
  const layers = [...set.stages.flatMap((s) => s.layers), ...[...set.profiles.values()].flatMap((p) => p.layers)];
  for (const layer of layers) {
    const at = (pointer: string): Position => ({ file: layer.file, ...(positionOf(layer.positions, pointer, true) ?? { line: layer.line, column: layer.column }) });
    const condAt = layer.profile ? `${layer.dataPointer.slice(0, -"/data".length)}/when` : "/when";
    if (layer.when !== undefined) {
      const never = neverTrue(context, layer.when);
      if (never) issues.push(warning("never-applies", `layer '${layer.name}' can never apply: its condition is false for every value of ${never}`, { ...at(condAt), layer: layer.name, pointer: condAt }));
    }
    // A table layer's rows are checked one by one, each at its own lines.
    for (const part of layerParts(layer)) issues.push(...configKeyIssues(set.schemas.json.output, { ...layer, template: part.template, dataPointer: part.dataPointer }));
  }
  return issues;
}

type Position = { file: string; line?: number; column?: number };

const isUser = (e: Issue) => e.origin?.source === "user_patch" || e.origin?.source === "user_replace";

/** Per scenario, the errors composing it gives (a scenario that expects errors is left to `strata test`). */
export async function lintScenarios(set: LayerSet, scenarios: readonly Scenario[], showLayerFile: (file: string) => string = (f) => f): Promise<Issue[]> {
  const out: Issue[] = [];
  for (const scenario of scenarios) {
    if (scenario.expect.errors !== undefined) continue;
    const run = await runScenario(set, scenario);
    const where = (e: Issue) => {
      // A value from the scenario's own overrides is blamed where the overrides write it.
      const overrides = set.roles.overrides;
      const pos = isUser(e) && e.pointer !== undefined && overrides !== undefined ? positionOf(scenario.positions, `/context/${escapeToken(overrides)}${e.pointer}`) : undefined;
      return pos ?? positionOf(scenario.positions, "/context") ?? { line: 1, column: 1 };
    };
    for (const e of run.result.errors) {
      const inFile = e.file === scenario.file;
      out.push({
        code: "scenario-fails" satisfies Code,
        severity: "error",
        message: `scenario '${scenario.name}' does not compose: ${e.code}: ${e.message}${!inFile && e.file && !e.origin ? ` (${formatLocation({ ...e, file: showLayerFile(e.file) })})` : ""}`,
        file: scenario.file,
        ...(inFile && !isUser(e) ? { line: e.line, column: e.column } : where(e)),
        ...(e.pointer !== undefined ? { pointer: e.pointer } : {}),
        ...(e.origin ? { origin: e.origin.file ? { ...e.origin, file: showLayerFile(e.origin.file) } : e.origin } : {}),
      });
    }
  }
  return out;
}

// ---- Keys a layer writes

const DIRECTIVES = new Set(["$patch", "$append", "$prepend"]);

/**
 * A null where the task-config schema wants a section is a warning (`empty-section`: it would replace the whole
 * section). Keys and values themselves are checked when the layer set loads (core/layer-values.ts).
 */
export function configKeyIssues(config: Schema, layer: Layer): Issue[] {
  const out: Issue[] = [];
  const at = (pointer: string) => {
    const p = layer.dataPointer + pointer;
    return { file: layer.file, ...(positionOf(layer.positions, p) ?? { line: layer.line, column: layer.column }), layer: layer.name, pointer: p };
  };
  const visitObject = (entries: [string, Template | unknown][], isTemplate: boolean, schema: Schema, pointer: string) => {
    const keys = entries.map(([k]) => k);
    if (keys.some((k) => DIRECTIVES.has(k))) return;
    const branches = objectBranches(config, schema);
    for (const [key, child] of entries) {
      const childAt = `${pointer}/${escapeToken(key)}`;
      for (const s of propertyIn(branches, key)) {
        if (isTemplate) visitTemplate(child as Template, s, childAt);
        else visitValue(child, s, childAt);
      }
    }
  };
  const visitValue = (value: unknown, schema: Schema, pointer: string) => {
    if (value === null) {
      if (pointer !== "" && objectBranches(config, schema).length > 0 && !allowsNull(config, schema)) {
        out.push(warning("empty-section", `layer '${layer.name}' sets '${pointerToDots(pointer)}' to nothing (null), where the task config expects a section: it replaces the whole section with null (delete the line, or write the keys under it)`, at(pointer)));
      }
      return;
    }
    if (isPlainObject(value)) visitObject(Object.keys(value).map((k) => [k, value[k]]), false, schema, pointer);
  };
  const visitTemplate = (t: Template, schema: Schema, pointer: string) => {
    if (t.kind === "static") visitValue(t.value, schema, pointer);
    else if (t.kind === "object") visitObject(t.entries, true, schema, pointer);
    // An expression (or a list holding one) is known only when the layer applies.
  };
  visitTemplate(layer.template, config, "");
  // One report per key, even when several schema branches lead to it.
  const seen = new Set<string>();
  return out.filter((i) => {
    const k = `${i.code} ${i.pointer}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
}

// ---- Conditions that never hold

/**
 * When a condition reads only context fields with a fixed set of values (an enum, a boolean), try them all:
 * the fields' names when none makes it true, undefined otherwise (or when that is not cheap to know).
 */
function neverTrue(context: Schema, rule: Logic): string | undefined {
  const refs = varRefs(rule, "");
  if (refs.length === 0) return undefined;
  const domains: [string, unknown[]][] = [];
  for (const path of new Set(refs.map((r) => r.path))) {
    if (path.includes(".")) return undefined;
    const values = finiteValues(context, path);
    if (!values) return undefined;
    domains.push([path, values]);
  }
  if (domains.reduce((n, [, v]) => n * v.length, 1) > 1024) return undefined;
  const tryAll = (i: number, data: Record<string, unknown>): boolean => {
    if (i === domains.length) {
      try {
        return evaluateLogic(rule, data);
      } catch {
        return true; // unknown: do not claim anything
      }
    }
    const [name, values] = domains[i];
    return values.some((v) => tryAll(i + 1, { ...data, [name]: v }));
  };
  if (tryAll(0, {})) return undefined;
  return domains.map(([name, values]) => `${name} (${values.map((v) => JSON.stringify(v)).join(", ")})`).join(" and ");
}
