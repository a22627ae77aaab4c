// Bad layer sets and the running service: a broken edit while the service runs never replaces the good set in use:
// previews and new tasks keep the last good set, and GET /api/layers/status shows the errors until the files are
// fixed. (Every kind of broken layer file, loaded in-process, is in test/load-broken-files.test.ts.)
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Issue } from "../src/index.js";
import { createServer, type RunningServer } from "../src/server/app.js";
import { LAYERS_DIR, SCHEMAS_DIR, get, post, removeTemps, tempDir } from "./hostile/setup.js";

afterAll(removeTemps);

describe("a broken edit while the service runs never replaces the good set in use", () => {
  let server: RunningServer;
  let layersDir: string;
  let schemasDir: string;
  const CONTEXT = JSON.stringify({ model_name: "m", base_runtime: "sglang" });
  const baseOptimization = () => join(layersDir, "base", "base-optimization.yaml");

  beforeAll(async () => {
    const root = tempDir();
    layersDir = join(root, "layers");
    schemasDir = join(root, "schemas");
    cpSync(LAYERS_DIR, layersDir, { recursive: true });
    cpSync(SCHEMAS_DIR, schemasDir, { recursive: true });
    server = await createServer({ layersDir, schemasDir, db: join(root, "strata.db"), webDir: join(root, "no-web"), watch: true, watchDebounceMs: 50 });
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Wait until the watcher has read the files again after `since` (or fail after a few seconds). */
  async function reloadedAfter(since: string) {
    for (let i = 0; i < 200; i++) {
      const status = (await get(server.url, "/api/layers/status")).body;
      if (status.checked_at > since) return status;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("the layer watcher did not pick up the edit");
  }
  async function edit(write: () => void) {
    const since = (await get(server.url, "/api/layers/status")).body.checked_at;
    await new Promise((r) => setTimeout(r, 5)); // timestamps have millisecond resolution
    write();
    return reloadedAfter(since);
  }
  const maxIterations = async () => {
    const res = await post(server.url, "/api/config/preview", CONTEXT);
    expect(res.status).toBe(200);
    return { value: res.body.config.optimization.max_iterations, hash: res.body.layer_set_hash };
  };

  it("a good edit is picked up; then each broken edit is reported while the good set keeps serving", async () => {
    const original = readFileSync(baseOptimization(), "utf8");
    const before = await maxIterations();
    expect(before.value).toBe(10);

    // A good edit: picked up live.
    let status = await edit(() => writeFileSync(baseOptimization(), original.replace(/max_iterations: 10/, "max_iterations: 11")));
    expect(status.ok).toBe(true);
    const good = await maxIterations();
    expect(good.value).toBe(11);
    expect(good.hash).not.toBe(before.hash);
    expect(status.hash).toBe(good.hash);
    const goodText = readFileSync(baseOptimization(), "utf8");

    const brokenEdits: [string, () => void, () => void, Partial<Issue>][] = [
      [
        "a YAML syntax error in the edited file",
        () => writeFileSync(baseOptimization(), goodText.replace("max_iterations: 11", "max_iterations: 12\n    bad: [unclosed")),
        () => writeFileSync(baseOptimization(), goodText),
        { code: "parse-error", file: "base/base-optimization.yaml" },
      ],
      [
        "a half-saved file",
        () => writeFileSync(baseOptimization(), goodText.slice(0, Math.floor(goodText.length / 2)).replace("max_iterations: 11", "max_iterations: 12")),
        () => writeFileSync(baseOptimization(), goodText),
        { file: "base/base-optimization.yaml" },
      ],
      [
        "a new file with a JSONata syntax error",
        () => writeFileSync(join(layersDir, "base", "extra.yaml"), "name: extra\nstage: base\ndata:\n  optimization:\n    max_iterations: !expr '12 +'\n"),
        () => rmSync(join(layersDir, "base", "extra.yaml")),
        { code: "expression-syntax", file: "base/extra.yaml", line: 5 },
      ],
      [
        "a new file that reuses a layer name",
        () => writeFileSync(join(layersDir, "base", "copy.yaml"), "name: base-optimization\nstage: base\ndata: {optimization: {max_iterations: 12}}\n"),
        () => rmSync(join(layersDir, "base", "copy.yaml")),
        { code: "duplicate-name", file: "base/copy.yaml", line: 1 },
      ],
      [
        "a prototype key",
        () => writeFileSync(baseOptimization(), goodText.replace("max_iterations: 11", "max_iterations: 12\n    __proto__: {polluted: yes}")),
        () => writeFileSync(baseOptimization(), goodText),
        { code: "forbidden-key", file: "base/base-optimization.yaml" },
      ],
      [
        "stages.yaml deleted",
        () => rmSync(join(layersDir, "stages.yaml")),
        () => cpSync(join(LAYERS_DIR, "stages.yaml"), join(layersDir, "stages.yaml")),
        { code: "missing-stages" },
      ],
      [
        "a schema file broken",
        () => writeFileSync(join(schemasDir, "task-config.schema.json"), "{ not json"),
        () => cpSync(join(SCHEMAS_DIR, "task-config.schema.json"), join(schemasDir, "task-config.schema.json")),
        { code: "schema-invalid" },
      ],
    ];

    for (const [name, breakIt, fixIt, problem] of brokenEdits) {
      status = await edit(breakIt);
      expect(status.ok, name).toBe(false);
      expect(status.hash, name).toBe(good.hash);
      const mine = status.errors.find((e: { code: string; file?: string }) => e.code === problem.code && (!problem.file || e.file === problem.file)) ?? status.errors[0];
      expect(mine, name).toMatchObject(problem);
      if (problem.file) expect(mine.line, name).toEqual(expect.any(Number));
      // Previews and new tasks still use the last good set.
      expect(await maxIterations(), name).toEqual(good);
      const created = await post(server.url, "/api/tasks/from-context", JSON.stringify({ model_name: "m", base_runtime: "sglang", task_name: `during ${name}` }));
      expect(created.status, name).toBe(201);
      expect(created.body.task.config.optimization.max_iterations, name).toBe(11);
      expect(created.body.task.metadata.layer_set_hash, name).toBe(good.hash);

      status = await edit(fixIt);
      expect(status.ok, `${name} fixed`).toBe(true);
      expect(status.errors, `${name} fixed`).toEqual([]);
      expect(status.hash, `${name} fixed`).toBe(good.hash);
    }
  });
});
