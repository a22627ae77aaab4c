// JSON-logic has limits like JSONata's (src/lang/condition.ts): a condition that loops too long or builds too much
// stops with a located error. Here through `strata compose` and the HTTP API; the same rules through the library,
// and the check that the wrapping changes no result, are in test/condition-limits.test.ts (in-process, so
// mutation testing sees them).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli, removeTemps, tempDir } from "./hostile/setup.js";
import { LAYERS_DIR, SCHEMAS_DIR } from "./hostile/setup.js";
import { CONTEXT, layerWith, RUNAWAYS } from "./hostile/conditions.js";
import { cpSync } from "node:fs";
import { startServer, post, removeTempDirs } from "./server-helpers.js";

afterAll(() => {
  removeTemps();
  removeTempDirs();
});

describe("conditions past the limits (CLI and HTTP)", () => {
  const dir = () => {
    const root = tempDir("strata-conditions-");
    cpSync(LAYERS_DIR, join(root, "layers"), { recursive: true });
    cpSync(SCHEMAS_DIR, join(root, "schemas"), { recursive: true });
    writeFileSync(join(root, "layers", "slow.yaml"), layerWith(RUNAWAYS[1][1]).file.text);
    writeFileSync(join(root, "ctx.json"), JSON.stringify(CONTEXT));
    return root;
  };

  it("strata compose: exit 2 and the error at the layer's when:, no stack", () => {
    const root = dir();
    const r = cli(["compose", "-c", join(root, "ctx.json"), "--layers", join(root, "layers")]);
    expect(r.status).toBe(2);
    const { at } = layerWith(RUNAWAYS[1][1]);
    expect(r.stderr.replaceAll(root, "ROOT").trim()).toBe(`ROOT/layers/slow.yaml:${at.line}:${at.column}: error condition-too-large: layer 'slow': ${RUNAWAYS[1][3]}`);
  });

  it("POST /api/config/preview: 200, ok false, the error at the layer's when:", async () => {
    const root = dir();
    const server = await startServer({ layersDir: join(root, "layers"), schemasDir: join(root, "schemas") });
    try {
      const r = await post(server, "/api/config/preview", { model_name: "m", base_runtime: "vllm" });
      expect(r.status).toBe(200);
      expect(r.body.ok).toBe(false);
      expect(r.body.errors).toEqual([expect.objectContaining({ code: "condition-too-large", file: "slow.yaml", line: 3, column: 1, pointer: "/when" })]);
    } finally {
      await server.close();
    }
  });
});
