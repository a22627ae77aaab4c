// The pipeline: context → stages in order (layers, profiles, the user's overrides) → checks → output schema.
// Every step reports into one result that carries its story: applied and skipped layers, provenance, issues.
import { normalizeContext, type ContextRecord } from "./context.js";
import { testCondition, varsRead, LogicLimitError } from "../lang/condition.js";
import { describeEvaluationError, INTERPRET, type Scope } from "../lang/expression.js";
import { renderTemplate, renderTemplateSync, RenderError, type Template } from "./template.js";
import { merge, MergeError, Trace } from "./merge.js";
import { provenanceOf } from "./provenance.js";
import { runChecks } from "./checks.js";
import { likelyTypoWarnings, unknownValueWarnings } from "./known-values.js";
import { validateConfig } from "./validate.js";
import { issue, warning, hasErrors, type Issue, type Origin } from "./issues.js";
import { positionOf, SOURCE_LIMITS } from "./source.js";
import { tableRow, type Layer, type LayerSet, type Stage } from "./load.js";
import type { ResultView, SkippedLayer } from "./views.js";

/** Bounds on one compose; the expression and condition limits apply to each evaluation inside it. */
export const COMPOSE_LIMITS = {
  /** The composed config as JSON text, in characters. */
  maxConfigSize: 16_000_000,
};

export type { ResultView, SkippedLayer };
import { dataProblem, findForbiddenKeys, findTooDeep, getOwnPath, isCleanData, isPlainObject } from "../util/data.js";
import { escapeToken } from "../util/pointer.js";
import { closeNames } from "../util/names.js";

export interface ComposeOptions {
  /** Warnings become errors. */
  strict?: boolean;
  /**
   * Every expression on JSONata's interpreter, none compiled: the reference path (slower, the same result).
   * The differential test composes with and without it.
   */
  interpretOnly?: boolean;
}

export interface ComposeResult<C extends object = ContextRecord> {
  /** True when there is no error: the config is valid. */
  ok: boolean;
  /** The composed config; present also when validation failed, absent when composition stopped. */
  config?: Record<string, unknown>;
  applied_layers: string[];
  skipped_layers: SkippedLayer[];
  warnings: Issue[];
  errors: Issue[];
  /** Origin of every leaf value, by JSON Pointer. */
  provenance: Record<string, Origin>;
  /** The context after defaults, when it was valid. */
  context?: C;
  /** Every write, for `explain`: who wrote what, in order. */
  trace: Trace;
  layer_set_hash: string;
}

/** A layer's data to render for the config so far; the pipeline below asks its driver for each. */
interface RenderRequest {
  template: Template;
  scope: Scope;
}
/** The patch, or what rendering threw. */
type Rendered = { value: unknown } | { error: unknown };

/** Compose a context with a layer set. `C` is the project's context type (default: a plain record). */
export async function compose<C extends object = ContextRecord>(set: LayerSet, input: unknown, options: ComposeOptions = {}): Promise<ComposeResult<C>> {
  const steps = pipeline<C>(set, input, options);
  let next = steps.next();
  while (!next.done) {
    const { template, scope } = next.value;
    let rendered = options.interpretOnly ? INTERPRET : renderSync(template, scope);
    if (rendered === INTERPRET) {
      try {
        rendered = { value: await renderTemplate(template, scope, options.interpretOnly) };
      } catch (error) {
        rendered = { error };
      }
    }
    next = steps.next(rendered);
  }
  return next.value;
}

/**
 * `compose`, synchronously: the same result, or undefined when an expression needs JSONata's interpreter
 * (one the compiled path does not claim, or an evaluation that grew past its bounds or failed); `compose`
 * then gives the result. A layer set whose expressions are all compiled (`isCompiledTemplate`) composes
 * synchronously unless an evaluation runs into a limit or an error.
 */
