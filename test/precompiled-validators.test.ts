// dist/validators.cjs (ajv standalone code written by `npm run build`) must validate exactly like the validators
// ajv compiles at runtime, and be used only for the schema texts it was generated from.
import { createRequire } from "node:module";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileProjectValidator, compileValidators, projectSchemaKey, schemasKey, withLayerSchema, VALIDATORS, type SchemaTexts } from "../src/core/schemas.js";
import { loadProject } from "../src/core/project.js";
import { parseSource } from "../src/core/source.js";
import { loadLayerSet } from "../src/core/load.js";
import { compose } from "../src/core/compose.js";
import { REPO_ROOT, LAYERS_DIR, FIXTURES_DIR, CASES_DIR } from "./helpers/paths.js";
import { parse } from "yaml";

const require = createRequire(import.meta.url);
const DIST_VALIDATORS = join(REPO_ROOT, "dist", "validators.cjs");

/** The repository's own project's schema texts (strata.yaml), with strata's layer schema. */
const readSchemaTexts = (): SchemaTexts => withLayerSchema(loadProject(REPO_ROOT).schemaTexts!);

function precompiled() {
  let mod: { key: string; strict: Record<string, Validator>; withDefaults: Record<string, Validator>; projectKey: string; project: Record<string, Validator> };
  try {
    mod = require(DIST_VALIDATORS);
  } catch {
    throw new Error(`${DIST_VALIDATORS} is missing: run npm run build`);
  }
  if (mod.key !== schemasKey(readSchemaTexts()) || mod.projectKey !== projectSchemaKey()) throw new Error(`${DIST_VALIDATORS} is stale (the schemas changed): run npm run build`);
  return mod;
}
type Validator = ((data: unknown) => boolean) & { errors?: unknown };

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.ya?ml$/.test(n) ? [p] : [];
  });

/** The value itself, then one variant per top-level key: without it, and with a wrong type. */
function variants(v: unknown): unknown[] {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return [v, 42, null, []];
  const out: unknown[] = [v, {}, { ...v, unexpected_key: 1 }];
  for (const k of Object.keys(v)) {
    const { [k]: _, ...rest } = v as Record<string, unknown>;
    out.push(rest, { ...v, [k]: 42 }, { ...v, [k]: "text" }, { ...v, [k]: [{}] });
  }
  return out;
}

async function corpus() {
  const layerDocs = [LAYERS_DIR, FIXTURES_DIR].flatMap(files).flatMap((f) => {
    const parsed = parseSource({ path: f, text: readFileSync(f, "utf8") });
    return parsed.source ? [parsed.source.data] : [];
  });
  const contexts = files(CASES_DIR).flatMap((f) => {
    const doc = parse(readFileSync(f, "utf8")) as { cases?: { context?: unknown }[] } | null;
    return (doc?.cases ?? []).map((c) => c.context).filter((c) => c !== undefined);
  });
  const set = loadLayerSet(LAYERS_DIR);
  const configs: unknown[] = [];
  for (const c of contexts) {
    const r = await compose(set, c);
    if (r.config) configs.push(r.config);
  }
  return { layerDocs, contexts, configs };
}

