// JSONata, synchronously, for the subset layers use: each node of the syntax tree (`jsonata(src).ast()`) becomes
// a closure that does what JSONata's own `evaluate` does for it (sequences and singleton unwrapping, undefined
// propagation, the same errors), without an `await` per node. What it does not claim, the interpreter runs.
//
// Claimed: paths of names (`a.b`, `$config.x`, `$`, `$$`, wildcards), filters and index predicates, literals,
// arithmetic, comparison, `=`/`!=`, `and`/`or`, `&`, `in`, `? :`, blocks, `:=` where its order is plain,
// array and object constructors, lambdas called by the name they are bound to (never recursively), and calls
// of a few built-in functions (BUILTINS). Not claimed (the interpreter runs the whole expression): regexes,
// ranges, sorting, grouping, `~>`, partial application, transforms, parents, `@`/`#`, signatures, descendants.
//
// An evaluation that grows past a small bound (steps, list length, string length, data built) stops with
// NEEDS_INTERPRETER and the caller runs the interpreter instead, so every limit strata sets on JSONata (timeout,
// depth, sizes) keeps its exact behaviour and code: the compiled path only ever finishes small evaluations.

/* eslint-disable @typescript-eslint/no-explicit-any */
import { JSONATA_FUNCTIONS } from "./expression-reads.js";

/** A built-in function as JSONata defines it: the implementation and its parsed signature. */
export interface FunctionDefinition {
  implementation: (...args: any[]) => unknown;
  signature?: { validate(args: unknown[], context: unknown): unknown[] };
}

/** Thrown by a compiled evaluation that ran past its small bounds: run the interpreter instead. */
export const NEEDS_INTERPRETER: { readonly needsInterpreter: true } = Object.freeze({ needsInterpreter: true });

/** The built-in functions the compiled path calls (JSONata's own implementations and signatures). */
export const BUILTINS = [
  "lookup", "exists", "merge", "count", "string", "boolean", "not", "keys", "append", "length", "sum", "max", "min",
  "uppercase", "lowercase", "number", "abs", "floor", "ceil", "round", "trim",
];

// Every name JSONata binds before an expression runs (its functions, and strata's own bounded ones under the same
// names); an expression that binds one of them, or reads one as a value, is not claimed.
const RESERVED = new Set([...Object.keys(JSONATA_FUNCTIONS), "now", "millis"]);

/** Bounds of one compiled evaluation; past any of them the interpreter takes over (far below its own limits). */
const LIMITS = { steps: 20_000, depthBound: 150, listLength: 10_000, stringLength: 1024, built: 100_000, walk: 20_000 };

type Seq = unknown[] & { sequence?: boolean; keepSingleton?: boolean; outerWrapper?: boolean; cons?: boolean; tupleStream?: boolean };
interface Run { root: unknown; bindings: Record<string, unknown>; steps: number; built: number }
interface Env { vars: Record<string, unknown>; parent: Env | undefined; run: Run }
type Fn = (input: any, env: Env) => any;
interface Lambda { _jsonata_lambda: true; input: unknown; environment: Env; arguments: { value: string }[]; body: Fn }

class NotClaimed extends Error {}
const refuse = (why: string): never => {
  throw new NotClaimed(why);
};

function seq(): Seq {
  const s: Seq = [];
  s.sequence = true;
  return s;
}
function seq1(v: unknown): Seq {
  const s = seq();
  s.push(v);
  return s;
}
const isSequence = (v: any) => v.sequence === true && Array.isArray(v);
const isFunction = (v: any) => (v && (v._jsonata_function === true || v._jsonata_lambda === true)) || typeof v === "function";
const jerr = (code: string, extra: Record<string, unknown> = {}) => ({ code, stack: new Error().stack, ...extra });

function isNumeric(n: unknown): n is number {
  let isNum = false;
  if (typeof n === "number") {
    isNum = !isNaN(n);
    if (isNum && !isFinite(n)) throw jerr("D1001", { value: n });
  }
  return isNum;
}
const isArrayOfNumbers = (a: unknown) => Array.isArray(a) && a.filter((x) => !isNumeric(x)).length === 0;
const keys = (o: unknown) => (typeof o === "object" && o !== null ? Object.keys(o) : []);

