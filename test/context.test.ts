// The context's one-walk copy (`cleanCopy`, src/core/context.ts), tested directly: it must copy every usual context
// exactly and share nothing with it, and give up (undefined) on exactly what the slower walks find and name —
// nesting past the depth limit, a forbidden key, a number JSON cannot hold. Giving up on a clean context would
// still compose right, only slower (issue 16), so these tests hold the fast path to both halves of its contract.
// What compose says about a context that makes it give up is in test/engine-units.test.ts and test/cases/errors/.
import { describe, expect, it } from "vitest";
import { cleanCopy, normalizeContext } from "../src/core/context.js";
import { cloneData } from "../src/util/data.js";
import { setWith } from "./hostile/setup.js";

/** n nested objects around a 1: `nestObjects(2)` is `{a: {a: 1}}`. */
const nestObjects = (n: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
};

/** n nested lists around a 1: `nestLists(2)` is `[[1]]`. */
const nestLists = (n: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = [v];
  return v;
};

/** Every object and list inside `v` (v too), for checking that a copy shares none of them. */
const containers = (v: unknown): object[] => {
  if (v === null || typeof v !== "object") return [];
  return [v, ...Object.values(v).flatMap(containers)];
};

describe("cleanCopy: the usual context copied in one walk", () => {
  it("copies every kind of value exactly (the same as cloneData), sharing no object or list with the input", () => {
    const input = {
      s: "text",
      empty: "",
      n: 1.5,
      zero: 0,
      neg: -3,
      big: Number.MAX_VALUE,
      t: true,
      f: false,
      nul: null,
      u: undefined,
      list: [1, "a", null, undefined, false, 0, [2, { a: 3 }], {}],
      obj: { a: { b: [], c: { d: "e" } } },
    };
    const before = structuredClone(input);
    const copy = cleanCopy(input);
    expect(copy).toStrictEqual(before);
    expect(copy).toStrictEqual(cloneData(input));
    expect(Object.keys(copy as object)).toEqual(Object.keys(input));
    expect((copy as typeof input).list).toHaveLength(8);
    expect(input).toStrictEqual(before);
    const mine = containers(copy);
    expect(mine).toHaveLength(9);
    for (const c of containers(input)) expect(mine).not.toContain(c);
  });

  it("hands back a value that is not an object or list as it is", () => {
    expect(cleanCopy("a")).toBe("a");
    expect(cleanCopy(7)).toBe(7);
    expect(cleanCopy(null)).toBe(null);
    expect(cleanCopy(false)).toBe(false);
    expect(cleanCopy([])).toStrictEqual([]);
    expect(cleanCopy({})).toStrictEqual({});
  });

  it("copies objects and lists nested exactly to the depth limit (64), and gives up one level past it", () => {
    expect(cleanCopy(nestObjects(64))).toStrictEqual(nestObjects(64));
    expect(cleanCopy(nestObjects(65))).toBeUndefined();
    expect(cleanCopy(nestLists(64))).toStrictEqual(nestLists(64));
    expect(cleanCopy(nestLists(65))).toBeUndefined();
    // Too deep anywhere, however it is reached: in an object in a list, in a list in an object.
    expect(cleanCopy({ a: [1, nestObjects(63)] })).toBeUndefined();
    expect(cleanCopy([{ a: 1 }, { b: nestLists(63) }])).toBeUndefined();
    expect(cleanCopy({ a: [1, nestObjects(62)] })).toStrictEqual({ a: [1, nestObjects(62)] });
  });

  it("gives up on a cycle (it counts as too deep) without exhausting the stack", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(cleanCopy(cyclic)).toBeUndefined();
    const list: unknown[] = [1];
    list.push(list);
    expect(cleanCopy(list)).toBeUndefined();
  });

  it.each([
    ["__proto__ at the top", () => JSON.parse('{"a": 1, "__proto__": {"polluted": true}}')],
    ["constructor at the top", () => ({ a: 1, constructor: "x" })],
    ["prototype nested in an object", () => ({ a: { b: 1, prototype: {} } })],
    ["__proto__ in an object in a list", () => ({ a: [1, JSON.parse('{"__proto__": 1}')] })],
    ["constructor in an object in a list of lists", () => [[{ b: 1 }, { constructor: null }]]],
  ])("gives up on a forbidden key: %s", (_, make) => {
    expect(cleanCopy(make())).toBeUndefined();
  });

  it.each([
    ["Infinity at the top", { a: 1, n: Infinity }],
    ["-Infinity nested", { a: { b: -Infinity } }],
    ["NaN nested", { a: { b: { c: NaN } } }],
    ["Infinity in a list", { a: [1, Infinity, 2] }],
    ["NaN in a list in a list", [[1], [2, NaN]]],
    ["-Infinity as the first item", [-Infinity]],
  ])("gives up on a number JSON cannot hold: %s", (_, input) => {
    expect(cleanCopy(input)).toBeUndefined();
  });

  it("gives up on such a number alone, and keeps every finite one", () => {
    expect([Infinity, -Infinity, NaN].map((n) => cleanCopy(n))).toEqual([undefined, undefined, undefined]);
    expect([0, -0, 1e308, -1e-300].map((n) => cleanCopy(n))).toEqual([0, -0, 1e308, -1e-300]);
  });
});

