// Properties that hold for any input (fast-check): merge never mutates its inputs and never changes a prototype;
// merge and compose are deterministic; applying the same patch twice is the same as once (for set, replace,
// delete and merge — not for $append/$prepend, which add again each time, so those patches are generated apart);
// compose on arbitrary contexts and overrides gives a schema-valid config or typed issues, never an exception;
// loading a randomly damaged layer file never throws and locates every error; a remembered expression gives what
// a fresh evaluation gives; random directive values in layers, overrides, --set/--override and request bodies
// give located issues, never a throw, also through a running server.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { compose, loadLayerSetFromFiles, merge, MergeError, Trace, type Origin } from "../src/index.js";
import { compileExpression, describeEvaluationError, type CompiledExpression } from "../src/lang/expression.js";
import { JSONATA_FUNCTIONS, contextFieldsRead } from "../src/lang/expression-reads.js";
import { jsonata } from "../src/vendor.js";
import { combinePatches, parseSet } from "../src/cli/compose.js";
import { UsageError } from "../src/cli/common.js";
import { bodyNames, readTaskRequest, toBodyPointers } from "../src/server/body.js";
import { loadProject } from "../src/core/project.js";
import { REPO_ROOT } from "./helpers/paths.js";
import type { Issue } from "../src/core/issues.js";
import { prototypeProblems } from "./hostile/payloads.js";
import { SCHEMAS_DIR, SHIPPED, setWith } from "./hostile/setup.js";
import { post, removeTempDirs, startServer } from "./server-helpers.js";
import type { RunningServer } from "../src/server/app.js";

const ORIGIN: Origin = { source: "user_patch", stage: "user" };

/** An object from entries, defining each key as an own property (a `__proto__` entry must not set the prototype). */
function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}

/** A deep copy that keeps `__proto__` keys as own keys (structuredClone would too, but says so less plainly). */
const copy = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

const KEYS = ["a", "b", "tp-size", "parameters", "slo", "__proto__", "constructor", "prototype"];
const scalar = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.boolean(), fc.constant(null), fc.constantFrom("x", "", "$patch", "__proto__"));
const list = fc.array(scalar, { maxLength: 3 });

/** Plain data (what a config or a base holds) and patches, with or without the list directives. */
function arbitraries(listDirectives: boolean) {
  return fc.letrec((tie) => ({
    data: fc.oneof({ depthSize: "small" }, scalar, list, tie("dataObject")),
    dataObject: fc.uniqueArray(fc.tuple(fc.constantFrom(...KEYS), tie("data")), { maxLength: 4, selector: (e) => e[0] }).map(objectOf),
    patch: fc.uniqueArray(fc.tuple(fc.constantFrom(...KEYS), tie("patchValue")), { maxLength: 4, selector: (e) => e[0] }).map(objectOf),
    patchValue: fc.oneof(
      { depthSize: "small" },
      scalar,
      list,
      tie("patch"),
      fc.constant({ $patch: "delete" }),
      tie("dataObject").map((o) => objectOf([["$patch", "replace"], ...Object.entries(o as object)])),
      tie("patch").map((o) => objectOf([["$patch", "merge"], ...Object.entries(o as object)])),
      ...(listDirectives ? [list.map((l) => ({ $append: l })), list.map((l) => ({ $prepend: l }))] : []),
    ),
  }));
}

const anyPatch = arbitraries(true);
const idempotentPatch = arbitraries(false);

/** merge, with a MergeError (a directive that does not fit the base) as a value instead of a throw. */
function tryMerge(base: unknown, patch: unknown, trace?: Trace): { value?: unknown; error?: MergeError } {
  try {
    return { value: merge(base, patch, ORIGIN, trace) };
  } catch (e) {
    if (e instanceof MergeError) return { error: e };
    throw e;
  }
}

