// JSON-logic conditions (`when` of layers and check rules): checked once at load, evaluated per compose.
import type { RulesLogic } from "json-logic-js";
import { jsonLogic } from "../vendor.js";
import { FORBIDDEN_KEYS, hasOwn, isPlainObject } from "../util/data.js";
import { escapeToken } from "../util/pointer.js";
import { EXPRESSION_LIMITS } from "./expression.js";

export type Logic = unknown;

// Data operators of json-logic-js plus the control-flow ones it handles inline.
// `log` is left out on purpose: it writes to the console.
export const KNOWN_OPERATORS: ReadonlySet<string> = new Set([
  "==", "===", "!=", "!==", ">", ">=", "<", "<=", "!!", "!", "%", "in", "cat", "substr",
  "+", "*", "-", "/", "min", "max", "merge", "var", "missing", "missing_some",
  "if", "?:", "and", "or", "filter", "map", "reduce", "all", "none", "some",
]);

// json-logic-js's own `var` walks the prototype chain (`{"var": "__proto__"}` reads Object.prototype).
// Replace it, module-wide, with one that reads own properties only.
jsonLogic.add_operation("var", ownVar);

/** `var`, reading own properties only. */
export function ownVar(this: unknown, path: unknown, fallback: unknown): unknown {
  const notFound = fallback === undefined ? null : fallback;
  if (path === undefined || path === null || path === "") return this;
  let cur: unknown = this;
  for (const seg of segments(String(path))) {
    if (cur === null || typeof cur !== "object" || !hasOwn(cur, seg)) return notFound;
    cur = (cur as Record<string, unknown>)[seg];
    if (cur === undefined) return notFound;
  }
  return cur;
}
jsonLogic.rm_operation("log");

/**
 * A condition that ran past a limit: `condition-timeout` or `condition-too-large`. JSON-logic's `reduce`,
 * `map`, `filter`, `all/some/none` and `merge` can build and loop over data: without bounds a nested
 * `reduce` over 20,000 items runs for minutes and a `merge` that doubles a list aborts Node out of memory.
 * The bounds are JSONata's (EXPRESSION_LIMITS): the same time, list length, string length and total size.
 */
export class LogicLimitError extends Error {
  constructor(readonly code: "condition-timeout" | "condition-too-large", message: string) {
    super(message);
  }
}

/** The evaluation under way: when it must end, and how much it has built. */
let budget: { deadline: number; steps: number; built: number } | undefined;

// json-logic-js recurses through `jsonLogic.apply` (its loops too: each item of a `map` or `reduce` is one
// call), so wrapping it once sees every step. Its operators stay as they are; the published test table
// (test/json-logic/tests.json) and a comparison with an untouched copy show the results are unchanged.
const unguardedApply = jsonLogic.apply;
// Not `missing_some`: json-logic-js builds its list with `missing` (through `jsonLogic.apply`), counted already.
const BUILDS = new Set(["map", "filter", "merge", "cat", "substr", "missing"]);
jsonLogic.apply = function guardedApply(logic: RulesLogic, data?: unknown) {
  const b = budget;
  if (b && (++b.steps & 255) === 0 && performance.now() > b.deadline) {
    throw new LogicLimitError("condition-timeout", `condition ran longer than ${EXPRESSION_LIMITS.timeoutMs} ms and was stopped`);
  }
  const result = unguardedApply(logic, data as never);
  if (b && (typeof result === "string" || Array.isArray(result)) && result.length > 64 && isPlainObject(logic) && BUILDS.has(Object.keys(logic)[0])) {
    checkBuilt(b, result);
  }
  return result;
} as typeof jsonLogic.apply;

function checkBuilt(b: NonNullable<typeof budget>, result: string | unknown[]): void {
  const what = typeof result === "string" ? "string" : "list";
  const limit = typeof result === "string" ? EXPRESSION_LIMITS.maxStringLength : EXPRESSION_LIMITS.maxSequence;
  if (result.length > limit) {
    throw new LogicLimitError("condition-too-large", `condition built a ${what} of ${result.length} ${what === "string" ? "characters" : "items"} (limit ${limit}) and was stopped`);
  }
  b.built += result.length;
  if (b.built > EXPRESSION_LIMITS.maxBuilt) {
    throw new LogicLimitError("condition-too-large", `condition built more than ${EXPRESSION_LIMITS.maxBuilt} list items and characters in all (limit) and was stopped`);
  }
}

