// `strata explain`: the composed config with the layer (file:line) behind every value, the history of one
// value (--path), and why layers were skipped. The library (src/explain.ts) knows; this file only shows.
import { compose, type ComposeResult } from "../core/compose.js";
import { alignRows, annotatedLines, describeSkip, describeTable, explainTables, explainPath, explainProfiles, explainSkipped, explainValues, historyRows, issuesByPointer, renderAnnotated, type SkipExplanation, type ValueHistory } from "../review/explain.js";
import { inlineValue } from "../review/compare.js";
import { formatLocation, type Issue, type Origin } from "../core/issues.js";
import type { LayerSet } from "../core/load.js";
import { UsageError, parse, printIssues, out, type Command } from "./common.js";
import { OPTIONS as COMPOSE_OPTIONS, exitCode, readComposeInput, type ComposeInput } from "./compose.js";
import { loadOrExit, projectOf, relativeDir, withLayerDir, PROJECT_HELP, type ProjectValues } from "./project-options.js";
import { closeNames } from "../util/names.js";

const OPTIONS = { ...COMPOSE_OPTIONS, path: { type: "string" } } as const;

export const command: Command = {
  name: "explain",
  summary: "show who set each value (file:line) and why layers were skipped",
  help: `Usage: strata explain --context FILE|- [--path PATH] [options]

Compose the context and print the config as YAML with every value annotated
by the layer that set it and where (file:line), then the layers that were
skipped and why: the condition and the context values it read. With --path,
print the history of one value instead: every layer that wrote it, in order,
with the value it wrote, and which write won.

Options:
  -c, --context FILE|-    the context (fields: the project's context schema)
      --path PATH         the value to trace: parameters.tp-size
                          (or a JSON Pointer, /parameters/tp-size)
  -p, --profile NAME      add a profile after the context's own (repeatable)
  -s, --set PATH=VALUE    patch one value; VALUE is read as YAML:
                          --set parameters.tp-size=[2]
  -o, --override FILE     a YAML or JSON patch merged over the config
                          (repeatable)
  -m, --mode MODE         patch or replace: how the overrides apply
                          (default: the context's override_mode)
      --json              print the same as data: {config, values | history,
                          skipped_layers, …}
      --strict            treat warnings as errors
${PROJECT_HELP}
The annotated config is valid YAML: the annotations are comments. Warnings
and errors also go to standard error, as with 'strata compose'; a config that
fails validation is still shown, so you can see who set the offending value.

Exit status: 0 valid config, 1 invalid config, 2 bad input or usage (also an
unknown --path).`,
  async run(argv) {
    const { values } = parse(argv, OPTIONS);
    if (values.path !== undefined && values.path.trim() === "") throw new UsageError("--path needs a path, e.g. --path parameters.tp-size");
    const input = readComposeInput(values, projectOf(values));
    const set = loadOrExit(values);
    const result = await compose(set, input.context, { strict: values.strict });
    const show = displayer(set, values, input);
    const errors = show.issues(result.errors);
    const warnings = show.issues(result.warnings);

    let history: ValueHistory | undefined;
    if (values.path !== undefined) {
      history = explainPath(result, values.path, set);
      if (!history.present && history.writes.length === 0 && result.config) {
        const known = explainValues(result).map((v) => v.path);
        const near = closeNames(history.path, known).slice(0, 3);
        const prefix = known.filter((p) => p.startsWith(history!.path + ".")).length;
        throw new UsageError(`--path ${values.path}: the config has no value there and no layer wrote it${prefix ? "" : near.length ? `; did you mean ${near.join(" or ")}?` : ""}`);
      }
    }

    if (values.json) {
      out(JSON.stringify(jsonExplain(result, set, show, history, input.ctxFile.file, errors, warnings), null, 2));
      return exitCode(result);
    }
    printIssues([...errors, ...warnings]);
    if (!result.context) out(`strata explain ${input.ctxFile.file}: the context is invalid, nothing was composed (see the errors above)`);
    else out(history ? textHistory(history, result, set, show) : textConfig(result, set, show, input.ctxFile.file));
    return exitCode(result);
  },
};