export function composeSync<C extends object = ContextRecord>(set: LayerSet, input: unknown, options: Omit<ComposeOptions, "interpretOnly"> = {}): ComposeResult<C> | undefined {
  const steps = pipeline<C>(set, input, options);
  let next = steps.next();
  while (!next.done) {
    const rendered = renderSync(next.value.template, next.value.scope);
    if (rendered === INTERPRET) return undefined;
    next = steps.next(rendered);
  }
  return next.value;
}

function renderSync(template: Template, scope: Scope): Rendered | typeof INTERPRET {
  try {
    const value = renderTemplateSync(template, scope);
    return value === INTERPRET ? INTERPRET : { value };
  } catch (error) {
    return { error };
  }
}

/** The pipeline itself, one step after another; it yields each layer's data to render and takes the patch back. */
function* pipeline<C extends object>(set: LayerSet, input: unknown, options: ComposeOptions): Generator<RenderRequest, ComposeResult<C>, Rendered> {
  const trace = new Trace();
  const result: ComposeResult<C> = {
    ok: false, applied_layers: [], skipped_layers: [], warnings: [], errors: [], provenance: {}, trace, layer_set_hash: set.hash,
  };
  const setErrors = set.issues.filter((i) => i.severity === "error");
  if (setErrors.length > 0) return finish(result, setErrors, options);

  const { context, issues } = normalizeContext<C>(set.schemas, input);
  if (!context) return finish(result, issues, options);
  const roleProblems = checkRoleValues(set, context as ContextRecord);
  if (roleProblems.length > 0) return finish(result, roleProblems, options);
  result.context = context;
  // A value no layer condition names (`vlm`, `dokcer`) applies no layer of its kind: say so up front.
  const unknownValues = unknownValueWarnings(set, context);
  result.warnings.push(...unknownValues, ...likelyTypoWarnings(set, context, unknownValues));

  let config: Record<string, unknown> = {};
  for (const stage of set.stages) {
    const step = yield* applyStage(set, stage, context as ContextRecord, config, result);
    if (!step) return finish(result, [], options);
    config = step;
  }
  // What a compose may produce is bounded, whatever layers and overrides add up to (text shared by YAML aliases
  // or expressions counts wherever it appears: that is the size of the answer).
  const tooLarge = dataProblem(config, { maxDepth: SOURCE_LIMITS.maxDepth + 1, maxSize: COMPOSE_LIMITS.maxConfigSize });
  if (tooLarge) {
    const message = tooLarge.code === "too-large" ? `the composed config is larger than ${COMPOSE_LIMITS.maxConfigSize} characters as JSON (limit)` : `the composed config ${tooLarge.message}`;
    return finish(result, [issue(tooLarge.code === "too-large" ? "config-too-large" : tooLarge.code === "too-deep" ? "too-deep" : "config-not-data", message, { pointer: tooLarge.pointer })], options);
  }
  result.config = config;
  // Eager: a lazy getter (defineProperty on the result) was tried and made every compose about 2× slower, the
  // result object leaving V8's fast properties (bench/changes.md).
  result.provenance = provenanceOf(config, trace);
  const problems = [...runChecks(set, context, config), ...validateConfig(set.schemas, config, trace)];
  return finish(result, problems, options);
}

/**
 * The role fields hold what the engine needs (a list of profile names, a mapping of overrides, `patch` or
 * `replace`) whatever the context schema allows: a schema that does not say so gets an error, not a crash.
 */
function checkRoleValues(set: LayerSet, context: ContextRecord): Issue[] {
  const out: Issue[] = [];
  const { profiles, overrides, override_mode } = set.roles;
  const value = (field: string | undefined) => (field !== undefined && Object.hasOwn(context, field) ? context[field] : undefined);
  const p = value(profiles);
  if (p !== undefined && p !== null && !(Array.isArray(p) && p.every((x) => typeof x === "string"))) {
    out.push(issue("context-invalid", `'${profiles}' must be a list of profile names (it is the project's profiles role)`, { pointer: `/${escapeToken(profiles!)}` }));
  }
  const o = value(overrides);
  if (o !== undefined && o !== null && !isPlainObject(o)) {
    out.push(issue("context-invalid", `'${overrides}' must be a mapping (it is the project's overrides role)`, { pointer: `/${escapeToken(overrides!)}` }));
  }
  const m = value(override_mode);
  if (m !== undefined && m !== null && m !== "patch" && m !== "replace") {
    out.push(issue("context-invalid", `'${override_mode}' must be "patch" or "replace" (it is the project's override_mode role)`, { pointer: `/${escapeToken(override_mode!)}` }));
  }
  return out;
}