// `merge` builds its list in one call: measure first, so a list doubled 40 times is refused before it exists.
jsonLogic.add_operation("merge", function (...args: unknown[]) {
  let n = 0;
  for (const a of args) n += Array.isArray(a) ? a.length : 1;
  if (n > EXPRESSION_LIMITS.maxSequence) {
    throw new LogicLimitError("condition-too-large", `condition built a list of ${n} items (limit ${EXPRESSION_LIMITS.maxSequence}) and was stopped`);
  }
  return ([] as unknown[]).concat(...args.map((a) => (Array.isArray(a) ? a : [a])));
});

// `cat` likewise joins in one call.
jsonLogic.add_operation("cat", function (...args: unknown[]) {
  let n = 0;
  const parts = args.map((a) => {
    // As json-logic-js's own `cat` (Array.prototype.join): null and undefined are joined as nothing.
    const s = a === null || a === undefined ? "" : String(a);
    n += s.length;
    if (n > EXPRESSION_LIMITS.maxStringLength) {
      throw new LogicLimitError("condition-too-large", `condition built a string of more than ${EXPRESSION_LIMITS.maxStringLength} characters and was stopped`);
    }
    return s;
  });
  return parts.join("");
});


// Rules read the same few paths on every compose: split each once (bounded, paths can be computed).
const splitPaths = new Map<string, string[]>();
function segments(path: string): string[] {
  let segs = splitPaths.get(path);
  if (!segs) {
    segs = path.split(".");
    if (splitPaths.size < 10_000) splitPaths.set(path, segs);
  }
  return segs;
}

export interface LogicProblem {
  /** Path inside the rule (JSON Pointer relative to the rule) where the problem is. */
  pointer: string;
  code: "unknown-operator" | "forbidden-path";
  message: string;
}

/** Operators whose second argument is logic run once per item of the first: inside it, `var` reads the item. */
const PER_ITEM = new Set(["map", "filter", "all", "none", "some", "reduce"]);

/** One object of a rule, as `walkLogic` shows it. */
export interface LogicNode {
  /** The operator; undefined for an object with no key or several, which is no operator (nothing inside is visited). */
  op?: string;
  keys: string[];
  /** The operator's arguments as a list (`{"!": x}` has one, `x`); `listed`: written as a list. */
  args: unknown[];
  listed: boolean;
  /** Pointers (relative to where the walk started) of the object and of its operator key. */
  at: string;
  opAt: string;
  /** Inside the per-item logic of map/filter/all/none/some/reduce, where `var` reads the item, not the context. */
  item: boolean;
}

/** Pointer of argument `i` of a node: the operator key itself when the argument is not written as a list. */
export const argAt = (n: LogicNode, i: number): string => (n.listed ? `${n.opAt}/${i}` : n.opAt);

/**
 * Visit every object of a rule, outside in and in order (the one walker every static look at a rule uses).
 * `visit` returning false skips what is inside that object.
 */
export function walkLogic(rule: Logic, visit: (node: LogicNode) => boolean | void, pointer = ""): void {
  const walk = (node: unknown, at: string, item: boolean) => {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) walk(node[i], `${at}/${i}`, item);
      return;
    }
    if (!isPlainObject(node)) return;
    const keys = Object.keys(node);
    if (keys.length !== 1) {
      visit({ keys, args: [], listed: false, at, opAt: at, item });
      return;
    }
    const op = keys[0];
    const raw = node[op];
    const listed = Array.isArray(raw);
    const n: LogicNode = { op, keys, args: listed ? raw : [raw], listed, at, opAt: `${at}/${escapeToken(op)}`, item };
    if (visit(n) === false) return;
    const perItem = PER_ITEM.has(op);
    n.args.forEach((a, i) => walk(a, argAt(n, i), item || (perItem && i === 1)));
  };
  walk(rule, pointer, false);
}

/** Static check of a rule: every operator exists, no `var` reaches for a prototype. */
export function checkLogic(rule: Logic, pointer = ""): LogicProblem[] {
  const problems: LogicProblem[] = [];
  walkLogic(rule, (n) => {
    if (n.op === undefined) {
      problems.push({
        pointer: n.at,
        code: "unknown-operator",
        message: `a condition object must have exactly one operator key, found ${n.keys.length === 0 ? "none" : n.keys.map((k) => `'${k}'`).join(", ")}`,
      });
      return false;
    }
    if (!KNOWN_OPERATORS.has(n.op)) {
      problems.push({ pointer: n.opAt, code: "unknown-operator", message: `unknown JSON-logic operator '${n.op}'` });
      return false;
    }
    const arg = n.args[0];
    if (n.op === "var" && typeof arg === "string" && arg.split(".").some((s) => FORBIDDEN_KEYS.has(s))) {
      problems.push({ pointer: n.opAt, code: "forbidden-path", message: `'${arg}' reads a prototype key, which is not allowed` });
    }
    return true;
  }, pointer);
  return problems;
}

