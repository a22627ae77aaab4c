// What CI runs that a developer's `npm test` may skip: the web page's end-to-end tests (skipped only
// outside CI, when Debian's chromium is missing) and the SIGKILL durability tests (STRATA_SLOW=1).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { browserSkipReason, underCi } from "./helpers/browser.js";
import { REPO_ROOT } from "./helpers/paths.js";

describe("the end-to-end tests fail loudly under CI when chromium is missing", () => {
  it.each([
    [{ CI: "true" }, true],
    [{ CI: "1" }, true],
    [{ CI: "yes" }, true],
    [{}, false],
    [{ CI: "" }, false],
    [{ CI: "0" }, false],
    [{ CI: "false" }, false],
    [{ CI: "FALSE" }, false],
  ])("CI=%j is CI: %s", (env, ci) => {
    expect(underCi(env)).toBe(ci);
  });

  it("run under CI without a browser (beforeAll then fails them); skipped with the reason only outside CI", () => {
    expect(browserSkipReason({ CI: "true" }, false)).toBeUndefined();
    expect(browserSkipReason({ CI: "true" }, true)).toBeUndefined();
    expect(browserSkipReason({}, true)).toBeUndefined();
    expect(browserSkipReason({}, false)).toBe("skipping the web page tests: /usr/bin/chromium is missing (apt-get install chromium); under CI they fail instead");
  });

  it("the e2e test file uses that rule and fails in beforeAll when the browser is missing", () => {
    const text = readFileSync(join(REPO_ROOT, "test", "e2e-web.test.ts"), "utf8");
    expect(text).toContain("browserSkipReason(process.env, existsSync(CHROMIUM))");
    expect(text).toContain("describe.skipIf(NO_BROWSER)");
    expect(text).toContain("if (!existsSync(CHROMIUM)) throw new Error(");
  });
});

describe(".ci/run", () => {
  const run = readFileSync(join(REPO_ROOT, ".ci", "run"), "utf8");
  const before = (line: string) => run.indexOf(line) >= 0 && run.indexOf(line) < run.lastIndexOf("\nnpm test");

  it("installs chromium, sets CI and STRATA_SLOW=1 (the SIGKILL durability tests) before npm test", () => {
    expect(before("apt-get install -y --no-install-recommends chromium")).toBe(true);
    expect(before('\nexport CI="${CI:-1}"\n')).toBe(true);
    expect(before("\nexport STRATA_SLOW=1\n")).toBe(true);
  });

  it("the durability tests run exactly when STRATA_SLOW=1", () => {
    const text = readFileSync(join(REPO_ROOT, "test", "durability.test.ts"), "utf8");
    expect(text).toContain('const SLOW = process.env.STRATA_SLOW === "1";');
    expect(text).toContain('describe.skipIf(!SLOW)("durability (STRATA_SLOW=1)"');
  });
});
