// Runaway expressions: a layer whose JSONata never ends, recurses without a tail call, builds a huge sequence,
// a huge string or deep data, or feeds a regex a long input, is stopped with an error that names the layer and
// its file:line:col; what no limit inside JSONata can stop (a catastrophic regex) is refused at load. A server
// keeps answering other requests while a runaway expression runs.
import { cpSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compose, EXPRESSION_LIMITS } from "../src/index.js";
import { createServer, type RunningServer } from "../src/server/app.js";
import { LAYERS_DIR, SCHEMAS_DIR, errorsOf, get, positionIn, post, removeTemps, setWith, tempDir } from "./hostile/setup.js";
import { warmWorkers } from "./server-helpers.js";

afterAll(removeTemps);

const CONTEXT = { model_name: "m", base_runtime: "sglang" };
/** A layer file whose `description` is the expression (on line 4). */
const layerWith = (expr: string, name = "runaway") => `name: ${name}\nstage: base\ndata:\n  description: !expr '${expr}'\n`;

async function composeWith(expr: string, context: Record<string, unknown> = CONTEXT) {
  const text = layerWith(expr);
  const set = setWith({ path: "hostile/runaway.yaml", text });
  expect(errorsOf(set)).toEqual([]);
  return { result: await compose(set, context), text };
}

/**
 * The size and depth limits must stop an expression by themselves, whatever the machine's load: these cases
 * are loaded with a time limit far above the default, so a busy machine cannot let the timeout fire first
 * (the timeout cases keep the default, and the defaults are checked below).
 */
async function composeUnhurried(expr: string, context: Record<string, unknown> = CONTEXT) {
  const saved = EXPRESSION_LIMITS.timeoutMs;
  EXPRESSION_LIMITS.timeoutMs = 120_000;
  try {
    return await composeWith(expr, context);
  } finally {
    EXPRESSION_LIMITS.timeoutMs = saved;
  }
}

describe("stopped by JSONata's own limits (timeout, stack, sequence), with the layer and file:line:col", () => {
  const { timeoutMs, maxDepth, maxSequence } = EXPRESSION_LIMITS;
  it.each([
    ["a tail call that never ends", "($f := function($n){ $f($n + 1) }; $f(0))", "expression-timeout", `${timeoutMs} ms`],
    ["a loop in $reduce over the largest allowed sequence, forever via recursion", "($f := function(){ $reduce([1..90000], function($a, $x){ $a + $x }, 0) + $f() }; $f())", "expression-timeout", `${timeoutMs} ms`],
    ["recursion without a tail call", "($f := function($n){ 1 + $f($n + 1) }; $f(0))", "expression-too-deep", `${maxDepth} calls`],
    ["mutual recursion", "($a := function($n){ 1 + $b($n) }; $b := function($n){ 1 + $a($n) }; $a(0))", "expression-too-deep", `${maxDepth} calls`],
    ["a range of ten million", "$count([1..10000000])", "expression-too-large", `${maxSequence} items`],
    ["a sequence grown by $append", "$count($reduce([1..1000], function($acc, $i){ $append($acc, [1..1000]) }, []))", "expression-too-large", `${maxSequence} items`],
  ])("%s → %s", async (_, expr, code, limit) => {
    const { result, text } = code === "expression-timeout" ? await composeWith(expr) : await composeUnhurried(expr);
    expect(result.ok).toBe(false);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ code, layer: "runaway", file: "hostile/runaway.yaml", pointer: "/data/description", ...positionIn(text, "'") });
    expect(result.errors[0].message).toMatch(/^layer 'runaway': /);
    // Stopped by the limit itself (not by the engine's stack or heap giving out).
    expect(result.errors[0].message).toContain(limit);
  });

  it("the limits are the documented defaults", () => {
    expect(EXPRESSION_LIMITS).toEqual({ timeoutMs: 1000, maxDepth: 200, maxSequence: 100_000, maxStringLength: 1_000_000, maxRegexInput: 10_000, maxBuilt: 20_000_000, maxResultSize: 4_000_000 });
  });
});