describe("merge", () => {
  it("never mutates its inputs, shares nothing with the patch, and never changes a prototype", () => {
    fc.assert(
      fc.property(anyPatch.dataObject, anyPatch.patch, (base, patch) => {
        const [baseBefore, patchBefore] = [copy(base), copy(patch)];
        deepFreeze(base);
        deepFreeze(patch);
        // A write into a frozen input would throw here (ES modules are strict).
        const { value } = tryMerge(base, patch, new Trace());
        expect(copy(base)).toEqual(baseBefore);
        expect(copy(patch)).toEqual(patchBefore);
        expect(prototypeProblems(value)).toEqual([]);
        // Nothing in the result is an object or list of the patch (a layer's or a request's): those are copied.
        // (Parts of the base that the patch leaves alone may be shared: the base is the config being built.)
        const fromPatch = new Set<unknown>();
        const collect = (v: unknown) => {
          if (v === null || typeof v !== "object") return;
          fromPatch.add(v);
          for (const k of Object.keys(v)) collect((v as Record<string, unknown>)[k]);
        };
        collect(patch);
        const shared: string[] = [];
        const walk = (v: unknown, at: string) => {
          if (v === null || typeof v !== "object") return;
          if (fromPatch.has(v)) shared.push(at || "/");
          for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k], `${at}/${k}`);
        };
        walk(value, "");
        expect(shared).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it("is deterministic: the same inputs give the same result and the same trace", () => {
    fc.assert(
      fc.property(anyPatch.dataObject, anyPatch.patch, (base, patch) => {
        const [t1, t2] = [new Trace(), new Trace()];
        const one = tryMerge(base, patch, t1);
        const two = tryMerge(base, patch, t2);
        expect(JSON.stringify(two.value)).toBe(JSON.stringify(one.value));
        expect(two.error?.message).toBe(one.error?.message);
        expect([...t2.writes]).toEqual([...t1.writes]);
      }),
      { numRuns: 300 },
    );
  });

  it("applying the same patch twice is the same as once (set, replace, delete, merge; no $append/$prepend)", () => {
    fc.assert(
      fc.property(idempotentPatch.dataObject, idempotentPatch.patch, (base, patch) => {
        const once = tryMerge(base, patch);
        fc.pre(once.error === undefined);
        const twice = tryMerge(once.value, patch);
        expect(twice.error).toBeUndefined();
        expect(JSON.stringify(twice.value)).toBe(JSON.stringify(once.value));
      }),
      { numRuns: 400 },
    );
  });

  it("…and $append is indeed not idempotent (which is why those patches are generated apart)", () => {
    const once = merge({ tags: ["a"] }, { tags: { $append: ["b"] } }, ORIGIN);
    expect(merge(once, { tags: { $append: ["b"] } }, ORIGIN)).toEqual({ tags: ["a", "b", "b"] });
  });
});

describe("compose on arbitrary contexts and overrides", () => {
  const set = setWith();
  const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(join(SCHEMAS_DIR, "task-config.schema.json"), "utf8")));
  const ISSUE_CODE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

  const OVERRIDE_KEYS = ["parameters", "tp-size", "slo", "ttft", "threshold", "optimization", "max_iterations", "task_name", "model", "benchmark", "x", "__proto__", "constructor"];
  const overrides = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.integer({ min: -2, max: 40 }),
      fc.double({ noNaN: true, min: -2, max: 2 }),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom("x", "", "$config.x", "{{ model_name }}"),
      fc.array(fc.integer({ min: 0, max: 16 }), { maxLength: 4 }),
      tie("object"),
      fc.constant({ $patch: "delete" }),
      fc.array(fc.integer({ min: 1, max: 8 }), { maxLength: 3 }).map((l) => ({ $append: l })),
      tie("object").map((o) => objectOf([["$patch", "replace"], ...Object.entries(o as object)])),
      fc.constantFrom({ $patch: "nonsense" }, { $append: 3 }, { $expr: "model_name" }),
    ),
    object: fc.uniqueArray(fc.tuple(fc.constantFrom(...OVERRIDE_KEYS), tie("value")), { maxLength: 4, selector: (e) => e[0] }).map(objectOf),
  }));

  /** Mostly a valid value, sometimes a wrong one: both paths of compose get exercised. */
  const mostly = <T, U>(valid: fc.Arbitrary<T>, wrong: fc.Arbitrary<U>) => fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: wrong, weight: 1 });
  const oneOf = <T>(...values: T[]) => fc.constantFrom(...values);
  const context = fc.record(
    {
      model_name: mostly(oneOf("llama-3-2-1b-instruct", "m", "__proto__", "$config", "{{x}}"), fc.oneof(fc.integer(), fc.constant(""))),
      base_runtime: mostly(oneOf("sglang", "vllm", "trtllm", "other"), oneOf<unknown>("", 3, null)),
      deployment_mode: mostly(oneOf("docker", "ome", "k8s"), fc.constant(1)),
      benchmark_task: mostly(fc.constant("text-to-text"), oneOf<unknown>("", [])),
      traffic_scenarios: mostly(fc.array(oneOf("D(100,100)", "D(1000,10)"), { minLength: 1, maxLength: 2 }), oneOf<unknown>([], "D(1,1)", [""])),
      num_concurrency: mostly(fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 3 }), oneOf<unknown>([0], 4, [])),
      optimization_strategy: mostly(oneOf("grid_search", "bayesian"), oneOf<unknown>("", 7)),
      optimization_objective: mostly(oneOf("minimize_latency", "maximize_throughput"), fc.constant(null)),
      slo_config: mostly(fc.oneof(fc.constant(null), fc.constant({ ttft: { threshold: 0.5, weight: 1 } })), overrides.object),
      profiles: mostly(fc.array(oneOf("production", "low-latency", "quick-test", "high-throughput", "nope"), { maxLength: 3 }), oneOf<unknown>("production", [""], ["__proto__"])),
      user_overrides: mostly(overrides.object, fc.constant([1])),
      override_mode: mostly(oneOf("patch", "replace"), fc.constant("merge")),
      gpu_type: mostly(oneOf(null, "H100", "A100"), oneOf<unknown>("", 80)),
      total_gpus: mostly(fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 20 })), oneOf<unknown>(-1, 2.5, "4")),
    },
    { requiredKeys: [] },
  ).chain((ctx) =>
    // The required fields are usually there; now and then an unknown field comes along.
    fc.record({ required: fc.boolean(), extra: fc.oneof({ arbitrary: fc.constant(undefined), weight: 6 }, { arbitrary: fc.anything({ maxDepth: 2 }), weight: 1 }) }).map(({ required, extra }) => {
      const out: Record<string, unknown> = required ? { model_name: "m", base_runtime: "sglang", ...ctx } : { ...ctx };
      if (extra !== undefined) out.unknown_field = extra;
      return out;
    }),
  );

  async function check(input: unknown) {
    deepFreeze(input);
    const before = JSON.stringify(input);
    // Any exception here (a crash, a stack overflow, a write into the frozen input) fails the property.
    const result = await compose(set, input);
    expect(JSON.stringify(input)).toBe(before);
    expect(result.ok).toBe(result.errors.length === 0);
    if (result.ok) {
      expect(validate(result.config), JSON.stringify(validate.errors)).toBe(true);
      expect(prototypeProblems(result.config)).toEqual([]);
    } else {
      for (const e of result.errors) {
        expect(e.code).toMatch(ISSUE_CODE);
        expect(e.severity).toBe("error");
        expect(typeof e.message).toBe("string");
      }
    }
    for (const w of result.warnings) expect(w.code).toMatch(ISSUE_CODE);
    return result;
  }

  it("either a schema-valid config or typed issues, never an exception; the input is never touched", async () => {
    let composed = 0;
    await fc.assert(
      fc.asyncProperty(context, async (ctx) => {
        if ((await check(ctx)).ok) composed++;
      }),
      { numRuns: 300 },
    );
    // The generator must reach the success path too, or the property says little.
    expect(composed).toBeGreaterThan(0);
  });

  it("the same for any JSON value at all as the context", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (v) => {
        await check(v);
      }),
      { numRuns: 200 },
    );
  });

  it("is deterministic: the same context gives the same config, issues, layers and provenance", async () => {
    await fc.assert(
      fc.asyncProperty(context, async (ctx) => {
        const view = (r: Awaited<ReturnType<typeof compose>>) =>
          JSON.stringify([r.ok, r.config, r.errors, r.warnings, r.applied_layers, r.skipped_layers, r.provenance, r.context]);
        expect(view(await compose(set, ctx))).toBe(view(await compose(set, ctx)));
      }),
      { numRuns: 100 },
    );
  });
});