/** What a rule reads: the context's fields at the top and the config (so far, or finished) as `$config`. */
export function logicData(context: object, config: unknown): Record<string, unknown> {
  // Not `{ ...context, $config: config }` (nor a key added after a spread): that leaves V8's fast path,
  // ~2.5 µs in Node 20 against 0.3. Spreading last is fast, and unlike Object.assign never calls a
  // `__proto__` setter. (A context cannot hold `$config`: its schema rejects unknown fields.)
  return { $config: config, ...context };
}

/**
 * Evaluate with JSON-logic truthiness (an empty list is false). Throws on a failing operator, and a
 * LogicLimitError past the time or size limits.
 */
export function evaluateLogic(rule: Logic, data: unknown): boolean {
  return jsonLogic.truthy(applyLogic(rule, data));
}

/** A rule's value (not only its truthiness), within the limits. */
export function applyLogic(rule: Logic, data: unknown): unknown {
  const outer = budget;
  budget = { deadline: performance.now() + EXPRESSION_LIMITS.timeoutMs, steps: 0, built: 0 };
  try {
    return jsonLogic.apply(rule as RulesLogic, data as Record<string, unknown>);
  } finally {
    budget = outer;
  }
}


// Rules never change after loading, and compose asks for the paths of every layer it skips.
const readsByRule = new WeakMap<object, readonly string[]>();

/** Every `var` path the rule reads from the context or `$config`, in order and without duplicates (for explanations). */
export function varsRead(rule: Logic): readonly string[] {
  const cached = rule !== null && typeof rule === "object" ? readsByRule.get(rule) : undefined;
  if (cached) return cached;
  const out: string[] = [];
  for (const { path } of varRefs(rule, "")) if (!out.includes(path)) out.push(path);
  Object.freeze(out); // shared by every call for the rule
  if (rule !== null && typeof rule === "object") readsByRule.set(rule, out);
  return out;
}

export interface ComparedLiteral {
  field: string;
  value: string;
}

/**
 * `{"==": [{"var": "f"}, "x"]}` (either side), `{"in": [{"var": "f"}, ["x", "y"]]}`, anywhere in a rule.
 * Inside the per-item logic of map/filter/all/none/some/reduce a `var` reads the item, not the context:
 * comparisons there are left out. `$config` paths are kept (callers that want context fields skip them).
 */
export function comparedLiterals(rule: unknown): ComparedLiteral[] {
  const found: ComparedLiteral[] = [];
  const varName = (n: unknown): string | undefined => {
    if (!isPlainObject(n) || !hasOwn(n, "var")) return undefined;
    const arg = Array.isArray(n.var) ? n.var[0] : n.var;
    return typeof arg === "string" && arg !== "" ? arg : undefined;
  };
  walkLogic(rule, ({ op, args, item }) => {
    if (item) return;
    if ((op === "==" || op === "===") && args.length === 2) {
      const [a, b] = args;
      const field = varName(a) ?? varName(b);
      const lit = varName(a) !== undefined ? b : a;
      if (field && typeof lit === "string") found.push({ field, value: lit });
    } else if (op === "in" && args.length === 2 && Array.isArray(args[1])) {
      const field = varName(args[0]);
      if (field) for (const v of args[1]) if (typeof v === "string") found.push({ field, value: v });
    }
  });
  return found;
}

/** A short, readable rendering of a rule: `base_runtime == "vllm"`, `total_gpus and $config.parameters.tp-size`. */
export function describeLogic(rule: Logic): string {
  const d = (node: unknown): string => {
    if (Array.isArray(node)) return `[${node.map(d).join(", ")}]`;
    if (!isPlainObject(node)) return JSON.stringify(node) ?? "null";
    const [op] = Object.keys(node);
    const raw = node[op];
    const args = Array.isArray(raw) ? raw : [raw];
    if (op === "var") return typeof args[0] === "string" ? args[0] || "(context)" : `var(${d(args[0])})`;
    if (["==", "===", "!=", "!==", ">", ">=", "<", "<=", "in", "%", "+", "-", "*", "/"].includes(op) && args.length === 2) {
      return `${d(args[0])} ${op} ${d(args[1])}`;
    }
    if (op === "and" || op === "or") return args.map((a) => (isPlainObject(a) && ["and", "or"].includes(Object.keys(a)[0]) ? `(${d(a)})` : d(a))).join(` ${op} `);
    if (op === "!") return `not ${d(args[0])}`;
    if (op === "!!") return `${d(args[0])} is set`;
    return `${op}(${args.map(d).join(", ")})`;
  };
  return d(rule);
}