function boolean(arg: any): boolean | undefined {
  if (typeof arg === "undefined") return undefined;
  let result = false;
  if (Array.isArray(arg)) {
    if (arg.length === 1) result = boolean(arg[0])!;
    else if (arg.length > 1) result = arg.filter((v) => boolean(v)).length > 0;
  } else if (typeof arg === "string") {
    if (arg.length > 0) result = true;
  } else if (isNumeric(arg)) {
    if (arg !== 0) result = true;
  } else if (arg !== null && typeof arg === "object" && !isFunction(arg)) {
    if (keys(arg).length > 0) result = true;
  } else if (typeof arg === "boolean" && arg === true) {
    result = true;
  }
  return result;
}
const boolize = (v: unknown) => boolean(v) ?? false;

function lookup(input: any, key: string): any {
  let result: any;
  if (Array.isArray(input)) {
    result = seq();
    for (let i = 0; i < input.length; i++) {
      const res = lookup(input[i], key);
      if (typeof res !== "undefined") {
        if (Array.isArray(res)) for (const v of res) result.push(v);
        else result.push(res);
      }
    }
  } else if (input !== null && typeof input === "object" && Object.prototype.hasOwnProperty.call(input, key) && !isFunction(input)) {
    result = input[key];
  }
  return result;
}

function append(arg1: any, arg2: any, maxSequence: number): any {
  if (typeof arg1 === "undefined") return arg2;
  if (typeof arg2 === "undefined") return arg1;
  if (!Array.isArray(arg1)) arg1 = seq1(arg1);
  if (!Array.isArray(arg2)) arg2 = [arg2];
  if (arg1.length + arg2.length > maxSequence) throw jerr("D2015", { value: arg1.length + arg2.length });
  return arg1.concat(arg2);
}

function flatten(arg: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(arg)) for (const x of arg) flatten(x, out);
  else out.push(arg);
  return out;
}

function isDeepEqual(lhs: any, rhs: any): boolean {
  if (lhs === rhs) return true;
  if (typeof lhs === "object" && typeof rhs === "object" && lhs !== null && rhs !== null) {
    if (Array.isArray(lhs) && Array.isArray(rhs)) {
      if (lhs.length !== rhs.length) return false;
      for (let i = 0; i < lhs.length; i++) if (!isDeepEqual(lhs[i], rhs[i])) return false;
      return true;
    }
    let lkeys = Object.getOwnPropertyNames(lhs);
    let rkeys = Object.getOwnPropertyNames(rhs);
    if (lkeys.length !== rkeys.length) return false;
    lkeys = lkeys.sort();
    rkeys = rkeys.sort();
    for (let i = 0; i < lkeys.length; i++) if (lkeys[i] !== rkeys[i]) return false;
    for (const k of lkeys) if (!isDeepEqual(lhs[k], rhs[k])) return false;
    return true;
  }
  return false;
}

/** Data about to be walked whole (`=`, `&`, `$string`): larger than the walk bound, the interpreter takes over. */
function checkWalk(...values: unknown[]): void {
  let budget = LIMITS.walk;
  const stack = values.filter((v) => v !== null && typeof v === "object");
  while (stack.length > 0) {
    const v = stack.pop() as Record<string, unknown>;
    if (isFunction(v)) continue;
    for (const k of Object.keys(v)) {
      if (--budget < 0) throw NEEDS_INTERPRETER;
      const c = v[k];
      if (c !== null && typeof c === "object") stack.push(c);
    }
  }
}

function addBuilt(run: Run, n: number): void {
  run.built += n;
  if (run.built > LIMITS.built) throw NEEDS_INTERPRETER;
}

function lookupVariable(env: Env, name: string): unknown {
  for (let e: Env | undefined = env; e; e = e.parent) if (name in e.vars) return e.vars[name];
  const b = env.run.bindings;
  if (Object.prototype.hasOwnProperty.call(b, name)) return b[name];
  return name === "$" ? env.run.root : undefined;
}