describe("loading damaged layer files", () => {
  const ALPHABET = [..."abc :-[]{}!&*?|>#'\"\n\t,\\$", "!expr ", "__proto__", "{$patch: ", "\u0000", "\ufeff"];
  const edit = fc.record({
    at: fc.nat(),
    remove: fc.nat({ max: 6 }),
    insert: fc.array(fc.constantFrom(...ALPHABET), { maxLength: 4 }).map((a) => a.join("")),
  });

  it("never throws, and every error names its file, line and column", () => {
    fc.assert(
      fc.property(fc.nat({ max: SHIPPED.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 3 }), (index, edits) => {
        const file = SHIPPED[index];
        let text = file.text;
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
        }
        const set = loadLayerSetFromFiles(
          SHIPPED.map((f, i) => (i === index ? { path: f.path, text } : f)),
          { schemasDir: SCHEMAS_DIR },
        );
        for (const e of set.issues.filter((i) => i.severity === "error")) {
          expect(e.code).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
          // A broken stages.yaml can leave no stage order at all: that error has no file to point at.
          if (e.code === "missing-stages") continue;
          expect(e, JSON.stringify(e)).toMatchObject({ file: expect.any(String), line: expect.any(Number), column: expect.any(Number) });
        }
      }),
      { numRuns: 300 },
    );
  });
});

