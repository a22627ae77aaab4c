// New task: the context form, profiles and your changes on the left; the live preview on the right.
// Nothing is stored until Create task; the preview is POST /api/config/preview, debounced.
import { useEffect, useMemo, useRef, useState } from "react";
import { api, type ApiFailure, type Issue, type JsonSchema, type Options, type Profile } from "../api";
import { Field, OptionSelect } from "../components/Field";
import { FieldIssues, IssueList } from "../components/Issues";
import { ConfigView } from "../components/ConfigView";
import { LayersPanel } from "../components/LayersPanel";
import { OverridesEditor, type LineMarker } from "../components/OverridesEditor";
import { ProfilePicker } from "../components/ProfilePicker";
import { LoadError, Loading } from "../components/Status";
import { draftFromDefaults, draftToBody, loadDraft, saveDraft, SLO_TARGETS, type Draft, type SloKey, type SloRow } from "../draft";
import { useLoad, usePoll, usePreview, type Loadable } from "../hooks";
import { lineOfPointer, parseOverrides } from "../overrides";
import { parsePointer, toPointer } from "../pointer";
import { yamlText } from "../yaml-lines";

/** How often the profile list is re-read, so a profile file added on the server shows up. */
const PROFILE_POLL_MS = 4000;

export function NewTaskPage({ navigate }: { navigate: (to: string) => void }) {
  const [options, reloadOptions] = useLoad((s) => api.options(s), []);
  const [profiles, reloadProfiles] = useLoad((s) => api.profiles(s), []);
  usePoll(reloadProfiles, PROFILE_POLL_MS);

  // A changed layer set (a file edited or added on the server) refreshes the options and the preview.
  const layerHash = profiles.data?.layer_set_hash;
  const seenHash = useRef(layerHash);
  useEffect(() => {
    if (layerHash && seenHash.current && layerHash !== seenHash.current) reloadOptions();
    seenHash.current = layerHash;
  }, [layerHash, reloadOptions]);

  if (!options.data) {
    return (
      <main id="main" className="page">
        <h1>New task</h1>
        {options.state === "error" ? <LoadError what="the form options" failure={options.failure} onRetry={reloadOptions} /> : <Loading what="the form" />}
      </main>
    );
  }
  return <NewTaskForm options={options.data} profiles={profiles} reloadProfiles={reloadProfiles} layerHash={layerHash} navigate={navigate} />;
}

interface FormProps {
  options: Options;
  profiles: Loadable<{ profiles: Profile[] }>;
  reloadProfiles: () => void;
  layerHash?: string;
  navigate: (to: string) => void;
}

/** Issues about the request body, by its top-level field (`/num_concurrency/1` → num_concurrency). */
function byField(issues: Issue[]): Map<string, Issue[]> {
  const m = new Map<string, Issue[]>();
  for (const i of issues) {
    const field = parsePointer(i.pointer ?? "")[0] ?? "";
    m.set(field, [...(m.get(field) ?? []), i]);
  }
  return m;
}

/** A config issue (from validation or a check) carries where it came from; an input issue does not. */
const isConfigIssue = (i: Issue) => i.code === "config-invalid" || !!i.file || !!i.origin;