export interface CompileOptions {
  /** The built-in functions by name (BUILTINS), as the expression's own engine defines them. */
  functions: ReadonlyMap<string, FunctionDefinition>;
  /** JSONata's internal string conversion (what `&` applies to each side). */
  stringify: (v: unknown) => string;
  /** JSONata's `sequence` option (the longest sequence an evaluation may build). */
  maxSequence: number;
}

export type SyncEvaluate = (input: unknown, bindings: Record<string, unknown>) => unknown;

/**
 * The expression as a synchronous function, or undefined when it uses something the compiled path does not
 * claim. The function throws what JSONata would (objects with a `code`), or NEEDS_INTERPRETER.
 */
export function compileSync(ast: unknown, options: CompileOptions): SyncEvaluate | undefined {
  try {
    return new Compiler(options).compileRoot(ast);
  } catch (e) {
    if (e instanceof NotClaimed) return undefined;
    throw e;
  }
}

/** Why an expression is not claimed (for tests and for curious readers), or undefined when it is. */
export function unclaimedReason(ast: unknown, options: CompileOptions): string | undefined {
  try {
    new Compiler(options).compileRoot(ast);
    return undefined;
  } catch (e) {
    if (e instanceof NotClaimed) return e.message;
    throw e;
  }
}

const NODE_KEYS: Record<string, string[]> = {
  path: ["steps", "keepSingletonArray"],
  binary: ["lhs", "rhs"],
  unary: ["expression", "expressions", "lhs", "consarray"],
  name: ["stages"],
  string: ["stages"],
  number: [],
  value: [],
  wildcard: ["stages"],
  condition: ["condition", "then", "else"],
  block: ["expressions"],
  bind: ["lhs", "rhs"],
  variable: ["stages"],
  function: ["procedure", "arguments", "stages"],
  lambda: ["arguments", "body", "thunk"],
};
const COMMON_KEYS = new Set(["type", "value", "position", "predicate", "keepArray"]);

class Compiler {
  /** Names bound to a lambda literal, with the lambda-bound names its body calls. */
  private lambdas = new Map<string, { node: any; calls: Set<string> }>();
  private bound = new Set<string>();
  private called = new Set<string>();
  private nodes = 0;
  constructor(private readonly options: CompileOptions) {}

  compileRoot(ast: any): SyncEvaluate {
    this.survey(ast, true, undefined);
    this.checkNoRecursion();
    if (this.depthBound(ast) > LIMITS.depthBound) refuse("too deep to be sure of JSONata's stack limit");
    const root = this.compile(ast);
    return (input, bindings) => {
      const run: Run = { root: input, bindings, steps: 0, built: 0 };
      const env: Env = { vars: Object.create(null), parent: undefined, run };
      if (Array.isArray(input) && !isSequence(input)) {
        const wrapped = seq1(input);
        wrapped.outerWrapper = true;
        input = wrapped;
      }
      return root(input, env);
    };
  }

