// JSONata expressions in layer data: compiled once at load, evaluated per compose.
// Plain field references (`model_name`, `$config.optimization.strategy`) skip the engine entirely.
import type jsonataTypes from "jsonata";
import { jsonata, RE2JS } from "../vendor.js";
import { contextFieldsRead } from "./expression-reads.js";
import { BUILTINS, compileSync, unclaimedReason, type FunctionDefinition, type SyncEvaluate } from "./expression-compile.js";
import { FORBIDDEN_KEYS, MAX_DEPTH, cloneData, dataProblem, getOwnPath, hasOwn, isPlainObject } from "../util/data.js";

/**
 * Bounds on one evaluation; JSONata checks the first three itself (a timer around `evaluate` could never fire).
 * The last two bound what one native call can be handed: a string built by doubling reaches hundreds of
 * megabytes in a few steps (and `$length` of one aborts Node), and a regex runs uninterruptibly.
 */
export const EXPRESSION_LIMITS = {
  timeoutMs: 1000,
  maxDepth: 200,
  maxSequence: 100_000,
  maxStringLength: 1_000_000,
  maxRegexInput: 10_000,
  /** List items and string characters built in one evaluation, all steps together (each bounded alone above). */
  maxBuilt: 20_000_000,
  /** The size of one result as JSON, in characters (a layer's data is a config, not a data set). */
  maxResultSize: 4_000_000,
};

/** The issue codes an evaluation can end with (core/codes.ts registers them). */
export type EvaluationCode = "expression-failed" | "expression-timeout" | "expression-too-deep" | "expression-too-large" | "expression-not-data" | "too-deep";

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
  if (typeof result === "string") {
    if (result.length > EXPRESSION_LIMITS.maxStringLength) {
      throw new ExpressionLimitError("expression-too-large", `expression built a string of ${result.length} characters (limit ${EXPRESSION_LIMITS.maxStringLength}) and was stopped`);
    }
    if (result.length > 1024) addBuilt(result.length);
  } else if (result !== null && typeof result === "object") {
    // Data can share parts (`{"a": $x, "b": $x}`), so its size as JSON can double at every step: measure it
    // (each part once, remembered) before a `$string`, `&` or `=` walks it in one uninterruptible call.
    if (Array.isArray(result) && result.length > EXPRESSION_LIMITS.maxSequence) {
      throw new ExpressionLimitError("expression-too-large", `expression built a list of ${result.length} items (limit ${EXPRESSION_LIMITS.maxSequence}) and was stopped`);
    }
    if (treeSize(result) > EXPRESSION_LIMITS.maxBuilt) {
      throw new ExpressionLimitError("expression-too-large", `expression built data of more than ${EXPRESSION_LIMITS.maxBuilt} values and characters (limit) and was stopped`);
    }
  }
  if ((++steps & 1023) === 0 && performance.now() - lastYield > YIELD_EVERY_MS) {
    lastYield = performance.now();
    return new Promise((resolve) => setImmediate(resolve));
  }
  return undefined;
}

/** Characters of long strings built so far in the evaluation under way. */
let built = 0;

function addBuilt(n: number): void {
  built += n;
  if (built > EXPRESSION_LIMITS.maxBuilt) {
    throw new ExpressionLimitError("expression-too-large", `expression built more than ${EXPRESSION_LIMITS.maxBuilt} characters in all (limit) and was stopped`);
  }
}

// The size of each object or list seen at a step, so a part shared by many is measured once.
const sizes = new WeakMap<object, number>();

/**
 * Values and characters in `root` as JSON would write it out (shared parts counted where they appear),
 * without recursion; parts measured before are not walked again. Stops counting once past `maxBuilt`.
 */
const isFunctionValue = (v: unknown) =>
  v !== null && typeof v === "object" && ((v as Record<string, unknown>)._jsonata_lambda === true || (v as Record<string, unknown>)._jsonata_function === true);

