// Lint a layer folder without composing: everything loading finds (schema, operators, JSONata syntax,
// duplicate names, stages), plus what a reviewer would catch by eye: fields the context does not have,
// `$config` paths the task config does not have, empty profiles, layers that can never apply. Then every
// scenario is composed, and the ones whose config fails are reported.
import { jsonata } from "../vendor.js";
import { evaluateLogic, varRefs, type Logic } from "../lang/condition.js";
import { expressionRefs } from "../lang/expression-reads.js";
import { allowsNull, finiteValues, objectBranches, propertyIn, propertyNames, unknownAt, type Schema } from "../lang/json-schema.js";
import { formatLocation, issue, warning, sortIssues, type Code, type Issue } from "../core/issues.js";
import { layerParts, loadLayerSetFromFiles, type Layer, type LayerSet, type LoadOptions } from "../core/load.js";
import { runScenario, type Scenario } from "./scenarios.js";
import { parseSource, positionOf, type LineCol, type SourceFile } from "../core/source.js";
import { templateExpressions, type Template } from "../core/template.js";
import { isPlainObject } from "../util/data.js";
import { pointerToDots, escapeToken } from "../util/pointer.js";
import { closeNames, closestName } from "../util/names.js";

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

/** The checks loading does not do: field references in conditions and expressions, and conditions that can never hold. */
export function lintLayerSet(set: LayerSet, files: readonly SourceFile[]): Issue[] {
  const fields = new FieldChecker(set.schemas.json.context, set.schemas.json.output);
  const issues: Issue[] = [];
  const texts = new Map(files.map((f) => [f.path, f.text]));
  const layers = [...set.stages.flatMap((s) => s.layers), ...[...set.profiles.values()].flatMap((p) => p.layers)];
  for (const layer of layers) {
    const at = (pointer: string): Position => ({ file: layer.file, ...(positionOf(layer.positions, pointer, true) ?? { line: layer.line, column: layer.column }) });
    const condAt = layer.profile ? `${layer.dataPointer.slice(0, -"/data".length)}/when` : "/when";
    if (layer.when !== undefined) {
      issues.push(...fields.checkLogic(layer.when, condAt, at, `layer '${layer.name}'`, layer.name));
      const never = fields.neverTrue(layer.when);
      if (never) issues.push(warning("never-applies", `layer '${layer.name}' can never apply: its condition is false for every value of ${never}`, { ...at(condAt), layer: layer.name, pointer: condAt }));
    }
    // A table layer's rows are checked one by one, each at its own lines.
    for (const part of layerParts(layer)) {
    const view = { ...layer, template: part.template, dataPointer: part.dataPointer };
    issues.push(...configKeyIssues(set.schemas.json.output, view));
    for (const e of templateExpressions(part.template)) {
      const pointer = part.dataPointer + e.pointer;
      const exprAt = layer.positions.has(pointer + "/$expr") ? pointer + "/$expr" : pointer;
      const start = at(exprAt);
      const where = (offset: number, name: string): Position => ({ file: layer.file, ...exprPosition(texts.get(layer.file) ?? "", start, e.source, offset, name) });
      issues.push(...fields.checkExpression(e.source, where, `layer '${layer.name}'`, layer.name, pointer));
    }
    }
  }
  // Check rules keep no positions: read them again (they are few and small).
  for (const rule of set.checks) {
    const parsed = parseSource({ path: rule.file, text: texts.get(rule.file) ?? "" });
    const positions = parsed.source?.positions ?? new Map<string, LineCol>();
    const at = (pointer: string): Position => ({ file: rule.file, ...(positionOf(positions, pointer, true) ?? { line: rule.line, column: rule.column }) });
    issues.push(...fields.checkLogic(rule.when, "/when", at, `check '${rule.name}'`, rule.name));
    if (rule.path !== undefined) {
      const problem = fields.configField(rule.path.split("."));
      if (problem) issues.push(warning("unknown-config-field", `check '${rule.name}' is about '${rule.path}', but the task config has no field ${problem}`, { ...at("/path"), layer: rule.name, pointer: "/path" }));
    }
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
 * The static part of a layer's `data` against the task-config schema: a key under a closed object
 * (`additionalProperties: false`) that the schema does not have is an error (`unknown-config-key`), a null
 * where the schema wants an object is a warning (`empty-section`: it would replace the whole section).
 * Open maps (`parameters`, `quant_config`, …), expressions and directive objects (`$patch`, `$append`) are not judged.
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
    if (branches.length === 0) return; // not an object here: the schema check of the composed config judges it
    const open = branches.some((b) => b.additionalProperties !== false || b.patternProperties !== undefined);
    const known = [...new Set(propertyNames(branches))];
    for (const [key, child] of entries) {
      const childAt = `${pointer}/${escapeToken(key)}`;
      const next = propertyIn(branches, key);
      if (next.length === 0) {
        if (open) continue;
        const near = closestName(key, known);
        const where = pointer === "" ? "the task config" : `'${pointerToDots(pointer)}'`;
        out.push(issue("unknown-config-key", `layer '${layer.name}' writes '${key}', but ${where} has no such key${near ? ` (did you mean '${near}'?)` : ""}`, at(childAt)));
        continue;
      }
      for (const s of next) {
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

// ---- Field references

/** Answers "is this a field of the context (or of the task config)?" from the JSON Schemas, following $ref and anyOf. */
class FieldChecker {
  constructor(private readonly context: Schema, private readonly config: Schema) {}

  /** Every `var` in a condition: context fields must exist (error), `$config` paths should (warning). */
  checkLogic(rule: Logic, pointer: string, at: (pointer: string) => Position, who: string, layer: string): Issue[] {
    const out: Issue[] = [];
    for (const ref of varRefs(rule, pointer)) {
      const problem = this.reference(ref.path.split("."), who, ref.path);
      if (problem) out.push({ ...problem, ...at(ref.pointer), layer, pointer: ref.pointer });
    }
    return out;
  }

  /** Every top-level field name (and `$config` path) a JSONata expression reads. */
  checkExpression(source: string, at: (offset: number, name: string) => Position, who: string, layer: string, pointer: string): Issue[] {
    let refs: ReturnType<typeof expressionRefs>;
    try {
      refs = expressionRefs(jsonata(source).ast(), source);
    } catch {
      return []; // a syntax error (reported by loading), or an expression nested too deep to walk
    }
    const out: Issue[] = [];
    for (const ref of refs) {
      const problem = this.reference(ref.path, who, ref.path.join("."));
      if (problem) out.push({ ...problem, ...at(ref.offset, ref.path[ref.path[0] === "$config" ? 1 : 0]), layer, pointer });
    }
    return out;
  }

  private reference(path: string[], who: string, written: string): Issue | undefined {
    if (path[0] === "$config") {
      if (path.length === 1) return undefined;
      const problem = this.configField(path.slice(1));
      return problem ? warning("unknown-config-field", `${who} reads '${written}', but the task config has no field ${problem}`) : undefined;
    }
    const unknown = unknownAt(this.context, this.context, path);
    if (!unknown) return undefined;
    const { index, known } = unknown;
    const field = path.slice(0, index + 1).join(".");
    const near = closeNames(path[index], known);
    return issue("unknown-context-field", `${who} reads '${written}', but the context has no field '${field}'${near.length ? ` (did you mean ${near.slice(0, 3).map((n) => `'${[...path.slice(0, index), n].join(".")}'`).join(" or ")}?)` : ""}`);
  }

  /** The first field of a task-config path that the schema rules out (`'paramters' (did you mean …?)`), or undefined when the path may exist. */
  configField(path: string[]): string | undefined {
    const unknown = unknownAt(this.config, this.config, path);
    if (!unknown) return undefined;
    const near = closeNames(path[unknown.index], unknown.known);
    return `'${path.slice(0, unknown.index + 1).join(".")}'${near.length ? ` (did you mean '${[...path.slice(0, unknown.index), near[0]].join(".")}'?)` : ""}`;
  }

  /**
   * When a condition reads only context fields with a fixed set of values (an enum, a boolean), try them all:
   * the fields' names when none makes it true, undefined otherwise (or when that is not cheap to know).
   */
  neverTrue(rule: Logic): string | undefined {
    const refs = varRefs(rule, "");
    if (refs.length === 0) return undefined;
    const domains: [string, unknown[]][] = [];
    for (const path of new Set(refs.map((r) => r.path))) {
      if (path.includes(".")) return undefined;
      const values = finiteValues(this.context, path);
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
}

/**
 * File position of `offset` inside an expression written at `start` (a plain, quoted or `|` block scalar).
 * Checked against the text: when the name is not found there, the expression's start is given instead.
 */
function exprPosition(text: string, start: Position, source: string, offset: number, name: string): Partial<LineCol> {
  if (start.line === undefined || start.column === undefined) return {};
  const fallback = { line: start.line, column: start.column };
  const lines = text.split("\n");
  const first = lines[start.line - 1] ?? "";
  const rest = first.slice(start.column - 1);
  let line: number, column: number;
  if (rest.startsWith("|")) {
    // A literal block: the expression's lines are the file's lines after the indicator, less their indentation.
    const before = source.slice(0, offset).split("\n");
    const k = before.length - 1;
    const content = lines.slice(start.line).find((l) => l.trim() !== "") ?? "";
    const indent = content.length - content.trimStart().length;
    line = start.line + 1 + k;
    column = indent + before[k].length + 1;
  } else if (rest.startsWith(">")) {
    return fallback;
  } else {
    line = start.line;
    column = start.column + (rest.startsWith('"') || rest.startsWith("'") ? 1 : 0) + offset;
  }
  const at = (lines[line - 1] ?? "").slice(column - 1);
  return at.startsWith(name) || at.startsWith(`"${name}"`) || at.startsWith(`\`${name}\``) ? { line, column } : fallback;
}
