// Mistakes in a layer file, from test/file-errors/*.yaml (cases as data): each one reported with its code, at the
// line and column of the mistake, in plain words. yaml.yaml: the YAML parser's errors rephrased (src/core/yaml-errors.ts);
// expressions.yaml: JSONata syntax errors inside block and quoted scalars, at the character inside the block.
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { errorsOf, setWith } from "./hostile/setup.js";

interface Case {
  name: string;
  text: string;
  code: string;
  line: number;
  column: number;
  /** The text that starts at the reported line and column: the mistake itself. */
  at?: string;
  message: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const load = (file: string) => parse(readFileSync(join(here, "file-errors", file), "utf8")) as Case[];

for (const file of ["yaml.yaml", "expressions.yaml"]) {
  describe(`file-errors/${file}`, () => {
    const cases = load(file);
    it("has cases, each named once", () => {
      expect(cases.length).toBeGreaterThan(5);
      expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    });
    it.each(cases.map((c) => [c.name, c] as const))("%s", (_, c) => {
      const errors = errorsOf(setWith({ path: "hostile/x.yaml", text: c.text }));
      // Exactly one problem, about this file: a mistake is reported once, where it was made.
      expect(errors.map((e) => ({ code: e.code, file: e.file, line: e.line, column: e.column, message: e.message }))).toEqual([
        { code: c.code, file: "hostile/x.yaml", line: c.line, column: c.column, message: c.message },
      ]);
      if (c.at !== undefined) expect(c.text.split("\n")[c.line - 1].slice(c.column - 1)).toMatch(new RegExp(`^${c.at.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    });
  });
}
