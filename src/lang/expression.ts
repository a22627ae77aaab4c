// JSONata expressions in layer data: compiled once at load, evaluated per compose.
// Plain field references (`model_name`, `$config.optimization.strategy`) skip the engine entirely.
import type jsonataTypes from "jsonata";
import { jsonata } from "../vendor.js";
import { FORBIDDEN_KEYS, MAX_DEPTH, cloneData, findTooDeep, getOwnPath, hasOwn, isPlainObject } from "../util/data.js";

/**
 * Bounds on one evaluation; JSONata checks the first three itself (a timer around `evaluate` could never fire).
 * The last two bound what one native call can be handed: a string built by doubling reaches hundreds of
 * megabytes in a few steps (and `$length` of one aborts Node), and a regex runs uninterruptibly.
 */
export const EXPRESSION_LIMITS = { timeoutMs: 1000, maxDepth: 200, maxSequence: 100_000, maxStringLength: 1_000_000, maxRegexInput: 10_000 };

/** The issue codes an evaluation can end with (core/codes.ts registers them). */
export type EvaluationCode = "expression-failed" | "expression-timeout" | "expression-too-deep" | "expression-too-large" | "too-deep";

/** A limit strata enforces inside an evaluation; `code` is the issue code. */
export class ExpressionLimitError extends Error {
  constructor(readonly code: EvaluationCode, message: string) {
    super(message);
  }
}

/** A long evaluation hands the event loop a turn this often, so a server keeps answering other requests. */
const YIELD_EVERY_MS = 10;
let steps = 0;
let lastYield = 0;

// JSONata awaits this after every step. A string over the limit stops the evaluation right where it was
// built. JSONata's own awaits only queue microtasks, so without the occasional real yield below a runaway
// expression would hold the whole process until its timeout.
function afterStep(_expr: unknown, _input: unknown, _env: unknown, result: unknown): Promise<void> | undefined {
  if (typeof result === "string" && result.length > EXPRESSION_LIMITS.maxStringLength) {
    throw new ExpressionLimitError("expression-too-large", `expression built a string of ${result.length} characters (limit ${EXPRESSION_LIMITS.maxStringLength}) and was stopped`);
  }
  if ((++steps & 1023) === 0 && performance.now() - lastYield > YIELD_EVERY_MS) {
    lastYield = performance.now();
    return new Promise((resolve) => setImmediate(resolve));
  }
  return undefined;
}

/** Every regex of a layer runs through this: a longer input is refused before the (uninterruptible) match. */
class BoundedRegExp extends RegExp {
  exec(input: string): RegExpExecArray | null {
    if (input.length > EXPRESSION_LIMITS.maxRegexInput) {
      throw new ExpressionLimitError("expression-too-large", `a regex was given ${input.length} characters to match (limit ${EXPRESSION_LIMITS.maxRegexInput})`);
    }
    return super.exec(input);
  }
}

export interface Scope {
  /** The task context; its fields are the expression's input (`model_name`). */
  context: unknown;
  /** The config composed so far, bound as `$config`. */
  config: unknown;
}

export interface CompiledExpression {
  source: string;
  evaluate(scope: Scope): Promise<unknown>;
}

export class ExpressionSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

const FIELD = /^(\$config(?:\.[A-Za-z_][A-Za-z0-9_]*)*|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)$/;

