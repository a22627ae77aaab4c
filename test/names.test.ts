// "Did you mean": the edit distance and the two rules over it (src/util/names.ts), at their edges.
import { describe, expect, it } from "vitest";
import { closeNames, closestName, editDistance } from "../src/util/names.js";

describe("editDistance", () => {
  it.each([
    ["", "", 0],
    ["", "abc", 3],
    ["abc", "", 3],
    ["abc", "abc", 0],
    ["compose", "compse", 1], // a deletion
    ["compose", "compoose", 1], // an insertion
    ["compose", "compase", 1], // a substitution
    ["compose", "ocmpose", 2], // a swap is two edits
    ["kitten", "sitting", 3],
    ["flaw", "lawn", 2],
  ])("%s → %s is %i", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe("closestName: within 2 edits by default, never 3", () => {
  const commands = ["compose", "explain", "lint", "serve", "test", "diff"];
  it.each([
    ["compse", "compose"], // 1 edit
    ["cmpse", "compose"], // 2 edits: the edge, still suggested
    ["expalin", "explain"], // a swap: 2 edits
    ["cpse", undefined], // 3 edits: too far
    ["xyz", undefined],
  ])("%s → %s", (typo, meant) => {
    expect(closestName(typo, commands)).toBe(meant);
  });

  it("takes another distance when asked, at its edge", () => {
    expect(closestName("cpse", ["compose"], 3)).toBe("compose");
    expect(closestName("cmpse", ["compose"], 1)).toBeUndefined();
  });

  it("prefers the closer name, and the first listed on a tie", () => {
    expect(closestName("tast", ["lint", "test", "tart"])).toBe("test");
    expect(closestName("lent", ["lint", "lens"])).toBe("lint");
    expect(closestName("lent", ["lens", "lint"])).toBe("lens");
  });
});

describe("closeNames: within max(2, length / 3) edits, or sharing a prefix, closest first", () => {
  it.each<[string, string[], string[]]>([
    // short names: 2 edits pass, 3 do not
    ["prfile", ["profiles", "profile", "pro"], ["profile", "profiles"]],
    ["abcd", ["abxy", "axyz"], ["abxy"]],
    // 9 characters: the limit is 3 (floor(9 / 3)); 4 edits are too far
    ["model_nme", ["model_name", "mxxxl_nme", "mxxxx_nme"], ["model_name", "mxxxl_nme"]],
    // a prefix of 3 characters or more, either way round
    ["tp", ["tp-size"], []], // 5 edits, and 2 characters are too short for a prefix
    ["tp-", ["tp-size"], ["tp-size"]],
    ["parameters.tp-size", ["parameters"], ["parameters"]],
    ["same", ["same"], []], // the name itself is never suggested
  ])("%s among %j → %j", (name, candidates, expected) => {
    expect(closeNames(name, candidates)).toEqual(expected);
  });
});