/** Apply one stage; returns the new config, or undefined when composition must stop (an error was recorded). */
function* applyStage(set: LayerSet, stage: Stage, context: ContextRecord, config: Record<string, unknown>, result: ComposeResult<object>): Generator<RenderRequest, Record<string, unknown> | undefined, Rendered> {
  if (stage.source === "layers") {
    for (const layer of stage.layers) {
      const next = yield* applyLayer(layer, context, config, result);
      if (!next) return undefined;
      config = next;
    }
    return config;
  }
  const { profiles: profilesField, overrides: overridesField, override_mode: modeField } = set.roles;
  if (stage.source === "profiles") {
    // Loading guarantees the role exists for a profiles stage; an absent or null field asks for no profile.
    const asked = (profilesField !== undefined && Array.isArray(context[profilesField]) ? context[profilesField] : []) as string[];
    for (const [i, name] of asked.entries()) {
      const profile = set.profiles.get(name);
      if (!profile) {
        const near = closeNames(name, [...set.profiles.keys()]);
        const hint = near.length > 0 ? ` (did you mean ${near.slice(0, 2).map((n) => `'${n}'`).join(" or ")}?)` : "";
        result.warnings.push(warning("profile-not-found", `profile '${name}' not found${hint}`, { pointer: `/${escapeToken(profilesField!)}/${i}` }));
        continue;
      }
      for (const layer of profile.layers) {
        const next = yield* applyLayer(layer, context, config, result);
        if (!next) return undefined;
        config = next;
      }
    }
    return config;
  }
  // The user's overrides: data, never evaluated. An empty patch is no entry at all.
  const overrides = overridesField !== undefined ? context[overridesField] : undefined;
  if (!isPlainObject(overrides) || Object.keys(overrides).length === 0) return config;
  const replace = modeField !== undefined && context[modeField] === "replace";
  const entry = replace ? "user_replace" : "user_patch";
  const origin: Origin = { source: entry, stage: stage.name };
  // `{$patch: delete}` or `{$append: …}` at the top of the overrides: a config is always an object.
  const top = overrides.$patch === "delete" ? "$patch" : ["$append", "$prepend"].find((k) => Object.hasOwn(overrides, k));
  if (top) {
    result.errors.push(issue("config-not-object", `user overrides: ${notObject(top === "$patch" ? undefined : [])}`, { pointer: `/${escapeToken(overridesField!)}/${top}` }));
    return undefined;
  }
  try {
    // A replacement is one write at the root, so a field it leaves out is blamed on it.
    if (replace) result.trace.record("", "replace", origin, overrides);
    // Depth: the context was checked when normalized, the config is the product of checked merges.
    const next = merge(replace ? undefined : config, overrides, origin, result.trace, "", true);
    if (!isPlainObject(next)) {
      result.errors.push(issue("config-not-object", `user overrides: ${notObject(next)}`, { pointer: `/${escapeToken(overridesField!)}` }));
      return undefined;
    }
    result.applied_layers.push(entry);
    return next;
  } catch (e) {
    if (!(e instanceof MergeError)) throw e;
    result.errors.push(issue("merge-failed", `user overrides: ${e.message}`, { pointer: `/${escapeToken(overridesField!)}${e.pointer}` }));
    return undefined;
  }
}