describe("precompiled validators (dist/validators.cjs)", () => {
  it("give the same verdict, errors and filled-in defaults as ajv's runtime compile, on every layer file, case context and config (and variants)", async () => {
    const pre = precompiled();
    const texts = readSchemaTexts();
    const runtime = compileValidators({ layer: JSON.parse(texts.layer), context: JSON.parse(texts.context), output: JSON.parse(texts.output) });
    const { layerDocs, contexts, configs } = await corpus();
    expect(layerDocs.length).toBeGreaterThan(20);
    expect(contexts.length).toBeGreaterThan(20);
    expect(configs.length).toBeGreaterThan(10);
    const inputs: [string, "strict" | "withDefaults", unknown[]][] = [
      ...Object.keys(VALIDATORS.strict).filter((n) => n !== "output").map((n): [string, "strict", unknown[]] => [n, "strict", layerDocs.flatMap(variants)]),
      ["output", "strict", configs.flatMap(variants)],
      ["context", "withDefaults", contexts.flatMap(variants)],
    ];
    let checked = 0;
    let invalid = 0;
    for (const [name, group, values] of inputs) {
      const a = (pre[group] as Record<string, Validator>)[name];
      const b = (runtime[group] as Record<string, Validator>)[name];
      for (const value of values) {
        const copyA = structuredClone(value);
        const copyB = structuredClone(value);
        const ok = a(copyA);
        expect(ok, `${name}: ${JSON.stringify(value)}`).toBe(b(copyB));
        expect(a.errors ?? null).toEqual(b.errors ?? null);
        expect(copyA).toEqual(copyB); // defaults filled in the same way
        checked++;
        if (!ok) invalid++;
      }
    }
    expect(invalid).toBeGreaterThan(100);
    expect(checked - invalid).toBeGreaterThan(50);
  });

  it("serve the schema texts they were built from, and only those: an edited schema compiles at runtime", async () => {
    const pre = precompiled();
    const dist = (await import(join(REPO_ROOT, "dist", "core", "schemas.js"))) as typeof import("../src/core/schemas.js");
    const texts = readSchemaTexts();
    const shipped = dist.compileSchemas(texts);
    expect(shipped.context).toBe(pre.withDefaults.context);
    expect(shipped.output).toBe(pre.strict.output);
    expect(shipped.layerFile.layer).toBe(pre.strict.layer);

    // A user tightens the context schema: the precompiled validator must not be used for it.
    const edited: SchemaTexts = { ...texts, context: texts.context.replace('"minLength": 1,', '"minLength": 3,') };
    expect(edited.context).not.toBe(texts.context);
    const own = dist.compileSchemas(edited);
    expect(own.context).not.toBe(pre.withDefaults.context);
    expect(own.context({ model_name: "ab", base_runtime: "vllm" })).toBe(false);
    expect(shipped.context({ model_name: "ab", base_runtime: "vllm" })).toBe(true);
  });

  it("validate project files (strata.yaml) like ajv's runtime compile of schemas/project.schema.json, and are the ones in use", async () => {
    const pre = precompiled();
    const runtime = compileProjectValidator().validate;
    const projectFiles = [join(REPO_ROOT, "strata.yaml"), ...[join(REPO_ROOT, "examples"), FIXTURES_DIR].flatMap((d) => allFiles(d)).filter((f) => f.endsWith("strata.yaml"))];
    expect(projectFiles.length).toBeGreaterThanOrEqual(3);
    const docs = projectFiles.map((f) => parse(readFileSync(f, "utf8")) as Record<string, unknown>);
    const values = docs.flatMap((d) => [...variants(d), ...variants(d.roles ?? {}).map((roles) => ({ ...d, roles })), ...variants(d.schemas).map((schemas) => ({ ...d, schemas }))]);
    let invalid = 0;
    for (const value of values) {
      const ok = pre.project.project(structuredClone(value));
      expect(ok, JSON.stringify(value)).toBe(runtime(structuredClone(value)));
      expect(pre.project.project.errors ?? null).toEqual(runtime.errors ?? null);
      if (!ok) invalid++;
    }
    expect(invalid).toBeGreaterThan(20);
    expect(values.length - invalid).toBeGreaterThan(3);
    const dist = (await import(join(REPO_ROOT, "dist", "core", "schemas.js"))) as typeof import("../src/core/schemas.js");
    expect(dist.projectFileValidator()).toBe(pre.project.project);
  });
});

/** Every file under `dir`, skipping node_modules and dot-folders. */
function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    if (n === "node_modules" || n.startsWith(".")) return [];
    const p = join(dir, n);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}
