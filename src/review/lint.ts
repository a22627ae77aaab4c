// Lint a layer folder without composing: everything loading finds (schema, operators, JSONata syntax,
// duplicate names, stages), plus what a reviewer would catch by eye: fields the context does not have,
// `$config` paths the task config does not have, empty profiles, layers that can never apply. Then every
// scenario is composed, and the ones whose config fails are reported.
import { jsonata } from "../vendor.js";
import { evaluateLogic, type Logic } from "../lang/condition.js";
import { formatLocation, issue, warning, sortIssues, type Issue } from "../core/issues.js";
import { loadLayerSetFromFiles, type Layer, type LayerSet, type LoadOptions } from "../core/load.js";
import { runScenario, type Scenario } from "./scenarios.js";
import { parseSource, positionOf, type LineCol, type SourceFile } from "../core/source.js";
import { pointerToDots } from "../core/schemas.js";
import { templateExpressions, type Template } from "../core/template.js";
import { closeNames } from "./explain.js";
import { editDistance, escapeToken, hasOwn, isPlainObject } from "../util/data.js";

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
  if (i.code === "layer-schema" && i.pointer === "/layers" && /fewer than 1 item/.test(i.message)) {
    return { ...i, code: "profile-empty", message: "the profile has no layers: list at least one under `layers:` (or delete the file)" };
  }
  return i;
}

