// Every limit in docs/security.md at its edge: exactly at the limit passes, one more is refused with the
// limit's code. Rows are data: [limit, what "n" counts, n at the limit, the code one past it, check(n)].
// `check(n)` returns the code of the first problem, or undefined when n is accepted. A limit whose default
// is costly to reach (many megabytes, thousands of files) is lowered for its row and restored after: the
// comparison at the edge is what is tested; the defaults themselves are checked against the docs below.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dataProblem } from "../src/util/data.js";
import { COMPOSE_LIMITS, EXPRESSION_LIMITS, SOURCE_LIMITS, compose, merge, MergeError } from "../src/index.js";
import { parseSource } from "../src/core/source.js";
import { DIR_LIMITS, walkDir } from "../src/core/dir-walk.js";
import { compileExpression, describeEvaluationError } from "../src/lang/expression.js";
import { applyLogic, LogicLimitError } from "../src/lang/condition.js";
import { BODY_LIMITS, parseJsonBody } from "../src/server/json-body.js";
import { parseSet } from "../src/cli/compose.js";
import { setWith } from "./hostile/setup.js";
import { call, removeTempDirs, startServer } from "./server-helpers.js";

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
  removeTempDirs();
});

/** n nested lists around a 1: `nest(2)` is `[[1]]`. */
const nest = (n: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = [v];
  return v;
};
/** n nested objects around a 1: `nestObjects(2)` is `{a: {a: 1}}`. */
const nestObjects = (n: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
};
const nestText = (n: number) => "[".repeat(n) + "1" + "]".repeat(n);

/** Run `f` with some limits changed, then put them back. */
async function withLimits<T extends object, R>(table: T, changes: Partial<T>, f: () => Promise<R> | R): Promise<R> {
  const saved = { ...table };
  Object.assign(table, changes);
  try {
    return await f();
  } finally {
    Object.assign(table, saved);
  }
}

const fileCode = (text: string, path = "x.yaml") => parseSource({ path, text }).issues[0]?.code;

async function exprCode(source: string, context: Record<string, unknown> = {}): Promise<string | undefined> {
  try {
    await compileExpression(source).evaluate({ context, config: {} });
    return undefined;
  } catch (e) {
    return describeEvaluationError(e).code;
  }
}

function logicCode(rule: unknown, data: unknown): string | undefined {
  try {
    applyLogic(rule, data);
    return undefined;
  } catch (e) {
    if (e instanceof LogicLimitError) return e.code;
    throw e;
  }
}

function walkCode(build: (root: string) => void): string | undefined {
  const root = mkdtempSync(join(tmpdir(), "strata-limits-"));
  temps.push(root);
  build(root);
  return walkDir(root, (n) => n.endsWith(".yaml")).problems[0]?.code;
}

const CONTEXT = { model_name: "m", base_runtime: "sglang" };

type Row = [limit: string, counts: string, at: number, code: string, check: (n: number) => Promise<string | undefined> | string | undefined];