  /** Check every node is claimed; collect bindings and the lambdas bound by name. */
  private survey(node: any, bindAllowed: boolean, inLambda: string | undefined): void {
    if (node === null || typeof node !== "object" || Array.isArray(node)) refuse("not a syntax tree");
    if (++this.nodes > 400) refuse("too large");
    const allowed = NODE_KEYS[node.type];
    if (!allowed) refuse(`'${node.type}' is not claimed`);
    for (const k of Object.keys(node)) if (node[k] !== undefined && !COMMON_KEYS.has(k) && !allowed.includes(k)) refuse(`'${k}' on '${node.type}' is not claimed`);
    const filters = [...(node.predicate ?? []), ...(node.stages ?? [])];
    for (const f of filters) {
      if (f.type !== "filter") refuse("index binding is not claimed");
      this.survey(f.expr, false, inLambda);
    }
    const visit = (n: any, bind = false) => this.survey(n, bind, inLambda);
    switch (node.type) {
      case "path":
        if (!Array.isArray(node.steps) || node.steps.length === 0) refuse("empty path");
        node.steps.forEach((s: any) => visit(s));
        break;
      case "binary":
        if (!["+", "-", "*", "/", "%", "=", "!=", "<", "<=", ">", ">=", "&", "and", "or", "in"].includes(node.value)) refuse(`operator '${node.value}' is not claimed`);
        visit(node.lhs);
        visit(node.rhs);
        break;
      case "unary":
        if (node.value === "-") visit(node.expression);
        else if (node.value === "[") node.expressions.forEach((e: any) => visit(e));
        else if (node.value === "{") for (const [k, v] of node.lhs) (visit(k), visit(v));
        else refuse(`unary '${node.value}' is not claimed`);
        break;
      case "condition":
        visit(node.condition);
        visit(node.then);
        if (node.else !== undefined) visit(node.else);
        break;
      case "block":
        node.expressions.forEach((e: any) => visit(e, true));
        break;
      case "bind": {
        // Binds run in order only where JSONata evaluates in order: a block's expressions, a lambda's body, the
        // root (an array or object constructor evaluates its items concurrently).
        if (!bindAllowed) refuse("a binding outside a block is not claimed");
        if (node.lhs?.type !== "variable") refuse("bad binding");
        const name: string = node.lhs.value;
        if (RESERVED.has(name) || name === "" || name === "$") refuse(`binding $${name} is not claimed`);
        if (node.rhs?.type === "lambda") {
          if (this.lambdas.has(name) || this.bound.has(name)) refuse(`$${name} bound twice`);
          this.lambdas.set(name, { node: node.rhs, calls: new Set() });
          this.survey(node.rhs, false, name);
        } else {
          if (this.lambdas.has(name)) refuse(`$${name} bound twice`);
          this.bound.add(name);
          this.survey(node.rhs, true, inLambda);
        }
        break;
      }
      case "variable":
        if (RESERVED.has(node.value)) refuse(`$${node.value} as a value is not claimed`);
        break;
      case "function": {
        if (node.procedure?.type !== "variable") refuse("calling anything but a named function is not claimed");
        const name: string = node.procedure.value;
        if (BUILTINS.includes(name)) {
          if (!this.options.functions.has(name)) refuse(`$${name} is not available`);
          if (name === "string" && node.arguments.length === 0) refuse("$string() of the context is not claimed");
        } else if (RESERVED.has(name)) refuse(`$${name}() is not claimed`);
        else {
          this.called.add(name);
          if (inLambda !== undefined) this.lambdas.get(inLambda)!.calls.add(name);
        }
        node.arguments.forEach((a: any) => visit(a));
        break;
      }
      case "lambda":
        if (node.thunk) {
          // JSONata's tail call: a lambda of no arguments whose body is the call, applied at once.
          if (node.arguments.length !== 0 || node.body?.type !== "function") refuse("unexpected thunk");
          visit(node.body);
          break;
        }
        for (const a of node.arguments) {
          if (a.type !== "variable" || RESERVED.has(a.value)) refuse("parameter not claimed");
          this.bound.add(a.value);
        }
        this.survey(node.body, true, inLambda);
        break;
    }
  }

  /** Calls only of lambdas bound by name, and never a cycle: every evaluation ends in bounded steps. */
  private checkNoRecursion(): void {
    for (const name of this.lambdas.keys()) if (this.bound.has(name)) refuse(`$${name} is bound to a lambda and to other values`);
    for (const name of this.called) if (!this.lambdas.has(name)) refuse(`$${name}() calls what may not be a lambda bound by name`);
    const state = new Map<string, number>();
    const visit = (name: string) => {
      const s = state.get(name);
      if (s === 1) refuse("recursion is not claimed");
      if (s === 2) return;
      state.set(name, 1);
      for (const c of this.lambdas.get(name)!.calls) if (this.lambdas.has(c)) visit(c);
      state.set(name, 2);
    };
    for (const name of this.lambdas.keys()) visit(name);
  }

