// Problems are data: a stable code to branch on, where it happened, and a message for people.
// Formatting an issue for the CLI, HTTP or the page is separate (see formatIssue). The codes: codes.ts.
import type { Code, Severity } from "./codes.js";

export type { Code, Severity };

/** Where a value or a problem came from in a file. Lines and columns are 1-based. */
export interface Position {
  file: string;
  line?: number;
  column?: number;
}

export interface Issue {
  /** Stable kebab-case code, e.g. `layer-schema`, `unknown-operator`, `config-invalid` (codes.ts), or a check rule's name. */
  code: string;
  severity: Severity;
  message: string;
  /** File relative to the layer directory (or as given on the command line). */
  file?: string;
  line?: number;
  column?: number;
  /** JSON Pointer into the config, the context, the request body or the layer file. */
  pointer?: string;
  /** Name of the layer (or check rule) involved. */
  layer?: string;
  /** For config validation issues: who set the offending value (layer file:line or the user override). */
  origin?: Origin;
  /**
   * For a problem a JSON Schema found: the keyword that failed (`required`, `additionalProperties`, `type`,
   * `enum`, …), to branch on instead of the message. With `required` the pointer names the missing field
   * and `origin` the write that made the value around it.
   */
  keyword?: string;
}

/** Who wrote a value into the config. */
export interface Origin {
  /** Applied-layer entry as reported in `applied_layers`: `base-model`, `profile:production:production-params`, `user_patch`. */
  source: string;
  /** Layer name, when a layer wrote it. */
  layer?: string;
  stage: string;
  file?: string;
  line?: number;
  column?: number;
}

/** An issue strata made itself: its code is a registered one. */
export type CodedIssue = Issue & { code: Code };

export function issue(code: Code, message: string, extra: Partial<Omit<Issue, "code">> = {}): CodedIssue {
  return { code, severity: "error", message, ...extra };
}

export function warning(code: Code, message: string, extra: Partial<Omit<Issue, "code">> = {}): CodedIssue {
  return { code, severity: "warning", message, ...extra };
}

export const hasErrors = (issues: readonly Issue[]): boolean => issues.some((i) => i.severity === "error");

/** Sort by file, then line, then column; issues without a file come last, in their original order. */
export function sortIssues(issues: readonly Issue[]): Issue[] {
  return issues
    .map((value, index) => ({ value, index }))
    .sort((a, b) => {
      const fa = a.value.file, fb = b.value.file;
      if (fa !== fb) {
        if (fa === undefined) return 1;
        if (fb === undefined) return -1;
        return fa < fb ? -1 : 1;
      }
      return (a.value.line ?? 0) - (b.value.line ?? 0) || (a.value.column ?? 0) - (b.value.column ?? 0) || a.index - b.index;
    })
    .map((x) => x.value);
}

export function formatOrigin(origin: Origin): string {
  if (!origin.file) return origin.source;
  return `${origin.source} (${formatLocation(origin)})`;
}

export function formatLocation(p: { file?: string; line?: number; column?: number }): string {
  if (!p.file) return "";
  let s = p.file;
  if (p.line !== undefined) s += `:${p.line}`;
  if (p.line !== undefined && p.column !== undefined) s += `:${p.column}`;
  return s;
}

/** One line: `file:line:col: severity code: message`, like a compiler. */
export function formatIssue(i: Issue): string {
  const where = formatLocation(i);
  const at = i.pointer && !i.file ? ` (at ${i.pointer})` : "";
  const role = i.keyword === "required" ? "in the value set by" : "set by";
  const set = i.origin ? ` [${role} ${formatOrigin(i.origin)}]` : "";
  return `${where ? where + ": " : ""}${i.severity} ${i.code}: ${i.message}${at}${set}`;
}

/** A user-facing failure that carries issues; anything else thrown is a bug. */
export class StrataError extends Error {
  constructor(readonly issues: Issue[]) {
    super(issues.map(formatIssue).join("\n"));
    this.name = "StrataError";
  }
}