interface Displayer {
  /** `layers/deployment/docker-defaults.yaml:9`, `ctx.yaml:7` or `--set parameters.tp-size=[2]`. */
  where(origin: Origin, pointer: string): string;
  /** A layer file path as shown here: relative to the current directory. */
  file(file: string): string;
  issues(list: Issue[]): Issue[];
  location(origin: Origin, pointer: string): { file?: string; line?: number; column?: number; argument?: string };
}

/** Paths shown from the current directory; the user's overrides located in the file (or argument) that holds them. */
function displayer(set: LayerSet, values: ProjectValues, input: ComposeInput): Displayer {
  const dir = relativeDir(projectOf(values).layersDir);
  const layerFile = (f: string) => (set.files.includes(f) ? `${dir}/${f}` : f);
  const { overrideAt, ctxFile: ctx } = input;
  const location = (origin: Origin, pointer: string): { file?: string; line?: number; column?: number; argument?: string } => {
    if (origin.file) return { file: layerFile(origin.file), line: origin.line, column: origin.column };
    if (origin.source !== "user_patch" && origin.source !== "user_replace") return {};
    return overrideAt(pointer, true);
  };
  return {
    location,
    where(origin, pointer) {
      const l = location(origin, pointer);
      return l.argument ?? formatLocation({ file: l.file, line: l.line });
    },
    file: layerFile,
    // Values that came from --set, --override or --profile are not blamed on a line of the context file.
    issues: (list) => withLayerDir(input.locateIssues(list), set, ctx.file, values),
  };
}

function textConfig(result: ComposeResult, set: LayerSet, show: Displayer, contextFile: string): string {
  const parts: string[] = [];
  if (result.config) {
    const leaves = new Map(explainValues(result).map((v) => [v.pointer, v]));
    const notes = issuesByPointer(result, set);
    const lines = annotatedLines(
      result.config,
      (p) => {
        const o = leaves.get(p)?.origin;
        return o ? `${o.source}  ${show.where(o, p)}`.trimEnd() : "(origin unknown)";
      },
      (p) => notes.get(p)?.map((i) => `${i.severity} ${i.code}: ${i.message}`),
    );
    parts.push(`# strata explain ${contextFile}: each value with the layer that set it (file:line)${result.ok ? "" : " — the config is INVALID, see the errors"}`);
    parts.push(renderAnnotated(lines).trimEnd());
  } else {
    parts.push(`# strata explain ${contextFile}: composing stopped before a config was made (see the errors); what happened until then:`);
  }
  parts.push("");
  parts.push(...comment(layerSummary(result, set, show, undefined)));
  return parts.join("\n");
}

function textHistory(h: ValueHistory, result: ComposeResult, set: LayerSet, show: Displayer): string {
  const parts: string[] = [];
  const winner = h.writes.filter((w) => w.won).pop();
  if (h.present) parts.push(`${h.path}: ${inlineValue(h.value)}${winner && !h.combined ? `   (set by ${winner.origin.source}${show.where(winner.origin, h.pointer) ? `, ${show.where(winner.origin, h.pointer)}` : ""})` : ""}`);
  else parts.push(`${h.path}: not in the config${result.config ? "" : " (composing stopped before a config was made)"}`);
  parts.push("");
  if (h.writes.length === 0) parts.push("No layer wrote it.");
  else {
    parts.push(`Written ${h.writes.length} time(s), in this order:`);
    parts.push(alignRows(historyRows(h, (o, p) => show.where(o, p))).trimEnd());
  }
  parts.push("");
  parts.push(...layerSummary(result, set, show, h));
  return parts.join("\n");
}

