// Expressions that read only context fields are remembered by those fields' values (src/expression.ts).
// These tests fail if the memo keys on too little, shares results between callers, or catches impure ones.
import { describe, expect, it } from "vitest";
import { compileExpression } from "../src/lang/expression.js";
import { contextFieldsRead } from "../src/lang/expression-reads.js";
import { compose } from "../src/index.js";
import { jsonata } from "../src/vendor.js";
import { setWith } from "./hostile/setup.js";

const run = (src: string, context: Record<string, unknown>, config: unknown = {}) => compileExpression(src).evaluate({ context, config });

describe("remembered expressions", () => {
  it("give each combination of the fields they read its own value", async () => {
    const e = compileExpression('{"gpu": gpu_type, "n": total_gpus, "list": [num_concurrency]}');
    const a = { gpu_type: "H100", total_gpus: 8, num_concurrency: [1] };
    const b = { gpu_type: "A100", total_gpus: 8, num_concurrency: [1] };
    const c = { gpu_type: "H100", total_gpus: 8, num_concurrency: [1, 4] };
    expect(await e.evaluate({ context: a, config: {} })).toEqual({ gpu: "H100", n: 8, list: [1] });
    expect(await e.evaluate({ context: b, config: {} })).toEqual({ gpu: "A100", n: 8, list: [1] });
    expect(await e.evaluate({ context: c, config: {} })).toEqual({ gpu: "H100", n: 8, list: [1, 4] });
    expect(await e.evaluate({ context: a, config: {} })).toEqual({ gpu: "H100", n: 8, list: [1] });
    expect(await e.evaluate({ context: { ...a, gpu_type: null }, config: {} })).toEqual({ gpu: null, n: 8, list: [1] });
    expect(await e.evaluate({ context: { total_gpus: 8, num_concurrency: [1] }, config: {} })).toEqual({ n: 8, list: [1] });
  });

  it("hand every caller its own copy, computed (a miss) or remembered (a hit)", async () => {
    const e = compileExpression('{"sizes": [1, 2, 4], "gpu": gpu_type}');
    const scope = { context: { gpu_type: "H100" }, config: {} };
    const fresh = { sizes: [1, 2, 4], gpu: "H100" };
    const first = (await e.evaluate(scope)) as { sizes: number[] }; // computed, then remembered
    first.sizes.push(98);
    const second = (await e.evaluate(scope)) as { sizes: number[]; gpu: string }; // remembered
    expect(second).toEqual(fresh);
    second.sizes.push(99);
    second.gpu = "changed";
    const third = await e.evaluate(scope); // remembered again: the cached value, untouched
    expect(third).toEqual(fresh);
    expect(third).not.toBe(second);
  });

  it("are not remembered when they read the config so far, the whole context or the clock", async () => {
    expect(await run("$config.a * 2", {}, { a: 1 })).toBe(2);
    const byConfig = compileExpression('$config.a & "-" & gpu_type');
    expect(await byConfig.evaluate({ context: { gpu_type: "x" }, config: { a: "1" } })).toBe("1-x");
    expect(await byConfig.evaluate({ context: { gpu_type: "x" }, config: { a: "2" } })).toBe("2-x");
    const whole = compileExpression("$count($keys($$))");
    expect(await whole.evaluate({ context: { a: 1 }, config: {} })).toBe(1);
    expect(await whole.evaluate({ context: { a: 1, b: 2 }, config: {} })).toBe(2);
    const clock = compileExpression("$millis()");
    const t1 = (await clock.evaluate({ context: {}, config: {} })) as number;
    await new Promise((r) => setTimeout(r, 5));
    expect(await clock.evaluate({ context: {}, config: {} })).toBeGreaterThan(t1);
  });

  it("stay correct for keys too long to remember (request data)", async () => {
    const e = compileExpression('model_name & "!"');
    const long = "x".repeat(5000);
    expect(await e.evaluate({ context: { model_name: long }, config: {} })).toBe(long + "!");
    expect(await e.evaluate({ context: { model_name: "short" }, config: {} })).toBe("short!");
    expect(await e.evaluate({ context: { model_name: long + "y" }, config: {} })).toBe(long + "y!");
  });
});

// What the analysis proves (the memo keys on it): the fields read, or null when it cannot prove the value
// depends on nothing else. Each `null` row is a way to read the context that a name-collecting analysis misses.
const READS: [string, string[] | null][] = [
  ["model_name", ["model_name"]],
  ["slo_config.ttft[$ > 1]", ["slo_config"]],
  ["$string(model_name)", ["model_name"]],
  ["$lookup($table, gpu_type)", null], // $table is not bound: unknown
  ['($t := {"H100": 8}; $lookup($t, gpu_type))', ["gpu_type"]],
  ["$map(num_concurrency, function($v){ $v * total_gpus })", ["num_concurrency", "total_gpus"]],
  ["model_name ~> $string()", ["model_name"]],
  ["$uppercase()", []], // the context is an object: a type error whatever it holds
  ["num_concurrency.$string()", ["num_concurrency"]], // `$string()` of each item
  ["$string()", null],
  ["$keys()", null],
  ["$spread()", null],
  ["$boolean()", null],
  ["$clone()", null],
  ['$lookup("model_name")', null],
  ["$sift(function($v, $k){ true })", null],
  ['$each(function($v, $k){ $k })', null],
  ["$map([1], function($v){ $ })", null], // a lambda's input is where it was written: here, the context
  ["($f := $string; $f())", null],
  ['{"f": $keys}.f()', null],
  ["$string(?)", null],
  ["function($x)<o-:o>{ $x }", null],
  ["$string()[0]", null],
  ["$keys().x", null],
  ["model_name@$m.gpu_type", ["gpu_type", "model_name"]], // after a focus the next step reads the context again
  ["$$.model_name", ["model_name"]],
  ["$$", null],
  ["$", null],
  ["*", null],
  ["**.x", null],
  ["$config.parameters", null],
  ["$now()", null],
  ["$millis()", null],
  ["$random()", null],
  ["$shuffle([1, 2])", null],
  ["$undefinedVariable", null],
];

describe("what an expression reads (contextFieldsRead)", () => {
  it.each(READS)("%s → %j", (source, expected) => {
    expect(contextFieldsRead(jsonata(source).ast()) ?? null).toEqual(expected);
  });

  it("a layer whose expression reads the whole context never hands one context's value to another (regression: $string())", async () => {
    const set = setWith({ path: "leak.yaml", text: "name: leak\nstage: finalize\ndata:\n  description: !expr '$string()'\n" });
    const base = { base_runtime: "vllm", benchmark_task: "text-to-text", deployment_mode: "docker" };
    const first = await compose(set, { ...base, model_name: "alice-model", user_overrides: { secret: 1 } });
    const second = await compose(set, { ...base, model_name: "bob-model" });
    expect(JSON.parse(first.config!.description as string).model_name).toBe("alice-model");
    expect(JSON.parse(second.config!.description as string).model_name).toBe("bob-model");
    expect(second.config!.description).not.toContain("secret");
  });
});