function* applyLayer(layer: Layer, context: ContextRecord, config: Record<string, unknown>, result: ComposeResult<object>): Generator<RenderRequest, Record<string, unknown> | undefined, Rendered> {
  const where = { file: layer.file, line: layer.line, column: layer.column, layer: layer.name };
  if (layer.when !== undefined) {
    let applies: boolean;
    try {
      applies = testCondition(layer.when, context, config);
    } catch (e) {
      // At the condition itself (`when:` in the file), the limit's own code when it ran past one.
      const whenPointer = layer.dataPointer.replace(/\/data$/, "/when");
      const at = { ...where, ...positionOf(layer.positions, whenPointer), pointer: whenPointer };
      if (e instanceof LogicLimitError) result.errors.push(issue(e.code, `layer '${layer.name}': ${e.message}`, at));
      else result.errors.push(issue("condition-failed", `layer '${layer.name}': condition failed: ${(e as Error).message}`, at));
      return undefined;
    }
    if (!applies) {
      const read: Record<string, unknown> = {};
      // What the condition read, as `logicData(context, config)` holds it (`$config` first, then the context's fields).
      for (const path of varsRead(layer.when)) {
        const [first, ...rest] = path.split(".");
        const root = first === "$config" ? config : Object.hasOwn(context, first) ? context[first] : undefined;
        read[path] = (root === undefined ? undefined : getOwnPath(root, rest)) ?? null;
      }
      result.skipped_layers.push({
        layer: layer.entry, stage: layer.stage, file: layer.file, line: layer.line,
        reason: "condition-false", when: layer.when, when_text: layer.whenText, read,
      });
      return config;
    }
  }
  // A table layer's data is the row the context picks (none: it sets nothing).
  const part = layer.table ? tableRow(layer, context) : undefined;
  const template = layer.table ? (part?.template ?? NOTHING) : layer.template;
  const dataPointer = part?.dataPointer ?? layer.dataPointer;
  // Problems in `data` point at the expression (or `data`) inside the layer file, not at the layer's name.
  const inData = (pointer: string) => {
    const p = dataPointer + pointer;
    const at = layer.positions.has(p + "/$expr") ? p + "/$expr" : p;
    return { ...where, ...positionOf(layer.positions, at, true), pointer: p };
  };
  let patch: unknown;
  const rendered: Rendered = template.kind === "static" ? { value: template.value } : yield { template, scope: { context, config } };
  if ("error" in rendered) {
    const e = rendered.error;
    const failed = e instanceof RenderError ? e : undefined;
    const { code, message } = describeEvaluationError(failed ? failed.cause : e);
    result.errors.push(issue(code, `layer '${layer.name}': ${message}`, failed ? inData(failed.pointer) : where));
    return undefined;
  }
  patch = rendered.value;
  if (patch === undefined) patch = {};
  if (!isPlainObject(patch)) {
    result.errors.push(issue("layer-data-not-object", `layer '${layer.name}': data must produce an object, got ${Array.isArray(patch) ? "a list" : typeof patch}`, inData("")));
    return undefined;
  }
  if (template.kind !== "static" && !isCleanData(patch, SOURCE_LIMITS.maxDepth)) {
    // Static data was checked at load; what expressions built (keys too: `{ model_name: … }`) is checked here.
    const tooDeep = findTooDeep(patch, SOURCE_LIMITS.maxDepth);
    const forbidden = tooDeep === undefined ? findForbiddenKeys(patch)[0] : undefined;
    if (tooDeep !== undefined) {
      result.errors.push(issue("too-deep", `layer '${layer.name}': its data nests deeper than ${SOURCE_LIMITS.maxDepth} levels`, inData(tooDeep)));
      return undefined;
    }
    if (forbidden !== undefined) {
      const key = forbidden.slice(forbidden.lastIndexOf("/") + 1);
      result.errors.push(issue("forbidden-key", `layer '${layer.name}': its data has the key '${key}', which is not allowed: it could reach an object's prototype`, inData(forbidden)));
      return undefined;
    }
  }
  try {
    const next = mergeWithLines(layer, dataPointer, config, patch, result.trace);
    if (!isPlainObject(next)) {
      // At the directive when it is written in the file, else at the expression that built it.
      const directive = Object.keys(patch).find((k) => k.startsWith("$"));
      const at = directive && layer.positions.has(`${dataPointer}/${directive}`) ? inData(`/${directive}`) : { ...inData(""), ...(directive ? { pointer: `${dataPointer}/${directive}` } : {}) };
      result.errors.push(issue("config-not-object", `layer '${layer.name}': ${notObject(next)}`, at));
      return undefined;
    }
    result.applied_layers.push(layer.entry);
    return next;
  } catch (e) {
    if (!(e instanceof MergeError)) throw e;
    const pos = positionOf(layer.positions, dataPointer + e.pointer);
    result.errors.push(issue("merge-failed", `layer '${layer.name}': ${e.message}`, { ...where, ...pos, pointer: e.pointer }));
    return undefined;
  }
}