/**
 * The `var` paths a condition reads from the context or `$config`, with their pointers (and the names `missing`
 * and `missing_some` look up). Inside per-item logic a `var` reads the item, not the context: left out there.
 */
export function varRefs(rule: Logic, pointer: string): { path: string; pointer: string }[] {
  const out: { path: string; pointer: string }[] = [];
  walkLogic(rule, (n) => {
    if (n.item) return;
    if (n.op === "var" && typeof n.args[0] === "string" && n.args[0] !== "") out.push({ path: n.args[0], pointer: argAt(n, 0) });
    else if (n.op === "missing") n.args.forEach((a, i) => typeof a === "string" && a !== "" && out.push({ path: a, pointer: argAt(n, i) }));
    else if (n.op === "missing_some" && Array.isArray(n.args[1])) {
      n.args[1].forEach((a, i) => typeof a === "string" && a !== "" && out.push({ path: a, pointer: `${argAt(n, 1)}/${i}` }));
    }
  }, pointer);
  return out;
}

// ---- Conditions compiled to closures

/**
 * Where a compiled rule reads from: the context's fields and the config as `$config` (what `logicData` builds
 * for the interpreter, without building it), or, inside the per-item logic of `some`, `all` and `none`, the item.
 */
type Scope = { top: true; context: object; config: unknown } | { top: false; item: unknown };
type Compiled = (scope: Scope) => unknown;

const truthy = (v: unknown): boolean => (Array.isArray(v) && v.length === 0 ? false : !!v);

