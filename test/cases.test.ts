// Runs every compose case in test/cases/**/*.yaml through the library (format: test/cases/README.md).
// Each case composes a context over the shipped layers/ or a fixture folder and checks what it expects.
import { describe, expect, it } from "vitest";
import { compose, loadLayerSet, type LayerSet } from "../src/index.js";
import { checkCase, loadCases, type ResultView } from "./helpers/cases.js";
import { LAYERS_DIR, fixtureDir } from "./helpers/paths.js";

const sets = new Map<string, LayerSet>();
function layerSet(fixture: string | undefined): LayerSet {
  const dir = fixture ? fixtureDir(fixture) : LAYERS_DIR;
  let set = sets.get(dir);
  if (!set) {
    set = loadLayerSet(dir);
    // A fixture that does not load cleanly would make every case in it fail for the wrong reason.
    expect(set.issues.filter((i) => i.severity === "error"), `layer set ${fixture ?? "layers/"} loads without errors`).toEqual([]);
    sets.set(dir, set);
  }
  return set;
}

const all = loadCases();

describe("compose cases", () => {
  it("there are cases to run", () => {
    expect([...all.values()].flat().length).toBeGreaterThan(50);
  });

  for (const [file, cases] of all) {
    describe(file, () => {
      for (const c of cases) {
        it(c.name, async () => {
          const set = layerSet(c.layers);
          const result = await compose(set, c.context, { strict: c.strict });
          checkCase(c, result as unknown as ResultView);
        });
      }
    });
  }
});
