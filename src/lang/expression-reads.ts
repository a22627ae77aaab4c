// What a JSONata expression reads, worked out from its syntax tree: the one place that answers it.
//   contextFieldsRead: the top-level context fields it reads, when that provably is all it depends on
//                      (the expression memo keys on them);
//   expressionRefs:    the field paths and `$config` paths it names (reference checks in lint).

type AstNode = Record<string, unknown>;

/**
 * JSONata's function library, with what the memo analysis must know of each: `pure` (the same arguments
 * give the same result: not `$now`, `$millis`, `$random`, `$shuffle`, `$eval`) and `object` (its first
 * parameter takes the context when an argument is left out, and accepts an object — so at the top of an
 * expression it can read the whole context). `params` is the number of parameters in its signature.
 * Functions whose context parameter takes only strings or numbers fail with the same type error whatever
 * the context holds, so they cannot read it.
 */
export const JSONATA_FUNCTIONS: Readonly<Record<string, { pure: boolean; object?: { params: number; firstIsAny: boolean; restOptional: boolean } }>> = {
  sum: { pure: true }, count: { pure: true }, max: { pure: true }, min: { pure: true }, average: { pure: true },
  string: { pure: true, object: { params: 2, firstIsAny: true, restOptional: true } },
  substring: { pure: true }, substringBefore: { pure: true }, substringAfter: { pure: true },
  lowercase: { pure: true }, uppercase: { pure: true }, length: { pure: true }, trim: { pure: true }, pad: { pure: true },
  match: { pure: true }, contains: { pure: true }, replace: { pure: true }, split: { pure: true }, join: { pure: true },
  formatNumber: { pure: true }, formatBase: { pure: true }, formatInteger: { pure: true }, parseInteger: { pure: true },
  number: { pure: true }, floor: { pure: true }, ceil: { pure: true }, round: { pure: true }, abs: { pure: true },
  sqrt: { pure: true }, power: { pure: true }, random: { pure: false },
  boolean: { pure: true, object: { params: 1, firstIsAny: true, restOptional: true } },
  not: { pure: true, object: { params: 1, firstIsAny: true, restOptional: true } },
  map: { pure: true }, zip: { pure: true }, filter: { pure: true }, single: { pure: true }, reduce: { pure: true },
  sift: { pure: true, object: { params: 2, firstIsAny: false, restOptional: true } },
  keys: { pure: true, object: { params: 1, firstIsAny: true, restOptional: true } },
  lookup: { pure: true, object: { params: 2, firstIsAny: true, restOptional: false } },
  append: { pure: true }, exists: { pure: true },
  spread: { pure: true, object: { params: 1, firstIsAny: true, restOptional: true } },
  merge: { pure: true }, reverse: { pure: true },
  each: { pure: true, object: { params: 2, firstIsAny: false, restOptional: false } },
  error: { pure: true }, assert: { pure: true }, type: { pure: true }, sort: { pure: true }, shuffle: { pure: false },
  distinct: { pure: true }, base64encode: { pure: true }, base64decode: { pure: true }, encodeUrlComponent: { pure: true },
  encodeUrl: { pure: true }, decodeUrlComponent: { pure: true }, decodeUrl: { pure: true }, eval: { pure: false },
  toMillis: { pure: true }, fromMillis: { pure: true },
  clone: { pure: true, object: { params: 1, firstIsAny: false, restOptional: true } },
  now: { pure: false }, millis: { pure: false },
};

const isFunctionName = (name: string) => Object.prototype.hasOwnProperty.call(JSONATA_FUNCTIONS, name);

/** Thrown inside the analysis when the expression does something it cannot prove harmless. */
class Unproven extends Error {}

/**
 * The top-level context fields an expression reads, or undefined when its value may depend on anything
 * else: the whole context (`$`, `$$`, `*`, `**`, `%` at the top, a function that takes the context as its
 * missing argument — `$string()`, `$keys()`, `$sift(function($v){…})`), the config (`$config`), the clock
 * or chance, or a construct this analysis does not know. An allow-list: only what is shown to read nothing
 * but named fields passes, so a new JSONata feature is "unproven", never wrongly remembered.
 *
 * The analysis follows what JSONata evaluates each part against (its input): the context at the top of
 * the expression; the items of the previous result inside a path's later steps, predicates, sort terms,
 * group expressions and transforms; for a lambda's body, the input where the lambda was written (JSONata
 * captures it). Every value an accepted expression computes then depends only on the fields it names.
 */
