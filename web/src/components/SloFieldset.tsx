// The SLO targets as a small table (limit, importance, fail outright, allowed overshoot per target);
// titles and help come from the context schema's definitions. Issues under /slo sit beside their row.
import type { Issue, JsonSchema } from "../api";
import { SLO_TARGETS, type Draft, type SloKey, type SloRow } from "../draft";
import { byField } from "../issue-fields";
import { parsePointer, toPointer } from "../pointer";
import { Field } from "./Field";
import { FieldIssues } from "./Issues";

export function SloFieldset({
  draft,
  setDraft,
  schema,
  issues,
}: {
  draft: Draft;
  setDraft: (p: Partial<Draft>) => void;
  schema: { properties?: Record<string, JsonSchema>; definitions?: Record<string, JsonSchema> };
  issues: Issue[];
}) {
  const defs = schema.definitions ?? {};
  const sloProps = (defs.sloConfig?.properties ?? {}) as Record<string, JsonSchema>;
  const latencyProps = ((sloProps.latency?.properties ?? {}) as Record<string, JsonSchema>) ?? {};
  const targetProps = (defs.sloTarget?.properties ?? {}) as Record<string, JsonSchema>;
  const titleOf = (key: SloKey) => {
    const s = key.startsWith("latency.") ? latencyProps[key.slice(8)] : sloProps[key];
    return typeof s?.title === "string" ? s.title : key;
  };
  const col = (k: string, fallback: string) => (typeof targetProps[k]?.title === "string" ? (targetProps[k].title as string) : fallback);
  const rowIssues = byField(issues.map((i) => ({ ...i, pointer: toPointer(parsePointer(i.pointer ?? "").slice(1)) })));
  const issuesOfRow = (key: SloKey) => {
    const [a, b] = key.split(".");
    return (rowIssues.get(a) ?? []).filter((i) => !b || parsePointer(i.pointer ?? "")[1] === b);
  };
  const setRow = (key: SloKey, patch: Partial<SloRow>) => setDraft({ slo: { ...draft.slo, [key]: { ...draft.slo[key], ...patch } } });
  const sloSchema = schema.properties?.slo_config;
  const general = issues.filter((i) => parsePointer(i.pointer ?? "").length <= 1);
  return (
    <fieldset className="panel slo">
      <legend>{typeof sloSchema?.title === "string" ? sloSchema.title : "Response-time targets (SLO)"}</legend>
      <p className="hint">
        Optional. Fill in a limit to add a target; leave a row empty for none. Targets given here replace the SLO a profile sets, as a whole.
      </p>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Target</th>
              <th scope="col" title={String(targetProps.threshold?.description ?? "")}>{col("threshold", "Limit (seconds)")}</th>
              <th scope="col" title={String(targetProps.weight?.description ?? "")}>{col("weight", "Importance")}</th>
              <th scope="col" title={String(targetProps.hard_fail?.description ?? "")}>{col("hard_fail", "Fail outright")}</th>
              <th scope="col" title={String(targetProps.fail_ratio?.description ?? "")}>{col("fail_ratio", "Allowed overshoot")}</th>
            </tr>
          </thead>
          <tbody>
            {SLO_TARGETS.map((t) => {
              const r = draft.slo[t.key];
              const title = titleOf(t.key);
              const rIssues = issuesOfRow(t.key);
              return (
                <tr key={t.key} className={rIssues.length ? "is-invalid" : undefined} data-slo={t.key}>
                  <th scope="row">
                    {title}
                    {rIssues.length > 0 && <FieldIssues id={`slo-${t.key}-issues`} issues={rIssues} />}
                  </th>
                  <td>
                    <input aria-label={`${title}: ${col("threshold", "limit")}`} inputMode="decimal" value={r.threshold} onChange={(e) => setRow(t.key, { threshold: e.target.value })} />
                  </td>
                  <td>
                    <input aria-label={`${title}: ${col("weight", "importance")}`} inputMode="decimal" value={r.weight} onChange={(e) => setRow(t.key, { weight: e.target.value })} />
                  </td>
                  <td className="center">
                    <input type="checkbox" aria-label={`${title}: ${col("hard_fail", "fail outright")}`} checked={r.hard_fail} onChange={(e) => setRow(t.key, { hard_fail: e.target.checked })} />
                  </td>
                  <td>
                    <input aria-label={`${title}: ${col("fail_ratio", "allowed overshoot")}`} inputMode="decimal" value={r.fail_ratio} onChange={(e) => setRow(t.key, { fail_ratio: e.target.value })} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="grid-2">
        <Field name="slo.steepness" schema={sloProps.steepness} issues={rowIssues.get("steepness") ?? []}>
          {({ id, describedBy }) => <input id={id} inputMode="decimal" aria-describedby={describedBy || undefined} value={draft.slo_steepness} onChange={(e) => setDraft({ slo_steepness: e.target.value })} />}
        </Field>
      </div>
      <FieldIssues id="slo-issues" issues={general} />
    </fieldset>
  );
}