export function compileExpression(source: string): CompiledExpression {
  const trimmed = source.trim();
  const field = FIELD.test(trimmed) ? trimmed.split(".") : undefined;
  let expr: jsonataTypes.Expression;
  try {
    expr = jsonata(source, {
      timeout: EXPRESSION_LIMITS.timeoutMs,
      stack: EXPRESSION_LIMITS.maxDepth,
      sequence: EXPRESSION_LIMITS.maxSequence,
      RegexEngine: BoundedRegExp as RegExpConstructor,
    } as jsonataTypes.JsonataOptions);
  } catch (e) {
    const err = e as { message?: string; position?: number; token?: string };
    throw new ExpressionSyntaxError(err.message ?? String(e), Math.max(0, (err.position ?? 1) - 1));
  }
  const forbidden = forbiddenNames(expr.ast(), source);
  if (forbidden) throw new ExpressionSyntaxError(forbidden.message, forbidden.position);
  expr.assign(EVALUATE_EXIT as unknown as string, afterStep);

  const slow = async (scope: Scope) => {
    lastYield = performance.now();
    const value: unknown = await expr.evaluate(scope.context, { config: scope.config });
    // Before copying it (recursively): a result can be built deeper than any stack.
    const tooDeep = findTooDeep(value, MAX_DEPTH);
    if (tooDeep !== undefined) throw new ExpressionLimitError("too-deep", `expression built data nested deeper than ${MAX_DEPTH} levels`);
    return cloneData(value);
  };
  if (!field) {
    const reads = contextFieldsRead(expr.ast());
    return { source, evaluate: reads ? memoized(slow, reads) : slow };
  }
  const [head, ...rest] = field;
  const root = head === "$config" ? "config" : "context";
  const path = head === "$config" ? rest : field;
  return {
    source,
    // Field references match JSONata exactly only through plain objects; anything else takes the engine.
    evaluate(scope) {
      let cur: unknown = root === "config" ? scope.config : scope.context;
      for (let i = 0; i < path.length; i++) {
        if (!isPlainObject(cur)) return slow(scope);
        cur = getOwnPath(cur, [path[i]]);
      }
      return Promise.resolve(cloneData(cur));
    },
  };
}

/**
 * An expression that reads only context fields by name (no `$config`, no `$`/`$$` root, no clock or random
 * function) gives the same value for the same values of those fields: remember it, keyed by them. A server
 * composing many contexts then runs e.g. the GPU table once per GPU type instead of once per request.
 */
function memoized(evaluate: (scope: Scope) => Promise<unknown>, fields: string[]): (scope: Scope) => Promise<unknown> {
  const cache = new Map<string, unknown>();
  return async (scope) => {
    const ctx = scope.context as Record<string, unknown>;
    let key = "";
    for (const f of fields) key += (hasOwn(ctx, f) ? JSON.stringify(ctx[f]) : "-") + "\u0000";
    if (cache.has(key)) return cloneData(cache.get(key));
    const value = await evaluate(scope);
    // Bounded: request data reaches the key, so a long key or a large value is never kept.
    if (key.length <= MEMO_MAX_KEY && (JSON.stringify(value)?.length ?? 0) <= MEMO_MAX_VALUE) {
      if (cache.size >= MEMO_ENTRIES) cache.clear();
      cache.set(key, value);
    }
    return cloneData(value);
  };
}

/** At most 256 entries of ≤ 1 KiB key and ≤ 16 KiB value: ~4 MiB per expression. */
const MEMO_ENTRIES = 256;
const MEMO_MAX_KEY = 1024;
const MEMO_MAX_VALUE = 16 * 1024;
const IMPURE = new Set(["now", "millis", "random", "config", "", "$"]);

/** The names an expression may read from the context, or undefined when its value may depend on more. */
function contextFieldsRead(ast: unknown): string[] | undefined {
  const names = new Set<string>();
  let pure = true;
  const visit = (node: unknown): void => {
    if (!pure || node === null || typeof node !== "object") return;
    if (Array.isArray(node)) return node.forEach(visit);
    const n = node as Record<string, unknown>;
    if (n.type === "variable" && typeof n.value === "string" && IMPURE.has(n.value)) pure = false;
    else if (n.type === "wildcard" || n.type === "descendant" || n.type === "parent") pure = false;
    else if (n.type === "name" && typeof n.value === "string") names.add(n.value);
    for (const k of Object.keys(n)) if (n[k] && typeof n[k] === "object") visit(n[k]);
  };
  visit(ast);
  return pure ? [...names].sort() : undefined;
}

const EVALUATE_EXIT = Symbol.for("jsonata.__evaluate_exit");

/**
 * What an expression may not contain: a name or a string that is a prototype key (a read, or a key it
 * would build), `$eval` (it would turn data, e.g. a context field, into an expression), and a regex whose
 * repeated group repeats inside (`(a+)+`: catastrophic backtracking, which no timeout can interrupt).
 */
