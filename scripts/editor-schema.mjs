#!/usr/bin/env node
// The layer schema an editor uses for one project: strata's layer schema with `data` described by the project's
// output schema (src/core/schemas.ts, editorLayerSchema), so yaml-language-server completes keys, shows their
// descriptions and underlines unknown keys and wrong types inside `data`.
//
//   node scripts/editor-schema.mjs [--project DIR] [--out FILE]
//
// Default: the project found from the working directory up, written beside its output schema as
// editor-layer.schema.json. This repository's layer files name it on their first line; test/editor-schema.test.ts
// fails when the file no longer matches the schemas (`npm run editor-schema` writes it again).
import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { editorLayerSchema, withLayerSchema } from "../dist/core/schemas.js";
import { findProject, loadProject } from "../dist/core/project.js";

const { values } = parseArgs({ options: { project: { type: "string" }, out: { type: "string" } } });
const file = values.project ? resolve(values.project) : findProject(process.cwd());
if (!file) {
  process.stderr.write("editor-schema: no project file (strata.yaml) here or above; give --project DIR\n");
  process.exit(2);
}
const project = loadProject(file);
const errors = project.issues.filter((i) => i.severity === "error");
if (errors.length > 0 || !project.schemaTexts) {
  process.stderr.write(errors.map((i) => `${i.file ?? ""}:${i.line ?? ""}: ${i.code}: ${i.message}\n`).join(""));
  process.exit(1);
}
const out = values.out ? resolve(values.out) : join(dirname(project.schemas.output), "editor-layer.schema.json");
writeFileSync(out, JSON.stringify(editorLayerSchema(withLayerSchema(project.schemaTexts)), null, 2) + "\n");
process.stdout.write(`wrote ${out}\n`);
