// New task (the project's word: New deployment, …): the context form, profiles and your changes on the left; the
// live preview on the right. Nothing is stored until Create task; the preview is POST /api/config/preview, debounced.
// A project that stores nothing (no item_name) gets the same form and preview, without Create.
import { useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { api, type ApiFailure, type Issue, type Options, type Profile } from "../api";
import { Field } from "../components/Field";
import { FieldIssues, IssueList } from "../components/Issues";
import { OverridesEditor, type LineMarker } from "../components/OverridesEditor";
import { PreviewPanel } from "../components/PreviewPanel";
import { ProfilePicker } from "../components/ProfilePicker";
import { issuesUnder, SchemaField, type FieldEnv } from "../components/SchemaField";
import { LoadError, Loading } from "../components/Status";
import { draftFromDefaults, draftToBody, loadDraft, saveDraft, type Draft } from "../draft";
import { useLoad, usePoll, usePreview, useStickyHeight, type Loadable } from "../hooks";
import { useItemWords, type ItemWords } from "../words";
import { OverriddenContext, overriddenFields } from "../context-overrides";
import { byField, isConfigIssue } from "../issue-fields";
import { lineOfPointer, parseOverrides } from "../overrides";
import { parsePointer, toPointer } from "../pointer";
import { fieldsets, formModel, missingRequired, panels, type FormField, type FormModel } from "../schema-form";
import { yamlText } from "../yaml-lines";

/** How often the profile list is re-read, so a profile file added on the server shows up. */
const PROFILE_POLL_MS = 4000;

export function NewTaskPage({ navigate, options, reloadOptions }: { navigate: (to: string) => void; options: Loadable<Options>; reloadOptions: () => void }) {
  const words = useItemWords();
  // The request body's schema names the body fields that are not context fields (the task's name and description).
  const [requestSchema, reloadRequestSchema] = useLoad((s) => api.schema("request", s), []);
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
    if (layerHash && seenHash.current && layerHash !== seenHash.current) {
      reloadOptions();
      reloadRequestSchema();
    }
    seenHash.current = layerHash;
  }, [layerHash, reloadOptions, reloadRequestSchema]);

  const model = useMemo(
    () => (options.data && requestSchema.data ? formModel(options.data.context_schema, options.data.roles ?? {}, requestSchema.data, options.data.aliases) : null),
    [options.data, requestSchema.data],
  );
  if (!options.data || !model) {
    const failed = options.state === "error" ? options : requestSchema.state === "error" ? requestSchema : null;
    return (
      <main id="main" className="page">
        <h1>{options.data ? pageTitle(words) : "strata"}</h1>
        {failed?.state === "error" ? (
          <LoadError
            what="the form options"
            failure={failed.failure}
            onRetry={() => {
              reloadOptions();
              reloadRequestSchema();
            }}
          />
        ) : (
          <Loading what="the form" />
        )}
      </main>
    );
  }
  return (
    <>
      {layerStatus.data && !layerStatus.data.ok && <BrokenLayers errors={layerStatus.data.errors} />}
      <NewTaskForm options={options.data} model={model} profiles={profiles} reloadProfiles={reloadProfiles} layerHash={layerHash} navigate={navigate} words={words} />
    </>
  );
}

const pageTitle = (words: ItemWords | null) => (words ? `New ${words.one}` : "Compose a config");

/** An edit on the server broke the layer files: the last good set keeps serving; say so, with the errors. */
function BrokenLayers({ errors }: { errors: Issue[] }) {
  return (
    <div className="page banner-wrap">
      <div className="notice is-warning" role="status">
        <strong>The layer files on the server have errors, so the last good set is still in use.</strong> Until they are fixed, the
        preview and what is created use that set.
        <IssueList issues={errors} label="Errors in the layer files" />
      </div>
    </div>
  );
}

interface FormProps {
  options: Options;
  model: FormModel;
  profiles: Loadable<{ profiles: Profile[] }>;
  reloadProfiles: () => void;
  layerHash?: string;
  navigate: (to: string) => void;
  /** What a stored item is called; null: the project stores nothing, and the form only previews. */
  words: ItemWords | null;
}

