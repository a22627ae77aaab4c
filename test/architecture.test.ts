// The layout is the architecture: src/ is split into layers by role, and each layer may import only the
// layers below it (docs/architecture.md). This test reads every import of every module — static, `export …
// from`, `import type` and dynamic `import()` alike — and checks the rules and that there is no import cycle.
// The rule checker is a pure function, tested first on small graphs that break each rule.
import { readdirSync, readFileSync } from "node:fs";
import { join, posix, relative, sep } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./helpers/paths.js";

type Graph = Record<string, string[]>;

/** Each layer and the layers it may import (itself included where listed). `vendor` is src/vendor.ts, the parsers. */
const ALLOWED: Record<string, readonly string[]> = {
  vendor: [],
  util: ["util"],
  lang: ["util", "lang", "vendor"],
  core: ["util", "lang", "core", "vendor"],
  review: ["util", "lang", "core", "review", "vendor"],
  server: ["util", "lang", "core", "review", "server", "vendor"],
  cli: ["util", "lang", "core", "review", "server", "cli", "vendor"],
  // The two entry points: src/index.ts (the library) and src/cli.ts (the `strata` bin). The library also
  // re-exports the repository's own project's context type, generated into types/ (outside src/, types only).
  index: ["util", "lang", "core", "review", "vendor", "types"],
  types: [],
  bin: ["cli"],
};

/** `src/core/load.ts` → `core`; the top-level files are layers of their own. */
function layerOf(file: string): string {
  if (file.startsWith("types/")) return "types";
  const parts = file.split("/");
  if (parts.length > 2) return parts[1];
  return { "src/vendor.ts": "vendor", "src/index.ts": "index", "src/cli.ts": "bin" }[file] ?? "unknown";
}

/** Every rule the graph breaks, as readable lines (empty: all good). */
export function architectureProblems(graph: Graph): string[] {
  const problems: string[] = [];
  for (const [file, imports] of Object.entries(graph)) {
    const from = layerOf(file);
    if (!ALLOWED[from]) problems.push(`${file}: not in a known layer (${Object.keys(ALLOWED).join(", ")})`);
    for (const target of imports) {
      const to = layerOf(target);
      if (ALLOWED[from] && !ALLOWED[from].includes(to)) problems.push(`${file} imports ${target}: ${from} may not import ${to}`);
    }
  }
  for (const cycle of cycles(graph)) problems.push(`import cycle: ${cycle.join(" → ")}`);
  return problems;
}

/** One cycle per strongly connected component with more than one module (or a module importing itself). */
function cycles(graph: Graph): string[][] {
  const out: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, "open");
    stack.push(f);
    for (const t of graph[f] ?? []) {
      if (state.get(t) === "open") out.push([...stack.slice(stack.indexOf(t)), t]);
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of Object.keys(graph).sort()) if (!state.has(f)) visit(f);
  return out;
}

/** The modules of ours a file imports, as repository paths (`src/core/load.ts`). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(REPO_ROOT, file), "utf8");
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((s) => s.startsWith("."))
    .map((s) => posix.normalize(posix.join(posix.dirname(file), s)).replace(/\.js$/, ".ts"))
    .filter((s) => s.endsWith(".ts")); // not a build output (`require("../validators.cjs")`)
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => /\.tsx?$/.test(f))
    .map((f) => relative(REPO_ROOT, join(REPO_ROOT, dir, f)).split(sep).join("/"))
    .sort();
}

const srcGraph = (): Graph => Object.fromEntries(sourceFiles("src").map((f) => [f, importsOf(f)]));

describe("the checker (each rule broken once, on purpose)", () => {
  const cases: [string, Graph, string[]][] = [
    ["the engine importing a review tool", { "src/core/compose.ts": ["src/review/explain.ts"], "src/review/explain.ts": [] }, [
      "src/core/compose.ts imports src/review/explain.ts: core may not import review",
    ]],
    ["util importing anything of ours", { "src/util/data.ts": ["src/util/pointer.ts", "src/lang/condition.ts"], "src/util/pointer.ts": [], "src/lang/condition.ts": [] }, [
      "src/util/data.ts imports src/lang/condition.ts: util may not import lang",
    ]],
    ["lang importing the engine", { "src/lang/expression.ts": ["src/core/source.ts"], "src/core/source.ts": [] }, [
      "src/lang/expression.ts imports src/core/source.ts: lang may not import core",
    ]],
    ["a review tool importing the CLI", { "src/review/diff.ts": ["src/cli/common.ts"], "src/cli/common.ts": [] }, [
      "src/review/diff.ts imports src/cli/common.ts: review may not import cli",
    ]],
    ["the server importing the CLI", { "src/server/app.ts": ["src/cli/common.ts"], "src/cli/common.ts": [] }, [
      "src/server/app.ts imports src/cli/common.ts: server may not import cli",
    ]],
    ["a cycle inside one layer", { "src/core/a.ts": ["src/core/b.ts"], "src/core/b.ts": ["src/core/c.ts"], "src/core/c.ts": ["src/core/a.ts"] }, [
      "import cycle: src/core/a.ts → src/core/b.ts → src/core/c.ts → src/core/a.ts",
    ]],
    ["a file outside every layer", { "src/helpers.ts": [] }, [
      "src/helpers.ts: not in a known layer (vendor, util, lang, core, review, server, cli, index, types, bin)",
    ]],
    ["a clean graph", { "src/cli/main.ts": ["src/server/app.ts", "src/core/load.ts"], "src/server/app.ts": ["src/core/load.ts"], "src/core/load.ts": ["src/util/data.ts"], "src/util/data.ts": [] }, []],
  ];
  it.each(cases)("%s", (_name, graph, expected) => {
    expect(architectureProblems(graph)).toEqual(expected);
  });
});

/** Modules of src/ the page (web/src, its own tsconfig and Vite build) may import. */
const WEB_MAY_IMPORT = ["src/server/api-types.ts", "src/util/pointer.ts", "src/core/yaml-errors.ts", "src/lang/json-schema.ts"];

