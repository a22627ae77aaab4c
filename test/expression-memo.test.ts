// Expressions that read only context fields are remembered by those fields' values (src/expression.ts).
// These tests fail if the memo keys on too little, shares results between callers, or catches impure ones.
import { describe, expect, it } from "vitest";
import { compileExpression } from "../src/lang/expression.js";

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

  it("hand every caller its own copy", async () => {
    const e = compileExpression('{"sizes": [1, 2, 4], "gpu": gpu_type}');
    const scope = { context: { gpu_type: "H100" }, config: {} };
    const first = (await e.evaluate(scope)) as { sizes: number[] };
    first.sizes.push(99);
    expect(await e.evaluate(scope)).toEqual({ sizes: [1, 2, 4], gpu: "H100" });
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
