// merge(): the design's rule (objects merge, lists and scalars replace), its directives, and its guarantees:
// inputs are never mutated or shared, prototype keys stay plain keys, and a bad directive is a MergeError
// with the pointer where it sits.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { merge, MergeError, Trace, provenanceOf, lastWrite, type Origin } from "../src/index.js";
import { deepFreeze } from "./helpers/data.js";

const A: Origin = { source: "layer-a", layer: "layer-a", stage: "first", file: "a.yaml", line: 1 };
const B: Origin = { source: "layer-b", layer: "layer-b", stage: "second", file: "b.yaml", line: 1 };
const USER: Origin = { source: "user_patch", stage: "user" };

/** Every object and array reachable from a value. */
function containers(v: unknown, out = new Set<object>()): Set<object> {
  if (v !== null && typeof v === "object") {
    out.add(v);
    for (const k of Object.keys(v)) containers((v as Record<string, unknown>)[k], out);
  }
  return out;
}

/** The design document's `_deep_merge`, as a reference for directive-free data. */
function designMerge(target: unknown, source: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(target as Record<string, unknown>);
  for (const [k, v] of Object.entries(source)) {
    const cur = out[k];
    const isObj = (x: unknown) => x !== null && typeof x === "object" && !Array.isArray(x);
    out[k] = isObj(cur) && isObj(v) ? designMerge(cur, v as Record<string, unknown>) : structuredClone(v);
  }
  return out;
}

const BASE = () => ({
  marker: "from-a",
  nested: { x: "from-a", y: "from-a", deep: { list: ["from-a"] } },
  list: ["from-a-1", "from-a-2"],
  gone: "from-a",
  replaced: { x: "from-a", y: "from-a" },
  scalar: "from-a",
  obj: { k: "from-a" },
});

const PATCH = () => ({
  marker: "from-b",
  nested: { x: "from-b", deep: { list: { $append: ["from-b"] } } },
  list: { $prepend: ["from-b"] },
  gone: { $patch: "delete" },
  replaced: { $patch: "replace", x: "from-b" },
  scalar: { k: "from-b" },
  obj: "from-b",
  fresh: { $patch: "replace", inner: { $append: ["from-b"] } },
});

const EXPECTED = {
  marker: "from-b",
  nested: { x: "from-b", y: "from-a", deep: { list: ["from-a", "from-b"] } },
  list: ["from-b", "from-a-1", "from-a-2"],
  replaced: { x: "from-b" },
  scalar: { k: "from-b" },
  obj: "from-b",
  fresh: { inner: ["from-b"] },
};

describe("merge rules", () => {
  it("objects merge recursively; lists, scalars and type changes replace; new keys are added", () => {
    const out = merge(
      { a: { x: 1, y: [1, 2], z: { deep: true } }, list: [1, 2, 3], s: "old", o: { k: 1 }, n: 1 },
      { a: { x: 2, y: [9], w: "new" }, list: [4], s: { now: "object" }, o: "now scalar", n: null, added: { k: [] } },
      A,
    );
    expect(out).toEqual({
      a: { x: 2, y: [9], z: { deep: true }, w: "new" },
      list: [4],
      s: { now: "object" },
      o: "now scalar",
      n: null,
      added: { k: [] },
    });
  });

  it("every directive at once, over deep-frozen inputs", () => {
    expect(merge(deepFreeze(BASE()), deepFreeze(PATCH()), B)).toEqual(EXPECTED);
  });

  it("$patch: merge is a plain merge", () => {
    expect(merge({ o: { x: 1, y: 1 } }, { o: { $patch: "merge", x: 2 } }, A)).toEqual({ o: { x: 2, y: 1 } });
  });

  it("$append and $prepend onto nothing create the list; $patch: delete of nothing is a no-op", () => {
    expect(merge({}, { a: { $append: [1] }, p: { $prepend: [2] }, d: { $patch: "delete" } }, A)).toEqual({ a: [1], p: [2] });
  });

  it("merging onto undefined resolves directives against nothing (replace mode)", () => {
    expect(merge(undefined, { a: { $patch: "replace", b: { $append: [1] } }, c: { $patch: "delete" }, d: 1 }, USER)).toEqual({ a: { b: [1] }, d: 1 });
  });

  it("agrees with the design's _deep_merge on any directive-free data", () => {
    const key = fc.constantFrom("a", "b", "c", "tp-size");
    const leaf = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string({ maxLength: 3 }), fc.array(fc.integer(), { maxLength: 3 }));
    const { tree } = fc.letrec((tie) => ({
      tree: fc.dictionary(key, fc.oneof({ depthSize: "small" }, leaf, tie("tree")), { maxKeys: 4 }),
    }));
    fc.assert(
      fc.property(tree, tree, (base, patch) => {
        const expected = designMerge(base, patch as Record<string, unknown>);
        const snapshot = structuredClone([base, patch]);
        const out = merge(deepFreeze(base), deepFreeze(patch), A);
        expect(out).toEqual(expected);
        expect([base, patch]).toEqual(snapshot);
      }),
      { numRuns: 300 },
    );
  });
});

