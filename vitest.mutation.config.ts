// The test files StrykerJS runs (stryker.config.json; docs/testing.md): every test of the library in-process.
// Left out: the tests that spawn the built CLI, a server process or a browser, or read dist/ (Stryker
// mutates src/ in a sandbox: they would run unmutated code, slowly; the hostile files that mix both are
// out whole), and the tests that race a time limit or a file watcher (instrumented code on a loaded
// machine runs past the 1 s expression limit that a plain run stays within). `npm test` runs them all.
import { defineConfig } from "vitest/config";

// STRATA_MUTATION_TESTS=merge,cases,load: only those test files (test/<name>.test.ts), for a quicker run of one
// module whose tests are known; its score is then a lower bound (docs/testing.md, "Mutation testing").
const only = (process.env.STRATA_MUTATION_TESTS ?? "").split(",").map((s) => s.trim()).filter(Boolean);

export default defineConfig({
  test: {
    include: only.length > 0 ? only.map((name) => `test/${name}.test.ts`) : ["test/**/*.test.ts"],
    exclude: [
      "test/bench-smoke.test.ts",
      "test/cli-link.test.ts",
      "test/cli.test.ts",
      "test/conformance.test.ts",
      "test/diff.test.ts",
      "test/durability.test.ts",
      "test/e2e-web.test.ts",
      "test/explain.test.ts",
      "test/hostile-bombs.test.ts",
      "test/hostile-conditions.test.ts",
      "test/hostile-expressions.test.ts",
      "test/hostile-layer-dir.test.ts",
      "test/hostile-layer-sets.test.ts",
      "test/hostile-prototype.test.ts",
      "test/hostile-results.test.ts",
      "test/install.test.ts",
      "test/lint.test.ts",
      "test/other-projects.test.ts",
      "test/precompiled-validators.test.ts",
      "test/scenario-runner.test.ts",
      "test/server-cli.test.ts",
      "test/server-watch.test.ts",
      "test/start-a-project.test.ts",
    ],
    // Instrumented code runs several times slower (the property tests most of all).
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