export function contextFieldsRead(ast: unknown): string[] | undefined {
  const fields = new Set<string>();
  const locals = new Set<string>();
  collectLocals(ast, locals);
  try {
    visit(ast as AstNode, true, fields, locals);
  } catch (e) {
    // Unproven, or an expression nested deeper than this walk can follow: either way, not remembered.
    if (e instanceof Unproven || e instanceof RangeError) return undefined;
    throw e;
  }
  return [...fields].sort();
}

/** Every variable name the expression binds itself (`:=`, lambda parameters, `@$x`, `#$i`). */
function collectLocals(node: unknown, out: Set<string>): void {
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const n = stack.pop();
    if (n === null || typeof n !== "object") continue;
    if (Array.isArray(n)) {
      for (const x of n) stack.push(x);
      continue;
    }
    const o = n as AstNode;
    if (o.type === "bind" && isNode(o.lhs) && o.lhs.type === "variable") out.add(String(o.lhs.value));
    if (o.type === "lambda" && Array.isArray(o.arguments)) for (const a of o.arguments as AstNode[]) out.add(String(a.value));
    if (typeof o.focus === "string") out.add(o.focus);
    if (typeof o.index === "string") out.add(o.index);
    for (const k of Object.keys(o)) stack.push(o[k]);
  }
}

const isNode = (v: unknown): v is AstNode => v !== null && typeof v === "object" && !Array.isArray(v);

// The parts every node may carry that JSONata applies to the node's result: they read its items.
const RESULT_PARTS = ["stages", "predicate", "group"];

function visit(n: AstNode, atRoot: boolean, fields: Set<string>, locals: Set<string>, extraArgs = 0): void {
  if (!isNode(n)) throw new Unproven();
  switch (n.type) {
    case "string":
    case "number":
    case "value":
    case "regex":
      break;
    case "name":
      if (atRoot) fields.add(String(n.value));
      break;
    case "path":
      visitPath(n, atRoot, fields, locals);
      break;
    case "variable":
      visitVariable(n, atRoot, false, 0);
      break;
    case "wildcard":
    case "descendant":
      if (atRoot) throw new Unproven();
      break;
    case "binary":
      visit(n.lhs as AstNode, atRoot, fields, locals);
      visit(n.rhs as AstNode, atRoot, fields, locals);
      break;
    case "condition":
      visit(n.condition as AstNode, atRoot, fields, locals);
      visit(n.then as AstNode, atRoot, fields, locals);
      if (n.else !== undefined) visit(n.else as AstNode, atRoot, fields, locals);
      break;
    case "block":
      for (const e of list(n.expressions)) visit(e, atRoot, fields, locals);
      break;
    case "unary":
      if (n.value === "-") visit(n.expression as AstNode, atRoot, fields, locals);
      else if (n.value === "[") for (const e of list(n.expressions)) visit(e, atRoot, fields, locals);
      else if (n.value === "{") visitPairs(n.lhs, atRoot, fields, locals);
      else throw new Unproven();
      break;
    case "bind":
      if (!isNode(n.lhs) || n.lhs.type !== "variable" || n.lhs.value === "config") throw new Unproven();
      visit(n.rhs as AstNode, atRoot, fields, locals);
      break;
    case "apply": {
      visit(n.lhs as AstNode, atRoot, fields, locals);
      const rhs = n.rhs as AstNode;
      // `x ~> $f(a)` calls $f(x, a); `x ~> $f` calls $f(x).
      if (isNode(rhs) && rhs.type === "function") visit(rhs, atRoot, fields, locals, 1);
      else if (isNode(rhs) && rhs.type === "variable" && !hasResultParts(rhs)) visitVariable(rhs, atRoot, true, 1);
      else visit(rhs, atRoot, fields, locals);
      break;
    }
    case "function": {
      const proc = n.procedure as AstNode;
      const args = list(n.arguments);
      if (isNode(proc) && proc.type === "variable" && !hasResultParts(proc)) visitVariable(proc, atRoot, true, args.length + extraArgs);
      else visit(proc, atRoot, fields, locals);
      for (const a of args) visit(a, atRoot, fields, locals);
      break;
    }
    case "lambda":
      // A signature can make a parameter take the caller's input when its argument is left out.
      if (n.signature !== undefined) throw new Unproven();
      visit(n.body as AstNode, atRoot, fields, locals);
      break;
    case "transform":
      // `| pattern | update, delete |` is a function; its parts read the object it is applied to.
      visit(n.pattern as AstNode, false, fields, locals);
      visit(n.update as AstNode, false, fields, locals);
      if (n.delete !== undefined) visit(n.delete as AstNode, false, fields, locals);
      break;
    default:
      // `partial` ($f(?, 1)), `parent` (%), `sort` outside a path, and anything newer: not proven.
      throw new Unproven();
  }
  visitResultParts(n, fields, locals);

  function visitVariable(v: AstNode, root: boolean, called: boolean, args: number): void {
    const name = String(v.value);
    if (name === "" ) {
      if (root) throw new Unproven(); // `$` at the top is the whole context
      return;
    }
    if (name === "$" || name === "config") throw new Unproven(); // `$$`: the whole context; `$config`: the config
    if (isFunctionName(name)) {
      const f = JSONATA_FUNCTIONS[name];
      if (!f.pure) throw new Unproven();
      if (f.object) {
        // Referenced, not called: it could be called later with its first argument left out.
        if (!called) throw new Unproven();
        if (root && !(args >= f.object.params || (f.object.firstIsAny && f.object.restOptional && args >= 1))) throw new Unproven();
      }
      return;
    }
    if (!locals.has(name)) throw new Unproven();
  }
}