const ROWS: Row[] = [
  // Files: SOURCE_LIMITS
  ["SOURCE_LIMITS.maxBytes", "bytes in a file", 1 << 20, "file-too-large", (n) => {
    const head = "a: '";
    return fileCode(head + "x".repeat(n - head.length - 2) + "'\n");
  }],
  // The YAML parser counts the anchored node too: an anchor and 99 aliases are 100 expansions.
  ["SOURCE_LIMITS.maxAliasCount", "expansions of an anchor (itself and its aliases)", 100, "alias-limit", (n) => fileCode(`a: &x 1\nb: [${Array(n - 1).fill("*x").join(", ")}]\n`)],
  ["SOURCE_LIMITS.maxDepth", "lists nested in a file", 64, "too-deep", (n) => fileCode(`a: ${nestText(n - 1)}\n`)],
  ["SOURCE_LIMITS.maxDepth × 4 (before parsing)", "spaces of indentation", 256, "too-deep", (n) => fileCode(`a: |\n${" ".repeat(n)}x\n`)],
  ["SOURCE_LIMITS.maxDepth", "levels of a context, itself included", 64, "too-deep", async (n) => (await compose(setWith(), { ...CONTEXT, user_overrides: { quant_config: nestObjects(n - 2) } })).errors[0]?.code],
  ["SOURCE_LIMITS.maxDepth", "levels of a merge patch", 64, "merge-failed", (n) => {
    try {
      merge({}, nest(n), { source: "s", stage: "s" });
      return undefined;
    } catch (e) {
      if (e instanceof MergeError) return "merge-failed";
      throw e;
    }
  }],
  ["SOURCE_LIMITS.maxDepth", "segments of a --set path", 64, "usage-error", (n) => {
    try {
      parseSet(`${Array(n).fill("a").join(".")}=1`);
      return undefined;
    } catch (e) {
      return (e as Error).constructor.name === "UsageError" ? "usage-error" : String(e);
    }
  }],
  // Expressions: EXPRESSION_LIMITS
  ["EXPRESSION_LIMITS.maxSequence", "items in a list", 100_000, "expression-too-large", (n) => exprCode(`[1..${n}]`)],
  ["EXPRESSION_LIMITS.maxStringLength", "characters in a string", 1_000_000, "expression-too-large", (n) => exprCode(`$pad("", ${n}, "x")`)],
  ["EXPRESSION_LIMITS.maxStringLength", "characters a step builds", 1_000_000, "expression-too-large", (n) => exprCode("s & t", { s: "x".repeat(n - 1), t: "y" })],
  ["EXPRESSION_LIMITS.maxRegexInput", "characters a regex matches", 10_000, "expression-too-large", (n) => exprCode("$contains(s, /y/)", { s: "x".repeat(n) })],
  ["EXPRESSION_LIMITS.maxResultSize (lowered to 1000)", "characters of the result as JSON", 1000, "expression-too-large", (n) =>
    withLimits(EXPRESSION_LIMITS, { maxResultSize: 1000 }, () => exprCode("s", { s: "x".repeat(n - 2), t: 1 }).then((c) => c ?? exprCode("$string(s)", { s: "x".repeat(n - 2) })))],
  // Every step that returns a long string counts it: here two (`s`, then `$string(s)`), so 2 × 2500 is the edge.
  ["EXPRESSION_LIMITS.maxBuilt (lowered to 5000)", "characters of a string two steps return", 2500, "expression-too-large", (n) =>
    withLimits(EXPRESSION_LIMITS, { maxBuilt: 5000 }, () => exprCode("$string(s)", { s: "x".repeat(n) }))],
  // JSONata's `stack` option counts its own frames, three for each call of this lambda: 65 calls fit in 200.
  ["EXPRESSION_LIMITS.maxDepth", "levels of recursion of a lambda", 65, "expression-too-deep", (n) => exprCode(`($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(${n}))`)],
  ["SOURCE_LIMITS.maxDepth", "levels of data an expression builds", 64, "too-deep", (n) => exprCode(`[${nestText(n - 1)}]`)],
  // Conditions: the same bounds
  ["EXPRESSION_LIMITS.maxSequence", "items a condition's merge builds", 100_000, "condition-too-large", (n) => logicCode({ merge: [{ var: "xs" }] }, { xs: Array(n).fill(1) })],
  ["EXPRESSION_LIMITS.maxStringLength", "characters a condition's cat builds", 1_000_000, "condition-too-large", (n) => logicCode({ cat: [{ var: "s" }, "y"] }, { s: "x".repeat(n - 1) })],
  ["EXPRESSION_LIMITS.maxBuilt (lowered to 5000)", "characters a condition builds in all", 5000, "condition-too-large", (n) =>
    withLimits(EXPRESSION_LIMITS, { maxBuilt: 5000 }, () => logicCode({ cat: [{ var: "s" }] }, { s: "x".repeat(n) }))],
  // Layer folders: DIR_LIMITS
  ["DIR_LIMITS.maxDepth", "levels of folders", 32, "dir-too-deep", (n) => walkCode((root) => mkdirSync(join(root, ...Array(n).fill("d")), { recursive: true }))],
  ["DIR_LIMITS.maxEntries (lowered to 20)", "files and folders", 20, "too-many-files", (n) =>
    withLimits(DIR_LIMITS, { maxEntries: 20 }, () => walkCode((root) => {
      for (let i = 0; i < n; i++) writeFileSync(join(root, `f${i}.yaml`), "");
    }))],
  // Request bodies: BODY_LIMITS
  ["BODY_LIMITS.maxDepth", "levels of a request body", 64, "body-too-deep", (n) => {
    const r = parseJsonBody(nestText(n));
    return r.ok ? undefined : r.issue.code;
  }],
  ["BODY_LIMITS.maxItems", "entries of one list in a request body", 10_000, "body-too-many-items", (n) => {
    const r = parseJsonBody(`{"xs": [${Array(n).fill(1).join(",")}]}`);
    return r.ok ? undefined : r.issue.code;
  }],
  ["BODY_LIMITS.maxDepth", "levels of a malformed request body", 64, "body-too-deep", (n) => {
    const r = parseJsonBody("[".repeat(n) + "x");
    return r.ok || r.issue.code === "malformed-json" ? undefined : r.issue.code;
  }],
];