  /** An upper bound of JSONata's `depth` counter (constructors evaluate their items concurrently: they add up). */
  private depthBound(node: any): number {
    if (node === null || typeof node !== "object") return 0;
    let inner = 0;
    const max = (...ns: any[]) => {
      for (const n of ns) inner = Math.max(inner, this.depthBound(n));
    };
    for (const f of [...(node.predicate ?? []), ...(node.stages ?? [])]) max(f.expr);
    switch (node.type) {
      case "path":
        max(...node.steps);
        break;
      case "binary":
      case "bind":
        max(node.lhs, node.rhs);
        break;
      case "unary":
        if (node.value === "-") max(node.expression);
        else if (node.value === "[") inner = Math.max(inner, node.expressions.reduce((s: number, e: any) => s + this.depthBound(e), 0));
        else {
          max(...node.lhs.map((p: any) => p[0]));
          inner = Math.max(inner, node.lhs.reduce((s: number, p: any) => s + this.depthBound(p[1]), 0));
        }
        break;
      case "condition":
        max(node.condition, node.then, node.else);
        break;
      case "block":
        max(...node.expressions);
        break;
      case "lambda":
        max(node.body);
        break;
      case "function": {
        max(...node.arguments);
        const lambda = this.lambdas.get(node.procedure.value);
        if (lambda) inner = Math.max(inner, 2 + this.depthBound(lambda.node.body));
        break;
      }
    }
    return 1 + inner;
  }

  /** A node with what JSONata's `evaluate` does around every node: predicates, then singleton unwrapping. */
  private compile(node: any): Fn {
    const core = this.core(node);
    const predicates = (node.predicate ?? []).map((p: any) => this.filter(p.expr));
    const keepArray = node.keepArray === true;
    return (input, env) => {
      if (++env.run.steps > LIMITS.steps) throw NEEDS_INTERPRETER;
      let result = core(input, env);
      for (const p of predicates) result = p(result, env);
      if (typeof result === "string") {
        if (result.length > LIMITS.stringLength) throw NEEDS_INTERPRETER;
      } else if (result && Array.isArray(result)) {
        if (result.length > LIMITS.listLength) throw NEEDS_INTERPRETER;
        const r = result as Seq;
        if (r.sequence === true && !r.tupleStream) {
          if (keepArray) r.keepSingleton = true;
          if (r.length === 0) result = undefined;
          else if (r.length === 1) result = r.keepSingleton ? r : r[0];
        }
      }
      return result;
    };
  }

  /** JSONata's evaluateFilter: an index (number, or numbers computed per item), or a predicate per item. */
  private filter(predicate: any): (input: any, env: Env) => Seq {
    if (predicate.type === "number") {
      const at = Math.floor(predicate.value);
      return (input) => {
        let results = seq();
        if (!Array.isArray(input)) input = seq1(input);
        const index = at < 0 ? input.length + at : at;
        const item = input[index];
        if (typeof item !== "undefined") {
          if (Array.isArray(item)) results = item;
          else results.push(item);
        }
        return results;
      };
    }
    const test = this.compile(predicate);
    return (input, env) => {
      const results = seq();
      if (!Array.isArray(input)) input = seq1(input);
      for (let index = 0; index < input.length; index++) {
        const item = input[index];
        let res = test(item, env);
        if (isNumeric(res)) res = [res];
        if (isArrayOfNumbers(res)) {
          for (const ires of res) {
            let ii = Math.floor(ires);
            if (ii < 0) ii = input.length + ii;
            if (ii === index) results.push(item);
          }
        } else if (boolean(res)) results.push(item);
      }
      return results;
    };
  }