describe("bounded by strata where one step could outgrow any timeout", () => {
  it.each([
    // Doubling a string 21 times: two million characters in 21 cheap steps ($length of 2^28 would abort Node).
    ["a string doubled in a loop", `($f := function($s, $n){ $n = 0 ? $s : $f($s & $s, $n - 1) }; $f("x", 21))`, "expression-too-large"],
    ["one $pad call", `$pad("x", 2000000)`, "expression-too-large"],
    ["$join of a large sequence", `$join($map([1..99999], function($i){ "0123456789abcdefghij" }))`, "expression-too-large"],
    ["$string of a large list", `$string($map([1..99999], function($i){ "0123456789" }))`, "expression-too-large"],
    ["data nested deeper than 64 levels", `$reduce([1..500], function($acc, $i){ {"a": $acc} }, 0)`, "too-deep"],
  ])("%s → %s", async (_, expr, code) => {
    const { result, text } = await composeUnhurried(expr);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ code, layer: "runaway", file: "hostile/runaway.yaml", ...positionIn(text, "'") });
  });

  it("a regex gets at most maxRegexInput characters: a longer context value is refused before matching", async () => {
    // The context schema bounds its text fields (model_name: 256 characters); the user's overrides are the
    // context value a layer can read at any length (parameters take any key).
    const expr = `$string($contains(user_overrides.parameters.note[0], /a.*b/))`;
    const withNote = (note: string) => ({ ...CONTEXT, user_overrides: { parameters: { note: [note] } } });
    const ok = await composeWith(expr, withNote("a".repeat(100) + "b"));
    expect(ok.result.config?.description).toBe("true");
    const long = await composeWith(expr, withNote("a".repeat(EXPRESSION_LIMITS.maxRegexInput + 1)));
    expect(long.result.errors[0]).toMatchObject({ code: "expression-too-large", layer: "runaway", file: "hostile/runaway.yaml" });
    expect(long.result.errors[0].message).toContain(`limit ${EXPRESSION_LIMITS.maxRegexInput}`);
  });

  it("an expression that merely uses strings, regexes and recursion within the limits composes", async () => {
    const expr = `$join([($f := function($n){ $n <= 1 ? 1 : $n * $f($n - 1) }; $string($f(10))), $replace(model_name, /m+/, "M"), $pad("x", 5, "-")], " ")`;
    const { result } = await composeWith(expr, { ...CONTEXT, model_name: "mmodel" });
    expect(result.errors).toEqual([]);
    expect(result.config?.description).toBe("3628800 Model x----");
  });
});

describe("request data is never evaluated", () => {
  it("expression-looking values in a context and its overrides stay the strings and objects they are", async () => {
    const set = setWith();
    const r = await compose(set, {
      model_name: '$eval("1 + 1")',
      base_runtime: "sglang",
      user_overrides: { description: "$string(1 + 1)", parameters: { "tp-size": [1], "x-opt": { $expr: "model_name" } } },
    });
    // A layer reads model_name as data: the text goes into task_name unevaluated.
    expect(r.config?.task_name).toBe('$eval("1 + 1")_grid_search');
    expect(r.config?.description).toBe("$string(1 + 1)");
    expect((r.config?.parameters as Record<string, unknown>)["x-opt"]).toEqual({ $expr: "model_name" });
  });
});

