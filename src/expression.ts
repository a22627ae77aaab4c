// JSONata expressions in layer data: compiled once at load, evaluated per compose.
// Plain field references (`model_name`, `$config.optimization.strategy`) skip the engine entirely.
import jsonata from "jsonata";
import { FORBIDDEN_KEYS, cloneData, getOwnPath, isPlainObject } from "./util.js";

/** Bounds on one evaluation; JSONata checks them itself (a timer around `evaluate` could never fire). */
export const EXPRESSION_LIMITS = { timeoutMs: 1000, maxDepth: 200, maxSequence: 100_000 };

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
  let expr: jsonata.Expression;
  try {
    expr = jsonata(source, { timeout: EXPRESSION_LIMITS.timeoutMs, stack: EXPRESSION_LIMITS.maxDepth, sequence: EXPRESSION_LIMITS.maxSequence });
  } catch (e) {
    const err = e as { message?: string; position?: number; token?: string };
    throw new ExpressionSyntaxError(err.message ?? String(e), Math.max(0, (err.position ?? 1) - 1));
  }
  const forbidden = forbiddenNames(expr.ast());
  if (forbidden) throw new ExpressionSyntaxError(`'${forbidden}' reads a prototype key, which is not allowed`, 0);

  const slow = async (scope: Scope) => cloneData(await expr.evaluate(scope.context, { config: scope.config }));
  if (!field) return { source, evaluate: slow };
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

/** A name step or variable that would reach an object's prototype. */
function forbiddenNames(node: unknown): string | undefined {
  if (Array.isArray(node)) {
    for (const n of node) {
      const f = forbiddenNames(n);
      if (f) return f;
    }
    return undefined;
  }
  if (node === null || typeof node !== "object") return undefined;
  const n = node as Record<string, unknown>;
  if (n.type === "name" && typeof n.value === "string" && FORBIDDEN_KEYS.has(n.value)) return n.value;
  for (const k of Object.keys(n)) {
    const v = n[k];
    if (v && typeof v === "object") {
      const f = forbiddenNames(v);
      if (f) return f;
    }
  }
  return undefined;
}

/** Turn a JSONata runtime error into a sentence. */
export function describeEvaluationError(e: unknown): { code: string; message: string } {
  const err = e as { code?: string; message?: string; value?: unknown };
  if (err?.code === "D1012") return { code: "expression-timeout", message: `expression ran longer than ${EXPRESSION_LIMITS.timeoutMs} ms and was stopped` };
  if (err?.code === "D1011") return { code: "expression-too-deep", message: `expression recursed deeper than ${EXPRESSION_LIMITS.maxDepth} calls and was stopped` };
  if (err?.code === "D2015") return { code: "expression-too-large", message: `expression built a sequence longer than ${EXPRESSION_LIMITS.maxSequence} items and was stopped` };
  if (e instanceof RangeError) return { code: "expression-too-deep", message: `expression exhausted the stack: ${e.message}` };
  return { code: "expression-failed", message: `${err?.code ? err.code + ": " : ""}${err?.message ?? String(e)}` };
}