function NewTaskForm({ options, profiles, reloadProfiles, layerHash, navigate }: FormProps) {
  const schema = options.context_schema as { properties?: Record<string, JsonSchema>; definitions?: Record<string, JsonSchema> };
  const props = schema.properties ?? {};
  const [draft, setDraftState] = useState<Draft>(() => loadDraft() ?? draftFromDefaults(options));
  const setDraft = (patch: Partial<Draft>) =>
    setDraftState((d) => {
      const next = { ...d, ...patch };
      saveDraft(next);
      return next;
    });

  const parsed = useMemo(() => parseOverrides(draft.overrides_text), [draft.overrides_text]);
  const ready = draft.model_name.trim() !== "" && draft.base_runtime !== "";
  const body = useMemo(() => (ready && parsed.ok ? draftToBody(draft, parsed.value) : null), [draft, parsed, ready]);
  const preview = usePreview(body, layerHash);

  const [creating, setCreating] = useState(false);
  const [createFailure, setCreateFailure] = useState<ApiFailure | null>(null);
  const [createNote, setCreateNote] = useState<string | null>(null);
  const [highlight, setHighlight] = useState<string | null>(null);
  const taskNameRef = useRef<HTMLInputElement>(null);

  // Issues about the input: from a 400 preview, from the create attempt, and input errors of a 200 preview.
  const inputIssues: Issue[] = [
    ...(preview.state === "error" && preview.failure?.status === 400 ? preview.failure.issues : []),
    ...(preview.preview && preview.state !== "error" ? [...preview.preview.errors, ...preview.preview.warnings].filter((i) => !isConfigIssue(i)) : []),
    ...(createFailure && createFailure.status === 400 ? createFailure.issues : []),
  ];
  const fieldIssues = byField(inputIssues);
  const issuesFor = (field: string) => fieldIssues.get(field) ?? [];
  const duplicate = createFailure?.status === 409 ? createFailure : null;

  const pv = preview.preview;
  const configIssues = pv ? [...pv.errors, ...pv.warnings].filter(isConfigIssue) : [];

  // Issues that concern a line of your changes: input issues under /overrides, and config issues about a value you set.
  const markers: LineMarker[] = [];
  if (parsed.ok) {
    for (const w of parsed.warnings) markers.push({ line: w.line, severity: "warning", message: w.message });
    for (const i of [...issuesFor("overrides"), ...issuesFor("user_overrides")]) {
      const line = lineOfPointer(parsed, toPointer(parsePointer(i.pointer ?? "").slice(1)));
      if (line) markers.push({ line, severity: i.severity, message: i.message });
    }
    for (const i of configIssues) {
      const line = i.pointer ? lineOfPointer(parsed, i.pointer) : undefined;
      if (line) markers.push({ line, severity: i.severity, message: i.message });
    }
  }
  const describeUserValue = (pointer: string) => {
    const line = lineOfPointer(parsed, pointer);
    return line ? `line ${line} of your changes (in this form)` : undefined;
  };

  const create = async () => {
    setCreateNote(null);
    if (!parsed.ok) {
      setCreateFailure(null);
      setCreateNote(`Fix the YAML error in your changes first (line ${parsed.error.line}).`);
      document.getElementById("overrides")?.focus();
      return;
    }
    if (!ready) {
      setCreateFailure(null);
      setCreateNote("Fill in the model and the inference engine first.");
      document.getElementById(draft.model_name.trim() ? "f-base_runtime" : "f-model_name")?.focus();
      return;
    }
    setCreating(true);
    const r = await api.createTask(draftToBody(draft, parsed.value));
    setCreating(false);
    if (r.ok) {
      setCreateFailure(null);
      setDraft({ task_name: "", description: "" });
      navigate(`/tasks/${r.data.task.id}?created=1`);
      return;
    }
    setCreateFailure(r.failure);
    if (r.failure.status === 409) taskNameRef.current?.focus();
  };

  const otherInputIssues = [...(fieldIssues.get("") ?? [])].concat(
    [...fieldIssues.entries()].filter(([f]) => f !== "" && !KNOWN_FIELDS.has(f)).flatMap(([, v]) => v),
  );

  return (
    <main id="main" className="page new-task">
      <div className="page-head">
        <h1>New task</h1>
        <p className="lede">
          Describe the task; the layers turn it into a config. The preview on the right updates as you type and shows which layer set each value.
          Nothing is saved until you press <strong>Create task</strong>.
        </p>
      </div>
      <div className="split">
        <form
          className="form-column"
          aria-label="Task context"
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
          noValidate
        >
          <fieldset className="panel">
            <legend>Task</legend>
            <div className="grid-2">
              <Field
                name="task_name"
                label="Task name"
                issues={[...issuesFor("task_name"), ...(duplicate ? [{ code: duplicate.code, severity: "error" as const, message: duplicate.message }] : [])]}
                hint={`Optional. Leave empty to use the generated name${pv?.config && typeof pv.config.task_name === "string" ? ` (${pv.config.task_name})` : ""}; it must be unique.`}
              >
                {({ id, describedBy, invalid }) => (
                  <>
                    <input
                      id={id}
                      ref={taskNameRef}
                      aria-describedby={[describedBy, duplicate ? "duplicate-link" : ""].filter(Boolean).join(" ") || undefined}
                      aria-invalid={invalid || undefined}
                      value={draft.task_name}
                      placeholder={pv?.config && typeof pv.config.task_name === "string" ? pv.config.task_name : ""}
                      onChange={(e) => {
                        setDraft({ task_name: e.target.value });
                        if (duplicate) setCreateFailure(null);
                      }}
                    />
                    {duplicate?.existing_id ? (
                      <a id="duplicate-link" className="field-link" href={`#/tasks/${duplicate.existing_id}`}>
                        Open the existing task #{duplicate.existing_id}
                      </a>
                    ) : null}
                  </>
                )}
              </Field>
              <Field name="description" label="Description" issues={issuesFor("description")} hint="Optional. What this task is for.">
                {({ id, describedBy }) => <input id={id} aria-describedby={describedBy || undefined} value={draft.description} onChange={(e) => setDraft({ description: e.target.value })} />}
              </Field>
            </div>
          </fieldset>

          <fieldset className="panel">
            <legend>Model and hardware</legend>
            <div className="grid-2">
              <Field name="model_name" schema={props.model_name} issues={issuesFor("model_name")} required>
                {({ id, describedBy, invalid }) => (
                  <input
                    id={id}
                    aria-describedby={describedBy || undefined}
                    aria-invalid={invalid || undefined}
                    aria-required
                    value={draft.model_name}
                    placeholder={exampleOf(props.model_name)}
                    onChange={(e) => setDraft({ model_name: e.target.value })}
                  />
                )}
              </Field>
              <Field name="base_runtime" schema={props.base_runtime} issues={issuesFor("base_runtime")} required>
                {(a) => <OptionSelect {...a} required value={draft.base_runtime} options={options.options.base_runtime ?? []} placeholder="Choose an engine…" onChange={(v) => setDraft({ base_runtime: v })} />}
              </Field>
              <Field name="deployment_mode" schema={props.deployment_mode} issues={issuesFor("deployment_mode")}>
                {(a) => <OptionSelect {...a} value={draft.deployment_mode} options={options.options.deployment_mode ?? []} onChange={(v) => setDraft({ deployment_mode: v })} />}
              </Field>
              <Field name="gpu_type" schema={props.gpu_type} issues={issuesFor("gpu_type")}>
                {(a) => <OptionSelect {...a} value={draft.gpu_type} options={options.options.gpu_type ?? []} placeholder="Not specified" onChange={(v) => setDraft({ gpu_type: v })} />}
              </Field>
              <Field name="total_gpus" schema={props.total_gpus} issues={issuesFor("total_gpus")}>
                {({ id, describedBy, invalid }) => (
                  <input
                    id={id}
                    inputMode="numeric"
                    aria-describedby={describedBy || undefined}
                    aria-invalid={invalid || undefined}
                    value={draft.total_gpus}
                    placeholder="no limit"
                    onChange={(e) => setDraft({ total_gpus: e.target.value })}
                  />
                )}
              </Field>
            </div>
          </fieldset>

          <fieldset className="panel">
            <legend>Load test and search</legend>
            <div className="grid-2">
              <Field name="benchmark_task" schema={props.benchmark_task} issues={issuesFor("benchmark_task")}>
                {(a) => <OptionSelect {...a} value={draft.benchmark_task} options={options.options.benchmark_task ?? []} onChange={(v) => setDraft({ benchmark_task: v })} />}
              </Field>
              <Field name="traffic_scenarios" schema={props.traffic_scenarios} issues={issuesFor("traffic_scenarios")} hint={listHint(props.traffic_scenarios, "D(100,100), D(1000,100)")}>
                {({ id, describedBy, invalid }) => (
                  <input id={id} aria-describedby={describedBy || undefined} aria-invalid={invalid || undefined} value={draft.traffic_scenarios} onChange={(e) => setDraft({ traffic_scenarios: e.target.value })} />
                )}
              </Field>
              <Field name="num_concurrency" schema={props.num_concurrency} issues={issuesFor("num_concurrency")} hint={listHint(props.num_concurrency, "1, 4, 8")}>
                {({ id, describedBy, invalid }) => (
                  <input
                    id={id}
                    inputMode="numeric"
                    aria-describedby={describedBy || undefined}
                    aria-invalid={invalid || undefined}
                    value={draft.num_concurrency}
                    onChange={(e) => setDraft({ num_concurrency: e.target.value })}
                  />
                )}
              </Field>
              <Field name="optimization_strategy" schema={props.optimization_strategy} issues={issuesFor("optimization_strategy")}>
                {(a) => <OptionSelect {...a} value={draft.optimization_strategy} options={options.options.optimization_strategy ?? []} onChange={(v) => setDraft({ optimization_strategy: v })} />}
              </Field>
              <Field name="optimization_objective" schema={props.optimization_objective} issues={issuesFor("optimization_objective")}>
                {(a) => <OptionSelect {...a} value={draft.optimization_objective} options={options.options.optimization_objective ?? []} onChange={(v) => setDraft({ optimization_objective: v })} />}
              </Field>
            </div>
          </fieldset>

          <SloFieldset draft={draft} setDraft={setDraft} schema={schema} issues={[...issuesFor("slo"), ...issuesFor("slo_config")]} />

          <ProfilePicker profiles={profiles} selected={draft.profiles} onChange={(p) => setDraft({ profiles: p })} onRetry={reloadProfiles} issues={issuesFor("profiles")} />

          <OverridesEditor
            text={draft.overrides_text}
            onText={(t) => setDraft({ overrides_text: t })}
            mode={draft.override_mode}
            onMode={(m) => setDraft({ override_mode: m })}
            syntaxError={parsed.ok ? undefined : parsed.error}
            markers={markers}
            placeholder={overridesPlaceholder(props.user_overrides)}
          />
          {[...issuesFor("override_mode")].length > 0 && <FieldIssues id="override-mode-issues" issues={issuesFor("override_mode")} />}

          <div className="create-bar">
            <button type="submit" className="primary" disabled={creating} aria-describedby="create-status">
              {creating ? "Creating…" : "Create task"}
            </button>
            <div id="create-status" className="create-status" aria-live="polite">
              {createNote && <p className="warn-text">{createNote}</p>}
              {createFailure && createFailure.status !== 409 && <CreateFailure failure={createFailure} />}
              {duplicate && <p className="error-text">Not created: {duplicate.message}</p>}
              {otherInputIssues.length > 0 && <IssueList issues={otherInputIssues} label="Problems with the request" />}
            </div>
          </div>
        </form>

        <PreviewPanel
          ready={ready}
          yamlError={parsed.ok ? null : parsed.error.line}
          preview={preview}
          configIssues={configIssues}
          highlight={highlight}
          onHighlight={setHighlight}
          describeUserValue={describeUserValue}
        />
      </div>
    </main>
  );
}

