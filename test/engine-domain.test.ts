// The engine knows no domain: no field name of the autotuner (the repository's own project) is code in
// src/core, src/lang or src/util — only in comments, as examples. Its context type is generated from its
// schema into types/ and stays in step with it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { loadProject } from "../src/core/project.js";
import { REPO_ROOT } from "./helpers/paths.js";
// @ts-expect-error: a plain .mjs script without types
import { contextTypeModule, schemaType } from "../scripts/context-types.mjs";

/** Every identifier and every word of a string or template literal in a TypeScript file (comments left out). */
function codeWords(text: string): Set<string> {
  const words = new Set<string>();
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node)) words.add(node.text);
    else if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) for (const w of node.text.split(/[^A-Za-z0-9_-]+/)) if (w) words.add(w);
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile("f.ts", text, ts.ScriptTarget.Latest, true));
  return words;
}

describe("the engine knows no domain", () => {
  const project = loadProject(REPO_ROOT);
  const context = JSON.parse(project.schemaTexts!.context) as { properties: Record<string, unknown> };
  const output = JSON.parse(project.schemaTexts!.output) as { properties: Record<string, unknown> };
  // The autotuner's distinctive names (with a _ or -); `override_mode` is also the engine's name for that role.
  const domain = [...Object.keys(context.properties), ...Object.keys(output.properties), "task-config"].filter((n) => /[_-]/.test(n) && n !== "override_mode");

  it("the names looked for are the autotuner's", () => {
    expect(domain).toEqual(expect.arrayContaining(["model_name", "base_runtime", "user_overrides", "task_name", "slo_config", "runtime_image_tag", "task-config"]));
  });

  it.each(["core", "lang", "util"])("src/%s uses none of them in code", (dir) => {
    const found: string[] = [];
    for (const file of readdirSync(join(REPO_ROOT, "src", dir)).filter((f) => f.endsWith(".ts"))) {
      const words = codeWords(readFileSync(join(REPO_ROOT, "src", dir, file), "utf8"));
      for (const name of domain) if (words.has(name)) found.push(`src/${dir}/${file}: ${name}`);
    }
    // The API's issue codes live in the one registry (core/codes.ts); `task-name-*` are the service's.
    expect(found.filter((f) => !f.startsWith("src/core/codes.ts"))).toEqual([]);
  });
});

describe("a project's context type, generated from its context schema", () => {
  it("types/task-context.d.ts is what `npm run types` writes for the autotuner's schema today", () => {
    const project = loadProject(REPO_ROOT);
    const expected = contextTypeModule(JSON.parse(project.schemaTexts!.context), "TaskContext", "schemas/context.schema.json");
    expect(readFileSync(join(REPO_ROOT, "types", "task-context.d.ts"), "utf8")).toBe(expected);
  });

  it("fields with a default are always there, others optional; enums become unions, $refs are followed", () => {
    const schema = {
      type: "object",
      required: ["a"],
      properties: {
        a: { type: "string" },
        b: { enum: ["x", "y"], default: "x" },
        c: { type: "array", items: { $ref: "#/definitions/n" } },
        "d-e": { anyOf: [{ type: "null" }, { type: "object", properties: { f: { type: "boolean" } } }] },
      },
      definitions: { n: { type: "integer" } },
    };
    expect(schemaType(schema)).toBe('{\n  a: string;\n  b: "x" | "y";\n  c?: number[];\n  "d-e"?: null | {\n    f?: boolean;\n  };\n}');
  });
});