describe("normalizeContext: the fast path and the named problems agree", () => {
  it("a usual context comes back as the copy, with the schema's defaults filled in and the input untouched", () => {
    const schemas = setWith().schemas;
    const input = { model_name: "m", base_runtime: "sglang", user_overrides: { parameters: { "tp-size": [1, 2], note: null } } };
    const before = structuredClone(input);
    const r = normalizeContext(schemas, input);
    expect(r.issues).toEqual([]);
    expect(input).toStrictEqual(before);
    expect(r.context).toMatchObject(before);
    expect((r.context as typeof input).user_overrides).not.toBe(input.user_overrides);
    expect((r.context as typeof input).user_overrides.parameters["tp-size"]).not.toBe(input.user_overrides.parameters["tp-size"]);
  });

  it("a usual context is read in one walk: each field once (the walks that name a problem read it again, each)", () => {
    const schemas = setWith().schemas;
    const reads: Record<string, number> = {};
    const counted = <T extends object>(target: T): T =>
      new Proxy(target, {
        get(t, key, receiver) {
          if (typeof key === "string") reads[key] = (reads[key] ?? 0) + 1;
          return Reflect.get(t, key, receiver);
        },
      });
    const input = counted({ model_name: "m", base_runtime: "sglang", user_overrides: counted({ parameters: { x: 1 } }) });
    const r = normalizeContext(schemas, input);
    expect(r.issues).toEqual([]);
    expect((r.context as { user_overrides: unknown }).user_overrides).toStrictEqual({ parameters: { x: 1 } });
    expect(reads).toEqual({ model_name: 1, base_runtime: 1, user_overrides: 1, parameters: 1 });
  });

  it("a $config field is refused with its own words, even when its value is clean", () => {
    const schemas = setWith().schemas;
    expect(normalizeContext(schemas, { model_name: "m", base_runtime: "sglang", $config: 1 })).toEqual({
      issues: [
        {
          code: "context-invalid",
          severity: "error",
          message: "'$config' is not allowed as a context field: layers read the config built so far under that name",
          pointer: "/$config",
        },
      ],
    });
  });

  it("what makes the copy give up is named by the slower walks: the deepest, the forbidden key, the number", () => {
    const schemas = setWith().schemas;
    const base = { model_name: "m", base_runtime: "sglang" };
    expect(normalizeContext(schemas, { ...base, user_overrides: { q: nestLists(63) } }).issues).toEqual([
      { code: "too-deep", severity: "error", message: "the context nests deeper than 64 levels", pointer: "/user_overrides/q" + "/0".repeat(62) },
    ]);
    expect(normalizeContext(schemas, { ...base, user_overrides: { constructor: 1, prototype: 2 } }).issues).toEqual([
      { code: "forbidden-key", severity: "error", message: "key 'constructor' is not allowed in a context or override", pointer: "/user_overrides/constructor" },
      { code: "forbidden-key", severity: "error", message: "key 'prototype' is not allowed in a context or override", pointer: "/user_overrides/prototype" },
    ]);
    expect(normalizeContext(schemas, { ...base, user_overrides: { parameters: { x: [[1, NaN]] } } }).issues).toEqual([
      { code: "context-invalid", severity: "error", message: "'user_overrides.parameters.x.0.1' is not a number (NaN): write a finite number", pointer: "/user_overrides/parameters/x/0/1" },
    ]);
  });

  it("a context that is not an object is refused before any walk", () => {
    const schemas = setWith().schemas;
    for (const input of [null, [1], "ctx", 3]) {
      expect(normalizeContext(schemas, input)).toEqual({
        issues: [{ code: "context-invalid", severity: "error", message: "the context must be an object (a mapping of fields)", pointer: "" }],
      });
    }
  });
});
