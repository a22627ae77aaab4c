// The issue codes: one typed registry (src/core/codes.ts), and docs/authoring.md's table of error codes lists
// exactly those, each under its area and marked "(warning)" exactly when the code is usually a warning.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CODES, type CodeArea } from "../src/core/codes.js";
import { REPO_ROOT } from "./helpers/paths.js";

/** The headings of the table's parts in docs/authoring.md, by area. */
const HEADINGS: Record<CodeArea, string> = {
  project: "The project file (strata.yaml)",
  file: "Reading a file",
  layers: "Checking a layer, profile, check rule or the stage order",
  lint: "Only from `strata lint`",
  compose: "Composing",
  config: "The finished config",
  scenarios: "Scenario files and `strata test`",
  api: "The HTTP API",
};

interface DocRow {
  code: string;
  area?: CodeArea;
  warning: boolean;
}

/** Every code in the "### Error codes" section: the backticked names in a row's first cell. */
function documentedCodes(): DocRow[] {
  const text = readFileSync(join(REPO_ROOT, "docs", "authoring.md"), "utf8");
  const start = text.indexOf("### Error codes");
  const section = text.slice(start, text.indexOf("\n## ", start));
  const rows: DocRow[] = [];
  let area: CodeArea | undefined;
  for (const line of section.split("\n")) {
    const heading = /^\*\*(.+?)\*\*/.exec(line)?.[1];
    if (heading) area = (Object.keys(HEADINGS) as CodeArea[]).find((a) => HEADINGS[a] === heading);
    if (!line.startsWith("| `")) continue;
    const first = line.split(" | ")[0];
    for (const [, code] of first.matchAll(/`([a-z0-9-]+)`/g)) rows.push({ code, area, warning: first.includes("(warning)") });
  }
  return rows;
}

describe("the code registry and docs/authoring.md's table of codes", () => {
  const rows = documentedCodes();

  it("the table was read (the parser sees rows under every heading)", () => {
    expect(new Set(rows.map((r) => r.area))).toEqual(new Set(Object.keys(HEADINGS)));
    expect(rows).toContainEqual({ code: "layer-schema", area: "layers", warning: false });
    expect(rows).toContainEqual({ code: "name-mismatch", area: "layers", warning: true });
  });

  it("every code in the table is registered, and every registered code is in the table", () => {
    const documented = [...new Set(rows.map((r) => r.code))].sort();
    expect(documented).toEqual(Object.keys(CODES).sort());
  });

  it("each code is under its area's heading and marked (warning) exactly when its severity is warning", () => {
    // `forbidden-key` is listed twice (loading a layer, and composing a context): its area is the first.
    const first = new Map<string, DocRow>();
    for (const r of rows) if (!first.has(r.code)) first.set(r.code, r);
    const actual = Object.keys(CODES).map((code) => [code, first.get(code)?.area, first.get(code)?.warning]);
    const expected = Object.entries(CODES).map(([code, info]) => [code, info.area, info.severity === "warning"]);
    expect(actual).toEqual(expected);
  });
});