/** What a table layer writes when the context picks no row. */
const NOTHING: Template = Object.freeze({ kind: "static", value: Object.freeze({}) });

// A layer's write origins, by the pointer written: the same in every compose, so each is built once and
// shared (frozen: results hold them). Looking one up reuses the pointer's hash, which the trace computed;
// finding its line in the file would not. Bounded: an expression can write ever new keys.
const origins = new WeakMap<Layer, Map<string, Origin>>();
const MAX_ORIGINS_PER_LAYER = 1000;

/** Merge a layer's patch; each write carries the line in the layer file that produced it. */
function mergeWithLines(layer: Layer, dataPointer: string, config: Record<string, unknown>, patch: Record<string, unknown>, trace: Trace) {
  let byPointer = origins.get(layer);
  if (!byPointer) origins.set(layer, (byPointer = new Map()));
  const at = (written: string): Origin => {
    // A table layer writes from one row or another: the row is part of the key.
    const pointer = dataPointer === layer.dataPointer ? written : dataPointer + "\0" + written;
    let origin = byPointer.get(pointer);
    if (!origin) {
      const pos = positionOf(layer.positions, dataPointer + written);
      origin = { source: layer.entry, layer: layer.name, stage: layer.stage, file: layer.file };
      if (pos) {
        origin.line = pos.line;
        origin.column = pos.column;
      }
      Object.freeze(origin);
      if (byPointer.size < MAX_ORIGINS_PER_LAYER) byPointer.set(pointer, origin);
    }
    return origin;
  };
  // Depth: static data was checked at load, rendered data in applyLayer, the config is the product of checked merges.
  return merge(config, patch, at, trace, "", true) as Record<string, unknown>;
}

/** Why a merge result cannot be the config. */
function notObject(v: unknown): string {
  const what = v === undefined ? "deletes the whole config" : `makes the whole config ${Array.isArray(v) ? "a list" : typeof v}`;
  return `this ${what}; the config is always an object (patch fields inside it instead)`;
}

function finish<R extends ComposeResult<object>>(result: R, problems: Issue[], options: ComposeOptions): R {
  for (const p of problems) (p.severity === "error" ? result.errors : result.warnings).push(p);
  if (options.strict && result.warnings.length > 0) {
    result.errors.push(...result.warnings.map((w) => ({ ...w, severity: "error" as const, message: `${w.message} (strict mode)` })));
  }
  result.ok = !hasErrors(result.errors);
  return result;
}

/** The JSON view of a result (everything but the trace): what `compose --json` prints and the API answers. */
export function resultView(r: Omit<ComposeResult<object>, "trace">): ResultView {
  return {
    ok: r.ok,
    config: r.config ?? null,
    applied_layers: r.applied_layers,
    skipped_layers: r.skipped_layers,
    warnings: r.warnings,
    errors: r.errors,
    provenance: r.provenance,
    layer_set_hash: r.layer_set_hash,
  };
}