describe("regexes run in linear time (RE2): no pattern can backtrack for minutes in one uninterruptible call", () => {
  // Each of these takes exponential time on a backtracking engine (JavaScript's own) for the input below.
  it.each(["(a+)+$", "(a*)*b", "^(a|aa)*$", "(\\w+\\s?)*$", "((ab)*)+$", "(x+x+)+y", "(?:a|a)*$", "((a+)?)+$", ".*.*.*.*x"])(
    "the regex /%s/ loads and runs over 10,000 characters, with JavaScript's answer",
    async (re) => {
      // A long text a layer can read: the user's overrides (the context's own text fields are bounded).
      const text = layerWith(`$contains(user_overrides.parameters.note[0], /${re}/) ? "match" : "no match"`);
      const set = setWith({ path: "hostile/runaway.yaml", text });
      expect(errorsOf(set)).toEqual([]);
      const r = await compose(set, { ...CONTEXT, user_overrides: { parameters: { note: ["a".repeat(EXPRESSION_LIMITS.maxRegexInput - 1) + "!"] } } });
      expect(r.errors).toEqual([]);
      // The same answer JavaScript's engine gives on a short input of the same shape (where it is still quick).
      const expected = new RegExp(re).test("a".repeat(16) + "!") ? "match" : "no match";
      expect(r.config?.description).toBe(expected);
    },
  );

  it.each([
    ["(?=a)a", "invalid or unsupported Perl syntax: `(?=`"],
    ["(?<!b)a", "invalid named capture: `(?<!b)a`"],
    ["(a)\\1", "invalid escape sequence: `\\1`"],
  ])("the regex /%s/ (not linear-time) is a load error at its file:line:col", (re, why) => {
    const text = layerWith(`$match(model_name, /${re}/)`);
    expect(errorsOf(setWith({ path: "hostile/runaway.yaml", text }))).toEqual([
      {
        code: "expression-syntax", severity: "error", file: "hostile/runaway.yaml", pointer: "/data/description", layer: "runaway", ...positionIn(text, "/"),
        message: `JSONata syntax error: the regex /${re}/ cannot be used: ${why} (regexes run in linear time, which rules out lookahead, lookbehind and backreferences)`,
      },
    ]);
  });

  it("groups, flags, positions and repeated matches behave as JavaScript's", async () => {
    const text = layerWith(`$string([$match("x-Ab ab aB-😀é", /(a)(b)?/i).{"m": match, "i": index, "g": groups}, $replace("a.b.c", /\\./, "-"), $split("1, 2,3", /,\\s*/), $contains("Line1\\nline2", /^line2$/m)])`);
    const r = await compose(setWith({ path: "hostile/runaway.yaml", text }), CONTEXT);
    expect(r.errors).toEqual([]);
    expect(JSON.parse(r.config?.description as string)).toEqual([
      { m: "Ab", i: 2, g: ["A", "b"] }, { m: "ab", i: 5, g: ["a", "b"] }, { m: "aB", i: 8, g: ["a", "B"] },
      // JSONata flattens a list inside a list constructor: $split's list joins the outer one.
      "a-b-c", "1", "2", "3", true,
    ]);
  });
});

describe("the server keeps answering while a runaway expression runs", () => {
  let server: RunningServer;
  beforeAll(async () => {
    // The shipped layers plus one whose expression never ends, applied only for model_name "runaway".
    const root = tempDir();
    cpSync(LAYERS_DIR, join(root, "layers"), { recursive: true });
    mkdirSync(join(root, "layers", "hostile"));
    writeFileSync(
      join(root, "layers", "hostile", "runaway.yaml"),
      `name: runaway\nstage: base\nwhen: {"==": [{"var": "model_name"}, "runaway"]}\ndata:\n  description: !expr '($f := function($n){ $f($n + 1) }; $f(0))'\n`,
    );
    server = await createServer({ layersDir: join(root, "layers"), schemasDir: SCHEMAS_DIR, db: join(root, "strata.db"), webDir: join(root, "no-web"), watch: false });
    // Composes run in worker processes: two ready ones, so the runaway and the calm preview each have one.
    await warmWorkers(server, 2);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  it("other routes, and other previews, are answered before the runaway preview is stopped", async () => {
    const order: string[] = [];
    const runaway = post(server.url, "/api/config/preview", JSON.stringify({ model_name: "runaway", base_runtime: "sglang" })).then((r) => {
      order.push("runaway");
      return r;
    });
    // Give the runaway request time to reach its expression, then ask for other things.
    await new Promise((r) => setTimeout(r, 150));
    const health = get(server.url, "/api/health").then((r) => {
      order.push("health");
      return r;
    });
    const preview = post(server.url, "/api/config/preview", JSON.stringify({ model_name: "calm", base_runtime: "vllm" })).then((r) => {
      order.push("preview");
      return r;
    });
    const [h, p, r] = await Promise.all([health, preview, runaway]);
    expect(h.status).toBe(200);
    expect(p.status).toBe(200);
    expect(p.body.ok).toBe(true);
    // The runaway holds only its worker process (the server composes in workers), so these got in.
    expect(order).toEqual(["health", "preview", "runaway"]);
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(false);
    expect(r.body.errors[0]).toMatchObject({ code: "expression-timeout", layer: "runaway", file: "hostile/runaway.yaml", line: 5 });
  });

  it("creating a task from a runaway layer is a 422 naming the layer, and nothing is stored", async () => {
    const res = await post(server.url, "/api/tasks/from-context", JSON.stringify({ model_name: "runaway", base_runtime: "sglang" }));
    expect(res.status).toBe(422);
    expect(res.body.error.issues[0]).toMatchObject({ code: "expression-timeout", layer: "runaway", file: "hostile/runaway.yaml" });
    expect((await get(server.url, "/api/tasks")).body.total).toBe(0);
  });
});
