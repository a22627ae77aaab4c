#!/usr/bin/env node
// `npm run build` (also run by `npm install` and `npm test`): every build step, one line each as it starts,
// so a long install shows what it is doing. A step's own output is shown only when it fails.
import { spawn } from "node:child_process";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const STEPS = [
  { what: "compile the CLI and library (tsc → dist/)", run: ["tsc", "-p", "tsconfig.json"] },
  { what: "type-check the web page (tsc -p web)", run: ["tsc", "-p", "web/tsconfig.json"] },
  { what: "build the web page (vite → web/dist/)", run: ["vite", "build", "--config", "web/vite.config.ts"] },
  { what: "precompile the schema validators (→ dist/validators.cjs)", run: ["node", "scripts/build-validators.mjs"] },
  { what: "bundle YAML, JSONata and JSON-logic into one module (→ dist/vendor.js)", run: ["node", "scripts/bundle-vendor.mjs"] },
  { what: "bundle the strata command with a code cache for fast starts (→ dist/bin/)", run: ["node", "scripts/bundle-cli.mjs"] },
];

const env = { ...process.env, PATH: [join(root, "node_modules", ".bin"), process.env.PATH].join(delimiter) };
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

function runStep([cmd, ...args]) {
  return new Promise((done) => {
    const child = spawn(cmd === "node" ? process.execPath : cmd, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", (e) => done({ code: 1, output: `${output}${e.message}\n` }));
    child.on("close", (code) => done({ code: code ?? 1, output }));
  });
}

// `--list` prints the steps without running them (the README shows the same lines).
if (process.argv.includes("--list")) {
  for (const [i, step] of STEPS.entries()) process.stdout.write(`build ${i + 1}/${STEPS.length}: ${step.what}\n`);
  process.exit(0);
}

const started = Date.now();
for (const [i, step] of STEPS.entries()) {
  const t = Date.now();
  process.stdout.write(`build ${i + 1}/${STEPS.length}: ${step.what}\n`);
  const { code, output } = await runStep(step.run);
  if (code !== 0) {
    process.stderr.write(output);
    process.stderr.write(`build ${i + 1}/${STEPS.length} failed after ${seconds(Date.now() - t)}: ${step.run.join(" ")}\n`);
    process.exit(code);
  }
}
process.stdout.write(`build done in ${seconds(Date.now() - started)}\n`);