  private core(node: any): Fn {
    switch (node.type) {
      case "path":
        return this.path(node);
      case "binary":
        return this.binary(node);
      case "unary":
        return this.unary(node);
      case "name": {
        const name = node.value;
        return (input) => lookup(input, name);
      }
      case "string":
      case "number":
      case "value": {
        const value = node.value;
        return () => value;
      }
      case "wildcard":
        return (input) => {
          let results: any = seq();
          if (Array.isArray(input) && (input as Seq).outerWrapper && input.length > 0) input = input[0];
          if (input !== null && typeof input === "object" && !isFunction(input)) {
            for (const key of keys(input)) {
              const value = input[key];
              if (Array.isArray(value)) results = append(results, flatten(value), this.options.maxSequence);
              else results.push(value);
            }
          }
          return results;
        };
      case "condition": {
        const condition = this.compile(node.condition);
        const then = this.compile(node.then);
        const otherwise = node.else !== undefined ? this.compile(node.else) : undefined;
        return (input, env) => {
          if (boolean(condition(input, env))) return then(input, env);
          return otherwise ? otherwise(input, env) : undefined;
        };
      }
      case "block": {
        const expressions: Fn[] = node.expressions.map((e: any) => this.compile(e));
        return (input, env) => {
          const frame: Env = { vars: Object.create(null), parent: env, run: env.run };
          let result: unknown;
          for (const e of expressions) result = e(input, frame);
          return result;
        };
      }
      case "bind": {
        const name: string = node.lhs.value;
        const rhs = this.compile(node.rhs);
        return (input, env) => {
          const value = rhs(input, env);
          env.vars[name] = value;
          return value;
        };
      }
      case "variable": {
        const name: string = node.value;
        if (name === "") return (input) => (input && input.outerWrapper ? input[0] : input);
        return (_input, env) => lookupVariable(env, name);
      }
      case "lambda": {
        if (node.thunk) return this.compile(node.body);
        const body = this.compile(node.body);
        const params = node.arguments;
        return (input, env): Lambda => ({ _jsonata_lambda: true, input, environment: env, arguments: params, body });
      }
      case "function":
        return this.call(node);
    }
    return refuse(`'${node.type}' is not claimed`);
  }

  private path(node: any): Fn {
    const steps = node.steps.map((s: any, i: number) => ({
      fn: this.compile(s),
      stages: (s.stages ?? []).map((st: any) => this.filter(st.expr)) as ((input: any, env: Env) => Seq)[],
      cons: i === 0 && s.consarray === true,
    }));
    const absolute = node.steps[0].type === "variable";
    const keepSingletonArray = node.keepSingletonArray === true;
    const last = steps.length - 1;
    return (input, env) => {
      let inputSequence: any = Array.isArray(input) && !absolute ? input : seq1(input);
      let resultSequence: any;
      for (let ii = 0; ii < steps.length; ii++) {
        const step = steps[ii];
        if (step.cons) resultSequence = step.fn(inputSequence, env);
        else resultSequence = this.step(step.fn, step.stages, inputSequence, env, ii === last);
        if (typeof resultSequence === "undefined" || resultSequence.length === 0) break;
        inputSequence = resultSequence;
      }
      if (keepSingletonArray) {
        if (Array.isArray(resultSequence) && (resultSequence as Seq).cons && !(resultSequence as Seq).sequence) resultSequence = seq1(resultSequence);
        if (!Array.isArray(resultSequence)) throw NEEDS_INTERPRETER; // JSONata fails (or flags an object): leave it that
        // JSONata flags a list from the input itself; the flag on a list that is not a sequence changes nothing, but
        // the input is not ours to write to: a copy carries it.
        if (!(resultSequence as Seq).sequence) resultSequence = resultSequence.slice();
        (resultSequence as Seq).keepSingleton = true;
      }
      return resultSequence;
    };
  }

  /** JSONata's evaluateStep: the step for each item of the input, results flattened into one sequence. */
  private step(fn: Fn, stages: ((input: any, env: Env) => Seq)[], input: any[], env: Env, lastStep: boolean): Seq {
    const result = seq();
    for (let ii = 0; ii < input.length; ii++) {
      let res = fn(input[ii], env);
      for (const stage of stages) res = stage(res, env);
      if (typeof res !== "undefined") result.push(res);
    }
    if (lastStep && result.length === 1 && Array.isArray(result[0]) && !isSequence(result[0])) return result[0] as Seq;
    const out = seq();
    for (const res of result) {
      if (!Array.isArray(res) || (res as Seq).cons) out.push(res);
      else for (const v of res) out.push(v);
    }
    return out;
  }

