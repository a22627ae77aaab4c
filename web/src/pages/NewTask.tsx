// New task: the context form, profiles and your changes on the left; the live preview on the right.
// Nothing is stored until Create task; the preview is POST /api/config/preview, debounced.
import { useEffect, useMemo, useRef, useState } from "react";
import { api, type ApiFailure, type Issue, type JsonSchema, type Options, type Profile } from "../api";
import { Field, OptionInput, OptionSelect } from "../components/Field";
import { FieldIssues, IssueList } from "../components/Issues";
import { OverridesEditor, type LineMarker } from "../components/OverridesEditor";
import { PreviewPanel } from "../components/PreviewPanel";
import { ProfilePicker } from "../components/ProfilePicker";
import { SloFieldset } from "../components/SloFieldset";
import { LoadError, Loading } from "../components/Status";
import { draftFromDefaults, draftToBody, loadDraft, saveDraft, type Draft } from "../draft";
import { useLoad, usePoll, usePreview, useStickyHeight, type Loadable } from "../hooks";
import { OverriddenContext, overriddenFields } from "../context-overrides";
import { byField, isConfigIssue } from "../issue-fields";
import { lineOfPointer, parseOverrides } from "../overrides";
import { parsePointer, toPointer } from "../pointer";
import { yamlText } from "../yaml-lines";

/** How often the profile list is re-read, so a profile file added on the server shows up. */
const PROFILE_POLL_MS = 4000;

export function NewTaskPage({ navigate }: { navigate: (to: string) => void }) {
  const [options, reloadOptions] = useLoad((s) => api.options(s), []);
  const [profiles, reloadProfiles] = useLoad((s) => api.profiles(s), []);
  const [layerStatus, reloadStatus] = useLoad((s) => api.layerStatus(s), []);
  usePoll(() => {
    reloadProfiles();
    reloadStatus();
  }, PROFILE_POLL_MS);

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
  return (
    <>
      {layerStatus.data && !layerStatus.data.ok && <BrokenLayers errors={layerStatus.data.errors} />}
      <NewTaskForm options={options.data} profiles={profiles} reloadProfiles={reloadProfiles} layerHash={layerHash} navigate={navigate} />
    </>
  );
}

/** An edit on the server broke the layer files: the last good set keeps serving; say so, with the errors. */
function BrokenLayers({ errors }: { errors: Issue[] }) {
  return (
    <div className="page banner-wrap">
      <div className="notice is-warning" role="status">
        <strong>The layer files on the server have errors, so the last good set is still in use.</strong> Until they are fixed, the
        preview and new tasks use that set.
        <IssueList issues={errors} label="Errors in the layer files" />
      </div>
    </div>
  );
}

interface FormProps {
  options: Options;
  profiles: Loadable<{ profiles: Profile[] }>;
  reloadProfiles: () => void;
  layerHash?: string;
  navigate: (to: string) => void;
}