/** Applied, skipped (with the reason) and unselected or unknown profiles, as plain lines. */
function layerSummary(result: ComposeResult, set: LayerSet, show: Displayer, h: ValueHistory | undefined): string[] {
  const lines: string[] = [];
  const skipped = explainSkipped(result);
  const skipLine = (s: SkipExplanation) => `  ${s.file ? `${formatLocation({ file: show.file(s.file), line: s.line })}: ` : ""}${describeSkip(s)}`;
  lines.push(`Applied layers (${result.applied_layers.length}), in order: ${result.applied_layers.join(", ") || "none"}`);
  const tables = explainTables(result, set);
  if (tables.length) {
    lines.push(`Tables (${tables.length}):`);
    lines.push(...tables.map((t) => `  ${formatLocation({ file: show.file(t.file), line: t.line })}: ${describeTable(t)}`));
  }
  if (h && h.skipped_writers.length > 0) {
    lines.push(`Skipped layers that would have written ${h.path} (${h.skipped_writers.length}):`);
    lines.push(...h.skipped_writers.map((s) => skipLine(s) + (s.writes === "maybe" ? "  [maybe: an expression computes it]" : "")));
  }
  const rest = h ? skipped.filter((s) => !h.skipped_writers.some((w) => w.layer === s.layer)) : skipped;
  if (rest.length === 0 && !(h && h.skipped_writers.length)) lines.push("Skipped layers: none");
  else if (rest.length > 0) {
    lines.push(`${h && h.skipped_writers.length ? "Other skipped layers" : "Skipped layers"} (${rest.length}):`);
    lines.push(...rest.map(skipLine));
  }
  if (result.context) {
    const profiles = explainProfiles(result, set);
    for (const u of profiles.unknown) {
      lines.push(`Unknown profile '${u.name}' (context ${u.pointer.split("/")[1]}[${u.pointer.split("/").pop()}]): not found, nothing applied${u.suggestions.length ? `; did you mean ${u.suggestions.join(" or ")}?` : ""}`);
    }
    if (profiles.not_selected.length) lines.push(`Profiles not selected: ${profiles.not_selected.join(", ")}`);
  }
  return lines;
}

const comment = (lines: string[]) => lines.map((l) => `# ${l}`.trimEnd());

function jsonExplain(result: ComposeResult, set: LayerSet, show: Displayer, history: ValueHistory | undefined, contextFile: string, errors: Issue[], warnings: Issue[]) {
  const origin = (o: Origin | undefined, pointer: string) => (o ? { source: o.source, ...(o.layer ? { layer: o.layer } : {}), stage: o.stage, ...show.location(o, pointer) } : null);
  const skip = (s: SkipExplanation) => ({
    layer: s.layer, stage: s.stage, ...(s.file ? { file: show.file(s.file), line: s.line } : {}), reason: s.reason,
    condition: s.condition, when: s.when, read: s.read ?? {}, because: s.because,
  });
  return {
    ok: result.ok,
    context_file: contextFile,
    config: result.config ?? null,
    ...(history
      ? {
          history: {
            path: history.path, pointer: history.pointer, present: history.present, value: history.value ?? null, combined: history.combined,
            writes: history.writes.map((w) => ({
              seq: w.seq, op: w.op, relation: w.relation, at: w.at, ...(w.below ? { below: w.below } : {}),
              value: w.value === undefined ? null : w.value, removed: w.value === undefined && w.relation !== "descendant", won: w.won,
              origin: origin(w.origin, w.pointer),
            })),
            skipped_writers: history.skipped_writers.map((s) => ({ ...skip(s), writes: s.writes })),
          },
        }
      : { values: explainValues(result).map((v) => ({ path: v.path, pointer: v.pointer, value: v.value, origin: origin(v.origin, v.pointer) })) }),
    applied_layers: result.applied_layers,
    tables: explainTables(result, set).map((t) => ({ ...t, file: show.file(t.file) })),
    skipped_layers: explainSkipped(result).map(skip),
    profiles: result.context ? explainProfiles(result, set) : null,
    warnings,
    errors,
  };
}
