// The overrides editor's schema help (web/src/editor/): where the cursor is in half-typed YAML, and what the
// project's output schema offers there — the keys of a mapping, the values of a value, a key's title and description.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { helpOf, keyOptions, schemasAt, valueOptions } from "../web/src/editor/schema-help";
import { keyAt, spotAt } from "../web/src/editor/yaml-spot";
import { REPO_ROOT } from "./helpers/paths.js";

const schema = JSON.parse(readFileSync(join(REPO_ROOT, "schemas", "task-config.schema.json"), "utf8")) as Record<string, unknown>;

/** spotAt with the cursor where `|` is. */
const spot = (text: string) => spotAt(text.replace("|", ""), text.indexOf("|"));

describe("spotAt: what is being typed, from the indentation", () => {
  it("a top-level key, a nested key with the keys its mapping already has, and nothing in a comment", () => {
    expect(spot("opt|")).toEqual({ kind: "key", path: [], from: 0, typed: "opt", present: [], column: 0, listItem: false });
    expect(spot("optimization:\n  strategy: grid_search\n  max|\n  objective: minimize_latency\nbenchmark:\n  task: x\n")).toMatchObject({
      kind: "key",
      path: ["optimization"],
      typed: "max",
      present: ["strategy", "objective"],
    });
    expect(spot("optimization:\n  # str|")).toBeUndefined();
  });

  it("a deeper key under a key indented more than its parent's siblings", () => {
    expect(spot("slo:\n  latency:\n    p90:\n      thr|")).toMatchObject({ kind: "key", path: ["slo", "latency", "p90"], typed: "thr" });
    expect(spot("slo:\n  latency:\n    p90:\n      threshold: 1\n  tt|")).toMatchObject({ kind: "key", path: ["slo"], present: ["latency"] });
  });

  it("a value after `key:`, and one item inside a flow list", () => {
    expect(spot("optimization:\n  strategy: gr|")).toEqual({ kind: "value", path: ["optimization", "strategy"], from: "optimization:\n  strategy: ".length, typed: "gr", flow: false });
    expect(spot("benchmark:\n  traffic_scenarios: [D(100,100), D|")).toMatchObject({ kind: "value", path: ["benchmark", "traffic_scenarios", "*"], typed: "D", flow: true });
  });

  it("a list item: its path ends in *, and a key of an item's mapping belongs to that item only", () => {
    expect(spot("benchmark:\n  traffic_scenarios:\n    - D|")).toMatchObject({ kind: "key", path: ["benchmark", "traffic_scenarios", "*"], typed: "D", listItem: true });
    const text = "rules:\n  - when: a\n    then: b\n  - when: c\n    th|\n  - then: d\n";
    expect(spot(text)).toMatchObject({ kind: "key", path: ["rules", "*"], present: ["when"] });
  });
});

describe("keyAt: the key under the mouse", () => {
  it("gives the key's path and range, and nothing on a value", () => {
    const text = "slo:\n  ttft:\n    threshold: 2\n";
    expect(keyAt(text, text.indexOf("threshold") + 3)).toEqual({ path: ["slo", "ttft", "threshold"], from: text.indexOf("threshold"), to: text.indexOf("threshold") + 9 });
    expect(keyAt(text, text.indexOf("2"))).toBeUndefined();
  });
});

describe("schema help from the output schema", () => {
  it("lists a mapping's keys with their titles, the required ones marked, nested mappings as objects", () => {
    const top = keyOptions(schema, []);
    expect(top.map((k) => k.key)).toEqual(expect.arrayContaining(["task_name", "optimization", "parameters", "benchmark", "slo"]));
    expect(top.map((k) => k.key)).not.toContain("$schema");
    expect(top.find((k) => k.key === "optimization")).toMatchObject({ title: "Search settings", shape: "object", required: true });
    expect(top.find((k) => k.key === "slo")).toMatchObject({ shape: "object", required: false });
    expect(keyOptions(schema, ["optimization"]).find((k) => k.key === "strategy")).toMatchObject({ title: "Search strategy", shape: "value" });
    expect(keyOptions(schema, ["benchmark"]).find((k) => k.key === "traffic_scenarios")).toMatchObject({ shape: "list" });
  });

  it("follows $ref and allOf (an SLO target) and an open mapping's additionalProperties (an engine option)", () => {
    expect(keyOptions(schema, ["slo", "latency", "p90"]).map((k) => k.key)).toEqual(["threshold", "weight", "hard_fail", "fail_ratio"]);
    expect(schemasAt(schema, ["parameters", "no-such-option"]).length).toBeGreaterThan(0);
    expect(keyOptions(schema, ["optimization", "nothing-here"])).toEqual([]);
  });

  it("offers an enum's values as allowed, examples and booleans as suggestions", () => {
    expect(valueOptions(schema, ["optimization", "strategy"]).filter((o) => o.source === "enum").map((o) => o.value)).toEqual(["grid_search", "bayesian", "random"]);
    expect(valueOptions(schema, ["slo", "ttft", "hard_fail"])).toEqual([
      { value: true, source: "boolean" },
      { value: false, source: "boolean" },
    ]);
    expect(valueOptions(schema, ["benchmark", "traffic_scenarios", "*"]).map((o) => o.value)).toEqual(["D(100,100)", "D(1000,100)"]);
    expect(valueOptions(schema, ["benchmark", "traffic_scenarios"]).map((o) => o.value)).toEqual([["D(100,100)", "D(1000,100)"]]);
  });

  it("gives a key's own title first, then what it refers to", () => {
    expect(helpOf(schema, schemasAt(schema, ["slo", "latency", "p90"])).title).toBe("90th-percentile latency (p90)");
    expect(helpOf(schema, schemasAt(schema, ["slo", "latency", "p90", "threshold"]))).toEqual({
      title: "Limit (seconds)",
      description: "The response time, in seconds, that should not be exceeded.",
    });
  });
});