describe("merge never mutates or shares its inputs", () => {
  it("deep-frozen inputs stay equal to their snapshots, and the result shares no object with them", () => {
    const base = BASE();
    const patch = PATCH();
    const snapshot = structuredClone({ base, patch });
    deepFreeze(base);
    deepFreeze(patch);
    const out = merge(base, patch, B, new Trace());
    expect({ base, patch }).toEqual(snapshot);
    const shared = [...containers(out)].filter((o) => containers(base).has(o) || containers(patch).has(o));
    expect(shared).toEqual([]);
    // The result is the caller's to change.
    expect(Object.isFrozen(out)).toBe(false);
    (out as { nested: { y: string } }).nested.y = "changed";
    expect(base.nested.y).toBe("from-a");
  });

  it("values taken whole from a patch (lists, new objects, replacements) are copies", () => {
    const patch = deepFreeze({ list: [{ k: 1 }], fresh: { deep: { k: 1 } }, rep: { $patch: "replace", k: { j: 1 } } });
    const out = merge({ rep: { old: 1 } }, patch, A) as Record<string, any>;
    expect(out.list).not.toBe(patch.list);
    expect(out.list[0]).not.toBe(patch.list[0]);
    expect(out.fresh.deep).not.toBe(patch.fresh.deep);
    expect(out.rep.k).not.toBe((patch.rep as Record<string, unknown>).k);
    out.list[0].k = 2;
    expect(patch.list[0].k).toBe(1);
  });

  it("a failed merge leaves its inputs untouched too", () => {
    const base = deepFreeze({ a: { s: "x" }, b: [1] });
    const patch = deepFreeze({ b: { $append: [2] }, a: { s: { $append: [1] } } });
    expect(() => merge(base, patch, A)).toThrow(MergeError);
    expect(base).toEqual({ a: { s: "x" }, b: [1] });
  });
});