// ---- Remembered expressions (src/expression.ts, src/expression-reads.ts)

/** JSONata's function library, less the ones whose result changes by itself ($now, $millis, $random, $shuffle) and $eval (refused). */
const LIBRARY = Object.keys(JSONATA_FUNCTIONS).filter((f) => JSONATA_FUNCTIONS[f].pure && f !== "eval");
const FIELDS = ["a", "b", "c", "n", "s", "o", "l"];

/** Random expressions over the function library, paths, operators, lambdas, bindings, partial application and the context roots. */
const expressions = fc.letrec((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(...FIELDS),
    fc.constantFrom("1", "0", "-2.5", '"x"', '"a"', '""', "true", "null", "[]", "{}", "$", "$$", "$v", "$k", "$acc", "$config.a", "$$.a", "$.b", "*", "**", "o.*", "o.**", "l#$i[$i > 0]"),
    tie("call"),
    tie("path"),
    tie("lambdaCall"),
    fc.tuple(tie("expr"), fc.constantFrom(" & ", " = ", " + ", " != ", " in ", " and ", " or ", " > "), tie("expr")).map(([a, op, b]) => `(${a}${op}${b})`),
    fc.tuple(tie("expr"), tie("expr"), tie("expr")).map(([a, b, c]) => `(${a} ? ${b} : ${c})`),
    fc.tuple(tie("expr"), tie("expr")).map(([a, b]) => `[${a}, ${b}]`),
    fc.tuple(fc.constantFrom('"k"', "s", "a"), tie("expr")).map(([k, v]) => `{${k}: ${v}}`),
    fc.tuple(tie("expr"), tie("expr")).map(([a, b]) => `($v := ${a}; ${b})`),
    fc.tuple(tie("expr"), fc.constantFrom(...LIBRARY), fc.array(tie("expr"), { maxLength: 1 })).map(([a, f, args]) => `(${a} ~> $${f}(${args.join(", ")}))`),
    fc.tuple(tie("expr"), fc.constantFrom(...LIBRARY)).map(([a, f]) => `(${a} ~> $${f})`),
    fc.tuple(fc.constantFrom(...LIBRARY), tie("expr")).map(([f, a]) => `($p := $${f}(?, ${a}); $p(${FIELDS[0]}))`),
    fc.tuple(fc.constantFrom(...LIBRARY), fc.array(tie("expr"), { maxLength: 2 })).map(([f, args]) => `($f := $${f}; $f(${args.join(", ")}))`),
    fc.tuple(tie("expr"), tie("expr")).map(([a, b]) => `| ${a} | {"u": ${b}} |`),
  ),
  call: fc.tuple(fc.constantFrom(...LIBRARY), fc.array(tie("expr"), { maxLength: 3 })).map(([f, args]) => `$${f}(${args.join(", ")})`),
  lambdaCall: fc
    .tuple(fc.constantFrom("map", "filter", "sift", "each", "single", "sort", "reduce"), fc.option(tie("expr"), { nil: undefined }), tie("expr"))
    .map(([f, data, body]) => {
      const fn = f === "reduce" ? `function($acc, $v){ ${body} }` : f === "sort" ? `function($v, $k){ ${body} }` : `function($v, $k){ ${body} }`;
      return data === undefined ? `$${f}(${fn})` : `$${f}(${data}, ${fn})`;
    }),
  path: fc
    .tuple(
      fc.oneof(fc.constantFrom(...FIELDS), tie("call"), fc.constantFrom("$", "$$", "$v")),
      fc.array(fc.oneof(fc.constantFrom(...FIELDS, "*"), tie("call"), tie("expr").map((e) => `(${e})`)), { minLength: 1, maxLength: 2 }),
      fc.constantFrom("", "@$v", "#$k"),
      fc.option(tie("expr"), { nil: undefined }),
    )
    .map(([head, tail, bind, pred]) => `${head}${bind}.${tail.join(".")}${pred === undefined ? "" : `[${pred}]`}`),
}));

