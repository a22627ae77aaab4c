#!/usr/bin/env node
// Build step (last): the `strata` command as one script with a V8 code cache, so a start neither resolves and
// reads some forty modules nor compiles what it runs (Node 20 has no module compile cache of its own).
//   dist/bin/strata.js     dist/cli/main.js and everything it imports (dist/vendor.js, dist/validators.cjs
//                          included), bundled by rolldown, as a function the loader runs in this context
//   dist/bin/strata.cache  V8's code cache of it, made by running compose, lint and test once (--train),
//                          headed by the SHA-256 of the script it belongs to
//   dist/cli.js            replaced by the loader (scripts/cli-loader.mjs), which falls back to dist/cli/main.js
//                          when the script is missing; `tsc` alone writes the plain dist/cli.js back
// Same code, same behaviour: only how Node loads it changes. The packages stay outside the bundle and load when
// first used (ajv for lint and test, fastify and better-sqlite3 for serve and submit), as the modules did.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import vm from "node:vm";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = join(ROOT, "dist");
const BIN = join(DIST, "bin");
const SCRIPT = join(BIN, "strata.js");
const CACHE = join(BIN, "strata.cache");
// Two levels below the package root, like dist/core/: the bundled modules find the package from import.meta.url.
// Packages, and Node's modules but node:module (the bundle's own require needs it): each loads when first used.
const WHEN_USED = /^(ajv|fastify|better-sqlite3|@fastify\/static)(\/.*)?$|^node:(?!module$)/;

/** The ES module Vite (rolldown) writes for dist/cli/main.js, every import of strata's own inlined. */
async function bundle() {
  const { build } = await import("vite");
  const result = await build({
    configFile: false,
    logLevel: "warn",
    publicDir: false,
    ssr: { noExternal: true, target: "node" },
    plugins: [{
      // A package (or Node module) is reached through a one-line CommonJS module: rolldown then requires it where
      // the importing module first runs, not at the top of the bundle (that would load fastify on every start).
      name: "strata-when-used",
      enforce: "pre",
      resolveId(id, importer) {
        if (!WHEN_USED.test(id)) return undefined;
        return importer?.startsWith("\0when-used:") ? { id, external: true } : { id: `\0when-used:${id}` };
      },
      load(id) {
        if (id.startsWith("\0when-used:")) return { code: `module.exports = require(${JSON.stringify(id.slice("\0when-used:".length))});`, moduleType: "js" };
        return undefined;
      },
    }],
    build: {
      ssr: join(DIST, "cli", "main.js"),
      write: false,
      minify: false,
      target: "node20",
      rollupOptions: { external: ["node:module"], output: { format: "es", codeSplitting: false } },
    },
  });
  const output = (Array.isArray(result) ? result[0] : result).output;
  if (output.length !== 1) throw new Error(`bundle-cli: expected one bundle, got ${output.length} files`);
  return output[0].code;
}

/**
 * The bundle as a function body: `(async function (require, __strataUrl) {…})`. Its only
 * imports are Node's (each becomes a `require` on the same line, so lines stay where rolldown put them),
 * `import.meta.url` is the script's own URL, and its exports are returned. `createRequire` hands out requires
 * that give dist/validators.cjs from the script itself (so its code is in the cache too); any other file, and
 * that one when it is missing on disk, loads as before.
 */
