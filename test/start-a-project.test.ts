// docs/start-a-project.md, followed to the letter in an empty temporary folder: every file it shows
// (a fenced block whose info string names a path: ```yaml strata.yaml) is written, in order, and every
// command of a ```console block is run with `strata` being this checkout's CLI; each output (standard
// output and error, as a terminal shows them) must be exactly the one the page shows.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "./helpers/cli.js";
import { CLI, REPO_ROOT } from "./helpers/paths.js";

type Step = { kind: "file"; path: string; text: string } | { kind: "run"; command: string; output: string };

/** The page's steps, in order. */
function steps(markdown: string): Step[] {
  const out: Step[] = [];
  const fence = /^```(\S*)(?: (\S+))?\n([\s\S]*?)^```$/gm;
  for (const m of markdown.matchAll(fence)) {
    const [, lang, path, body] = m;
    if (path) out.push({ kind: "file", path, text: body });
    else if (lang === "console") {
      for (const chunk of body.split(/^(?=\$ )/m).filter((c) => c.startsWith("$ "))) {
        const [first, ...rest] = chunk.split("\n");
        out.push({ kind: "run", command: first.slice(2), output: rest.join("\n") });
      }
    }
  }
  return out;
}

describe("docs/start-a-project.md, from an empty folder", () => {
  const page = readFileSync(join(REPO_ROOT, "docs", "start-a-project.md"), "utf8");
  const all = steps(page);
  let dir: string;
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), "strata-start-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the page has files to write and commands to run", () => {
    expect(all.filter((s) => s.kind === "file").map((s) => (s as { path: string }).path)).toEqual(expect.arrayContaining(["strata.yaml", "schemas/context.schema.json", "layers/stages.yaml", "contexts/shop-prod.yaml"]));
    expect(all.filter((s) => s.kind === "run").map((s) => (s as { command: string }).command.split(" ")[1])).toEqual(["compose", "compose", "explain", "layers", "lint", "test", "test", "test", "lint"]);
    // No TypeScript (nor any code) is written: only YAML and JSON files.
    for (const s of all) if (s.kind === "file") expect(s.path).toMatch(/\.(ya?ml|json)$/);
  });

  it("every command gives exactly the output shown, file after file", () => {
    for (const step of all) {
      if (step.kind === "file") {
        mkdirSync(dirname(join(dir, step.path)), { recursive: true });
        writeFileSync(join(dir, step.path), step.text);
        continue;
      }
      // As typed in a shell, with `strata` this checkout's CLI; both streams in the order they are written.
      const script = `strata() { "${process.execPath}" "${CLI}" "$@"; }\n${step.command} 2>&1`;
      let output: string;
      try {
        output = execFileSync("sh", ["-c", script], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
      } catch (e) {
        output = (e as { stdout: string }).stdout;
      }
      expect(output, `$ ${step.command}`).toBe(step.output);
    }
    // --update recorded the snapshot the page talks about.
    expect(readFileSync(join(dir, "scenarios", "shop-prod.yaml"), "utf8")).toContain("  config:\n    name: shop\n    url: https://shop-prod.example.com\n    workers: 4\n");
  });
});