const KNOWN_FIELDS = new Set([
  "task_name",
  "description",
  "model_name",
  "base_runtime",
  "deployment_mode",
  "gpu_type",
  "total_gpus",
  "benchmark_task",
  "traffic_scenarios",
  "num_concurrency",
  "optimization_strategy",
  "optimization_objective",
  "slo",
  "slo_config",
  "profiles",
  "overrides",
  "user_overrides",
  "override_mode",
]);

function exampleOf(s?: JsonSchema): string {
  const ex = Array.isArray(s?.examples) ? s.examples[0] : undefined;
  return typeof ex === "string" ? `e.g. ${ex}` : "";
}

function listHint(s: JsonSchema | undefined, example: string): string {
  const d = typeof s?.description === "string" ? `${s.description} ` : "";
  return `${d}Separate items with commas, e.g. ${example}.`;
}

function overridesPlaceholder(s?: JsonSchema): string {
  const ex = Array.isArray(s?.examples) ? s.examples[0] : undefined;
  return ex && typeof ex === "object" ? `# for example:\n${yamlText(ex)}` : "parameters:\n  tp-size: [2]";
}

function CreateFailure({ failure }: { failure: ApiFailure }) {
  const heading =
    failure.status === 422
      ? "Not created: the composed config is not valid."
      : failure.status === 400
        ? "Not created: some fields need fixing (marked above)."
        : failure.status === 0
          ? "Not created: the server could not be reached."
          : `Not created: ${failure.message}`;
  return (
    <div className="load-error" role="alert">
      <p>
        <strong>{heading}</strong>
        {failure.status === 422 || failure.status === 0 ? ` ${failure.message}` : ""}
      </p>
      {failure.status === 422 && <IssueList issues={failure.issues} label="Why the config is not valid" />}
    </div>
  );
}