const value = fc.oneof(fc.integer({ min: -2, max: 3 }), fc.constantFrom("x", "a", "", "A b", "12"), fc.boolean(), fc.constant(null), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }), fc.constantFrom({ a: 1 }, { b: [1, 2] }, {}));
const contextArb = fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: FIELDS.length });

/** A value, or the error it ended with (code and message), as plain JSON. */
async function outcome(e: CompiledExpression, context: Record<string, unknown>): Promise<unknown> {
  try {
    return { value: JSON.parse(JSON.stringify(await e.evaluate({ context, config: { a: 1 } })) ?? "null") };
  } catch (err) {
    return { error: describeEvaluationError(err) };
  }
}

describe("remembered expressions", () => {
  it("give what a fresh evaluation gives, for random expressions and two contexts (the second differing in some fields)", async () => {
    let remembered = 0;
    await fc.assert(
      fc.asyncProperty(expressions.expr, contextArb, contextArb, async (source, first, changes) => {
        let compiled: CompiledExpression;
        try {
          compiled = compileExpression(source);
        } catch {
          return; // not an expression JSONata accepts
        }
        if (contextFieldsRead(jsonata(source).ast()) !== undefined) remembered++;
        const second = { ...first, ...changes };
        const fresh = async (context: Record<string, unknown>) => outcome(compileExpression(source), context);
        // The remembered path: one compiled expression evaluated three times; the third is answered from its memory.
        expect(await outcome(compiled, first)).toEqual(await fresh(first));
        expect(await outcome(compiled, second)).toEqual(await fresh(second));
        expect(await outcome(compiled, first)).toEqual(await fresh(first));
      }),
      { numRuns: 600 },
    );
    // The generator must reach the memo often enough for the property to mean something.
    expect(remembered).toBeGreaterThan(150);
  });
});

// ---- Random directive values in every place a directive is accepted

