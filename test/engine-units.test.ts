// Engine behaviours that mutation testing (docs/testing.md, "Mutation testing") found unguarded and that do not
// fit the compose cases as data (test/cases/): values too large for YAML, projects with their own schemas, the
// library's lower-level functions. Each asserts the exact outcome; grouped by the module that owns the behaviour.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compose, loadLayerSet, loadProject } from "../src/index.js";
import { fixtureDir } from "./helpers/paths.js";
import { setWith } from "./hostile/setup.js";

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of the no-roles fixture project, with `files` written over it. */
function projectWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "strata-units-"));
  temps.push(dir);
  cpSync(fixtureDir("projects/no-roles"), dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}

const CONTEXT = { model_name: "m", base_runtime: "sglang" };

/** n nested objects around a 1: `nestObjects(2)` is `{a: {a: 1}}`. */
const nestObjects = (n: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
};

describe("context (src/core/context.ts)", () => {
  it("a context one level too deep is refused with the limit in words, at the first pointer past it", async () => {
    const r = await compose(setWith(), { ...CONTEXT, user_overrides: { quant_config: nestObjects(63) } });
    expect(r.ok).toBe(false);
    expect(r.config).toBeUndefined();
    expect(r.errors).toEqual([
      {
        code: "too-deep",
        severity: "error",
        message: "the context nests deeper than 64 levels",
        pointer: "/user_overrides/quant_config" + "/a".repeat(62),
      },
    ]);
  });

  it("a closed set of numbers and names: a misspelt name is offered the name, never a number", async () => {
    const schema = JSON.parse(readFileSync(fixtureDir("projects/no-roles/schemas/site.schema.json"), "utf8"));
    schema.properties.tier = { enum: [1, 2, "premium"] };
    const dir = projectWith({ "schemas/site.schema.json": JSON.stringify(schema) });
    const set = loadLayerSet(loadProject(dir));
    expect(set.issues).toEqual([]);
    const r = await compose(set, { site: "s", audience: "public", tier: "premum" });
    expect(r.errors).toEqual([
      {
        code: "context-invalid",
        severity: "error",
        message: "'tier' must be one of 1, 2, \"premium\" (did you mean 'premium'?)",
        pointer: "/tier",
        keyword: "enum",
      },
    ]);
  });

  it("a problem with the context as a whole names 'the context'", async () => {
    const schema = JSON.parse(readFileSync(fixtureDir("projects/no-roles/schemas/site.schema.json"), "utf8"));
    schema.maxProperties = 2;
    const set = loadLayerSet(loadProject(projectWith({ "schemas/site.schema.json": JSON.stringify(schema) })));
    const r = await compose(set, { site: "s", audience: "public", languages: ["en"] });
    expect(r.errors).toEqual([
      { code: "context-invalid", severity: "error", message: "the context has too many fields: at most 2", pointer: "", keyword: "maxProperties" },
    ]);
  });
});