function SloFieldset({
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

function PreviewPanel({
  ready,
  yamlError,
  preview,
  configIssues,
  highlight,
  onHighlight,
  describeUserValue,
}: {
  ready: boolean;
  yamlError: number | null;
  preview: ReturnType<typeof usePreview>;
  configIssues: Issue[];
  highlight: string | null;
  onHighlight: (s: string | null) => void;
  describeUserValue: (p: string) => string | undefined;
}) {
  const pv = preview.preview;
  const failure = preview.state === "error" ? preview.failure : undefined;
  let status: { text: string; kind: string };
  if (!ready) status = { text: "Waiting for the model and engine", kind: "idle" };
  else if (yamlError !== null) status = { text: `Paused: YAML error on line ${yamlError}`, kind: "paused" };
  else if (preview.state === "loading") status = { text: "Updating…", kind: "loading" };
  else if (failure) status = { text: failure.status === 400 ? "Paused: fix the marked fields" : "Preview failed", kind: "paused" };
  else if (pv && !pv.ok) status = { text: "Config not valid", kind: "invalid" };
  else if (pv) status = { text: "Up to date", kind: "ok" };
  else status = { text: "Waiting", kind: "idle" };

  const errors = pv ? pv.errors : [];
  const warnings = pv ? pv.warnings : [];
  return (
    <section className="preview-column" aria-labelledby="preview-heading" aria-busy={preview.state === "loading"}>
      <div className="panel preview">
        <div className="preview-head">
          <h2 id="preview-heading">Preview</h2>
          <span className={`status-pill is-${status.kind}`} role="status" data-testid="preview-status">
            {status.text}
          </span>
        </div>
        {!pv && !failure && (
          <p className="empty-state">
            {ready ? "Composing the config…" : "Enter a model and choose an inference engine to see the config the layers compose for it."}
          </p>
        )}
        {failure && (
          <div className="load-error" role="alert">
            <p>
              <strong>{failure.status === 400 ? "The preview needs valid input." : "The preview could not be composed."}</strong> {failure.message}
            </p>
            {failure.status !== 400 && <IssueList issues={failure.issues} />}
            {pv && <p className="muted">Showing the last preview that worked.</p>}
          </div>
        )}
        {pv && (
          <>
            {(errors.length > 0 || warnings.length > 0) && (
              <div className="preview-issues">
                <h3>
                  {errors.length > 0 ? `${errors.length} error${errors.length === 1 ? "" : "s"}` : "No errors"}
                  {", "}
                  {warnings.length} warning{warnings.length === 1 ? "" : "s"}
                </h3>
                <IssueList issues={[...errors, ...warnings]} label="Problems in the preview" />
              </div>
            )}
            {pv.config ? (
              <ConfigView
                config={pv.config}
                provenance={pv.provenance}
                appliedLayers={pv.applied_layers}
                issues={configIssues}
                highlightSource={highlight}
                label="Composed config"
                describeUserValue={describeUserValue}
                dimmed={preview.state !== "ready"}
              />
            ) : (
              <p className="empty-state">No config was composed: see the errors above.</p>
            )}
            <LayersPanel applied={pv.applied_layers} skipped={pv.skipped_layers} provenance={pv.provenance} highlight={highlight} onHighlight={onHighlight} />
          </>
        )}
      </div>
    </section>
  );
}