function NewTaskForm({ options, model, profiles, reloadProfiles, layerHash, navigate, words }: FormProps) {
  const [draft, setDraftState] = useState<Draft>(() => loadDraft(draftFromDefaults(model, options.defaults ?? {})));
  const [creating, setCreating] = useState(false);
  // Only offered when the server hands tasks to an autotuner.
  const [startIt, setStartIt] = useState(false);
  const [createFailure, setCreateFailure] = useState<ApiFailure | null>(null);
  const [createNote, setCreateNote] = useState<string | null>(null);
  /** Apply a change (a patch, or a function of the draft as it is then); `changed` names the field it edits. */
  const setDraft = (patch: Partial<Draft> | ((d: Draft) => Partial<Draft>), changed?: string) => {
    setDraftState((d) => {
      const next = { ...d, ...(typeof patch === "function" ? patch(d) : patch) };
      saveDraft(next);
      return next;
    });
    // What Create said is about the old input; the live preview reports on the new one.
    // A taken name stays flagged until the name itself changes.
    setCreateNote(null);
    setCreateFailure((f) => (f && f.status === 409 && changed !== duplicateField(f) ? f : null));
  };
  const setValue = (key: string, value: string | boolean) => setDraft((d) => ({ values: { ...d.values, [key]: value } }), key);

  const parsed = useMemo(() => parseOverrides(draft.overrides_text), [draft.overrides_text]);
  const missing = missingRequired(model, draft.values);
  const built = useMemo(() => draftToBody(model, draft, parsed.ok ? parsed.value : {}), [model, draft, parsed]);
  const ready = missing.length === 0;
  const body = ready && parsed.ok && built.problems.length === 0 ? built.body : null;
  const preview = usePreview(body, layerHash);

  const [highlight, setHighlight] = useState<string | null>(null);
  const createBarRef = useRef<HTMLDivElement>(null);
  useStickyHeight(createBarRef, "--sticky-create-bar");

  // Issues about the input: from a 400 preview, from the create attempt, and input errors of a 200 preview.
  const inputIssues: Issue[] = [
    ...(preview.state === "error" && preview.failure?.status === 400 ? preview.failure.issues : []),
    ...(preview.preview && preview.state !== "error" ? [...preview.preview.errors, ...preview.preview.warnings].filter((i) => !isConfigIssue(i)) : []),
    ...(createFailure && createFailure.status === 400 ? createFailure.issues : []),
  ];
  const fieldIssues = byField(inputIssues);
  const duplicate = createFailure?.status === 409 ? createFailure : null;
  // A taken name (409) sits under the field that names the task, when the form has it; else beside Create task.
  const named = duplicate ? duplicateField(duplicate) : undefined;
  const dupField = named !== undefined && model.itemFields.some((f) => f.key === named) ? named : undefined;
  const dupIssues: Issue[] = duplicate ? [{ code: duplicate.code, severity: "error", message: duplicate.message }] : [];

  const pv = preview.preview;
  const overridden = useMemo(() => overriddenFields(options.context_feeds, pv), [options.context_feeds, pv]);
  const configIssues = pv ? [...pv.errors, ...pv.warnings].filter(isConfigIssue) : [];

  // Issues that concern a line of your changes: input issues under the overrides field, and config issues about a value you set.
  const markers: LineMarker[] = [];
  if (parsed.ok) {
    for (const w of parsed.warnings) markers.push({ line: w.line, severity: "warning", message: w.message });
    for (const i of model.overrides ? (fieldIssues.get(model.overrides.key) ?? []) : []) {
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

  /** Create the task; `name` (a free name the server suggested) replaces the taken one first. */
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
      setCreateNote(`Fill in ${missing.map((f) => f.title).join(" and ")} first.`);
      document.getElementById(`f-${missing[0].key}`)?.focus();
      return;
    }
    if (built.problems.length > 0) {
      setCreateFailure(null);
      setCreateNote(`Fix ${built.problems.map((p) => p.key).join(" and ")} first.`);
      document.getElementById(`f-${built.problems[0].key}`)?.focus();
      return;
    }
    let sent = built.body;
    if (name !== undefined && dupField) {
      sent = { ...sent, [dupField]: name };
      setDraft((d) => ({ values: { ...d.values, [dupField]: name } }), dupField);
    }
    setCreating(true);
    const r = await api.createTask({ ...sent, ...(startIt ? { start: true } : {}) });
    setCreating(false);
    if (r.ok) {
      setCreateFailure(null);
      // The next task starts without this one's name and description.
      setDraft((d) => ({ values: { ...d.values, ...Object.fromEntries(model.itemFields.map((f) => [f.key, ""])) } }));
      navigate(`/tasks/${r.data.task.id}?created=1`);
      return;
    }
    setCreateFailure(r.failure);
    const taken = r.failure.status === 409 ? duplicateField(r.failure) : undefined;
    if (taken) document.getElementById(`f-${taken}`)?.focus();
  };

  const env: FieldEnv = {
    values: draft.values,
    setValue,
    options: options.options,
    issues: inputIssues,
    problems: new Map(built.problems.map((p) => [p.key, p.message])),
  };
  const known = new Set([...model.itemFields, ...model.fields, model.profiles, model.overrides, model.overrideMode].filter(Boolean).map((f) => f!.key));
  const otherInputIssues = [...(fieldIssues.get("") ?? [])].concat([...fieldIssues.entries()].filter(([f]) => f !== "" && !known.has(f)).flatMap(([, v]) => v));
  const modeIssues = model.overrideMode ? (fieldIssues.get(model.overrideMode.key) ?? []) : [];

  return (
    <main id="main" className="page new-task">
      <div className="page-head">
        <h1>{pageTitle(words)}</h1>
        <p className="lede">
          {words ? `Describe the ${words.one}` : "Fill in the context"}; the layers turn it into a config. The preview updates as you type
          and shows which layer set each value.{" "}
          {words ? (
            <>
              Nothing is saved until you press <strong>Create {words.one}</strong>.
            </>
          ) : (
            <>
              This project stores nothing (its project file names no <code>item_name</code>): <code>strata compose</code> writes the config.
            </>
          )}
        </p>
      </div>
      <div className="split">
        <OverriddenContext.Provider value={overridden}>
          <form
            className="form-column"
            aria-label={model.title}
            // Only the button creates: Enter in a field must not (nothing is stored until Create task).
            onSubmit={(e) => e.preventDefault()}
            noValidate
          >
            {words && model.itemFields.length > 0 && (
              <fieldset className="panel">
                <legend>{words.One}</legend>
                <div className="grid-2">
                  {model.itemFields.map((f) => (
                    <ItemField
                      key={f.key}
                      field={f}
                      value={typeof draft.values[f.key] === "string" ? (draft.values[f.key] as string) : ""}
                      made={pv?.config ? pv.config[f.key] : undefined}
                      onChange={(v) => setValue(f.key, v)}
                      issues={[...issuesUnder(inputIssues, f.path), ...(dupField === f.key ? dupIssues : [])]}
                      after={dupField === f.key && duplicate ? <DuplicateActions duplicate={duplicate} creating={creating} words={words} onCreateAs={(n) => void create(n)} /> : null}
                    />
                  ))}
                </div>
              </fieldset>
            )}

            {panels(model).map((p) => (
              <fieldset key={p.title} className="panel">
                <legend>{p.title}</legend>
                <div className="grid-2">
                  {p.fields.map((f) => (
                    <SchemaField key={f.key} field={f} env={env} />
                  ))}
                </div>
              </fieldset>
            ))}

            {fieldsets(model).map((f) => (
              <SchemaField key={f.key} field={f} env={env} />
            ))}

            {model.profiles && (
              <ProfilePicker
                title={model.profiles.title}
                profiles={profiles}
                selected={draft.profiles}
                onChange={(p) => setDraft({ profiles: p })}
                onRetry={reloadProfiles}
                issues={issuesUnder(inputIssues, model.profiles.path)}
              />
            )}

            {model.overrides && (
              // Without an override_mode role, changes always patch: the editor's Patch/Replace switch is hidden.
              <div className={model.overrideMode ? undefined : "patch-only"}>
                <OverridesEditor
                  text={draft.overrides_text}
                  onText={(t) => setDraft({ overrides_text: t })}
                  mode={model.overrideMode ? draft.override_mode : "patch"}
                  onMode={(m) => setDraft({ override_mode: m })}
                  syntaxError={parsed.ok ? undefined : parsed.error}
                  markers={markers}
                  placeholder={overridesPlaceholder(model.overrides)}
                />
              </div>
            )}
            {modeIssues.length > 0 && <FieldIssues id="override-mode-issues" issues={modeIssues} />}

            {words && (
            <div className="create-bar" ref={createBarRef}>
              <button type="button" className="primary" disabled={creating} aria-describedby="create-status" onClick={() => void create()}>
                {creating ? "Creating…" : `Create ${words.one}`}
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
                {duplicate && !dupField && <DuplicateActions duplicate={duplicate} creating={creating} words={words} />}
                {otherInputIssues.length > 0 && <IssueList issues={otherInputIssues} label="Problems with the request" />}
              </div>
            </div>
            )}
            {!words && otherInputIssues.length > 0 && <IssueList issues={otherInputIssues} label="Problems with the request" />}
          </form>
        </OverriddenContext.Provider>

        <PreviewPanel
          ready={ready}
          waitingFor={missing.map((f) => f.title)}
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

/** The body field a 409 is about (`/task_name`), from its issue's pointer. */
function duplicateField(f: ApiFailure): string | undefined {
  return parsePointer(f.issues[0]?.pointer ?? "")[0];
}

/**
 * A body field that is not a context field (the task's name or description): optional, and left empty the config
 * keeps what the layers make, shown in grey.
 */
function ItemField({
  field,
  value,
  made,
  onChange,
  issues,
  after,
}: {
  field: FormField;
  value: string;
  made: unknown;
  onChange: (v: string) => void;
  issues: Issue[];
  after: ReactNode;
}) {
  const shown = typeof made === "string" && made !== "" ? made : undefined;
  return (
    <Field
      name={field.key}
      label={field.title}
      issues={issues}
      hint={`Optional. Leave empty to keep what the layers make${value.trim() === "" && shown ? ` (${shown})` : ""}.`}
      after={after}
    >
      {({ id, describedBy, invalid }) => (
        <input id={id} aria-describedby={describedBy || undefined} aria-invalid={invalid || undefined} value={value} placeholder={shown ?? ""} onChange={(e) => onChange(e.target.value)} />
      )}
    </Field>
  );
}

/** After a 409: create under the free name the server found, or open the item that has the name. */
function DuplicateActions({ duplicate, creating, words, onCreateAs }: { duplicate: ApiFailure; creating: boolean; words: ItemWords; onCreateAs?: (name: string) => void }) {
  if (!duplicate.suggested_name && !duplicate.existing_id) return null;
  return (
    <div className="field-actions">
      {duplicate.suggested_name && onCreateAs && (
        <button type="button" className="primary small" disabled={creating} onClick={() => onCreateAs(duplicate.suggested_name!)}>
          Create as <span className="name-text">{duplicate.suggested_name}</span>
        </button>
      )}
      {duplicate.existing_id ? (
        <a id="duplicate-link" className="field-link" href={`#/tasks/${duplicate.existing_id}`}>
          Open the {words.one} that has this name (#{duplicate.existing_id})
        </a>
      ) : null}
    </div>
  );
}

function overridesPlaceholder(field: FormField): string {
  const ex = field.examples[0];
  return ex && typeof ex === "object" ? `# for example:\n${yamlText(ex)}` : "";
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
