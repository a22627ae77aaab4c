// The New task form's state (what the user typed, as text) and its translation into the request body.
// Text is kept as typed so nothing is lost; values that do not parse are sent as they are, and the
// server's issue (with its pointer) is shown beside the field — the server is the one validator.
import type { TaskBody } from "./api";
import { bodyOf, initialValues, type FieldValues, type FormModel, type TextProblem } from "./schema-form";

export interface Draft {
  /** Every context and item field, by its key (schema-form.ts). */
  values: FieldValues;
  /** The profiles role: the selected profiles, in their order. */
  profiles: string[];
  /** The overrides role: the YAML text of the editor. */
  overrides_text: string;
  /** The override_mode role. */
  override_mode: "patch" | "replace";
}

/** A new form, filled with the context schema's defaults as the server reports them. */
export function draftFromDefaults(model: FormModel, defaults: Record<string, unknown>): Draft {
  const profiles = model.profiles ? defaults[model.profiles.key] : undefined;
  const mode = model.overrideMode ? defaults[model.overrideMode.key] : undefined;
  return {
    values: initialValues(model, defaults),
    profiles: Array.isArray(profiles) ? profiles.map(String) : [],
    overrides_text: "",
    override_mode: mode === "replace" ? "replace" : "patch",
  };
}

/** The body for preview and create: the fields, then the roles. `overrides` comes parsed from the editor (never evaluated). */
export function draftToBody(model: FormModel, draft: Draft, overrides: Record<string, unknown>): { body: TaskBody; problems: TextProblem[] } {
  const { body, problems } = bodyOf(model, draft.values);
  if (model.profiles) body[model.profiles.key] = draft.profiles;
  if (model.overrides) body[model.overrides.key] = overrides;
  if (model.overrideMode) body[model.overrideMode.key] = draft.override_mode;
  return { body, problems };
}

const STORAGE_KEY = "strata.new-task.draft.v2";

/**
 * The draft survives a reload of the tab (sessionStorage); nothing typed is lost by navigating. A stored draft of
 * another form (another project, or fields since removed) keeps only the fields this form has.
 */
export function loadDraft(fresh: Draft): Draft {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    const d = raw ? (JSON.parse(raw) as Partial<Draft>) : null;
    if (!d || typeof d !== "object" || !d.values || typeof d.values !== "object") return fresh;
    const values = { ...fresh.values };
    for (const [k, v] of Object.entries(d.values)) if (k in values && typeof v === typeof values[k]) values[k] = v;
    return {
      values,
      profiles: Array.isArray(d.profiles) ? d.profiles.filter((p): p is string => typeof p === "string") : fresh.profiles,
      overrides_text: typeof d.overrides_text === "string" ? d.overrides_text : fresh.overrides_text,
      override_mode: d.override_mode === "replace" || d.override_mode === "patch" ? d.override_mode : fresh.override_mode,
    };
  } catch {
    return fresh;
  }
}

export function saveDraft(d: Draft): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(d));
  } catch {
    // Storage full or disabled: the draft still lives in memory.
  }
}
