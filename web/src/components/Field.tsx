// A labelled form field whose label and help text come from the context schema, with the server's
// issues about it shown right beside it.
import { useContext, type ReactNode } from "react";
import type { Issue, JsonSchema, OptionValue } from "../api";
import { describeOverride, OverriddenContext } from "../context-overrides";
import { FieldIssues } from "./Issues";

export interface FieldProps {
  name: string;
  schema?: JsonSchema;
  issues?: Issue[];
  required?: boolean;
  /** Overrides the schema's title. */
  label?: string;
  /** Overrides the schema's description. */
  hint?: ReactNode;
  children: (a: { id: string; describedBy: string; invalid: boolean }) => ReactNode;
  /** Shown under the field's issues (e.g. a link to the task that holds a name). */
  after?: ReactNode;
  wide?: boolean;
}

export function Field({ name, schema, issues = [], required, label, hint, children, after, wide }: FieldProps) {
  const id = `f-${name}`;
  const help = hint ?? (typeof schema?.description === "string" ? schema.description : undefined);
  // A later layer or your changes wrote over what this field feeds: say so next to it (context-overrides.ts).
  const overridden = useContext(OverriddenContext).get(name) ?? [];
  const describedBy = [overridden.length ? `${id}-overridden` : "", help ? `${id}-hint` : "", issues.length ? `${id}-issues` : ""].filter(Boolean).join(" ");
  const invalid = issues.some((i) => i.severity === "error");
  return (
    <div className={`field${wide ? " is-wide" : ""}${invalid ? " is-invalid" : issues.length ? " is-warned" : ""}`} data-field={name}>
      <label htmlFor={id}>
        {label ?? (typeof schema?.title === "string" ? schema.title : name)}
        {required && (
          <span className="required" aria-hidden="true">
            {" "}
            *
          </span>
        )}
        <span className="field-name"> {name}</span>
      </label>
      {children({ id, describedBy, invalid })}
      {overridden.length > 0 && (
        <p id={`${id}-overridden`} className="field-overridden">
          <strong>Overridden:</strong> {overridden.map(describeOverride).join("; ")}.
        </p>
      )}
      <FieldIssues id={`${id}-issues`} issues={issues} />
      {after}
      {help && (
        <p id={`${id}-hint`} className="hint">
          {typeof help === "string" ? <LongHint text={help} /> : help}
        </p>
      )}
    </div>
  );
}

/** What both option fields take: the field's id, its state, the values the server knows, and the change handler. */
interface OptionProps {
  id: string;
  describedBy: string;
  invalid: boolean;
  value: string;
  options: OptionValue[];
  onChange: (v: string) => void;
  placeholder?: string;
}

/** A select over the values the server knows for a field; a value not in the list is kept as an extra option. */
export function OptionSelect({
  id,
  describedBy,
  invalid,
  value,
  options,
  onChange,
  placeholder,
  required,
}: OptionProps & { required?: boolean }) {
  const known = options.some((o) => o.value === value);
  return (
    <select
      id={id}
      aria-describedby={describedBy || undefined}
      aria-invalid={invalid || undefined}
      aria-required={required || undefined}
      value={value}
      onChange={(e) => onChange(e.target.value)}
    >
      {placeholder !== undefined && <option value="">{placeholder}</option>}
      {!known && value !== "" && <option value={value}>{value}</option>}
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.value}
          {o.layers.length > 0 ? ` — layers: ${o.layers.join(", ")}` : ""}
        </option>
      ))}
    </select>
  );
}

/**
 * A free-text field with the values the server knows as suggestions (`<input list>` + `<datalist>`), for a
 * field whose known values are only examples: any text is accepted. A `clearable` one (a field that takes
 * null) has a Clear button: empty means "none". The browser offers the suggestions on typing, or with
 * Alt+Down / Down arrow; Escape closes them.
 */
export function OptionInput({
  id,
  describedBy,
  invalid,
  value,
  options,
  onChange,
  placeholder,
  required,
  clearable,
  inputMode,
}: OptionProps & { required?: boolean; clearable?: boolean; inputMode?: "numeric" | "decimal" }) {
  const listId = `${id}-suggestions`;
  return (
    <span className="option-input">
      <input
        id={id}
        type="text"
        aria-describedby={describedBy || undefined}
        aria-invalid={invalid || undefined}
        aria-required={required || undefined}
        autoComplete="off"
        spellCheck={false}
        inputMode={inputMode}
        list={options.length > 0 ? listId : undefined}
        value={value}
        placeholder={placeholder}
        onChange={(e) => onChange(e.target.value)}
      />
      {options.length > 0 && (
        <datalist id={listId}>
          {options.map((o) => (
            <option key={o.value} value={o.value} label={o.layers.length > 0 ? `layers: ${o.layers.join(", ")}` : undefined} />
          ))}
        </datalist>
      )}
      {clearable && value !== "" && (
        <button type="button" className="option-input-clear" aria-label={`Clear ${id.replace(/^f-/, "")} (none)`} onClick={() => onChange("")}>
          Clear
        </button>
      )}
    </span>
  );
}

/** The first sentence always; the rest while the field has focus (screen readers get all of it). */
export function LongHint({ text }: { text: string }) {
  const m = /^(.+?(?<!\b(?:e\.g|i\.e))[.!?])\s+(?=\S)(.*)$/s.exec(text);
  if (!m) return <>{text}</>;
  return (
    <>
      {m[1]}
      <span className="hint-more"> {m[2]}</span>
    </>
  );
}
