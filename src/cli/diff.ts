// `strata diff --base REV [--head REV]`: how a change to the layers alters every scenario's config,
// as text for a terminal, markdown for a pull-request comment, or JSON. The work is in src/diff.ts.
import { inlineValue } from "../review/compare.js";
import { unitLabel } from "../review/coverage.js";
import { diffSides, hasChanges, hasUncovered, openRepo, readRevision, readWorkingTree, repoPaths, DiffError, type DiffReport, type PathChange, type ProblemLine, type ScenarioDiff, type UnitChange } from "../review/diff.js";
import type { Origin } from "../core/issues.js";
import { EXIT, UsageError, parse, out, type Command } from "./common.js";
import { projectOf, PROJECT_OPTIONS } from "./project-options.js";

const OPTIONS = {
  base: { type: "string", short: "b" },
  head: { type: "string" },
  format: { type: "string" },
  "exit-code": { type: "boolean" },
  ...PROJECT_OPTIONS,
  scenarios: { type: "string" },
} as const;

export const command: Command = {
  name: "diff",
  summary: "show how a change to the layers alters every scenario's config",
  help: `Usage: strata diff --base REV [--head REV] [options]

Compose every scenario of the project with the layers (and schemas) of two
revisions and report every changed layer, profile and check with the
scenarios that apply it, and loudly each change that no scenario applies
("NOT COVERED": the report cannot show what it does); then, per scenario,
each value that changed as 'old → new' with the head layer (file:line) that
set it, the layers that now apply or no longer apply, new and gone warnings
and errors; then the scenarios that did not change, and the scenarios added
or removed. Revisions are read straight from git (git ls-tree and git
cat-file): the working tree is never touched.

Options:
  -b, --base REV          the revision to compare against (a branch, tag,
                          commit, HEAD~1, …)
      --head REV          the revision to compare (default: the working tree,
                          uncommitted changes included)
      --format text|markdown|json
                          text for a terminal (default); markdown to paste as
                          a pull-request comment; json for scripts
      --exit-code         exit 1 when a scenario's result changed (like
                          'git diff --exit-code') or a change is not
                          covered by any scenario; added and removed
                          scenarios alone do not count
      --project DIR       the project (default: the nearest strata.yaml up)
  -l, --layers DIR        the layer directory (default: the project's)
      --schemas DIR       the folder of the project's schema files
      --scenarios DIR     the scenario directory (default: the project's)

The paths come from the working tree's strata.yaml and are read at both
revisions (a revision without one of the schema files is an error); they are
relative to the current directory, which must be inside the git repository.

Exit status: 0 done (with --exit-code: nothing changed), 1 with --exit-code:
a result changed or a change is not covered, 2 bad usage, not a git
repository, an unknown revision or a broken layer set.`,
  async run(argv) {
    const { values } = parse(argv, OPTIONS);
    if (!values.base) throw new UsageError("--base REV is required (e.g. --base main or --base HEAD~1)");
    const format = values.format ?? "text";
    if (!["text", "markdown", "json"].includes(format)) throw new UsageError(`--format must be text, markdown or json, not '${format}'`);
    let report: DiffReport;
    try {
      const repo = openRepo(process.cwd());
      const project = projectOf({ project: values.project, layers: values.layers, schemas: values.schemas });
      const paths = repoPaths(repo, process.cwd(), { project, layers: values.layers, schemas: values.schemas, scenarios: values.scenarios });
      const base = readRevision(repo, values.base, paths);
      const head = values.head ? readRevision(repo, values.head, paths) : readWorkingTree(repo, paths);
      report = await diffSides(base, head, paths);
    } catch (e) {
      if (e instanceof DiffError) throw new UsageError(e.message, e.issues);
      throw e;
    }
    out(format === "json" ? JSON.stringify(report, null, 2) : format === "markdown" ? formatMarkdown(report) : formatText(report));
    return values["exit-code"] && (hasChanges(report) || hasUncovered(report)) ? EXIT.invalid : EXIT.ok;
  },
};

// ---- text

