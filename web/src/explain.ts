// Words for what the server reports: who set a value, why a layer was skipped, where an issue is.
import type { Issue, Origin, SkippedLayer } from "./api";
import { dotted } from "./pointer";
import { yamlFlow } from "./yaml-lines";

/** "profile:low-latency:low-latency-params" → profile low-latency, layer low-latency-params. */
export function describeSource(source: string): { title: string; kind: "layer" | "profile" | "user" } {
  if (source === "user_patch") return { title: "your changes (patch)", kind: "user" };
  if (source === "user_replace") return { title: "your changes (replace)", kind: "user" };
  const m = /^profile:([^:]+):(.+)$/.exec(source);
  if (m) return { title: `profile ${m[1]} › ${m[2]}`, kind: "profile" };
  return { title: source, kind: "layer" };
}

export const fileLine = (o: { file?: string; line?: number }): string | undefined =>
  o.file ? (o.line ? `${o.file}:${o.line}` : o.file) : undefined;

export function describeSkip(s: SkippedLayer): { reason: string; read: string } {
  const reason =
    s.reason === "condition-false"
      ? `condition false: ${s.when_text ?? "(no condition)"}`
      : s.reason === "profile-not-selected"
        ? "profile not selected"
        : String(s.reason).replace(/-/g, " "); // a reason a newer server added
  const read = s.read ? Object.entries(s.read).map(([k, v]) => `${k} = ${yamlFlow(v)}`).join(", ") : "";
  return { reason, read };
}

/** Where an issue is, in words: the config path and the file that raised it. */
export function describeIssuePlace(i: Issue, pointerLabel: (p: string) => string = dotted): string {
  const parts: string[] = [];
  if (i.pointer !== undefined && i.pointer !== "") parts.push(pointerLabel(i.pointer));
  const at = fileLine(i);
  if (at) parts.push(at);
  else if (i.origin) parts.push(`set by ${describeSource(i.origin.source).title}${fileLine(i.origin) ? ` at ${fileLine(i.origin)}` : ""}`);
  return parts.join(" · ");
}

const STAGE_COLOURS = ["#3b5bdb", "#0ca678", "#f59f00", "#ae3ec9", "#1098ad", "#e8590c", "#66a80f", "#c2255c"];

/**
 * A colour per stage, so the config's gutter shows at a glance which stage set each value. Stages are
 * numbered in the order they applied (the order of `applied_layers`); the user's changes are always red.
 */
export function stagePalette(appliedLayers: string[], provenance: Record<string, Origin>): Map<string, string> {
  const stageOf = new Map<string, string>();
  for (const o of Object.values(provenance)) stageOf.set(o.source, o.stage);
  const palette = new Map<string, string>();
  for (const source of appliedLayers) {
    const stage = stageOf.get(source);
    if (stage === undefined || palette.has(stage)) continue;
    palette.set(stage, stage === "user" ? "#e03131" : STAGE_COLOURS[palette.size % STAGE_COLOURS.length]);
  }
  for (const stage of stageOf.values()) if (!palette.has(stage)) palette.set(stage, STAGE_COLOURS[palette.size % STAGE_COLOURS.length]);
  return palette;
}