/** A path: step 0 reads the path's input; each later step reads the items before it (unless a focus `@` kept the input). */
function visitPath(n: AstNode, atRoot: boolean, fields: Set<string>, locals: Set<string>): void {
  let steps = list(n.steps);
  let input = atRoot;
  // `$$.a` reads the context's `a` from anywhere, `$.a` the input's: the same as a path starting at `a`.
  const first = steps[0];
  if (first?.type === "variable" && (first.value === "$" || first.value === "") && steps.length > 1 && !hasStepParts(first)) {
    if (first.value === "$") input = true;
    steps = steps.slice(1);
  }
  for (const step of steps) {
    if (step.type === "sort") {
      if (input) throw new Unproven();
      for (const t of list(step.terms)) visit(t.expression as AstNode, false, fields, locals);
      visitResultParts(step, fields, locals);
    } else {
      visit(step, input, fields, locals);
    }
    // After `@$x` the next step reads the same input again; otherwise it reads this step's items.
    if (typeof step.focus !== "string") input = false;
  }
  visitResultParts(n, fields, locals);
}

function visitPairs(pairs: unknown, atRoot: boolean, fields: Set<string>, locals: Set<string>): void {
  if (!Array.isArray(pairs)) throw new Unproven();
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new Unproven();
    visit(pair[0], atRoot, fields, locals);
    visit(pair[1], atRoot, fields, locals);
  }
}

function visitResultParts(n: AstNode, fields: Set<string>, locals: Set<string>): void {
  for (const key of RESULT_PARTS) {
    const part = n[key];
    if (part === undefined) continue;
    if (key === "group") {
      if (!isNode(part)) throw new Unproven();
      visitPairs(part.lhs, false, fields, locals);
      continue;
    }
    for (const stage of list(part)) {
      if (stage.type === "filter") visit(stage.expr as AstNode, false, fields, locals);
      else if (stage.type === "index" ) continue;
      else throw new Unproven();
    }
  }
  if (n.ancestor !== undefined || n.slot !== undefined) throw new Unproven();
}

const hasResultParts = (n: AstNode) => RESULT_PARTS.some((k) => n[k] !== undefined) || n.focus !== undefined || n.index !== undefined;
const hasStepParts = hasResultParts;

function list(v: unknown): AstNode[] {
  if (!Array.isArray(v)) throw new Unproven();
  return v as AstNode[];
}

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
  const visitRef = (node: unknown, top: boolean) => {
    if (Array.isArray(node)) return node.forEach((n) => visitRef(n, top));
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
      visitRef(v, itemScoped ? false : top);
    }
  };
  visitRef(ast, true);
  return out;
}