const where = (o: Origin | undefined): string => {
  if (!o) return "";
  if (!o.file) return o.source === "user_patch" || o.source === "user_replace" ? `${o.source} (the scenario's user_overrides)` : o.source;
  return `${o.file}${o.line !== undefined ? `:${o.line}` : ""} (${o.source})`;
};

function changeLine(c: PathChange): { text: string; by: string } {
  const text = `${c.path}: ${inlineValue(c.before)} → ${inlineValue(c.after)}`;
  if (c.kind === "removed") {
    if (c.origin) return { text, by: `removed by ${where(c.origin)}` };
    return { text, by: c.was ? `no longer set (was ${where(c.was)})` : "no longer set" };
  }
  return { text, by: where(c.origin) };
}

const unitWhere = (u: UnitChange) => (u.kind === "file" ? u.file : `${unitLabel(u)} (${u.file}${u.line !== undefined ? `:${u.line}` : ""})`);

/** Who a change reaches: every scenario for a file such as the stage order, else the scenarios that apply it. */
function reach(u: UnitChange, total: number): string {
  if (!u.covered) return "NOT COVERED: no scenario applies it";
  const changed = `${u.changed.length} changed`;
  if (u.kind === "file") return `affects every scenario (${total}), ${changed}`;
  return `applies in ${u.scenarios.length} scenario(s), ${changed}: ${u.scenarios.map((f) => (u.changed.includes(f) ? f : `${f} (unchanged)`)).join(", ")}`;
}

const problemText = (p: ProblemLine) => `${p.code}: ${p.message}${p.path ? ` (at ${p.path})` : ""}${p.where ? ` [${p.where}]` : ""}`;

export function formatText(r: DiffReport): string {
  const s = r.summary;
  const lines: string[] = [`strata diff: ${r.base.label} → ${r.head.label}`];
  lines.push(`${s.changed} of ${s.total} scenario(s) changed, ${s.added} added, ${s.removed} removed, ${s.unchanged} unchanged${s.uncovered ? `; ${s.uncovered} change(s) NOT COVERED by any scenario` : ""}`);
  if (r.files.length) lines.push(`files changed: ${r.files.map((f) => `${f.file} (${f.status})`).join(", ")}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  for (const i of r.issues) lines.push(`warning: ${i.file ? i.file + (i.line ? `:${i.line}` : "") + ": " : ""}${i.message}`);
  const uncovered = r.units.filter((u) => !u.covered);
  if (uncovered.length) {
    lines.push("", `NOT COVERED: ${uncovered.length} change(s) apply in no scenario, so this report cannot show what they do:`);
    for (const u of uncovered) lines.push(`  ${u.status.padEnd(8)} ${unitWhere(u)}`);
    lines.push(`  Add a scenario that applies each (${r.paths.scenarios}/), or review them by hand.`);
  }
  if (r.units.length) {
    lines.push("", `changes (${r.units.length}):`);
    for (const u of r.units) lines.push(`  ${u.status.padEnd(8)} ${unitWhere(u)}`, `           ${reach(u, r.summary.total)}`);
  }
  for (const d of r.scenarios.filter((x) => x.status !== "unchanged")) {
    lines.push("", `${d.status.padEnd(8)} ${d.file} — ${d.name}`);
    if (d.status === "added" || d.status === "removed") {
      lines.push(`  applied layers: ${d.appliedLayers?.join(", ") || "(none)"}`);
      continue;
    }
    const rows = d.changes.map(changeLine);
    const width = Math.min(Math.max(0, ...rows.map((x) => x.text.length)), 70);
    for (const row of rows) lines.push(`  ${row.text.padEnd(width)}   ${row.by}`);
    if (d.nowApplies.length) lines.push(`  now applies: ${d.nowApplies.join(", ")}`);
    if (d.noLongerApplies.length) lines.push(`  no longer applies: ${d.noLongerApplies.join(", ")}`);
    if (d.orderChanged) lines.push(`  the applied layers are the same, in a different order`);
    for (const w of d.warningsAdded) lines.push(`  + warning ${problemText(w)}`);
    for (const w of d.warningsRemoved) lines.push(`  - warning ${problemText(w)}`);
    for (const e of d.errorsAdded) lines.push(`  + error ${problemText(e)}`);
    for (const e of d.errorsRemoved) lines.push(`  - error ${problemText(e)}`);
    if (d.contextChanged) lines.push(`  note: the scenario's own context changed too`);
  }
  const unchanged = r.scenarios.filter((x) => x.status === "unchanged");
  if (unchanged.length) {
    lines.push("", `unchanged (${unchanged.length}):`);
    for (const d of unchanged) lines.push(`  ${d.file} — ${d.name}`);
  }
  return lines.join("\n");
}

