// Shipped text matches shipped data: every description in layers/ (profiles, layers, check rules) is listed in
// test/shipped-text.yaml with checkable claims, and each claim holds for every engine on every deployment.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import jsonata from "jsonata";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { compose } from "../src/core/compose.js";
import { loadLayerSet } from "../src/core/load.js";
import { LAYERS_DIR, REPO_ROOT } from "./helpers/paths.js";

interface Claim {
  says: string;
  check: string;
  with?: Record<string, unknown>;
  vs?: Record<string, unknown>;
}

const CLAIMS = parse(readFileSync(join(REPO_ROOT, "test", "shipped-text.yaml"), "utf8")) as Record<string, Claim[]>;
const ENGINES = ["sglang", "vllm", "trtllm"];
const DEPLOYMENTS = ["docker", "ome"];
const set = loadLayerSet(LAYERS_DIR);

/** Every description shipped in layers/, by file (a file holds one profile, layer or check rule). */
function shippedDescriptions(): Map<string, { kind: "profile" | "layer" | "check"; name: string; text: string }> {
  const out = new Map<string, { kind: "profile" | "layer" | "check"; name: string; text: string }>();
  for (const p of set.profiles.values()) out.set(p.file, { kind: "profile", name: p.name, text: p.description });
  for (const s of set.stages) for (const l of s.layers) if (l.description) out.set(l.file, { kind: "layer", name: l.name, text: l.description });
  for (const c of set.checks) if (c.description) out.set(c.file, { kind: "check", name: c.name, text: c.description });
  return out;
}

/** Grid points: the product of how many values each parameter tries (a list, or the long form's `values`). */
function grid(config: unknown): number {
  const params = (config as { parameters?: Record<string, unknown> } | undefined)?.parameters ?? {};
  return Object.values(params).reduce<number>((n, v) => n * (Array.isArray(v) ? v.length : Array.isArray((v as { values?: unknown[] })?.values) ? (v as { values: unknown[] }).values.length : 1), 1);
}

const normalizeText = (s: string) => s.replace(/\s+/g, " ").trim();

describe("shipped descriptions", () => {
  const shipped = shippedDescriptions();

  it("each is listed in test/shipped-text.yaml, and each claim quotes words still in it", () => {
    expect([...shipped.keys()].sort()).toEqual(Object.keys(CLAIMS).sort());
    const stale = Object.entries(CLAIMS).flatMap(([file, claims]) =>
      claims.filter((c) => !normalizeText(shipped.get(file)?.text ?? "").includes(normalizeText(c.says))).map((c) => `${file}: '${c.says}'`),
    );
    expect(stale).toEqual([]);
  });

  for (const [file, claims] of Object.entries(CLAIMS)) {
    it(`${file}: what its description says holds for every engine and deployment`, async () => {
      const what = shipped.get(file);
      expect(what, `${file} has no description in layers/`).toBeDefined();
      const failures: string[] = [];
      for (const claim of claims) {
        const expr = jsonata(claim.check);
        for (const base_runtime of ENGINES) {
          for (const deployment_mode of DEPLOYMENTS) {
            const context = { model_name: "llama-3-2-1b-instruct", base_runtime, deployment_mode };
            const profiles = what!.kind === "profile" ? [what!.name] : [];
            const main = await compose(set, { ...context, ...(profiles.length ? { profiles } : {}), ...claim.with });
            const baseline = await compose(set, { ...context, ...claim.vs });
            const where = `${file} '${claim.says}' on ${base_runtime}/${deployment_mode}`;
            if (!main.config || !baseline.config) {
              failures.push(`${where}: nothing composed (${[...main.errors, ...baseline.errors].map((e) => e.message).join("; ")})`);
              continue;
            }
            const holds = await expr.evaluate(
              { config: main.config, baseline: baseline.config, context: main.context, warnings: main.warnings.map((w) => w.code) },
              { grid },
            );
            if (holds !== true) failures.push(`${where}: ${claim.check} is ${JSON.stringify(holds)}`);
          }
        }
      }
      expect(failures).toEqual([]);
    });
  }

  it("the check of a claim fails when the data stops doing what the text says (quick-test on a 3-value engine option)", async () => {
    // The class this guards against: "a single small grid point" while SGLang's layer adds two values.
    const claim = CLAIMS["profiles/quick-test.yaml"].find((c) => c.says.includes("grid points"))!;
    const context = { model_name: "m", base_runtime: "sglang", profiles: ["quick-test"], user_overrides: { parameters: { "enable-torch-compile": [true, false, true] } } };
    const r = await compose(set, context);
    expect(grid(r.config)).toBe(3);
    expect(await jsonata(claim.check).evaluate({ config: r.config, context: r.context }, { grid })).toBe(false);
  });
});