  private binary(node: any): Fn {
    const lhs = this.compile(node.lhs);
    const rhs = this.compile(node.rhs);
    const op: string = node.value;
    const at = (err: any) => {
      if (err && typeof err === "object" && err !== NEEDS_INTERPRETER) {
        err.position = node.position;
        err.token = op;
      }
      return err;
    };
    const stringify = this.options.stringify;
    switch (op) {
      // As JSONata, an error while judging the sides (a number JSON cannot hold, D1001) or while evaluating the right
      // side of `and`/`or` is given this operator's position and token.
      case "and":
      case "or":
        return (input, env) => {
          const l = lhs(input, env);
          try {
            return op === "and" ? boolize(l) && boolize(rhs(input, env)) : boolize(l) || boolize(rhs(input, env));
          } catch (e) {
            throw at(e);
          }
        };
      case "+":
      case "-":
      case "*":
      case "/":
      case "%":
        return (input, env) => {
          const l = lhs(input, env);
          const r = rhs(input, env);
          try {
            if (typeof l !== "undefined" && !isNumeric(l)) throw jerr("T2001", { value: l });
            if (typeof r !== "undefined" && !isNumeric(r)) throw jerr("T2002", { value: r });
          } catch (e) {
            throw at(e);
          }
          if (typeof l === "undefined" || typeof r === "undefined") return undefined;
          return op === "+" ? l + r : op === "-" ? l - r : op === "*" ? l * r : op === "/" ? l / r : l % r;
        };
      case "=":
      case "!=":
        return (input, env) => {
          const l = lhs(input, env);
          const r = rhs(input, env);
          if (typeof l === "undefined" || typeof r === "undefined") return false;
          checkWalk(l, r);
          return op === "=" ? isDeepEqual(l, r) : !isDeepEqual(l, r);
        };
      case "<":
      case "<=":
      case ">":
      case ">=":
        return (input, env) => {
          const l = lhs(input, env);
          const r = rhs(input, env);
          const lt = typeof l;
          const rt = typeof r;
          const lc = lt === "undefined" || lt === "string" || lt === "number";
          const rc = rt === "undefined" || rt === "string" || rt === "number";
          if (!lc || !rc) throw at(jerr("T2010", { value: !(lt === "string" || lt === "number") ? l : r }));
          if (lt === "undefined" || rt === "undefined") return undefined;
          if (lt !== rt) throw at(jerr("T2009", { value: l, value2: r }));
          return op === "<" ? l < r : op === "<=" ? l <= r : op === ">" ? l > r : l >= r;
        };
      case "&":
        return (input, env) => {
          const l = lhs(input, env);
          const r = rhs(input, env);
          checkWalk(l, r);
          try {
            return (typeof l !== "undefined" ? stringify(l) : "").concat(typeof r !== "undefined" ? stringify(r) : "");
          } catch (e) {
            throw at(e);
          }
        };
      case "in":
        return (input, env) => {
          const l = lhs(input, env);
          let r = rhs(input, env);
          if (typeof l === "undefined" || typeof r === "undefined") return false;
          if (!Array.isArray(r)) r = [r];
          for (let i = 0; i < r.length; i++) if (r[i] === l) return true;
          return false;
        };
    }
    return refuse(`operator '${op}' is not claimed`);
  }