// ---- markdown (a pull-request comment)

/** GitHub rejects comments over 65536 characters: past this, details are cut with a note. */
const MARKDOWN_LIMIT = 60_000;

/** Text for a table cell: pipes escaped, one line. */
const cell = (s: string) => s.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
/** Inline code that survives backticks and pipes in the value. */
const code = (s: string) => {
  const t = cell(s);
  return t.includes("`") ? `\`\` ${t} \`\`` : `\`${t}\``;
};
const mdWhere = (o: Origin | undefined): string => {
  if (!o) return "";
  if (!o.file) return o.source === "user_patch" || o.source === "user_replace" ? `${code(o.source)} (scenario)` : code(o.source);
  return `${code(`${o.file}${o.line !== undefined ? `:${o.line}` : ""}`)} ${cell(`(${o.source})`)}`;
};

export function formatMarkdown(r: DiffReport): string {
  const s = r.summary;
  const head: string[] = [
    "<!-- strata-diff -->",
    `### strata diff: ${code(r.base.label)} → ${r.head.commit ? code(r.head.label) : r.head.label}`,
    "",
    s.changed + s.added + s.removed === 0
      ? `No rendered config changes: all ${s.total} scenario(s) compose exactly as before.`
      : `**${s.changed}** of ${s.total} scenario(s) changed · ${s.added} added · ${s.removed} removed · ${s.unchanged} unchanged`,
  ];
  if (r.files.length) head.push("", `Files changed: ${r.files.map((f) => `${code(f.file)} (${f.status})`).join(", ")}`);
  for (const n of r.notes) head.push("", `> Note: ${cell(n)}`);
  const uncovered = r.units.filter((u) => !u.covered);
  if (uncovered.length) {
    head.push("", `> [!WARNING]`, `> **Not covered**: ${uncovered.length} change(s) apply in no scenario, so this report cannot show what they do: ${uncovered.map((u) => `${code(u.kind === "file" ? u.file : unitLabel(u))} (${u.status})`).join(", ")}. Add a scenario that applies each, or review them by hand.`);
  }
  if (r.units.length) {
    head.push("", "| Change | Definition | Scenarios that apply it |", "|---|---|---|");
    for (const u of r.units) {
      const def = code(`${u.file}${u.line !== undefined ? `:${u.line}` : ""}`);
      const who = !u.covered ? "**not covered**" : u.kind === "file" ? `every scenario (${r.summary.total}), ${u.changed.length} changed` : `${u.scenarios.length} (${u.changed.length} changed)`;
      head.push(`| ${u.status} ${u.kind === "file" ? "file" : code(unitLabel(u))} | ${def} | ${who} |`);
    }
  }
  for (const i of r.issues) head.push("", `> Warning: ${i.file ? code(i.file + (i.line ? `:${i.line}` : "")) + " " : ""}${cell(i.message)}`);

  const touched = r.scenarios.filter((d) => d.status !== "unchanged");
  if (touched.length) {
    head.push("", "| Scenario | File | Status | Values changed | Also |", "|---|---|---|---|---|");
    for (const d of touched) head.push(`| ${cell(d.name)} | ${code(d.file)} | ${d.status} | ${d.status === "changed" ? d.changes.length : ""} | ${cell(alsoChanged(d))} |`);
  }

  const details: string[] = [];
  for (const d of touched) details.push(scenarioDetails(d));
  const unchanged = r.scenarios.filter((d) => d.status === "unchanged");
  const tail: string[] = [];
  if (unchanged.length) {
    tail.push("", `<details><summary>${unchanged.length} unchanged scenario(s)</summary>`, "");
    for (const d of unchanged) tail.push(`- ${cell(d.name)} (${code(d.file)})`);
    tail.push("", "</details>");
  }
  tail.push("", `<sub>Rendered by \`strata diff --base ${cell(r.base.rev ?? r.base.label)}\`${r.head.rev ? ` \`--head ${cell(r.head.rev)}\`` : ""}.</sub>`);

  let body = head.join("\n");
  let cut = 0;
  for (const block of details) {
    if (body.length + block.length + tail.join("\n").length > MARKDOWN_LIMIT) cut++;
    else body += "\n" + block;
  }
  if (cut) body += `\n\n> ${cut} scenario detail(s) left out to fit a comment: run \`strata diff\` locally for the full report.`;
  return body + "\n" + tail.join("\n");
}