describe("random directive values, wherever a directive is written", () => {
  const set = setWith();
  const ISSUE_CODE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
  const DIRECTIVES = ["$patch", "$append", "$prepend", "$expr"];
  // Objects (with keys like toString), lists, numbers, strings with odd characters, and the directive words themselves.
  const odd = fc.oneof(
    fc.constantFrom<unknown>({ toString: 1 }, { valueOf: "x" }, { toJSON: 1 }, "delete", "replace", "merge", "__proto__", "", "dele\u0000te", "del\nete'\"", null, true, [], {}),
    fc.string({ unit: "binary", maxLength: 6 }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.array(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.string({ maxLength: 2 }), fc.constant({ $patch: "delete" })), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom("toString", "valueOf", "a", "$patch", "$append", "constructor"), fc.oneof(fc.integer(), fc.string({ maxLength: 2 })), { maxKeys: 2 }),
  );
  /** `{ <directive>: <odd value> }`, maybe beside another key, at the top or under a field. */
  const placed = fc
    .tuple(fc.constantFrom(...DIRECTIVES), odd, fc.boolean(), fc.constantFrom(0, 1, 2))
    .map(([d, v, extra, depth]) => {
      let node: Record<string, unknown> = objectOf([[d, v], ...(extra ? [["a", 1] as [string, unknown]] : [])]);
      for (let i = 0; i < depth; i++) node = { parameters: node };
      return node;
    });

  /** Every error names where it is: a file with line and column, or a pointer (into the context, overrides or body). */
  function expectLocated(issues: Issue[]) {
    for (const e of issues) {
      expect(e.code).toMatch(ISSUE_CODE);
      if (e.file) expect([e.file, typeof e.line, typeof e.column]).toEqual([e.file, "number", "number"]);
      else expect(typeof e.pointer).toBe("string");
    }
  }

  it("in a layer's data: a located load issue, or a compose whose errors are located; never a throw", async () => {
    await fc.assert(
      fc.asyncProperty(placed, async (data) => {
        const text = JSON.stringify({ name: "odd", stage: "finalize", data: { x: data } }, null, 1);
        const loaded = loadLayerSetFromFiles([...SHIPPED, { path: "odd.json", text }], { schemasDir: SCHEMAS_DIR });
        const errors = loaded.issues.filter((i) => i.severity === "error");
        for (const e of errors) expect([e.file, typeof e.line, typeof e.column]).toEqual(["odd.json", "number", "number"]);
        if (errors.length === 0) expectLocated((await compose(loaded, { model_name: "m", base_runtime: "vllm" })).errors);
      }),
      { numRuns: 200 },
    );
  });

  it("in a context's user_overrides (patch and replace): errors with pointers, never a throw", async () => {
    await fc.assert(
      fc.asyncProperty(placed, fc.constantFrom("patch", "replace"), async (overrides, mode) => {
        const result = await compose(set, { model_name: "m", base_runtime: "vllm", override_mode: mode, user_overrides: overrides });
        expectLocated(result.errors);
        if (result.ok) expect(result.config).toBeTypeOf("object");
      }),
      { numRuns: 200 },
    );
  });

  it("through the CLI's --set and --override parsing: a usage error or a compose with located errors", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...DIRECTIVES), odd, placed, async (d, v, file) => {
        let patch: unknown;
        try {
          // `--set parameters.<d>=<value>`, the value written as JSON (which YAML reads as itself); then an --override file.
          patch = combinePatches(combinePatches(undefined, file), parseSet(`parameters.${d}=${JSON.stringify(v) ?? "null"}`));
        } catch (e) {
          expect(e).toBeInstanceOf(UsageError);
          return;
        }
        expectLocated((await compose(set, { model_name: "m", base_runtime: "vllm", user_overrides: patch })).errors);
      }),
      { numRuns: 200 },
    );
  });

  let server: RunningServer | undefined;
  afterAll(async () => {
    await server?.close();
    removeTempDirs();
  });

  it("in a request body sent to a running server (both POST routes, composed in its workers): never a 5xx", async () => {
    server = await startServer();
    const routes = ["/api/config/preview", "/api/tasks/from-context"];
    await fc.assert(
      fc.asyncProperty(placed, fc.constantFrom(...routes), fc.nat(), async (overrides, route, n) => {
        // JSON carries what the generator made, except `undefined` (dropped) and -0 (0): the server sees exactly this.
        const body = { model_name: `m${n}`, base_runtime: "vllm", overrides };
        const res = await post(server!, route, body);
        expect([200, 201, 400, 409, 422], res.text.slice(0, 300)).toContain(res.status);
        const issues: Issue[] = res.status === 200 ? res.body.errors : res.status === 201 ? [] : res.body.error.issues;
        expectLocated(issues.filter((i) => i.code !== "task-name-taken"));
      }),
      { numRuns: 150 },
    );
  }, 180_000);

  const AUTOTUNER_BODY = bodyNames(loadProject(REPO_ROOT));
  it("in a request body (the server's reader, then compose): 4xx issues or located errors, never a throw", async () => {
    await fc.assert(
      fc.asyncProperty(placed, async (overrides) => {
        // The body's names (`overrides` for user_overrides) are the autotuner's project file's.
        const { request, issues } = readTaskRequest(set.schemas, AUTOTUNER_BODY, { model_name: "m", base_runtime: "vllm", overrides });
        if (!request) return expectLocated(issues);
        const result = await compose(set, request.context);
        expectLocated(toBodyPointers(result.errors, request));
      }),
      { numRuns: 200 },
    );
  });
});
