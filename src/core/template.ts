// A layer's `data` compiled once: static parts kept as frozen data, `{ $expr }` nodes as compiled JSONata.
import { compileExpression, ExpressionLimitError, ExpressionSyntaxError, INTERPRET, type CompiledExpression, type Scope } from "../lang/expression.js";
import { deepFreeze, describeValue, hasOwn, isPlainObject, setOwn } from "../util/data.js";
import { closestName } from "../util/names.js";
import { escapeToken } from "../util/pointer.js";

export type Template =
  | { kind: "static"; value: unknown }
  | { kind: "expr"; expr: CompiledExpression; pointer: string; replace: boolean }
  | { kind: "object"; entries: [string, Template][] }
  | { kind: "array"; items: Template[] };

export interface TemplateProblem {
  pointer: string;
  message: string;
  code: "expression-syntax" | "bad-expression" | "bad-directive";
  /** Offset of the problem inside the expression source, when known. */
  offset?: number;
}

/** `{ $expr: "..." }`, optionally with `$patch: replace` beside it. */
export function isExprNode(v: unknown): v is { $expr: unknown; $patch?: unknown } {
  return isPlainObject(v) && hasOwn(v, "$expr");
}

export function compileTemplate(data: unknown, pointer = "", problems: TemplateProblem[] = []): Template {
  if (isExprNode(data)) {
    const extra = Object.keys(data).filter((k) => k !== "$expr" && k !== "$patch");
    if (typeof data.$expr !== "string") {
      problems.push({ pointer, code: "bad-expression", message: "$expr must be a string holding a JSONata expression" });
    } else if (extra.length > 0 || (data.$patch !== undefined && data.$patch !== "replace")) {
      problems.push({ pointer, code: "bad-expression", message: "beside $expr only `$patch: replace` is allowed" });
    } else {
      try {
        return { kind: "expr", expr: compileExpression(data.$expr), pointer, replace: data.$patch === "replace" };
      } catch (e) {
        const err = e as ExpressionSyntaxError;
        problems.push({ pointer, code: "expression-syntax", message: `JSONata syntax error: ${err.message}`, offset: err.offset });
      }
    }
    return { kind: "static", value: undefined };
  }
  if (Array.isArray(data)) {
    const items = data.map((item, i) => compileTemplate(item, `${pointer}/${i}`, problems));
    return items.every((t) => t.kind === "static") ? { kind: "static", value: deepFreeze(data) } : { kind: "array", items };
  }
  if (isPlainObject(data)) {
    const directive = directiveProblem(data);
    if (directive) problems.push({ pointer, code: "bad-directive", message: directive });
    const entries = Object.keys(data).map((k): [string, Template] => [k, compileTemplate(data[k], `${pointer}/${escapeToken(k)}`, problems)]);
    return entries.every(([, t]) => t.kind === "static") ? { kind: "static", value: deepFreeze(data) } : { kind: "object", entries };
  }
  return { kind: "static", value: data };
}

/** An expression failed while rendering; `pointer` is where it sits inside the layer's `data`. */
export class RenderError extends Error {
  constructor(readonly pointer: string, readonly cause: unknown) {
    super((cause as Error)?.message ?? String(cause));
  }
}

/** The same rules merge.ts enforces, checked at load so a mistake in a rarely applied layer is found early. */
const DIRECTIVES = ["$expr", "$patch", "$append", "$prepend"];

function directiveProblem(o: Record<string, unknown>): string | undefined {
  const keys = Object.keys(o);
  // A misspelt directive (`$exp`, `$apend`) would otherwise become a config key and fail far from here.
  const unknown = keys.find((k) => k.startsWith("$") && !DIRECTIVES.includes(k));
  if (unknown) {
    const near = closestName(unknown, DIRECTIVES);
    return `unknown directive '${unknown}'${near ? ` (did you mean ${near}?)` : ""}; keys starting with $ are directives: ${DIRECTIVES.join(", ")}`;
  }
  if (hasOwn(o, "$patch")) {
    if (!["delete", "replace", "merge"].includes(o.$patch as string)) return `unknown $patch directive ${describeValue(o.$patch)} (use delete, replace or merge)`;
    if (o.$patch === "delete" && keys.length > 1) return "`$patch: delete` must stand alone";
  }
  for (const op of ["$append", "$prepend"]) {
    if (!hasOwn(o, op)) continue;
    if (keys.length > 1) return `\`${op}\` must stand alone`;
    if (!Array.isArray(o[op]) && !isExprNode(o[op])) return `\`${op}\` takes a list`;
  }
  return undefined;
}