describe("every limit at its edge: at the limit passes, one more is refused", () => {
  it.each(ROWS)("%s (%s): %i passes, one more is %s", async (_, __, at, code, check) => {
    expect(await check(at)).toBeUndefined();
    expect(await check(at + 1)).toBe(code);
  });

  it("the size measure (dataProblem) at its edge: a string of n - 2 characters is n as JSON", () => {
    expect(dataProblem("x".repeat(998), { maxDepth: 64, maxSize: 1000 })).toBeUndefined();
    expect(dataProblem("x".repeat(999), { maxDepth: 64, maxSize: 1000 })).toEqual({ code: "too-large", pointer: "", message: expect.any(String) });
  });

  it("COMPOSE_LIMITS.maxConfigSize: a config of exactly the limit passes, one character over is config-too-large", async () => {
    const set = setWith();
    const config = (await compose(set, CONTEXT)).config!;
    let size = 0; // the smallest limit the config fits in, by the same measure
    while (dataProblem(config, { maxDepth: 65, maxSize: size })) size++;
    expect(size).toBeGreaterThan(500);
    const at = await withLimits(COMPOSE_LIMITS, { maxConfigSize: size }, () => compose(set, CONTEXT));
    expect(at.ok).toBe(true);
    const over = await withLimits(COMPOSE_LIMITS, { maxConfigSize: size - 1 }, () => compose(set, CONTEXT));
    expect(over.errors).toEqual([
      { code: "config-too-large", severity: "error", message: `the composed config is larger than ${size - 1} characters as JSON (limit)`, pointer: expect.any(String) },
    ]);
  });

  it("BODY_LIMITS.maxBytes: a body of exactly 1 MiB is read, one byte more is 413", async () => {
    const server = await startServer();
    try {
      const body = (n: number) => {
        const head = JSON.stringify({ ...CONTEXT, overrides: { quant_config: { blob: "" } } }).slice(0, -4);
        return head + "x".repeat(n - head.length - 4) + '"}}}';
      };
      expect(body(BODY_LIMITS.maxBytes)).toHaveLength(1 << 20);
      const at = await call(server, "POST", "/api/config/preview", body(BODY_LIMITS.maxBytes));
      expect(at.status).toBe(200);
      const over = await call(server, "POST", "/api/config/preview", body(BODY_LIMITS.maxBytes + 1));
      expect(over.status).toBe(413);
      expect(over.body.error.code).toBe("body-too-large");
    } finally {
      await server.close();
    }
  });
});

describe("the defaults are the ones docs/security.md gives", () => {
  it("each table", () => {
    expect(SOURCE_LIMITS).toEqual({ maxBytes: 1048576, maxAliasCount: 100, maxDepth: 64 });
    expect(EXPRESSION_LIMITS).toEqual({
      timeoutMs: 1000, maxDepth: 200, maxSequence: 100_000, maxStringLength: 1_000_000, maxRegexInput: 10_000, maxBuilt: 20_000_000, maxResultSize: 4_000_000,
    });
    expect(DIR_LIMITS).toEqual({ maxDepth: 32, maxEntries: 10_000 });
    expect(COMPOSE_LIMITS).toEqual({ maxConfigSize: 16_000_000 });
    expect(BODY_LIMITS).toEqual({ maxBytes: 1048576, maxDepth: 64, maxItems: 10_000 });
  });
});