describe("prototype keys never reach a prototype", () => {
  const polluted = () => ({}) as Record<string, unknown>;
  const clean = () => {
    expect(polluted().polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
  };

  it("__proto__ from JSON.parse stays an own key of the result", () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}, "a": {"__proto__": {"polluted": true}}}');
    const out = merge({ a: { b: 1 } }, patch, USER) as Record<string, unknown>;
    clean();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toContain("__proto__");
    expect(out.polluted).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(out, "__proto__")?.value).toEqual({ polluted: true });
    const a = out.a as Record<string, unknown>;
    expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
    expect(a.polluted).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(a, "__proto__")?.value).toEqual({ polluted: true });
  });

  it("__proto__ merged into an existing __proto__ own key stays own", () => {
    const base = JSON.parse('{"__proto__": {"x": 1}}');
    const patch = JSON.parse('{"__proto__": {"polluted": true}}');
    const out = merge(base, patch, USER) as Record<string, unknown>;
    clean();
    expect(Object.getOwnPropertyDescriptor(out, "__proto__")?.value).toEqual({ x: 1, polluted: true });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  it("constructor and prototype are plain keys", () => {
    const patch = JSON.parse('{"constructor": {"prototype": {"polluted": true}}, "prototype": {"polluted": true}}');
    const out = merge({}, patch, USER) as Record<string, any>;
    clean();
    expect(out.constructor).toEqual({ prototype: { polluted: true } });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  it("inside directives: $patch replace, $append items, merge onto nothing", () => {
    const patch = JSON.parse(
      '{"r": {"$patch": "replace", "__proto__": {"polluted": true}}, "l": {"$append": [{"__proto__": {"polluted": true}}]}, "n": {"deep": {"__proto__": {"polluted": true}}}}',
    );
    const out = merge(undefined, patch, USER) as Record<string, any>;
    clean();
    for (const o of [out.r, out.l[0], out.n.deep]) {
      expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
      expect(o.polluted).toBeUndefined();
      expect(Object.keys(o)).toEqual(["__proto__"]);
    }
  });
});

describe("directive errors throw MergeError with the pointer", () => {
  const cases: [string, unknown, unknown, string, RegExp][] = [
    ["$append onto a non-list", { a: { b: "x" } }, { a: { b: { $append: [1] } } }, "/a/b", /cannot append to a value that is not a list/],
    ["$prepend onto an object", { a: { b: { c: 1 } } }, { a: { b: { $prepend: [1] } } }, "/a/b", /cannot prepend to a value that is not a list/],
    ["unknown $patch", { x: {} }, { x: { $patch: "remove" } }, "/x", /unknown \$patch directive 'remove'/],
    ["$patch: delete beside other keys", {}, { x: { $patch: "delete", y: 1 } }, "/x", /must stand alone/],
    ["$append beside other keys", {}, { x: { $append: [1], y: 1 } }, "/x", /must stand alone/],
    ["$append and $prepend together", {}, { x: { $append: [1], $prepend: [0] } }, "/x", /must stand alone/],
    ["$append of a non-list", { x: [] }, { x: { $append: 1 } }, "/x", /takes a list/],
    ["escaped pointer tokens", { "a/b": { "c~d": 1 } }, { "a/b": { "c~d": { $append: [1] } } }, "/a~1b/c~0d", /not a list/],
    ["inside a replacement", {}, { r: { $patch: "replace", inner: { $patch: "nope" } } }, "/r/inner", /unknown \$patch directive 'nope'/],
  ];
  for (const [name, base, patch, pointer, message] of cases) {
    it(name, () => {
      let caught: unknown;
      try {
        merge(deepFreeze(base), deepFreeze(patch), A);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(MergeError);
      expect((caught as MergeError).pointer).toBe(pointer);
      expect((caught as MergeError).message).toMatch(message);
    });
  }
});

describe("trace and provenance", () => {
  it("every leaf names the origin that wrote it last; a per-pointer origin gives each write its line", () => {
    const trace = new Trace();
    const a = merge(undefined, { x: 1, o: { k: "from-a", j: "from-a" }, l: [1] }, A, trace);
    const lines: Record<string, number> = { "/o/k": 7, "/l": 9 };
    const b = merge(a, { o: { k: "from-b" }, l: { $append: [2] } }, (p) => ({ ...B, line: lines[p] ?? 1 }), trace);
    expect(b).toEqual({ x: 1, o: { k: "from-b", j: "from-a" }, l: [1, 2] });
    const prov = provenanceOf(b, trace);
    expect(prov["/x"].source).toBe("layer-a");
    expect(prov["/o/j"].source).toBe("layer-a");
    expect(prov["/o/k"]).toMatchObject({ source: "layer-b", line: 7 });
    expect(prov["/l"]).toMatchObject({ source: "layer-b", line: 9 });
    expect(trace.writes.get("/l")?.map((w) => w.op)).toEqual(["set", "append"]);
  });

  // Regression: an object written over a scalar kept the scalar's older write as the value's origin, so a
  // config-invalid error on the user's `task_name: {$expr: …}` blamed base-model instead of the user patch.
  it("an object that replaces a scalar is attributed to its writer, not to the scalar's", () => {
    const trace = new Trace();
    const a = merge(undefined, { task_name: "from-a" }, A, trace);
    merge(a, { task_name: { $expr: "model_name" } }, USER, trace);
    expect(lastWrite(trace, "/task_name")?.origin.source).toBe("user_patch");
  });

  // Regression: a field missing inside an object a layer created had no origin at all.
  it("a missing field inside a new object names who wrote the object", () => {
    const trace = new Trace();
    merge({}, { slo: { ttft: { weight: 2 } } }, B, trace);
    expect(lastWrite(trace, "/slo/ttft/threshold")?.origin.source).toBe("layer-b");
  });

  // Regression: a required value deleted by the user patch was reported without an origin.
  it("a deleted value's last write is the delete", () => {
    const trace = new Trace();
    const a = merge(undefined, { task_name: "from-a" }, A, trace);
    merge(a, { task_name: { $patch: "delete" } }, USER, trace);
    expect(lastWrite(trace, "/task_name")).toMatchObject({ op: "delete", origin: { source: "user_patch" } });
  });

  it("a value recreated after a delete is attributed to its new writer", () => {
    const trace = new Trace();
    let v = merge(undefined, { o: { k: 1 } }, A, trace);
    v = merge(v, { o: { $patch: "delete" } }, USER, trace);
    v = merge(v, { o: { j: 2 } }, B, trace);
    expect(v).toEqual({ o: { j: 2 } });
    expect(provenanceOf(v, trace)["/o/j"].source).toBe("layer-b");
    expect(lastWrite(trace, "/o")?.origin.source).toBe("layer-b");
  });
});