function toScript(esm, validatorsSource) {
  let body = esm.replace(/^import \{([^}]*)\} from "(node:[a-z_/]+)";$/gm, (_, names, mod) =>
    mod === "node:module"
      ? `const {${names.replace(/\bcreateRequire\b(?! as)/, "createRequire: __nodeCreateRequire").replace(/ as /g, ": ")}} = require("node:module");`
      : `const {${names.replace(/ as /g, ": ")}} = require(${JSON.stringify(mod)});`);
  // A dynamic import() would need a module loader the script does not have (comments may name one: JSDoc types).
  const left = body.split("\n").find((l) => /^import |^export (?!\{)/.test(l) || (/\bimport\(/.test(l) && !/^\s*(\*|\/\/|\/\*)/.test(l)));
  if (left) throw new Error(`bundle-cli: the bundle has an import or export this step does not convert: ${left}`);
  if (!body.includes("__nodeCreateRequire")) throw new Error("bundle-cli: the bundle no longer imports createRequire from node:module");
  body = body.replace(/\bimport\.meta\.url\b/g, "__strataUrl");
  body = body.replace(/^export \{([^}]*)\};\s*$/m, (_, names) => `return {${names.replace(/ as /g, ": ")}};\n`);
  // One line of head keeps every line of the bundle at its rolldown line number (stack traces read against it).
  const head = [
    "(async function (require, __strataUrl) {",
    "const __path = require(\"node:path\");",
    "const __validatorsFile = __path.join(__path.dirname(require(\"node:url\").fileURLToPath(__strataUrl)), \"..\", \"validators.cjs\");",
    "const createRequire = (from) => {",
    "const req = __nodeCreateRequire(from);",
    "const own = (id) => (id.endsWith(\"validators.cjs\") && req.resolve(id) === __validatorsFile ? __loadValidators() : req(id));",
    "return Object.assign(own, { resolve: req.resolve, cache: req.cache });",
    "};",
  ].join(" ");
  const tail = [
    "function __loadValidators() {",
    "  if (__loadValidators.module) return __loadValidators.module.exports;",
    "  const module = (__loadValidators.module = { exports: {} });",
    "  (function (exports, require, module, __filename, __dirname) {",
    validatorsSource,
    "  })(module.exports, __nodeCreateRequire(__validatorsFile), module, __validatorsFile, __path.dirname(__validatorsFile));",
    "  return module.exports;",
    "}",
    "})",
  ].join("\n");
  return ascii(`${head} ${body}\n${tail}\n`);
}

/**
 * The script in ASCII: each other character (in comments, strings, templates and regexes: messages' `…` and `→`)
 * written as its `\uXXXX` escape, which means the same character in every one of them. Node then reads the file
 * as one-byte text (latin1) instead of decoding UTF-8 into a string twice its size. A backslash before such a
 * character would change meaning (`\…` is `…`, `\\u2026` is not), and a tagged template would see the escape in
 * its raw text: the build refuses the first, and the bundle has no tagged templates with such characters.
 */
function ascii(text) {
  if (/\\[^\x00-\x7f]/.test(text)) throw new Error("bundle-cli: a backslash before a non-ASCII character: escaping it would change its meaning");
  return text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Run the script the way the loader does, for compose, lint and test, and write the code cache it leaves. */
async function train() {
  const source = readFileSync(SCRIPT, "utf8");
  const script = new vm.Script(source, { filename: SCRIPT });
  const strata = await script.runInThisContext()(createRequire(SCRIPT), pathToFileURL(SCRIPT).href);
  const example = join(ROOT, "examples", "design-example.yaml");
  const write = { out: process.stdout.write, err: process.stderr.write };
  const codes = [];
  process.stdout.write = process.stderr.write = () => true;
  try {
    for (const argv of [["compose", "--context", example], ["compose", "--context", example, "--json"], ["lint"], ["test"]]) codes.push(await strata.main(argv));
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
  if (codes.some((c) => c !== 0)) throw new Error(`bundle-cli: the training run failed (exit codes ${codes.join(", ")}); run them with node dist/cli/main.js`);
  const hash = createHash("sha256").update(source).digest();
  writeFileSync(CACHE, Buffer.concat([hash, script.createCachedData()]));
}

if (process.argv.includes("--train")) {
  await train();
} else {
  rmSync(BIN, { recursive: true, force: true });
  mkdirSync(BIN);
  writeFileSync(SCRIPT, toScript(await bundle(), readFileSync(join(DIST, "validators.cjs"), "utf8")));
  // The cache is made in a process of its own, from the project root: the run must see what a user's would.
  const t = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--train"], { cwd: ROOT, stdio: "inherit" });
  if (t.status !== 0) process.exit(t.status ?? 1);
  copyFileSync(join(ROOT, "scripts", "cli-loader.mjs"), join(DIST, "cli.js"));
  process.stdout.write(`bundled ${SCRIPT} with its code cache\n`);
}