/** The rule as a closure that gives what json-logic-js gives; undefined when it uses an operator not compiled here. */
function compileNode(node: unknown, item = false): Compiled | undefined {
  if (Array.isArray(node)) {
    const items = node.map((n) => compileNode(n, item));
    if (items.some((i) => i === undefined)) return undefined;
    const fns = items as Compiled[];
    return (s) => fns.map((f) => f(s));
  }
  if (node === null || typeof node !== "object" || Object.keys(node).length !== 1) return () => node;
  const op = Object.keys(node)[0];
  const raw = (node as Record<string, unknown>)[op];
  const perItem = op === "some" || op === "all" || op === "none";
  // The per-item logic of some/all/none reads the item.
  const args = (Array.isArray(raw) ? raw : [raw]).map((n, i) => compileNode(n, item || (perItem && i === 1)));
  if (args.some((a) => a === undefined)) return undefined;
  const a = args as Compiled[];
  const [x, y] = a;
  switch (op) {
    case "var": {
      // A literal path only; computed paths, and `""` outside per-item logic (the whole data), stay interpreted.
      const path = Array.isArray(raw) ? raw[0] : raw;
      if (typeof path !== "string" && typeof path !== "number") return undefined;
      if (path === "") return item ? (s) => (s.top ? undefined : s.item) : undefined;
      const segs = String(path).split(".");
      const fallback = a.length > 1 ? y : undefined;
      return (s) => {
        // As `ownVar` over `{ $config: config, ...context }`: own properties only, undefined counts as not found.
        const notFound = fallback === undefined ? null : (fallback(s) ?? null);
        let cur: unknown;
        let i = 0;
        if (s.top) {
          if (segs[0] === "$config") cur = s.config;
          else if (hasOwn(s.context, segs[0])) cur = (s.context as Record<string, unknown>)[segs[0]];
          else return notFound;
          if (cur === undefined) return notFound;
          i = 1;
        } else cur = s.item;
        for (; i < segs.length; i++) {
          if (cur === null || typeof cur !== "object" || !hasOwn(cur, segs[i])) return notFound;
          cur = (cur as Record<string, unknown>)[segs[i]];
          if (cur === undefined) return notFound;
        }
        return cur;
      };
    }
    case "==": return (s) => { const l = x?.(s), r = y?.(s); for (let i = 2; i < a.length; i++) a[i](s); return l == r; };
    case "!=": return (s) => { const l = x?.(s), r = y?.(s); for (let i = 2; i < a.length; i++) a[i](s); return l != r; };
    case "===": return (s) => { const l = x?.(s), r = y?.(s); for (let i = 2; i < a.length; i++) a[i](s); return l === r; };
    case "!==": return (s) => { const l = x?.(s), r = y?.(s); for (let i = 2; i < a.length; i++) a[i](s); return l !== r; };
    case ">": case ">=": case "<": case "<=": {
      if (a.length !== 2) return undefined;
      const cmp = op === ">" ? (l: any, r: any) => l > r : op === ">=" ? (l: any, r: any) => l >= r : op === "<" ? (l: any, r: any) => l < r : (l: any, r: any) => l <= r;
      return (s) => cmp(x(s), y(s));
    }
    case "!!": return (s) => { const v = x?.(s); for (let i = 1; i < a.length; i++) a[i](s); return truthy(v); };
    case "!": return (s) => { const v = x?.(s); for (let i = 1; i < a.length; i++) a[i](s); return !truthy(v); };
    case "in": return (s) => {
      const l = x?.(s), b = y?.(s) as { indexOf?: (v: unknown) => number } | null | undefined;
      for (let i = 2; i < a.length; i++) a[i](s);
      if (!b || typeof b.indexOf === "undefined") return false;
      return b.indexOf(l) !== -1;
    };
    case "and": return (s) => { let v: unknown; for (const f of a) { v = f(s); if (!truthy(v)) return v; } return v; };
    case "or": return (s) => { let v: unknown; for (const f of a) { v = f(s); if (truthy(v)) return v; } return v; };
    case "if": case "?:": return (s) => {
      let i = 0;
      for (; i < a.length - 1; i += 2) if (truthy(a[i](s))) return a[i + 1](s);
      return a.length === i + 1 ? a[i](s) : null;
    };
    case "some": case "all": case "none": {
      if (a.length < 2) return undefined;
      const each = a[1];
      compiledLoops = true;
      return (s) => {
        const list = x(s);
        if (!Array.isArray(list) || !list.length) return op !== "some" && op !== "all";
        for (const item of list) {
          // The interpreter's time limit, counted per item (testCondition sets the budget for rules with loops).
          const b = budget;
          if (b && (++b.steps & 255) === 0 && performance.now() > b.deadline) {
            throw new LogicLimitError("condition-timeout", `condition ran longer than ${EXPRESSION_LIMITS.timeoutMs} ms and was stopped`);
          }
          const hit = truthy(each({ top: false, item }));
          if (op === "some" && hit) return true;
          if (op === "all" && !hit) return false;
          if (op === "none" && hit) return false;
        }
        return op !== "some";
      };
    }
    default:
      return undefined;
  }
}

/** Set while compiling when the rule loops (some/all/none): it then runs with the time limit. */
let compiledLoops = false;

/** A rule compiled, and whether it loops; undefined when it is not in the compiled subset. */
function compileRule(rule: Logic): Compiled | undefined {
  compiledLoops = false;
  const fn = compileNode(rule);
  if (!fn || !compiledLoops) return fn;
  return (s) => {
    const outer = budget;
    budget = { deadline: performance.now() + EXPRESSION_LIMITS.timeoutMs, steps: 0, built: 0 };
    try {
      return fn(s);
    } finally {
      budget = outer;
    }
  };
}

const compiledRules = new WeakMap<object, Compiled | null>();

/**
 * A condition's truthiness for a context and the config so far, as `evaluateLogic(rule, logicData(context, config))`
 * gives it, from the rule compiled once to closures; rules with operators not compiled here (and `var` with an
 * empty or computed path, which reads the whole data) run on the interpreter, with its limits.
 */
export function testCondition(rule: Logic, context: object, config: unknown): boolean {
  let fn = rule !== null && typeof rule === "object" ? compiledRules.get(rule) : undefined;
  if (fn === undefined) {
    fn = compileRule(rule) ?? null;
    if (rule !== null && typeof rule === "object") compiledRules.set(rule, fn);
  }
  return fn ? truthy(fn({ top: true, context, config })) : evaluateLogic(rule, logicData(context, config));
}

/** True when the rule runs as closures (`testCondition`), not on the interpreter. */
export function isCompiledCondition(rule: Logic): boolean {
  return compileNode(rule) !== undefined;
}
