// What conditions, expressions and check rules read, checked against the schemas when the layer set loads: a context
// field or a `$config` path that does not exist, a name one letter from a known one in an open map
// (`$config.parameters."tp_size"`), a literal a field can never equal (`base_runtime == "vLLM"`). Each is an error
// at its line, so `lint`, `compose` and the service all refuse it, with "did you mean".
import { comparedLiterals, varRefs, type Logic } from "../lang/condition.js";
import { expressionRefs } from "../lang/expression-reads.js";
import { KNOWN_VALUES, leafSchemas, nearMissAt, objectBranches, propertyIn, unknownAt, type Schema } from "../lang/json-schema.js";
import { issue, type CodedIssue } from "./issues.js";
import type { LineCol } from "./source.js";
import { closeNames, closestName, nearMiss } from "../util/names.js";

export type Position = { file: string; line?: number; column?: number };

/** Answers "is this a field of the context (or of the config)?" from the JSON Schemas, following $ref and anyOf. */
export class ReferenceChecker {
  constructor(private readonly context: Schema, private readonly config: Schema) {}

  /** Every `var` in a condition, and every literal compared with a field that has a vocabulary. */
  checkLogic(rule: Logic, pointer: string, at: (pointer: string) => Position, who: string, layer: string): CodedIssue[] {
    const out: CodedIssue[] = [];
    for (const ref of varRefs(rule, pointer)) {
      const problem = this.reference(ref.path.split("."), who, ref.path);
      if (problem) out.push({ ...problem, ...at(ref.pointer), layer, pointer: ref.pointer });
    }
    for (const { field, value } of comparedLiterals(rule)) {
      const problem = this.literal(field, value, who);
      if (problem) out.push({ ...problem, ...at(pointer), layer, pointer });
    }
    return out;
  }

  /** Every top-level field name (and `$config` path) a JSONata expression reads. */
  checkExpression(source: string, ast: unknown, at: (offset: number, name: string) => Position, who: string, layer: string, pointer: string): CodedIssue[] {
    let refs: ReturnType<typeof expressionRefs>;
    try {
      refs = expressionRefs(ast, source);
    } catch {
      return []; // an expression nested too deep to walk
    }
    const out: CodedIssue[] = [];
    for (const ref of refs) {
      const problem = this.reference(ref.path, who, ref.path.join("."));
      if (problem) out.push({ ...problem, ...at(ref.offset, ref.path[ref.path[0] === "$config" ? 1 : 0]), layer, pointer });
    }
    return out;
  }

  /** A check rule's `path`: a config path that must exist. */
  checkPath(path: string, who: string): CodedIssue | undefined {
    const problem = this.configField(path.split("."));
    return problem ? issue("unknown-config-field", `${who} is about '${path}', but the config has no field ${problem}`) : undefined;
  }

  private reference(path: string[], who: string, written: string): CodedIssue | undefined {
    if (path[0] === "$config") {
      if (path.length === 1) return undefined;
      const problem = this.configField(path.slice(1));
      return problem ? issue("unknown-config-field", `${who} reads '${written}', but the config has no field ${problem}`) : undefined;
    }
    const unknown = unknownAt(this.context, this.context, path);
    if (!unknown) return undefined;
    const { index, known } = unknown;
    const field = path.slice(0, index + 1).join(".");
    const near = closeNames(path[index], known);
    return issue("unknown-context-field", `${who} reads '${written}', but the context has no field '${field}'${near.length ? ` (did you mean ${near.slice(0, 3).map((n) => `'${[...path.slice(0, index), n].join(".")}'`).join(" or ")}?)` : ""}`);
  }

  /**
   * The first field of a config path the schema rules out (`'paramters' (did you mean …?)`), or a name one letter
   * from a known key of an open map (`'parameters.tp_size' (did you mean 'parameters.tp-size'?)`); undefined when
   * the path may exist.
   */
  configField(path: string[]): string | undefined {
    const unknown = unknownAt(this.config, this.config, path);
    if (unknown) {
      const near = closeNames(path[unknown.index], unknown.known);
      return `'${path.slice(0, unknown.index + 1).join(".")}'${near.length ? ` (did you mean '${[...path.slice(0, unknown.index), near[0]].join(".")}'?)` : ""}`;
    }
    const miss = nearMissAt(this.config, path);
    return miss ? `'${path.slice(0, miss.index + 1).join(".")}' (did you mean '${[...path.slice(0, miss.index), miss.near].join(".")}'?)` : undefined;
  }

  /** A literal compared with a field: outside its closed set of values, or a near miss of its known values. */
  private literal(field: string, value: string, who: string): CodedIssue | undefined {
    const path = field.split(".");
    const [root, rest] = path[0] === "$config" ? [this.config, path.slice(1)] : [this.context, path];
    const leaves = schemasAt(root, rest).flatMap((s) => leafSchemas(root, s));
    if (leaves.length === 0) return undefined;
    const enums = leaves.map((s) => (Array.isArray(s.enum) ? (s.enum as unknown[]) : undefined));
    // Closed only when every alternative is an enum (null aside): then no other value can ever be there.
    const closed = enums.every((e, i) => e !== undefined || leaves[i].type === "null" || leaves[i].anyOf !== undefined || leaves[i].oneOf !== undefined || leaves[i].allOf !== undefined);
    const allowed = enums.flatMap((e) => e ?? []).filter((v): v is string => typeof v === "string");
    if (closed && allowed.length > 0 && !allowed.includes(value)) {
      const near = nearMiss(value, allowed) ?? closestName(value, allowed, Math.max(2, Math.floor(value.length / 3)));
      return issue("never-equal", `${who} compares ${field} with '${value}', which it can never be (it is one of ${allowed.map((v) => `'${v}'`).join(", ")})${near ? `: did you mean '${near}'?` : ""}`);
    }
    const known = leaves.flatMap((s) => (Array.isArray(s[KNOWN_VALUES]) ? (s[KNOWN_VALUES] as unknown[]) : [])).filter((v): v is string => typeof v === "string");
    const near = known.length > 0 ? nearMiss(value, known) : undefined;
    return near ? issue("never-equal", `${who} compares ${field} with '${value}', which is not a known value: did you mean '${near}'?`) : undefined;
  }
}

/** The schemas at a path of object fields (following $ref and the combinators); none when the path leaves them. */
function schemasAt(root: Schema, path: readonly string[]): Schema[] {
  let current: Schema[] = [root];
  for (const seg of path) {
    current = propertyIn(current.flatMap((s) => objectBranches(root, s)), seg);
    if (current.length === 0) return [];
  }
  return current;
}

/**
 * File position of `offset` inside an expression written at `start` (a plain, quoted or `|` block scalar).
 * Checked against the text: when the name is not found there, the expression's start is given instead.
 */
export function namePosition(text: string, start: Position, source: string, offset: number, name: string): Partial<LineCol> {
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