  private unary(node: any): Fn {
    const maxSequence = this.options.maxSequence;
    if (node.value === "-") {
      const expression = this.compile(node.expression);
      return (input, env) => {
        const result = expression(input, env);
        if (typeof result === "undefined") return undefined;
        if (isNumeric(result)) return -result;
        throw jerr("D1002", { position: node.position, token: node.value, value: result });
      };
    }
    if (node.value === "[") {
      const items: { fn: Fn; nested: boolean }[] = node.expressions.map((e: any) => ({ fn: this.compile(e), nested: e.value === "[" }));
      const cons = node.consarray === true;
      return (input, env) => {
        let result: any = [];
        for (const item of items) {
          const value = item.fn(input, env);
          if (typeof value !== "undefined") {
            if (item.nested) result.push(value);
            else result = append(result, value, maxSequence);
          }
        }
        addBuilt(env.run, result.length + 1);
        if (cons) Object.defineProperty(result, "cons", { enumerable: false, configurable: false, value: true });
        return result;
      };
    }
    // The object constructor: JSONata's evaluateGroupExpression over the input (no tuple stream here).
    const pairs: [Fn, Fn][] = node.lhs.map((p: any) => [this.compile(p[0]), this.compile(p[1])]);
    return (input, env) => {
      const result = Object.create(null);
      const groups: Record<string, { data: unknown; exprIndex: number }> = Object.create(null);
      if (!Array.isArray(input)) input = seq1(input);
      if (input.length === 0) {
        // JSONata pushes into the (possibly input's) list here: leave that to it.
        if (!(input as Seq).sequence) throw NEEDS_INTERPRETER;
        input.push(undefined);
      }
      for (let itemIndex = 0; itemIndex < input.length; itemIndex++) {
        const item = input[itemIndex];
        for (let pairIndex = 0; pairIndex < pairs.length; pairIndex++) {
          const key = pairs[pairIndex][0](item, env);
          if (typeof key !== "string" && key !== undefined) throw jerr("T1003", { position: node.position, value: key });
          if (key !== undefined) {
            if (key === "_jsonata_lambda" || key === "_jsonata_function") throw jerr("D1013", { position: node.position, value: key });
            if (Object.prototype.hasOwnProperty.call(groups, key)) {
              if (groups[key].exprIndex !== pairIndex) throw jerr("D1009", { position: node.position, value: key });
              groups[key].data = append(groups[key].data, item, maxSequence);
            } else groups[key] = { data: item, exprIndex: pairIndex };
          }
        }
      }
      const names = keys(groups);
      addBuilt(env.run, names.length + 1);
      for (const key of names) {
        const entry = groups[key];
        const value = pairs[entry.exprIndex][1](entry.data, env);
        if (typeof value !== "undefined") result[key] = value;
      }
      return result;
    };
  }

  private call(node: any): Fn {
    const name: string = node.procedure.value;
    const args: Fn[] = node.arguments.map((a: any) => this.compile(a));
    const evaluateArgs = (input: any, env: Env) => {
      const out: unknown[] = [];
      for (const a of args) {
        const arg = a(input, env);
        // JSONata hands a function argument on wrapped in a closure.
        if (isFunction(arg)) {
          const closure = (...params: unknown[]) => applyLambda(arg, params);
          (closure as any).arity = arityOf(arg);
          out.push(closure);
        } else out.push(arg);
      }
      return out;
    };
    const definition = this.options.functions.get(name);
    if (BUILTINS.includes(name) && definition) {
      const options = { sequence: this.options.maxSequence };
      return (input, env) => {
        const evaluated = evaluateArgs(input, env);
        if (name === "string" || name === "merge") checkWalk(...evaluated);
        const focus = { environment: undefined, input, options, createSequence: (...a: unknown[]) => (a.length === 1 ? seq1(a[0]) : seq()) };
        try {
          const validated = definition.signature ? definition.signature.validate(evaluated, input) : evaluated;
          return definition.implementation.apply(focus, validated);
        } catch (err: any) {
          if (err && typeof err === "object" && err !== NEEDS_INTERPRETER) {
            if (!err.position) err.position = node.position;
            if (!err.token) err.token = name;
          }
          throw err;
        }
      };
    }
    return (input, env) => {
      const proc = lookupVariable(env, name) as Lambda | undefined;
      const evaluated = evaluateArgs(input, env);
      if (!proc || proc._jsonata_lambda !== true) throw jerr("T1006", { position: node.position, token: name });
      return applyLambda(proc, evaluated);
    };
  }
}

/** JSONata's applyProcedure: the body in a frame of the lambda's own environment, with the arguments bound. */
function applyLambda(proc: Lambda, args: unknown[]): unknown {
  if (typeof proc === "function") return (proc as (...a: unknown[]) => unknown)(...args);
  const frame: Env = { vars: Object.create(null), parent: proc.environment, run: proc.environment.run };
  proc.arguments.forEach((param, i) => (frame.vars[param.value] = args[i]));
  return proc.body(proc.input, frame);
}

/** JSONata's getFunctionArity: of a lambda its parameters, of a built-in or a JavaScript function its own. */
function arityOf(f: any): number {
  if (typeof f.arity === "number") return f.arity;
  if (typeof f.implementation === "function") return f.implementation.length;
  return typeof f.length === "number" ? f.length : f.arguments.length;
}