/** The short "what else" of a changed scenario, for the summary table. */
function alsoChanged(d: ScenarioDiff): string {
  const n = (k: number, one: string, many: string) => (k === 0 ? "" : `${k} ${k === 1 ? one : many}`);
  return [
    n(d.nowApplies.length, "layer now applies", "layers now apply"),
    n(d.noLongerApplies.length, "layer no longer applies", "layers no longer apply"),
    d.orderChanged ? "layer order" : "",
    n(d.warningsAdded.length, "new warning", "new warnings"),
    n(d.warningsRemoved.length, "warning gone", "warnings gone"),
    n(d.errorsAdded.length, "new error", "new errors"),
    n(d.errorsRemoved.length, "error gone", "errors gone"),
    d.contextChanged ? "context edited" : "",
  ].filter(Boolean).join(", ");
}

function scenarioDetails(d: ScenarioDiff): string {
  const lines = ["", `<details open><summary><b>${cell(d.name)}</b> — ${d.status} (<code>${cell(d.file)}</code>)</summary>`, ""];
  if (d.status === "added" || d.status === "removed") {
    lines.push(`Applied layers: ${(d.appliedLayers ?? []).map(code).join(", ") || "(none)"}`);
  } else {
    if (d.changes.length) {
      lines.push("| Path | Base | Head | Set by (head) |", "|---|---|---|---|");
      for (const c of d.changes) {
        const by = c.kind === "removed" ? (c.origin ? `removed by ${mdWhere(c.origin)}` : `no longer set${c.was ? ` (was ${mdWhere(c.was)})` : ""}`) : mdWhere(c.origin);
        lines.push(`| ${code(c.path)} | ${code(inlineValue(c.before))} | ${code(inlineValue(c.after))} | ${by} |`);
      }
      lines.push("");
    }
    if (d.nowApplies.length) lines.push(`Now applies: ${d.nowApplies.map(code).join(", ")}  `);
    if (d.noLongerApplies.length) lines.push(`No longer applies: ${d.noLongerApplies.map(code).join(", ")}  `);
    if (d.orderChanged) lines.push("The applied layers are the same, in a different order.  ");
    const problem = (p: ProblemLine) => `${code(p.code)} ${cell(p.message)}${p.path ? ` (at ${code(p.path)})` : ""}${p.where ? ` ${code(p.where)}` : ""}`;
    for (const w of d.warningsAdded) lines.push(`New warning: ${problem(w)}  `);
    for (const w of d.warningsRemoved) lines.push(`Warning gone: ${problem(w)}  `);
    for (const e of d.errorsAdded) lines.push(`**New error**: ${problem(e)}  `);
    for (const e of d.errorsRemoved) lines.push(`Error gone: ${problem(e)}  `);
    if (d.contextChanged) lines.push("_The scenario's own context changed too._");
  }
  lines.push("", "</details>");
  return lines.join("\n").replace(/\n{3,}/g, "\n\n");
}
