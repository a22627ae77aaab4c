#!/usr/bin/env node
// The `strata` command as `npm run build` leaves it in dist/cli.js (scripts/bundle-cli.mjs copies this file over
// tsc's): run dist/bin/strata.js, the whole command line in one script, compiled from V8's code cache when the
// cache was made from exactly this script (its SHA-256 heads the cache; V8 itself rejects another Node's). Without
// the script — tsc alone writes its own dist/cli.js back, so this loader is then gone too — the modules run,
// without the parse cache (its keys need the hash of the code that parses).
import { createHash } from "node:crypto";
import { isAscii } from "node:buffer";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import vm from "node:vm";

const file = fileURLToPath(new URL("./bin/strata.js", import.meta.url));
let bytes;
try {
  bytes = readFileSync(file);
} catch {
  bytes = undefined;
}
if (bytes === undefined) {
  await (await import("./cli/main.js")).runCli();
} else {
  const hash = createHash("sha256").update(bytes).digest();
  let cachedData;
  try {
    const cache = readFileSync(fileURLToPath(new URL("./bin/strata.cache", import.meta.url)));
    if (cache.subarray(0, 32).equals(hash)) cachedData = cache.subarray(32);
  } catch {
    cachedData = undefined; // no cache: compile as usual
  }
  // The build writes the script in ASCII (scripts/bundle-cli.mjs): read so, it is one-byte text, decoded in no time.
  const script = new vm.Script(bytes.toString(isAscii(bytes) ? "latin1" : "utf8"), { filename: file, cachedData });
  const strata = await script.runInThisContext()(createRequire(file), pathToFileURL(file).href);
  // The script's hash also names the code in the keys of the parse cache (src/core/source-cache.ts).
  await strata.runCli(process.argv.slice(2), { codeId: hash.toString("hex") });
}
