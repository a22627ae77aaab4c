// `strata test`: run the scenario files (golden tests) and show a readable diff for each failure;
// `--update` records snapshots. The library does the work (src/scenarios.ts); this file only shows it.
import { readFileSync, writeFileSync, renameSync } from "node:fs";
import { resolve } from "node:path";
import { formatIssue, sortIssues, type Issue } from "../core/issues.js";
import { inlineValue } from "../review/compare.js";
import { loadScenariosFromFiles, loadScenarios, runScenario, updateScenarioText, type ScenarioFailure, type ScenarioResult, type Scenario } from "../review/scenarios.js";
import type { LayerSet } from "../core/load.js";
import { coverageOf, unitLabel, type Coverage } from "../review/coverage.js";
import { EXIT, UsageError, parse, out, type Command } from "./common.js";
import { loadOrExit, projectOf, withLayerDir, relativeDir, PROJECT_OPTIONS, PROJECT_HELP, type ProjectValues } from "./project-options.js";

const OPTIONS = {
  scenarios: { type: "string" },
  update: { type: "boolean", short: "u" },
  coverage: { type: "boolean" },
  format: { type: "string" },
  ...PROJECT_OPTIONS,
} as const;

export const command: Command = {
  name: "test",
  summary: "run the project's scenario tests (golden configs)",
  help: `Usage: strata test [options] [FILTER…]

Compose every scenario of the project (its \`scenarios\` folder) and check what
each one expects: the full config snapshot (expect.config), single values
(expect.match), absent paths (expect.absent), the applied layers, the warnings
and the errors. Each failure names its file:line and shows expected and
actual; a snapshot failure shows a unified diff of the YAML.

FILTER keeps only the scenarios whose file or name contains it (repeatable).

Options:
      --scenarios DIR     the scenario directory (default: the project's)
  -u, --update            rewrite the expectations that differ:
                          expect.config, expect.applied_layers,
                          expect.warnings and the expect.match values, where
                          the file has them (empty ones are filled in).
                          Comments, key order and everything else in the
                          file stay as written; what it cannot rewrite (an
                          absent path, errors, a match with no value) is
                          named as needing a hand edit. Review the change
                          with 'git diff' before you commit it.
      --coverage          also list the layers, profiles, profile layers and
                          check rules that no scenario (of those run) applies
      --format text|json  output format (default: text)
${PROJECT_HELP}
Exit status: 0 every scenario passed, 1 a scenario failed or a scenario file
is broken, 2 bad usage or a broken layer set.`,
  async run(argv) {
    const { values, positionals } = parse(argv, OPTIONS, true);
    const format = values.format ?? "text";
    if (format !== "text" && format !== "json") throw new UsageError(`--format must be text or json, not '${format}'`);
    const project = projectOf(values);
    const scenariosDir = values.scenarios !== undefined ? resolve(values.scenarios) : project.scenariosDir;
    if (scenariosDir === undefined) throw new UsageError(`the project ${project.name} (${project.file}) declares no scenarios: add \`scenarios: DIR\` to it, or use --scenarios DIR`);
    const dir = relativeDir(scenariosDir);
    const set = loadOrExit(values);
    const loaded = loadScenarios(dir);
    if (loaded.issues.some((i) => i.code === "scenarios-unreadable")) {
      throw new UsageError(loaded.issues[0].message + (values.scenarios ? "" : " (use --scenarios DIR)"));
    }
    const scenarios = loaded.scenarios.filter((s) => positionals.length === 0 || positionals.some((p) => s.file.includes(p) || s.name.includes(p)));
    if (positionals.length > 0 && scenarios.length === 0) throw new UsageError(`no scenario matches ${positionals.map((p) => `'${p}'`).join(", ")}`);

    const results: ScenarioResult[] = [];
    const updated: { file: string; expectations: string[] }[] = [];
    for (const scenario of scenarios) {
      let run = await runScenario(set, scenario);
      if (values.update && !run.passed) {
        const next = updateScenarioText(run);
        if (next) {
          writeAtomically(resolve(scenario.file), next.text);
          updated.push({ file: scenario.file, expectations: next.updated });
          run = await rerun(set, scenario, dir);
        }
      }
      results.push(run);
    }
    const fileProblems = loaded.issues.filter((i) => i.severity === "error");
    const coverage = values.coverage ? coverageOf(set, results.map((r) => ({ file: r.scenario.file, result: r.result }))) : undefined;
    const failed = results.filter((r) => !r.passed).length + new Set(fileProblems.map((i) => i.file)).size;

    if (format === "json") {
      out(JSON.stringify({
        ok: failed === 0,
        passed: results.filter((r) => r.passed).length,
        failed,
        updated,
        ...(coverage ? { coverage: { units: withLayerDir(coverage.units, set, undefined, values), uncovered: withLayerDir(coverage.uncovered, set, undefined, values) } } : {}),
        issues: loaded.issues,
        scenarios: results.map((r) => ({
          id: r.scenario.id, file: r.scenario.file, name: r.scenario.name, passed: r.passed,
          applied_layers: r.result.applied_layers,
          failures: r.failures.map((f) => ({ ...f, issues: f.issues ? withLayerDir(f.issues, set, r.scenario.file, values) : undefined })),
        })),
      }, null, 2));
    } else {
      printText(results, loaded.issues, updated, set, values, Boolean(values.update));
      if (coverage) printCoverage(coverage, set, values);
    }
    return failed === 0 ? EXIT.ok : EXIT.invalid;
  },
};

