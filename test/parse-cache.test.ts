// The parse cache of the `strata` command (src/core/source-cache.ts): a hit gives exactly what parsing gives, and
// an entry is never used for another text, path, option, limit or version of the code (the key holds them all).
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { parseSource as parseUncached, SOURCE_LIMITS, type SourceFile } from "../src/core/source.js";
import { DEFAULT_MAX_ENTRIES, entryKey, heldByJson, parseSource, pruneEntries, useParseCache } from "../src/core/source-cache.js";
import { cacheDir } from "../src/cli/main.js";
import { ensureBuilt } from "./helpers/cli.js";
import { CLI, REPO_ROOT } from "./helpers/paths.js";

const tmp = mkdtempSync(join(tmpdir(), "strata-parse-cache-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(tmp, `cache-${n++}`);
const entries = (dir: string) => {
  try {
    return readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  } catch {
    return [];
  }
};
afterEach(() => useParseCache(undefined));

const LAYER: SourceFile = { path: "runtime/vllm.yaml", text: "name: vllm\nstage: runtime\nwhen: {'==': [{var: base_runtime}, vllm]}\ndata:\n  parameters:\n    tp-size: [1, 2]\n    mem: !expr 'gpu_count * 2'\n" };

describe("a hit gives what parsing gives", () => {
  it("the second parse reads the one entry the first wrote, with the same data and positions in the same order", () => {
    const dir = freshDir();
    useParseCache({ dir, codeId: "code-a" });
    const first = parseSource(LAYER);
    expect(entries(dir)).toEqual([`${entryKey("code-a", LAYER, {})}.json`]);
    const second = parseSource(LAYER);
    const plain = parseUncached(LAYER);
    for (const r of [first, second]) {
      expect(r.issues).toEqual([]);
      expect(r.source!.data).toEqual(plain.source!.data);
      expect([...r.source!.positions]).toEqual([...plain.source!.positions]);
    }
    expect(second.source!.data).toEqual({ name: "vllm", stage: "runtime", when: { "==": [{ var: "base_runtime" }, "vllm"] }, data: { parameters: { "tp-size": [1, 2], mem: { $expr: "gpu_count * 2" } } } });
    expect(second.source!.positions.get("/data/parameters/mem#value")).toEqual({ line: 7, column: 16 });
    // A hit is its own copy: changing it changes neither the entry nor the next hit.
    (second.source!.data as { name: string }).name = "changed";
    expect((parseSource(LAYER).source!.data as { name: string }).name).toBe("vllm");
  });

  it("a key named __proto__ stays an own key, as the parser makes it", () => {
    const dir = freshDir();
    useParseCache({ dir, codeId: "code-a" });
    const file = { path: "a.yaml", text: "data:\n  __proto__: {polluted: true}\n" };
    parseSource(file);
    const hit = parseSource(file).source!.data as { data: Record<string, unknown> };
    expect(entries(dir)).toHaveLength(1);
    expect(Object.keys(hit.data)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(hit.data)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("an entry is never used for anything else", () => {
  it("an edited file is parsed again: the new value, a second entry", () => {
    const dir = freshDir();
    useParseCache({ dir, codeId: "code-a" });
    expect(parseSource({ path: "a.yaml", text: "x: 1\n" }).source!.data).toEqual({ x: 1 });
    expect(parseSource({ path: "a.yaml", text: "x: 2\n" }).source!.data).toEqual({ x: 2 });
    expect(entries(dir)).toHaveLength(2);
  });

  it("another version of the code, another path, or the other option each have their own entry", () => {
    const dir = freshDir();
    const file = { path: "a.yaml", text: "v: !expr 'a + 1'\n" };
    useParseCache({ dir, codeId: "code-a" });
    parseSource(file);
    useParseCache({ dir, codeId: "code-b" });
    parseSource(file);
    parseSource({ ...file, path: "b.yaml" });
    // User data takes no tags: the same text as data is an error, never the layer's cached result.
    const asData = parseSource(file, { expressions: false });
    expect(asData.source).toBeUndefined();
    expect(asData.issues.map((i) => i.code)).toEqual(["unknown-tag"]);
    expect(entries(dir)).toHaveLength(3);
    const keys = new Set([entryKey("code-a", file, {}), entryKey("code-b", file, {}), entryKey("code-b", { ...file, path: "b.yaml" }, {}), entryKey("code-b", file, { expressions: false })]);
    expect(keys.size).toBe(4);
  });

  it("a lone surrogate does not share a key with the U+FFFD that UTF-8 would make of it", () => {
    expect(entryKey("c", { path: "a.yaml", text: "x: \ud800" }, {})).not.toBe(entryKey("c", { path: "a.yaml", text: "x: \ufffd" }, {}));
  });

  it("the limits are part of the key", () => {
    const before = entryKey("c", LAYER, {});
    const saved = SOURCE_LIMITS.maxAliasCount;
    SOURCE_LIMITS.maxAliasCount = saved + 1;
    try {
      expect(entryKey("c", LAYER, {})).not.toBe(before);
    } finally {
      SOURCE_LIMITS.maxAliasCount = saved;
    }
  });

  it("an entry cut short, or holding another key, is not used: the file is parsed", () => {
    const dir = freshDir();
    useParseCache({ dir, codeId: "code-a" });
    const file = { path: "a.yaml", text: "x: 1\n" };
    parseSource(file);
    const [name] = entries(dir);
    const full = readFileSync(join(dir, name), "utf8");
    writeFileSync(join(dir, name), full.slice(0, full.length - 5));
    expect(parseSource(file).source!.data).toEqual({ x: 1 });
    // The cut entry was written again whole by that parse.
    expect(readFileSync(join(dir, name), "utf8")).toBe(full);
    writeFileSync(join(dir, name), full.replace('"x":1', '"x":9').replace(/"key":"[0-9a-f]+"/, '"key":"0"'));
    expect(parseSource(file).source!.data).toEqual({ x: 1 });
  });

  it("a file that does not parse is not kept, and its issues are the parser's", () => {
    const dir = freshDir();
    useParseCache({ dir, codeId: "code-a" });
    const file = { path: "a.yaml", text: "x: [1, 2\n" };
    expect(parseSource(file)).toEqual(parseUncached(file));
    expect(parseSource(file).issues.length).toBeGreaterThan(0);
    expect(entries(dir)).toEqual([]);
  });

  it("-0, which JSON would read back as 0, is not kept and comes back as -0; .nan is the parser's error, not kept", () => {
    const dir = freshDir();
    useParseCache({ dir, codeId: "code-a" });
    const zero = { path: "a.yaml", text: "c: -0\n" };
    parseSource(zero);
    expect(Object.is((parseSource(zero).source!.data as { c: number }).c, -0)).toBe(true);
    const nan = { path: "b.yaml", text: "a: .nan\n" };
    expect(parseSource(nan)).toEqual(parseUncached(nan));
    expect(parseSource(nan).source).toBeUndefined();
    expect(entries(dir)).toEqual([]);
    expect([heldByJson({ a: [1, "x", null, true, { b: 2.5 }] }, 0), heldByJson({ a: NaN }, 0), heldByJson([Infinity], 0), heldByJson([-0], 0), heldByJson(new Map(), 0)]).toEqual([true, false, false, false, false]);
  });

  it("off, it writes nothing", () => {
    const dir = freshDir();
    useParseCache(undefined);
    expect(parseSource(LAYER)).toEqual(parseUncached(LAYER));
    expect(entries(dir)).toEqual([]);
  });
});

describe("the cache folder", () => {
  it("is $STRATA_CACHE_DIR, else $XDG_CACHE_HOME/strata, else ~/.cache/strata; none with STRATA_NO_CACHE or no home", () => {
    expect(cacheDir({ STRATA_CACHE_DIR: "/a", XDG_CACHE_HOME: "/x", HOME: "/h" })).toBe("/a");
    expect(cacheDir({ XDG_CACHE_HOME: "/x", HOME: "/h" })).toBe("/x/strata");
    expect(cacheDir({ HOME: "/h" })).toBe("/h/.cache/strata");
    expect(cacheDir({ STRATA_NO_CACHE: "1", STRATA_CACHE_DIR: "/a", HOME: "/h" })).toBeUndefined();
    expect(cacheDir({})).toBeUndefined();
  });
});

describe("the cache stays bounded", () => {
  // `count` files named e00.json… (and `tmp` cut-short writes), each written a second after the one before.
  const filled = (count: number, tmp = 0) => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    const names = [...Array.from({ length: count }, (_, i) => `e${String(i).padStart(2, "0")}.json`), ...Array.from({ length: tmp }, (_, i) => `t${i}.json.99.tmp`)];
    names.forEach((name, i) => {
      writeFileSync(join(dir, name), "{}");
      utimesSync(join(dir, name), 1_000_000 + i, 1_000_000 + i);
    });
    return dir;
  };
  const all = (dir: string) => readdirSync(dir).sort();

  it("one under the limit, nothing is deleted; at the limit, the oldest go until half are left", () => {
    const under = filled(9);
    pruneEntries(under, 10);
    expect(all(under)).toHaveLength(9);
    const at = filled(10);
    pruneEntries(at, 10);
    expect(all(at)).toEqual(["e05.json", "e06.json", "e07.json", "e08.json", "e09.json"]);
    const odd = filled(7);
    pruneEntries(odd, 7);
    expect(all(odd)).toEqual(["e04.json", "e05.json", "e06.json"]);
  });

  it("a write cut short counts and goes first when oldest; other files in the folder are not touched", () => {
    const dir = filled(0, 2);
    for (let i = 0; i < 3; i++) {
      writeFileSync(join(dir, `n${i}.json`), "{}");
      utimesSync(join(dir, `n${i}.json`), 2_000_000 + i, 2_000_000 + i);
    }
    writeFileSync(join(dir, "README"), "mine");
    utimesSync(join(dir, "README"), 1, 1);
    pruneEntries(dir, 4);
    expect(all(dir)).toEqual(["README", "n1.json", "n2.json"]);
    pruneEntries(join(dir, "missing"), 1); // no folder: nothing to do, no error
  });

  it("the first write of a process prunes, later writes do not list the folder again", () => {
    const dir = filled(4);
    useParseCache({ dir, codeId: "code-a", maxEntries: 4 });
    parseSource(LAYER);
    const key = `${entryKey("code-a", LAYER, {})}.json`;
    expect(all(dir)).toEqual(["e02.json", "e03.json", key].sort());
    const other = { path: "b.yaml", text: "name: b\nstage: base\ndata: {}\n" };
    const more = ["x1.json", "x2.json"];
    for (const name of more) writeFileSync(join(dir, name), "{}");
    parseSource(other);
    expect(all(dir)).toEqual(["e02.json", "e03.json", key, `${entryKey("code-a", other, {})}.json`, ...more].sort());
    expect(DEFAULT_MAX_ENTRIES).toBe(4000);
  });
});

describe("strata compose with the cache", () => {
  ensureBuilt();
  // The bundled command (npm run build) turns the cache on; dist/cli.js as tsc alone writes it does not.
  const bundled = readFileSync(CLI, "utf8").includes("./bin/strata.js");
  const project = join(tmp, "project");
  cpSync(join(REPO_ROOT, "layers"), join(project, "layers"), { recursive: true });
  cpSync(join(REPO_ROOT, "schemas"), join(project, "schemas"), { recursive: true });
  cpSync(join(REPO_ROOT, "strata.yaml"), join(project, "strata.yaml"));
  cpSync(join(REPO_ROOT, "test", "scenarios"), join(project, "test", "scenarios"), { recursive: true });
  const example = join(REPO_ROOT, "examples", "design-example.yaml");
  const compose = (env: Record<string, string>) => {
    const r = spawnSync(process.execPath, [CLI, "compose", "--context", example], { cwd: project, env: { ...process.env, ...env }, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    return r.stdout;
  };

  it("prints what it prints without the cache, before and after an edit of a layer file", () => {
    const cacheHome = join(tmp, "cli-cache");
    const dir = join(cacheHome, "parse");
    const uncached = compose({ STRATA_NO_CACHE: "1", STRATA_CACHE_DIR: cacheHome });
    expect(entries(dir)).toEqual([]);
    expect(compose({ STRATA_CACHE_DIR: cacheHome })).toBe(uncached);
    // The project file, the 18 layer files and the context: one entry each (none without the bundle).
    expect(entries(dir)).toHaveLength(bundled ? 20 : 0);
    expect(compose({ STRATA_CACHE_DIR: cacheHome })).toBe(uncached);
    const base = join(project, "layers", "base", "base-model.yaml");
    const text = readFileSync(base, "utf8");
    expect(text).toContain("namespace: autotuner");
    writeFileSync(base, text.replace("namespace: autotuner", "namespace: edited-here"));
    const edited = compose({ STRATA_CACHE_DIR: cacheHome });
    expect(edited).toBe(uncached.replace("namespace: autotuner", "namespace: edited-here"));
    expect(compose({ STRATA_NO_CACHE: "1" })).toBe(edited);
    expect(entries(dir)).toHaveLength(bundled ? 21 : 0);
  });
});
