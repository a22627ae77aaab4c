// What the page calls a project's stored items (web/src/words.ts): the project file's item_kind, in the
// singular, the plural and capitalised; none for a project that stores nothing.
import { describe, expect, it } from "vitest";
import { itemWords, plural } from "../web/src/words";

const items = (kind: string) => ({ kind, name: "/n", name_field: null, description: null, description_field: null });

describe("the page's words for stored items", () => {
  it.each([
    ["task", "tasks"],
    ["deployment", "deployments"],
    ["policy", "policies"],
    ["gateway", "gateways"],
    ["class", "classes"],
    ["box", "boxes"],
    ["patch", "patches"],
    ["mesh", "meshes"],
    ["feature flag", "feature flags"],
    ["service-entry", "service-entries"],
  ])("%s, %s", (one, many) => {
    expect(plural(one)).toBe(many);
  });

  it("come from item_kind, capitalised for titles", () => {
    expect(itemWords(items("deployment"))).toEqual({ one: "deployment", many: "deployments", One: "Deployment", Many: "Deployments" });
    expect(itemWords(items("task"))).toEqual({ one: "task", many: "tasks", One: "Task", Many: "Tasks" });
  });

  it("are 'item' for a blank kind, and none when the project stores nothing", () => {
    expect(itemWords(items("  "))).toEqual({ one: "item", many: "items", One: "Item", Many: "Items" });
    expect(itemWords(null)).toBeNull();
  });
});
