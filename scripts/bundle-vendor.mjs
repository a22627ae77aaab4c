#!/usr/bin/env node
// Build step (after tsc): bundle dist/vendor.js — the YAML, JSONata and JSON-logic packages strata loads on
// every start — into one ES module in place. Loading one file instead of the packages' many CommonJS files
// takes a large share off every CLI start. Same code, same behaviour: only how Node loads it changes.
import { mkdtempSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "vite";
import { PACKAGE_ROOT } from "../dist/core/schemas.js";

const entry = join(PACKAGE_ROOT, "dist", "vendor.js");
const outDir = mkdtempSync(join(PACKAGE_ROOT, "dist", ".vendor-"));
try {
  await build({
    configFile: false,
    logLevel: "warn",
    publicDir: false,
    ssr: { noExternal: true, target: "node" },
    build: {
      ssr: entry,
      outDir,
      minify: false,
      target: "node20",
      rollupOptions: { output: { format: "es", entryFileNames: "vendor.js" } },
    },
  });
  renameSync(join(outDir, "vendor.js"), entry);
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
process.stdout.write(`bundled ${entry}\n`);