function treeSize(root: object): number {
  if (isFunctionValue(root)) return 1;
  const known = sizes.get(root);
  if (known !== undefined) return known;
  const cap = EXPRESSION_LIMITS.maxBuilt + 1;
  // Post-order: a frame adds its children's sizes once they are known.
  const stack: { v: object; keys: string[] | number; i: number; total: number }[] = [];
  // JSONata's own structures can refer back to themselves: a part met again while being measured counts as too large.
  const open = new Set<object>();
  const push = (v: object) => {
    open.add(v);
    stack.push({ v, keys: Array.isArray(v) ? v.length : Object.keys(v), i: 0, total: 1 });
  };
  push(root);
  let last = 0;
  while (stack.length > 0) {
    const f = stack[stack.length - 1];
    const n = typeof f.keys === "number" ? f.keys : f.keys.length;
    if (f.i >= n || f.total >= cap) {
      const size = Math.min(f.total, cap);
      sizes.set(f.v, size);
      open.delete(f.v);
      stack.pop();
      last = size;
      if (stack.length > 0) stack[stack.length - 1].total += size;
      continue;
    }
    const key = typeof f.keys === "number" ? f.i : f.keys[f.i];
    f.i++;
    if (typeof key === "string") f.total += key.length + 1;
    const child = (f.v as Record<string | number, unknown>)[key];
    // A function (a lambda holds its environment, which holds the lambda) is one value, not data to walk.
    if (isFunctionValue(child)) f.total += 1;
    else if (child !== null && typeof child === "object") {
      const k = sizes.get(child);
      if (k !== undefined) f.total += k;
      else if (open.has(child)) f.total += cap;
      else push(child);
    } else {
      f.total += typeof child === "string" ? child.length + 1 : 1;
    }
  }
  return last;
}

/**
 * Every regex of a layer runs on RE2 (re2js, a pure-JavaScript port): matching takes time linear in the input,
 * so no pattern — `(a+)+$`, `^(a|aa)*$`, `.*.*.*x` — can backtrack for minutes in one call that no timeout can
 * interrupt. What RE2 does not have (lookaround, backreferences) is refused at load. JSONata uses the engine
 * like a global RegExp: it sets `lastIndex`, calls `exec`, and reads `index`, the groups and `lastIndex`.
 */
export class LinearRegExp {
  lastIndex = 0;
  readonly source: string;
  readonly flags: string;
  private readonly re: RE2JS;
  constructor(pattern: RegExp | string, flags?: string) {
    this.source = pattern instanceof RegExp ? pattern.source : pattern;
    this.flags = pattern instanceof RegExp ? pattern.flags : (flags ?? "");
    const f = (this.flags.includes("i") ? RE2JS.CASE_INSENSITIVE : 0) | (this.flags.includes("m") ? RE2JS.MULTILINE : 0) | (this.flags.includes("s") ? RE2JS.DOTALL : 0);
    this.re = RE2JS.compile(RE2JS.translateRegExp(this.source), f);
  }
  exec(input: string): RegExpExecArray | null {
    if (input.length > EXPRESSION_LIMITS.maxRegexInput) {
      throw new ExpressionLimitError("expression-too-large", `a regex was given ${input.length} characters to match (limit ${EXPRESSION_LIMITS.maxRegexInput})`);
    }
    const m = this.re.matcher(input);
    if (this.lastIndex > input.length || !m.find(this.lastIndex)) {
      this.lastIndex = 0;
      return null;
    }
    const groups: (string | undefined)[] = [];
    for (let g = 0; g <= m.groupCount(); g++) groups.push(m.group(g) ?? undefined);
    const out = Object.assign(groups, { index: m.start(0), input }) as unknown as RegExpExecArray;
    this.lastIndex = m.end(0);
    return out;
  }
}

/** Why a regex cannot run on the linear engine (lookaround, a backreference, …), or undefined. */
function regexProblem(re: RegExp): string | undefined {
  try {
    new LinearRegExp(re);
    return undefined;
  } catch (e) {
    const why = (e as Error).message.replace(/^error parsing regexp: /, "");
    return `the regex /${re.source}/ cannot be used: ${why} (regexes run in linear time, which rules out lookahead, lookbehind and backreferences)`;
  }
}