function forbiddenNames(node: unknown, source: string): { message: string; position: number } | undefined {
  if (Array.isArray(node)) {
    for (const n of node) {
      const f = forbiddenNames(n, source);
      if (f) return f;
    }
    return undefined;
  }
  if (node === null || typeof node !== "object") return undefined;
  const n = node as Record<string, unknown>;
  // JSONata positions point just past the token; ExpressionSyntaxError wants the offset of its start.
  const end = typeof n.position === "number" ? n.position : 0;
  const at = (length: number) => Math.max(0, end - length);
  if ((n.type === "name" || n.type === "string") && typeof n.value === "string" && FORBIDDEN_KEYS.has(n.value)) {
    const quoted = n.type === "string" || source[end - 1] === "`";
    return { message: `'${n.value}' ${n.type === "name" ? "reads" : "names"} a prototype key, which is not allowed`, position: at(n.value.length + (quoted ? 2 : 0)) };
  }
  if (n.type === "variable" && n.value === "eval") {
    return { message: "$eval is not allowed: it would evaluate data as an expression", position: at(5) };
  }
  if (n.type === "regex" && n.value instanceof RegExp && hasNestedQuantifier(n.value.source)) {
    return {
      message: `the regex /${n.value.source}/ repeats a group that itself contains a repeat (like (a+)+), which can take forever on some inputs; rewrite it without the nesting`,
      position: at(n.value.source.length + 2 + n.value.flags.length - 1), // JSONata adds the g flag
    };
  }
  for (const k of Object.keys(n)) {
    const v = n[k];
    if (v && typeof v === "object") {
      const f = forbiddenNames(v, source);
      if (f) return f;
    }
  }
  return undefined;
}

/**
 * True for a repeated group that contains an unbounded repeat: `(a+)+`, `(\w*x)*`, `((ab)*){2,}`. A star-height
 * check, so it also refuses harmless shapes like `(\d+\.)+`; alternatives that overlap (`(a|a)*`) slip through.
 */
export function hasNestedQuantifier(source: string): boolean {
  const open: boolean[] = [false]; // per open group: does it contain an unbounded repeat?
  let closed: boolean | undefined; // the group that just closed, while its quantifier may follow
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    const q = c === "*" || c === "+" ? { repeats: true, unbounded: true } : c === "?" ? { repeats: false, unbounded: false } : c === "{" ? braces(source, i) : undefined;
    if (q) {
      if (closed && q.repeats) return true;
      if (q.unbounded) open[open.length - 1] = true;
      if (c === "{") i = source.indexOf("}", i);
      if (source[i + 1] === "?") i++; // lazy
      closed = undefined;
      continue;
    }
    closed = undefined;
    if (c === "\\") i++;
    else if (c === "[") {
      for (i++; i < source.length && source[i] !== "]"; i++) if (source[i] === "\\") i++;
    } else if (c === "(") {
      open.push(false);
      if (source[i + 1] === "?") i++; // (?: (?= (?! (?<name> — the ? is not a quantifier
    } else if (c === ")" && open.length > 1) {
      closed = open.pop()!;
      if (closed) open[open.length - 1] = true;
      else closed = undefined;
    }
  }
  return false;
}

/** `{n}`, `{n,}`, `{n,m}` at `i`, or undefined when the brace is a literal. */
function braces(source: string, i: number): { repeats: boolean; unbounded: boolean } | undefined {
  const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 24));
  if (!m) return undefined;
  const max = m[2] === undefined ? Number(m[1]) : m[3] === "" ? Infinity : Number(m[3]);
  return { repeats: max > 1, unbounded: max === Infinity };
}

/** Turn a JSONata runtime error into a sentence. */
export function describeEvaluationError(e: unknown): { code: EvaluationCode; message: string } {
  if (e instanceof ExpressionLimitError) return { code: e.code, message: e.message };
  const err = e as { code?: string; message?: string; value?: unknown };
  if (err?.code === "D1012") return { code: "expression-timeout", message: `expression ran longer than ${EXPRESSION_LIMITS.timeoutMs} ms and was stopped` };
  if (err?.code === "D1011") return { code: "expression-too-deep", message: `expression recursed deeper than ${EXPRESSION_LIMITS.maxDepth} calls and was stopped` };
  if (err?.code === "D2015") return { code: "expression-too-large", message: `expression built a sequence longer than ${EXPRESSION_LIMITS.maxSequence} items and was stopped` };
  if (e instanceof RangeError) return { code: "expression-too-deep", message: `expression exhausted the stack: ${e.message}` };
  return { code: "expression-failed", message: `${err?.code ? err.code + ": " : ""}${err?.message ?? String(e)}` };
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