/** The checks loading does not do: field references in conditions and expressions, and conditions that can never hold. */
export function lintLayerSet(set: LayerSet, files: readonly SourceFile[]): Issue[] {
  const fields = new FieldChecker(set.schemas.json.context, set.schemas.json.taskConfig);
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
    issues.push(...configKeyIssues(set.schemas.json.taskConfig, layer));
    for (const e of templateExpressions(layer.template)) {
      const pointer = layer.dataPointer + e.pointer;
      const exprAt = layer.positions.has(pointer + "/$expr") ? pointer + "/$expr" : pointer;
      const start = at(exprAt);
      const where = (offset: number, name: string): Position => ({ file: layer.file, ...exprPosition(texts.get(layer.file) ?? "", start, e.source, offset, name) });
      issues.push(...fields.checkExpression(e.source, where, `layer '${layer.name}'`, layer.name, pointer));
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
      const pos = isUser(e) && e.pointer !== undefined ? positionOf(scenario.positions, `/context/user_overrides${e.pointer}`) : undefined;
      return pos ?? positionOf(scenario.positions, "/context") ?? { line: 1, column: 1 };
    };
    for (const e of run.result.errors) {
      const inFile = e.file === scenario.file;
      out.push({
        code: "scenario-fails",
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
    const known = [...new Set(branches.flatMap((b) => Object.keys((b.properties as Schema | undefined) ?? {})))];
    for (const [key, child] of entries) {
      const childAt = `${pointer}/${escapeToken(key)}`;
      const next = branches.flatMap((b) => (isPlainObject(b.properties) && hasOwn(b.properties, key) ? [b.properties[key] as Schema] : []));
      if (next.length === 0) {
        if (open) continue;
        const near = known.filter((k) => editDistance(k, key) <= 2).sort((a, b) => editDistance(a, key) - editDistance(b, key));
        const where = pointer === "" ? "the task config" : `'${pointerToDots(pointer)}'`;
        out.push(issue("unknown-config-key", `layer '${layer.name}' writes '${key}', but ${where} has no such key${near.length ? ` (did you mean '${near[0]}'?)` : ""}`, at(childAt)));
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

function allowsNull(root: Schema, schema: Schema, depth = 0): boolean {
  if (depth > 20 || !isPlainObject(schema)) return false;
  if (typeof schema.$ref === "string") {
    const target = resolveRef(root, schema.$ref);
    return target ? allowsNull(root, target, depth + 1) : true;
  }
  const alternatives = [...((schema.anyOf as Schema[]) ?? []), ...((schema.oneOf as Schema[]) ?? [])];
  if (alternatives.length > 0) return alternatives.some((s) => allowsNull(root, s, depth + 1));
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) return (schema.allOf as Schema[]).every((s) => allowsNull(root, s, depth + 1));
  if (schema.type === "null" || (Array.isArray(schema.type) && schema.type.includes("null"))) return true;
  if (Array.isArray(schema.enum) && schema.enum.includes(null)) return true;
  return hasOwn(schema, "const") && schema.const === null;
}

// ---- Field references

type Schema = Record<string, unknown>;

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

/** `{index, known}` for the first segment of `path` the schema rules out; undefined when the path may exist. */
function unknownAt(root: Schema, schema: Schema, path: readonly string[], index = 0): { index: number; known: string[] } | undefined {
  if (index >= path.length) return undefined;
  const branches = objectBranches(root, schema);
  if (branches.length === 0) return undefined; // not an object schema (a list, a scalar, anything): do not judge
  const seg = path[index];
  const next = branches.flatMap((b) => (isPlainObject(b.properties) && hasOwn(b.properties, seg) ? [b.properties[seg] as Schema] : []));
  if (next.length === 0) {
    if (branches.some((b) => b.additionalProperties !== false || b.patternProperties !== undefined)) return undefined;
    return { index, known: branches.flatMap((b) => Object.keys((b.properties as Schema | undefined) ?? {})) };
  }
  // Reachable through any branch that has the field is enough.
  const results = next.map((s) => unknownAt(root, s, path, index + 1));
  return results.every((r) => r) ? results[0] : undefined;
}

/** The object-shaped alternatives of a schema (following local $ref, anyOf, oneOf, allOf). */
function objectBranches(root: Schema, schema: Schema, depth = 0): Schema[] {
  if (depth > 20 || !isPlainObject(schema)) return [];
  if (typeof schema.$ref === "string") {
    const target = resolveRef(root, schema.$ref);
    return target ? objectBranches(root, target, depth + 1) : [];
  }
  const alternatives = [...((schema.anyOf as Schema[]) ?? []), ...((schema.oneOf as Schema[]) ?? []), ...((schema.allOf as Schema[]) ?? [])];
  if (alternatives.length > 0) return alternatives.flatMap((s) => objectBranches(root, s, depth + 1));
  const isObject = schema.type === "object" || (schema.type === undefined && (schema.properties !== undefined || schema.additionalProperties !== undefined));
  return isObject ? [schema] : [];
}

function resolveRef(root: Schema, ref: string): Schema | undefined {
  if (!ref.startsWith("#/")) return undefined;
  let cur: unknown = root;
  for (const seg of ref.slice(2).split("/")) {
    const key = seg.replace(/~1/g, "/").replace(/~0/g, "~");
    if (!isPlainObject(cur) || !hasOwn(cur, key)) return undefined;
    cur = cur[key];
  }
  return isPlainObject(cur) ? cur : undefined;
}

/** Every value a top-level context field can take, when that set is small and fixed (enum, boolean). */
function finiteValues(context: Schema, field: string): unknown[] | undefined {
  const props = context.properties as Schema | undefined;
  const prop = props && hasOwn(props, field) ? (props[field] as Schema) : undefined;
  if (!prop) return undefined;
  const values = new Set<unknown>();
  const add = (s: Schema, depth = 0): boolean => {
    if (depth > 10) return false;
    if (typeof s.$ref === "string") {
      const t = resolveRef(context, s.$ref);
      return t ? add(t, depth + 1) : false;
    }
    const alts = [...((s.anyOf as Schema[]) ?? []), ...((s.oneOf as Schema[]) ?? [])];
    if (alts.length) return alts.every((a) => add(a, depth + 1));
    if (Array.isArray(s.enum)) return s.enum.forEach((v) => values.add(v)), true;
    if (hasOwn(s, "const")) return values.add(s.const), true;
    if (s.type === "boolean") return values.add(true), values.add(false), true;
    if (s.type === "null") return values.add(null), true;
    return false;
  };
  if (!add(prop)) return undefined;
  const required = Array.isArray(context.required) && context.required.includes(field);
  if (!required && !hasOwn(prop, "default")) values.add(null);
  return [...values];
}

/**
 * The `var` paths a condition reads from the context or `$config`, with their pointers. Inside the per-item
 * logic of map/filter/all/none/some/reduce a `var` reads the item, not the context, so it is left out there.
 */
export function varRefs(rule: Logic, pointer: string): { path: string; pointer: string }[] {
  const out: { path: string; pointer: string }[] = [];
  const visit = (node: unknown, at: string, item: boolean) => {
    if (Array.isArray(node)) return node.forEach((n, i) => visit(n, `${at}/${i}`, item));
    if (!isPlainObject(node)) return;
    const keys = Object.keys(node);
    if (keys.length !== 1) return;
    const op = keys[0];
    const args = node[op];
    const opAt = `${at}/${escapeToken(op)}`;
    const list = Array.isArray(args) ? args : [args];
    const argAt = (i: number) => (Array.isArray(args) ? `${opAt}/${i}` : opAt);
    if (op === "var") {
      if (typeof list[0] === "string" && list[0] !== "") {
        if (!item) out.push({ path: list[0], pointer: argAt(0) });
      } else visit(list[0], argAt(0), item);
      list.slice(1).forEach((a, i) => visit(a, argAt(i + 1), item));
    } else if (op === "missing" || op === "missing_some") {
      const names = op === "missing" ? list : Array.isArray(list[1]) ? list[1] : [];
      names.forEach((n, i) => {
        const p = op === "missing" ? argAt(i) : `${opAt}/1/${i}`;
        if (typeof n === "string" && n !== "" && !item) out.push({ path: n, pointer: p });
        else visit(n, p, item);
      });
    } else if (["map", "filter", "all", "none", "some", "reduce"].includes(op)) {
      list.forEach((a, i) => visit(a, argAt(i), i === 1 ? true : item));
    } else list.forEach((a, i) => visit(a, argAt(i), item));
  };
  visit(rule, pointer, false);
  return out;
}

type AstNode = Record<string, unknown>;

/**
 * Field paths a JSONata expression reads from its input (the context) — `model_name`, `slo_config.ttft`, `$$.x` —
 * and from `$config`, with the offset of the first name. Names inside predicates, sort terms and later path steps
 * read the items they apply to, so only the first step of a path at the top counts.
 */
export function expressionRefs(ast: unknown, source = ""): { path: string[]; offset: number }[] {
  const out: { path: string[]; offset: number }[] = [];
  // JSONata's position is where the token ends; a quoted name ("tp-size") has its quotes around it.
  const nameStart = (n: AstNode) => {
    const end = n.position as number;
    const quoted = source[end - 1] === '"' || source[end - 1] === "`" || source[end - 1] === "'";
    return Math.max(0, end - String(n.value).length - (quoted ? 2 : 0));
  };
  const names = (steps: AstNode[]) => {
    const path: string[] = [];
    for (const s of steps) {
      if (s.type !== "name" || s.stages || s.predicate || s.group) {
        if (s.type === "name") path.push(String(s.value));
        break;
      }
      path.push(String(s.value));
    }
    return path;
  };
  const visit = (node: unknown, top: boolean) => {
    if (Array.isArray(node)) return node.forEach((n) => visit(n, top));
    // JSONata builds its nodes on prototypes (the parser's symbol table): any object is a node.
    if (node === null || typeof node !== "object") return;
    const n = node as AstNode;
    if (n.type === "path" && Array.isArray(n.steps)) {
      const steps = n.steps as AstNode[];
      const first = steps[0];
      if (first?.type === "variable" && first.value === "config" && steps[1]?.type === "name") {
        out.push({ path: ["$config", ...names(steps.slice(1))], offset: nameStart(steps[1]) });
      } else if (first?.type === "variable" && (first.value === "$" || (first.value === "" && top)) && steps[1]?.type === "name") {
        out.push({ path: names(steps.slice(1)), offset: nameStart(steps[1]) });
      } else if (first?.type === "name" && top) {
        out.push({ path: names(steps), offset: nameStart(first) });
      }
      steps.forEach((s, i) => visitStep(s, i === 0 ? top : false));
      return;
    }
    if (n.type === "name") {
      if (top) out.push({ path: [String(n.value)], offset: nameStart(n) });
      visitStep(n, top);
      return;
    }
    visitStep(n, top);
  };
  // A step: its own parts at its level; its predicates, stages, group and sort terms read the step's items.
  const visitStep = (n: AstNode, top: boolean) => {
    for (const [k, v] of Object.entries(n)) {
      if (k === "steps" || k === "value" || k === "type" || k === "position" || v === null || typeof v !== "object") continue;
      const itemScoped = k === "predicate" || k === "stages" || k === "group" || k === "terms" || k === "focus";
      visit(v, itemScoped ? false : top);
    }
  };
  visit(ast, true);
  return out;
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