/** Run the scenario again from its rewritten file, so what is reported is what is on disk now. */
async function rerun(set: LayerSet, scenario: Scenario, dir: string): Promise<ScenarioResult> {
  const again = loadScenariosFromFiles([{ path: scenario.id, text: readFileSync(resolve(scenario.file), "utf8") }], { dir });
  return again.scenarios[0] ? runScenario(set, again.scenarios[0]) : runScenario(set, scenario);
}

function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.strata-${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

const useColor = () => process.stdout.isTTY === true && !process.env.NO_COLOR;
const paint = (code: string, s: string) => (useColor() ? `\x1b[${code}m${s}\x1b[0m` : s);

function printText(results: ScenarioResult[], fileIssues: Issue[], updated: { file: string; expectations: string[] }[], set: LayerSet, values: ProjectValues, updating: boolean) {
  for (const i of sortIssues(fileIssues)) out(`${i.severity === "error" ? paint("31", "FAIL") : paint("33", "WARN")}  ${formatIssue(i)}`);
  for (const u of updated) out(`${paint("36", "UPDATED")}  ${u.file}  (${u.expectations.map((e) => `expect.${e}`).join(", ")})`);
  for (const r of results) {
    out(`${r.passed ? paint("32", "PASS") : paint("31", "FAIL")}  ${r.scenario.file}  ${r.scenario.name}`);
    for (const f of r.failures) out(indent(describeFailure(f, set, r.scenario, values), 6));
  }
  const failed = results.filter((r) => !r.passed);
  const broken = new Set(fileIssues.filter((i) => i.severity === "error").map((i) => i.file)).size;
  const parts = [`${results.filter((r) => r.passed).length} passed`];
  if (failed.length) parts.push(`${failed.length} failed`);
  if (broken) parts.push(`${broken} broken file(s)`);
  if (updated.length) parts.push(`${updated.length} updated`);
  out(`\n${results.length + broken} scenario(s): ${parts.join(", ")}`);
  const fixable = failed.filter((r) => r.failures.every((f) => f.updatable)).length;
  if (fixable && !updating) out(`${fixable} scenario(s) can be re-recorded with 'strata test --update': check the diffs above first.`);
  // What --update cannot rewrite, named one by one, so that nobody waits for it to.
  const byHand = failed.flatMap((r) => r.failures.filter((f) => !f.updatable));
  if (byHand.length) {
    out(`${byHand.length} failure(s) need a hand edit${updating ? "" : " ('strata test --update' does not rewrite them)"}:`);
    for (const f of byHand) out(`  ${f.file}:${f.line ?? 1}:${f.column ?? 1}: expect.${f.expectation === "compose" ? "errors (composing failed)" : f.expectation}${f.path ? ` '${f.path}'` : ""}`);
  }
  if (updated.length) out(`Review the rewritten files with 'git diff' before committing them.`);
}

function printCoverage(c: Coverage, set: LayerSet, values: ProjectValues) {
  if (c.uncovered.length === 0) {
    out(`coverage: all ${c.units.length} layers, profiles, profile layers, checks and table rows apply in some scenario`);
    return;
  }
  out(`coverage: ${c.uncovered.length} of ${c.units.length} layers, profiles, profile layers, checks and table rows apply in no scenario:`);
  for (const u of withLayerDir(c.uncovered, set, undefined, values)) out(`  ${u.file}${u.line !== undefined ? `:${u.line}` : ""}  ${unitLabel(u)}`);
}

/** A failure as people read it: where, what, then expected and actual (or the YAML diff). */
export function describeFailure(f: ScenarioFailure, set: LayerSet, scenario: Scenario, values: ProjectValues): string {
  const lines = [formatIssue({ ...f, severity: "error" }).replace(/^(.*?)error /, "$1")];
  if (f.issues) for (const i of withLayerDir(f.issues, set, scenario.file, values)) lines.push(`  ${formatIssue(i)}`);
  if (f.diff) {
    const colored = f.diff.split("\n").map((l) => (l.startsWith("+") && !l.startsWith("+++") ? paint("32", l) : l.startsWith("-") && !l.startsWith("---") ? paint("31", l) : l.startsWith("@@") ? paint("36", l) : l));
    lines.push(...colored.map((l) => "  " + l));
  } else if (f.expectation === "warnings" || f.expectation === "errors") {
    const codes = (list: unknown) => inlineValue((list as ({ code: string } | string)[]).map((p) => (typeof p === "string" ? p : p.code)));
    if (f.expected !== undefined) lines.push(`  expected: ${codes(f.expected)}`);
    if (f.actual !== undefined) lines.push(`  actual:   ${codes(f.actual)}`);
  } else if (f.expectation === "match" || f.expectation === "applied_layers") {
    if (f.expected !== undefined) lines.push(`  expected: ${inlineValue(f.expected)}`);
    if (f.actual !== undefined) lines.push(`  actual:   ${inlineValue(f.actual)}`);
  }
  return lines.join("\n");
}

const indent = (s: string, n: number) => s.split("\n").map((l) => " ".repeat(n) + l).join("\n");
