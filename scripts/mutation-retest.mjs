// Forget the surviving and uncovered mutants of some modules in Stryker's incremental file, so the next
// `npm run mutation` tests them again: Stryker keeps a survivor as long as the code of the tests covering it is
// unchanged, and a compose case added to test/cases/*.yaml does not change test/cases.test.ts's code.
//   node scripts/mutation-retest.mjs src/core/context.ts [more modules…]
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const path = "reports/stryker-incremental.json";
const modules = process.argv.slice(2);
if (modules.length === 0 || !existsSync(path)) {
  console.error(modules.length === 0 ? "usage: node scripts/mutation-retest.mjs <module.ts>…" : `${path} not found: nothing to forget`);
  process.exit(2);
}
const report = JSON.parse(readFileSync(path, "utf8"));
let forgotten = 0;
for (const [file, entry] of Object.entries(report.files)) {
  if (!modules.some((m) => file === m || file.endsWith("/" + m))) continue;
  const kept = entry.mutants.filter((m) => m.status !== "Survived" && m.status !== "NoCoverage");
  forgotten += entry.mutants.length - kept.length;
  entry.mutants = kept;
}
writeFileSync(path, JSON.stringify(report));
console.log(`${forgotten} mutant(s) will be tested again`);