// Built-in functions that build their whole result in one native call, before the step hook can see it:
// strata's versions check the size first, then call JSONata's own (fetched once, below).
const ORIGINALS = (await jsonata("[$pad, $join, $string, $clone]").evaluate({})) as { implementation: (...args: unknown[]) => unknown }[];
const [origPad, origJoin, origString, origClone] = ORIGINALS.map((f) => f.implementation);

function tooLarge(what: string, n: number): never {
  throw new ExpressionLimitError("expression-too-large", `${what} would build ${n} characters (limit ${EXPRESSION_LIMITS.maxStringLength}) and was stopped before it did`);
}

/** JSON text length of `v` (an upper bound for `$string`), without building it; stops past the string limit. */
function jsonLength(v: unknown): number {
  const problem = dataProblem(v, { maxDepth: Infinity, maxSize: EXPRESSION_LIMITS.maxStringLength, functionsAllowed: true });
  return problem?.code === "too-large" ? EXPRESSION_LIMITS.maxStringLength + 1 : 0;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const BOUNDED_FUNCTIONS: [string, { implementation: (this: unknown, ...args: any[]) => unknown; signature: string }][] = [
  ["pad", {
    signature: "<s-ns?:s>",
    implementation(this: unknown, str: string | undefined, width: number, char?: string) {
      const n = Math.abs(Math.trunc(width)) * Math.max(1, char?.length ?? 1);
      if (str !== undefined && n > EXPRESSION_LIMITS.maxStringLength) tooLarge(`$pad to width ${width}`, n);
      return origPad.call(this, str, width, char);
    },
  }],
  ["join", {
    signature: "<a<s>s?:s>",
    implementation(this: unknown, strs: string[] | undefined, sep?: string) {
      if (Array.isArray(strs)) {
        let n = (sep?.length ?? 0) * Math.max(0, strs.length - 1);
        for (const s of strs) n += typeof s === "string" ? s.length : 0;
        if (n > EXPRESSION_LIMITS.maxStringLength) tooLarge("$join", n);
      }
      return origJoin.call(this, strs, sep);
    },
  }],
  ["string", {
    signature: "<x-b?:s>",
    implementation(this: unknown, arg: unknown, prettify?: boolean) {
      if (arg !== null && typeof arg === "object" && jsonLength(arg) > EXPRESSION_LIMITS.maxStringLength) tooLarge("$string", EXPRESSION_LIMITS.maxStringLength + 1);
      return origString.call(this, arg, prettify);
    },
  }],
  ["clone", {
    signature: "<(oa)-:o>",
    implementation(this: unknown, arg: unknown) {
      if (arg !== null && typeof arg === "object" && jsonLength(arg) > EXPRESSION_LIMITS.maxStringLength) tooLarge("$clone", EXPRESSION_LIMITS.maxStringLength + 1);
      return origClone.call(this, arg);
    },
  }],
];

// The built-in functions as every expression sees them (strata's bounded ones included), for the compiled path.
const SYNC_OPTIONS = await (async () => {
  const probe = jsonata(`[${BUILTINS.map((n) => "$" + n).join(", ")}]`);
  for (const [name, bounded] of BOUNDED_FUNCTIONS) probe.registerFunction(name, bounded.implementation, bounded.signature);
  const definitions = (await probe.evaluate({})) as FunctionDefinition[];
  return {
    functions: new Map(BUILTINS.map((name, i) => [name, definitions[i]])),
    stringify: origString as (v: unknown) => string,
    maxSequence: EXPRESSION_LIMITS.maxSequence,
  };
})();

/** The compiled path of an expression alone (no fallback, no result checks), or undefined when not claimed: for tests. */
export function syncEvaluator(source: string): SyncEvaluate | undefined {
  return compileSync(jsonata(source).ast(), SYNC_OPTIONS);
}

/** Why an expression runs on the interpreter rather than compiled (expression-compile.ts), or undefined. */
export function interpretedBecause(source: string): string | undefined {
  return unclaimedReason(jsonata(source).ast(), SYNC_OPTIONS);
}

/** What `evaluateSync` gives when the expression must run on the interpreter (`evaluate`) instead. */
export const INTERPRET: unique symbol = Symbol("interpret");

export interface Scope {
  /** The task context; its fields are the expression's input (`model_name`). */
  context: unknown;
  /** The config composed so far, bound as `$config`. */
  config: unknown;
}

export interface CompiledExpression {
  source: string;
  /** JSONata's syntax tree, for static checks (what it reads). */
  ast(): unknown;
  evaluate(scope: Scope): Promise<unknown>;
  /**
   * The same value synchronously, when the expression is compiled (expression-compile.ts) and this evaluation
   * stays small and fails nowhere; otherwise INTERPRET, and `evaluate` gives the value or the error.
   */
  evaluateSync(scope: Scope): unknown;
  /** True when `evaluateSync` can answer (the expression is a field reference or compiled). */
  readonly compiled: boolean;
  /** The value on JSONata's interpreter alone: the reference the compiled path is tested against. */
  interpret(scope: Scope): Promise<unknown>;
}

export class ExpressionSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

const FIELD = /^(\$config(?:\.[A-Za-z_][A-Za-z0-9_]*)*|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)$/;
/** Words FIELD matches that JSONata reads as values, not as a field of the context. */
const LITERALS = new Set(["true", "false", "null"]);

export function compileExpression(source: string): CompiledExpression {
  const trimmed = source.trim();
  const field = FIELD.test(trimmed) && !LITERALS.has(trimmed) ? trimmed.split(".") : undefined;
  let expr: jsonataTypes.Expression;
  try {
    expr = jsonata(source, {
      timeout: EXPRESSION_LIMITS.timeoutMs,
      stack: EXPRESSION_LIMITS.maxDepth,
      sequence: EXPRESSION_LIMITS.maxSequence,
      RegexEngine: LinearRegExp as unknown as RegExpConstructor,
    } as jsonataTypes.JsonataOptions);
  } catch (e) {
    const err = e as { message?: string; position?: number; token?: string };
    throw new ExpressionSyntaxError(err.message ?? String(e), Math.max(0, (err.position ?? 1) - 1));
  }
  const forbidden = forbiddenNames(expr.ast(), source);
  if (forbidden) throw new ExpressionSyntaxError(forbidden.message, forbidden.position);
  expr.assign(EVALUATE_EXIT as unknown as string, afterStep);

  for (const [name, bounded] of BOUNDED_FUNCTIONS) expr.registerFunction(name, bounded.implementation, bounded.signature);

  const slow = async (scope: Scope) => {
    lastYield = performance.now();
    built = 0;
    const value: unknown = await expr.evaluate(scope.context, { config: scope.config });
    // Before copying it (recursively): a result can be built deeper than any stack, hold a function, or be huge.
    const problem = dataProblem(value, { maxDepth: MAX_DEPTH, maxSize: EXPRESSION_LIMITS.maxResultSize });
    if (problem) throw new ExpressionLimitError(problem.code === "too-large" ? "expression-too-large" : problem.code === "too-deep" ? "too-deep" : "expression-not-data", `expression ${problem.message}`);
    return cloneData(value);
  };
  /** A compiled evaluation, with the interpreter where it answers INTERPRET. */
  const syncFirst = (evaluateSync: (scope: Scope) => unknown): CompiledExpression => ({
    source,
    ast: () => expr.ast(),
    compiled: true,
    evaluateSync,
    evaluate(scope) {
      const value = evaluateSync(scope);
      return value === INTERPRET ? slow(scope) : Promise.resolve(value);
    },
    interpret: slow,
  });
  if (!field) {
    const sync = compileSync(expr.ast(), SYNC_OPTIONS);
    if (sync) return syncFirst((scope) => runSync(sync, scope));
    const reads = contextFieldsRead(expr.ast());
    const interpreted = reads ? memoized(slow, reads) : slow;
    return { source, ast: () => expr.ast(), compiled: false, evaluate: interpreted, evaluateSync: () => INTERPRET, interpret: interpreted };
  }
  const [head, ...rest] = field;
  const root = head === "$config" ? "config" : "context";
  const path = head === "$config" ? rest : field;
  // Field references match JSONata exactly only through plain objects; anything else takes the engine.
  const evaluateSync = (scope: Scope): unknown => {
    let cur: unknown = root === "config" ? scope.config : scope.context;
    for (let i = 0; i < path.length; i++) {
      if (!isPlainObject(cur)) return INTERPRET;
      cur = getOwnPath(cur, [path[i]]);
    }
    return cloneData(cur);
  };
  return syncFirst(evaluateSync);
}

/**
 * One evaluation on the compiled path. Anything but a small, successful evaluation of JSON data — an error, a
 * bound passed, a function or a non-JSON value in the result — answers INTERPRET: the interpreter then gives
 * the value or the error, with its limits and messages exactly as before.
 */
function runSync(sync: SyncEvaluate, scope: Scope): unknown {
  let value: unknown;
  try {
    value = sync(scope.context, { config: scope.config });
  } catch {
    return INTERPRET;
  }
  if (dataProblem(value, { maxDepth: MAX_DEPTH, maxSize: EXPRESSION_LIMITS.maxResultSize })) return INTERPRET;
  return cloneData(value);
}

/**
 * An expression proven to read nothing but some context fields by name (`contextFieldsRead`) gives the same
 * value for the same values of those fields: remember it, keyed by them. A server
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

const EVALUATE_EXIT = Symbol.for("jsonata.__evaluate_exit");

/**
 * What an expression may not contain: a name or a string that is a prototype key (a read, or a key it
 * would build), `$eval` (it would turn data, e.g. a context field, into an expression), and a regex the
 * linear-time engine cannot run (lookaround, backreferences).
 */
function forbiddenNames(ast: unknown, source: string): { message: string; position: number } | undefined {
  // Iterative: a chain of 5,000 `+` is an AST 5,000 levels deep.
  const stack: unknown[] = [ast];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push(node[i]);
      continue;
    }
    if (node === null || typeof node !== "object") continue;
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
    const bad = n.type === "regex" && n.value instanceof RegExp ? regexProblem(n.value) : undefined;
    if (bad) {
      return { message: bad, position: at((n.value as RegExp).source.length + 2 + (n.value as RegExp).flags.length - 1) }; // JSONata adds the g flag
    }
    const keys = Object.keys(n);
    for (let i = keys.length - 1; i >= 0; i--) {
      const v = n[keys[i]];
      if (v && typeof v === "object") stack.push(v);
    }
  }
  return undefined;
}