describe("src/ follows the layer rules", () => {
  it("every layer imports only the layers below it, and no module imports itself through others", () => {
    expect(architectureProblems(srcGraph())).toEqual([]);
  });

  it("the graph was read: the pipeline's imports are there", () => {
    const graph = srcGraph();
    expect(graph["src/core/compose.ts"]).toEqual(expect.arrayContaining(["src/core/load.ts", "src/core/merge.ts", "src/lang/condition.ts"]));
    expect(graph["src/cli.ts"]).toEqual(["src/cli/main.ts"]);
  });
});

describe("the page shares the server's API types, pointer helpers, YAML error wording and schema walkers, and nothing else of src/", () => {
  const webFiles = sourceFiles("web/src");

  it(`web/src imports from src/ only ${WEB_MAY_IMPORT.join(", ")}`, () => {
    const outside = webFiles.flatMap((f) => importsOfWeb(f).filter((t) => !t.startsWith("web/")).map((t) => `${f} → ${t}`));
    expect(outside.length).toBeGreaterThan(0); // the page does import them (the check below is not vacuous)
    expect(outside.filter((line) => !WEB_MAY_IMPORT.some((m) => line.endsWith(`→ ${m}`)))).toEqual([]);
  });

  it("what the page reads from src/ imports at run time only other modules of src/ that do the same: no Node, no packages", () => {
    const { seen, outside } = runtimeReach(WEB_MAY_IMPORT);
    expect(outside).toEqual([]);
    expect(seen).toEqual([
      "src/core/codes.ts",
      "src/core/issues.ts",
      "src/core/views.ts",
      "src/core/yaml-errors.ts",
      "src/lang/json-schema.ts",
      "src/server/api-types.ts",
      "src/util/data.ts",
      "src/util/names.ts",
      "src/util/pointer.ts",
    ]);
  });

  it("that check finds packages reached through src/: from the layer-file reader, through src/vendor.ts", () => {
    expect(runtimeReach(["src/core/source.ts"]).outside).toEqual(expect.arrayContaining([expect.stringMatching(/^src\/vendor\.ts: export .* from "yaml"/)]));
  });
});

/** The modules of src/ reached from `roots` through imports, and the run-time imports among them of anything not in src/. */
function runtimeReach(roots: string[]): { seen: string[]; outside: string[] } {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    importsOf(file).forEach(visit);
  };
  roots.forEach(visit);
  // A relative import is followed above (and checked in turn); anything else at run time would reach the bundle.
  const outside = [...seen].flatMap((f) => runtimeImports(f).filter((s) => !/from "\.\.?\//.test(s)).map((s) => `${f}: ${s}`));
  return { seen: [...seen].sort(), outside };
}

/** A web file's imports (extension-less, as Vite resolves them), as repository paths. */
function importsOfWeb(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(REPO_ROOT, file), "utf8"), true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((s) => s.startsWith("."))
    .map((s) => posix.normalize(posix.join(posix.dirname(file), s)))
    .map((s) => (/\.(tsx?|css)$/.test(s) ? s : sourceFiles(posix.dirname(s)).find((f) => f === `${s}.ts` || f === `${s}.tsx`) ?? s));
}

/** Import and `export … from` statements of a module that are not type-only. */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(join(REPO_ROOT, file), "utf8"), ts.ScriptTarget.Latest);
  return source.statements
    .filter((s) => (ts.isImportDeclaration(s) && !s.importClause?.isTypeOnly) || (ts.isExportDeclaration(s) && s.moduleSpecifier !== undefined && !s.isTypeOnly))
    .map((s) => s.getText(source));
}
