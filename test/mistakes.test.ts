// The mistakes table (test/mistakes/cases.yaml): each realistic mistake, planted into a copy of the shipped layers
// or into a context, is reported with its code, severity, file and line; an error stops `strata compose` and the
// service's live reload (which keeps serving the last good set and shows the error at /api/layers/status).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { compose, loadLayerSet, loadLayerSetFromFiles, loadProject, readLayerFiles, type Issue } from "../src/index.js";
import { lintLayerFiles } from "../src/review/lint.js";
import type { RunningServer } from "../src/server/app.js";
import { LAYERS_DIR, REPO_ROOT } from "./helpers/paths.js";
import { CURL_EXAMPLE, copyLayerSet, get, post, removeTempDirs, startServer, waitFor } from "./server-helpers.js";

interface Expect { code: string; severity: "error" | "warning"; line?: number; pointer?: string; message?: string }
interface LayerCase { name: string; edit: { file: string; find: string; replace: string }; expect: Expect }
interface ContextCase { name: string; context: Record<string, unknown>; expect: Expect }
const CASES = parse(readFileSync(join(REPO_ROOT, "test/mistakes/cases.yaml"), "utf8")) as { layers: LayerCase[]; contexts: ContextCase[] };

const project = loadProject(REPO_ROOT);
const SHIPPED = readLayerFiles(LAYERS_DIR);
const CONTEXT = { model_name: "llama-3-2-1b-instruct", base_runtime: "sglang" };

/** The shipped layer files with one edit; the edit's text must occur exactly once. */
function planted(c: LayerCase) {
  const file = SHIPPED.find((f) => f.path === c.edit.file);
  expect(file, c.edit.file).toBeDefined();
  expect(file!.text.split(c.edit.find).length - 1, `'${c.edit.find}' occurs once in ${c.edit.file}`).toBe(1);
  return SHIPPED.map((f) => (f === file ? { ...f, text: f.text.replace(c.edit.find, () => c.edit.replace) } : f));
}

const matches = (i: Issue, e: Expect, file?: string) =>
  i.code === e.code && i.severity === e.severity && (file === undefined || i.file === file) && (e.line === undefined || i.line === e.line) &&
  (e.pointer === undefined || i.pointer === e.pointer) && (e.message === undefined || i.message.includes(e.message));

describe("the mistakes table", () => {
  it("has at least 40 distinct mistakes", () => {
    const all = [...CASES.layers, ...CASES.contexts];
    expect(all.length).toBeGreaterThanOrEqual(40);
    expect(new Set(all.map((c) => c.name)).size).toBe(all.length);
    // Nothing correct becomes a mistake: the shipped layers load and lint clean.
    expect(lintLayerFiles(SHIPPED, { project }).issues).toEqual([]);
  });

  it.each(CASES.layers.map((c) => [c.name, c] as const))("%s: lint reports it at its file and line; an error stops compose", async (_name, c) => {
    const files = planted(c);
    const { issues } = lintLayerFiles(files, { project });
    const found = issues.filter((i) => matches(i, c.expect, c.edit.file));
    expect(found.length, JSON.stringify(issues, null, 1)).toBeGreaterThan(0);
    const errors = issues.filter((i) => i.severity === "error");
    if (c.expect.severity === "warning") {
      expect(errors).toEqual([]);
      return;
    }
    // The same files, loaded the way compose loads them: the set is unusable, compose refuses it.
    const broken = loadLayerSetFromFiles(files, { project });
    const result = await compose(broken, CONTEXT);
    expect(result.ok).toBe(false);
    expect(result.errors.some((i) => matches(i, c.expect, c.edit.file))).toBe(true);
  });

  it.each(CASES.contexts.map((c) => [c.name, c] as const))("context: %s", async (_name, c) => {
    const set = loadLayerSet(project);
    const result = await compose(set, { ...CONTEXT, ...c.context });
    const issues = [...result.errors, ...result.warnings];
    expect(issues.filter((i) => matches(i, c.expect)), JSON.stringify(issues, null, 1)).toHaveLength(1);
    expect(result.ok).toBe(c.expect.severity !== "error");
  });

  it("an OME serving runtime as base_runtime is not a mistake", async () => {
    const result = await compose(loadLayerSet(project), { ...CONTEXT, base_runtime: "sglang-llama-small", deployment_mode: "ome" });
    expect(result.ok).toBe(true);
    expect(result.warnings.filter((w) => w.code === "likely-typo")).toEqual([]);
  });
});

describe("the mistakes table, through a running service's live reload", () => {
  let server: RunningServer;
  let layersDir: string;
  beforeAll(async () => {
    ({ layersDir } = copyLayerSet());
    server = await startServer({ layersDir, schemasDir: join(layersDir, "..", "schemas"), watch: true, watchDebounceMs: 50, watchPollMs: 0 });
  });
  afterAll(async () => {
    await server?.close();
    removeTempDirs();
  });

  it("refuses every error case at its file and line, keeps serving the last good set, and takes the fix", async () => {
    const good = (await get(server, "/api/layers/status")).body;
    expect(good.ok).toBe(true);
    for (const c of CASES.layers.filter((x) => x.expect.severity === "error")) {
      const path = join(layersDir, c.edit.file);
      const original = readFileSync(path, "utf8");
      const before = (await get(server, "/api/layers/status")).body;
      writeFileSync(path, original.replace(c.edit.find, () => c.edit.replace));
      const status = await waitFor(async () => {
        const s = (await get(server, "/api/layers/status")).body;
        return !s.ok && s.checked_at !== before.checked_at ? s : undefined;
      }, 10_000, c.name);
      expect(status.errors.some((i: Issue) => matches(i, c.expect, c.edit.file)), `${c.name}: ${JSON.stringify(status.errors)}`).toBe(true);
      // The last good set still serves.
      expect((await post(server, "/api/config/preview", CURL_EXAMPLE)).body.layer_set_hash).toBe(good.hash);
      writeFileSync(path, original);
      await waitFor(async () => ((await get(server, "/api/layers/status")).body.ok ? true : undefined), 10_000, `${c.name} fixed`);
    }
  }, 300_000);
});

describe("creating a task", () => {
  it("with an unknown profile is refused (422), naming the profile it likely meant; a preview only warns", async () => {
    const server = await startServer({});
    try {
      const body = { ...CURL_EXAMPLE, profiles: ["low-latncy"] };
      const preview = await post(server, "/api/config/preview", body);
      expect(preview.status).toBe(200);
      expect(preview.body.warnings[0]).toMatchObject({ code: "profile-not-found", message: "profile 'low-latncy' not found (did you mean 'low-latency'?)" });
      const created = await post(server, "/api/tasks/from-context", body);
      expect(created.status).toBe(422);
      expect(created.body.error).toMatchObject({ code: "profile-not-found", issues: [{ code: "profile-not-found", severity: "error", pointer: "/profiles/0" }] });
      expect((await get(server, "/api/tasks")).body.total).toBe(0);
    } finally {
      await server.close();
    }
  });
});
