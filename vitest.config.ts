import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The strata command keeps parsed files in a cache (docs/cli.md): a test run uses a fresh one of its own, never
    // the user's ~/.cache/strata (nothing outside the checkout and the temp folder is read or written).
    env: { STRATA_CACHE_DIR: mkdtempSync(join(tmpdir(), "strata-test-cache-")) },
  },
});
