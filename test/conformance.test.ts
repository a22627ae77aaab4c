// One conformance suite, every surface: each case in test/conformance/ goes through the library,
// `strata compose --json` and POST /api/config/preview; the three must agree, and match the case.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compose } from "../src/core/compose.js";
import { loadLayerSet } from "../src/core/load.js";
import type { RunningServer } from "../src/server/app.js";
import { LAYERS, ROOT, SCHEMAS, post, removeTempDirs, startServer, tempDir } from "./server-helpers.js";

const CASES_DIR = join(ROOT, "test", "conformance");
const CLI = join(ROOT, "dist", "cli.js");
const run = promisify(execFile);

interface Case {
  file: string;
  name: string;
  context: Record<string, unknown>;
  strict?: boolean;
  expect: {
    ok?: boolean;
    applied_layers?: string[];
    skipped?: string[];
    warnings?: string[];
    errors?: (string | Record<string, unknown>)[];
    config?: Record<string, unknown>;
    absent?: string[];
    provenance?: Record<string, string>;
    rejected?: string[];
  };
}

type View = {
  ok: boolean;
  config: Record<string, unknown> | null;
  applied_layers: string[];
  skipped_layers: Record<string, unknown>[];
  warnings: Record<string, unknown>[];
  errors: Record<string, unknown>[];
  provenance: Record<string, Record<string, unknown>>;
  layer_set_hash: string;
};

const EXPECT_KEYS = ["ok", "applied_layers", "skipped", "warnings", "errors", "config", "absent", "provenance", "rejected"];
const cases: Case[] = readdirSync(CASES_DIR)
  .filter((f) => f.endsWith(".yaml"))
  .sort()
  .map((file) => {
    const c = { file, ...(parse(readFileSync(join(CASES_DIR, file), "utf8")) as Omit<Case, "file">) };
    // A misspelt or missing expectation must fail the run, never pass because it asserts nothing.
    const unknown = Object.keys(c.expect).filter((k) => !EXPECT_KEYS.includes(k));
    if (unknown.length > 0) throw new Error(`test/conformance/${file}: unknown expectation ${unknown.join(", ")} (known: ${EXPECT_KEYS.join(", ")})`);
    if (!c.expect.rejected && (!c.expect.applied_layers || !c.expect.skipped)) throw new Error(`test/conformance/${file}: expect needs applied_layers and skipped`);
    return c;
  });

const json = <T>(v: T): T => JSON.parse(JSON.stringify(v));
const lookup = (root: unknown, path: string): { found: boolean; value?: unknown } => {
  let cur = root;
  for (const seg of path.split(".")) {
    if (cur === null || typeof cur !== "object" || !Object.hasOwn(cur, seg)) return { found: false };
    cur = (cur as Record<string, unknown>)[seg];
  }
  return { found: true, value: cur };
};
const pointerOf = (path: string) => "/" + path.split(".").join("/");

/** The REST names of the design's endpoint for the context's own. */
function restBody(context: Record<string, unknown>): Record<string, unknown> {
  const { user_overrides, slo_config, ...rest } = context;
  return { ...rest, ...(user_overrides !== undefined ? { overrides: user_overrides } : {}), ...(slo_config !== undefined ? { slo: slo_config } : {}) };
}

/** The CLI locates input issues in the context file it read; the other surfaces have no file to name. */
function withoutContextFile(issues: Record<string, unknown>[], file: string) {
  return issues.map((i) => {
    if (i.file !== file) return i;
    const { file: _f, line: _l, column: _c, ...rest } = i;
    return rest;
  });
}

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ layersDir: LAYERS, schemasDir: SCHEMAS });
});
afterAll(async () => {
  await server.close();
  removeTempDirs();
});

describe("conformance: library, CLI and HTTP agree", () => {
  it("has cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  const set = loadLayerSet(LAYERS, { schemasDir: SCHEMAS });

  for (const c of cases) {
    it(`${c.file}: ${c.name}`, async () => {
      const lib = await compose(set, c.context, { strict: c.strict });

      const dir = tempDir();
      const ctxFile = join(dir, "context.yaml");
      writeFileSync(ctxFile, stringify(c.context));
      const cliRun = await run(process.execPath, [CLI, "compose", "--context", ctxFile, "--json", "--layers", LAYERS, "--schemas", SCHEMAS, ...(c.strict ? ["--strict"] : [])]).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
      const query = c.strict ? "?strict=true" : "";
      const own = await post(server, `/api/config/preview${query}`, c.context);
      const rest = await post(server, `/api/config/preview${query}`, restBody(c.context));

      if (c.expect.rejected) {
        // Bad input: the library names the fields, the CLI exits 2, HTTP answers 400, all with the same pointers.
        expect(lib.ok).toBe(false);
        expect(lib.context).toBeUndefined();
        const libPointers = lib.errors.map((e) => e.pointer).sort();
        expect(libPointers).toEqual([...c.expect.rejected].sort());
        expect(cliRun.code).toBe(2);
        const cli = JSON.parse(cliRun.stdout) as View;
        expect(cli.errors.map((e) => e.pointer).sort()).toEqual(libPointers);
        for (const answer of [own, rest]) {
          expect(answer.status).toBe(400);
          expect(answer.body.error.issues.map((i: { pointer: string }) => i.pointer).sort()).toEqual(libPointers);
        }
        return;
      }

      const libView: View = json({
        ok: lib.ok,
        config: lib.config ?? null,
        applied_layers: lib.applied_layers,
        skipped_layers: lib.skipped_layers,
        warnings: lib.warnings,
        errors: lib.errors,
        provenance: lib.provenance,
        layer_set_hash: lib.layer_set_hash,
      });
      const cliJson = JSON.parse(cliRun.stdout) as View;
      const cliView: View = { ...cliJson, warnings: withoutContextFile(cliJson.warnings, ctxFile), errors: withoutContextFile(cliJson.errors, ctxFile) };
      expect(cliRun.code).toBe(libView.ok ? 0 : 1);
      expect(cliView).toEqual(libView);

      for (const answer of [own, rest]) {
        expect(answer.status).toBe(200);
        const { context, ...view } = answer.body;
        expect(view).toEqual(libView);
        expect(context).toEqual(json(lib.context));
      }

      // …and the result is the one the case expects.
      // Every expectation is checked: layers applied and skipped are required, warnings and errors left out mean none.
      const e = c.expect;
      const errors = e.errors ?? [];
      expect(libView.ok).toBe(e.ok ?? errors.length === 0);
      expect(libView.applied_layers).toEqual(e.applied_layers);
      expect(libView.skipped_layers.map((s) => s.layer)).toEqual(e.skipped);
      const warnings = e.warnings ?? [];
      expect(libView.warnings.map((w, i) => (w.code === warnings[i] ? w.code : w.message))).toEqual(warnings);
      // toMatchObject on a list: the same length, each item matching (nested objects partly, e.g. `origin`).
      expect(libView.errors).toMatchObject(errors.map((want) => (typeof want === "string" ? { code: want } : want)));
      for (const [path, value] of Object.entries(e.config ?? {})) {
        expect(lookup(libView.config, path), path).toEqual({ found: true, value });
      }
      for (const path of e.absent ?? []) expect(lookup(libView.config, path).found, path).toBe(false);
      for (const [path, source] of Object.entries(e.provenance ?? {})) {
        expect(libView.provenance[pointerOf(path)]?.source, path).toBe(source);
      }
    });
  }
});