/**
 * Produce the layer's patch for one scope. Static parts are shared (frozen); merging copies what it keeps.
 * `interpretOnly` runs every expression on JSONata's interpreter (the reference path the compiled one is tested against).
 */
export async function renderTemplate(t: Template, scope: Scope, interpretOnly = false): Promise<unknown> {
  switch (t.kind) {
    case "static":
      return t.value;
    case "expr": {
      let value: unknown;
      try {
        value = await (interpretOnly ? t.expr.interpret(scope) : t.expr.evaluate(scope));
      } catch (e) {
        throw new RenderError(t.pointer, e);
      }
      return exprValue(t, value);
    }
    case "array": {
      const out: unknown[] = [];
      for (const item of t.items) {
        const v = await renderTemplate(item, scope, interpretOnly);
        if (v !== undefined) out.push(v);
      }
      return out;
    }
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, item] of t.entries) setEntry(out, k, item, await renderTemplate(item, scope, interpretOnly));
      return out;
    }
  }
}

/**
 * The same patch synchronously, from the compiled expressions; INTERPRET as soon as one needs the interpreter
 * (then `renderTemplate` gives the patch or the error: a compiled expression never fails on its own).
 */
export function renderTemplateSync(t: Template, scope: Scope): unknown {
  switch (t.kind) {
    case "static":
      return t.value;
    case "expr": {
      const value = t.expr.evaluateSync(scope);
      return value === INTERPRET ? INTERPRET : exprValue(t, value);
    }
    case "array": {
      const out: unknown[] = [];
      for (const item of t.items) {
        const v = renderTemplateSync(item, scope);
        if (v === INTERPRET) return INTERPRET;
        if (v !== undefined) out.push(v);
      }
      return out;
    }
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, item] of t.entries) {
        const v = renderTemplateSync(item, scope);
        if (v === INTERPRET) return INTERPRET;
        setEntry(out, k, item, v);
      }
      return out;
    }
  }
}

/** True when every expression of the template can be evaluated synchronously (compiled or a field reference). */
export function isCompiledTemplate(t: Template): boolean {
  if (t.kind === "expr") return t.expr.compiled;
  if (t.kind === "array") return t.items.every(isCompiledTemplate);
  if (t.kind === "object") return t.entries.every(([, i]) => isCompiledTemplate(i));
  return true;
}

function exprValue(t: Template & { kind: "expr" }, value: unknown): unknown {
  // `$patch: replace` beside `$expr`: the value replaces what is there instead of merging into it.
  if (t.replace && isPlainObject(value)) return { ...value, $patch: "replace" };
  return value;
}

function setEntry(out: Record<string, unknown>, k: string, item: Template, v: unknown): void {
  // `$append: !expr …` must give a list: nothing there would silently turn the list into {}.
  if (v === undefined && (k === "$append" || k === "$prepend") && item.kind === "expr") {
    throw new RenderError(item.pointer, new ExpressionLimitError("expression-not-data", `expression produced nothing (undefined) for ${k}, which takes a list`));
  }
  // An expression that yields nothing (JSONata's undefined) leaves the key out.
  if (v !== undefined) setOwn(out, k, v);
}

/** Every expression in a template, with its pointer inside `data` (for lint and explain). */
export function templateExpressions(t: Template, out: { pointer: string; source: string; ast: () => unknown }[] = []) {
  if (t.kind === "expr") out.push({ pointer: t.pointer, source: t.expr.source, ast: t.expr.ast });
  else if (t.kind === "array") t.items.forEach((i) => templateExpressions(i, out));
  else if (t.kind === "object") t.entries.forEach(([, i]) => templateExpressions(i, out));
  return out;
}