/** Turn a JSONata runtime error into a sentence. */
export function describeEvaluationError(e: unknown): { code: EvaluationCode; message: string } {
  if (e instanceof ExpressionLimitError) return { code: e.code, message: e.message };
  const err = e as { code?: string; message?: string; value?: unknown };
  if (err?.code === "D1012") return { code: "expression-timeout", message: `expression ran longer than ${EXPRESSION_LIMITS.timeoutMs} ms and was stopped` };
  if (err?.code === "D1011") return { code: "expression-too-deep", message: `expression recursed deeper than ${EXPRESSION_LIMITS.maxDepth} calls and was stopped` };
  if (err?.code === "D2015") return { code: "expression-too-large", message: `expression built a sequence longer than ${EXPRESSION_LIMITS.maxSequence} items and was stopped` };
  if (e instanceof RangeError && /call stack/i.test(e.message)) return { code: "expression-too-deep", message: `expression exhausted the stack: ${e.message}` };
  // "Invalid string length", "Invalid array length": one native call built more than JavaScript can hold.
  if (e instanceof RangeError) return { code: "expression-too-large", message: `expression built a value too large to hold (${e.message}) and was stopped` };
  return { code: "expression-failed", message: `${err?.code ? err.code + ": " : ""}${err?.message ?? String(e)}` };
}