function NewTaskForm({ options, profiles, reloadProfiles, layerHash, navigate }: FormProps) {
  const schema = options.context_schema as { properties?: Record<string, JsonSchema>; definitions?: Record<string, JsonSchema> };
  const props = schema.properties ?? {};
  const [draft, setDraftState] = useState<Draft>(() => loadDraft() ?? draftFromDefaults(options));
  const [creating, setCreating] = useState(false);
  // Only offered when the server hands tasks to an autotuner.
  const [startIt, setStartIt] = useState(false);
  const [createFailure, setCreateFailure] = useState<ApiFailure | null>(null);
  const [createNote, setCreateNote] = useState<string | null>(null);
  const setDraft = (patch: Partial<Draft>) => {
    setDraftState((d) => {
      const next = { ...d, ...patch };
      saveDraft(next);
      return next;
    });
    // What Create said is about the old input; the live preview reports on the new one.
    // A taken name stays flagged until the name itself changes.
    setCreateNote(null);
    setCreateFailure((f) => (f && f.status === 409 && !("task_name" in patch) ? f : null));
  };

  const parsed = useMemo(() => parseOverrides(draft.overrides_text), [draft.overrides_text]);
  const ready = draft.model_name.trim() !== "" && draft.base_runtime !== "";
  const body = useMemo(() => (ready && parsed.ok ? draftToBody(draft, parsed.value) : null), [draft, parsed, ready]);
  const preview = usePreview(body, layerHash);

  const [highlight, setHighlight] = useState<string | null>(null);
  const taskNameRef = useRef<HTMLInputElement>(null);
  const createBarRef = useRef<HTMLDivElement>(null);
  useStickyHeight(createBarRef, "--sticky-create-bar");

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
  const overridden = useMemo(() => overriddenFields(options.context_feeds, pv), [options.context_feeds, pv]);
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

  /** Create the task; `name` (a free name the server suggested) replaces the task name first. */
  const create = async (name?: string) => {
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
    const sent = name === undefined ? draft : { ...draft, task_name: name };
    if (name !== undefined) setDraft({ task_name: name });
    setCreating(true);
    const r = await api.createTask({ ...draftToBody(sent, parsed.value), ...(startIt ? { start: true } : {}) });
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
          Describe the task; the layers turn it into a config. The preview updates as you type and shows which layer set each value.
          Nothing is saved until you press <strong>Create task</strong>.
        </p>
      </div>
      <div className="split">
        <OverriddenContext.Provider value={overridden}>
          <form
            className="form-column"
            aria-label="Task context"
            // Only the button creates a task: Enter in a field must not (nothing is stored until Create task).
            onSubmit={(e) => e.preventDefault()}
            noValidate
          >
            <fieldset className="panel">
              <legend>Task</legend>
              <div className="grid-2">
                <Field
                  name="task_name"
                  label="Task name"
                  issues={[...issuesFor("task_name"), ...(duplicate ? [{ code: duplicate.code, severity: "error" as const, message: duplicate.message }] : [])]}
                  hint={
                    draft.task_name.trim() === "" && pv?.config && typeof pv.config.task_name === "string"
                      ? `Optional. Leave empty to use the name the layers make (${pv.config.task_name}); it must be unique.`
                      : "Optional. Leave empty to use the name the layers make; it must be unique."
                  }
                  after={
                    duplicate && (duplicate.suggested_name || duplicate.existing_id) ? (
                      <div className="field-actions">
                        {duplicate.suggested_name && (
                          <button type="button" className="primary small" disabled={creating} onClick={() => void create(duplicate.suggested_name)}>
                            Create as <span className="name-text">{duplicate.suggested_name}</span>
                          </button>
                        )}
                        {duplicate.existing_id ? (
                          <a id="duplicate-link" className="field-link" href={`#/tasks/${duplicate.existing_id}`}>
                            Open the task that has this name (#{duplicate.existing_id})
                          </a>
                        ) : null}
                      </div>
                    ) : null
                  }
                >
                  {({ id, describedBy, invalid }) => (
                    <input
                      id={id}
                      ref={taskNameRef}
                      aria-describedby={describedBy || undefined}
                      aria-invalid={invalid || undefined}
                      value={draft.task_name}
                      placeholder={pv?.config && typeof pv.config.task_name === "string" ? pv.config.task_name : ""}
                      onChange={(e) => setDraft({ task_name: e.target.value })}
                    />
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
                      list="model-suggestions"
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
                  {(a) => <OptionInput {...a} value={draft.gpu_type} options={options.options.gpu_type ?? []} placeholder="Not specified (type or pick one)" onChange={(v) => setDraft({ gpu_type: v })} />}
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

            <datalist id="model-suggestions">
              {(options.options.model_name ?? []).map((o) => (
                <option key={o.value} value={o.value} />
              ))}
            </datalist>

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

            <div className="create-bar" ref={createBarRef}>
              <button type="button" className="primary" disabled={creating} aria-describedby="create-status" onClick={() => void create()}>
                {creating ? "Creating…" : "Create task"}
              </button>
              {options.autotuner && (
                <label className="check">
                  <input type="checkbox" checked={startIt} onChange={(e) => setStartIt(e.target.checked)} /> Start it on the autotuner
                </label>
              )}
              <div id="create-status" className="create-status" aria-live="polite">
                {createNote && <p className="warn-text">{createNote}</p>}
                {createFailure && createFailure.status !== 409 && <CreateFailure failure={createFailure} />}
                {duplicate && <p className="error-text">Not created: {duplicate.message}</p>}
                {otherInputIssues.length > 0 && <IssueList issues={otherInputIssues} label="Problems with the request" />}
              </div>
            </div>
          </form>
        </OverriddenContext.Provider>

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
        {failure.status === 0 ? ` ${failure.message}` : ""}
      </p>
      {failure.status === 422 && <IssueList issues={failure.issues} label="Why the config is not valid" />}
    </div>
  );
}
