// One field of the context form, drawn from its schema (schema-form.ts): a select for a closed list, free text
// with the server's suggestions, a number, a checkbox, a list as chips, an object as a fieldset of its fields,
// a table of rows, or YAML. Issues whose pointer falls under a field sit beside it.
import { useRef } from "react";
import type { Issue, OptionValue } from "../api";
import { listItems, splitList, type FieldValues, type FormField } from "../schema-form";
import { parsePointer } from "../pointer";
import { Field, LongHint, OptionInput, OptionSelect } from "./Field";
import { FieldIssues } from "./Issues";

export interface FieldEnv {
  values: FieldValues;
  setValue: (key: string, value: string | boolean) => void;
  /** The values the server knows for each top field (GET /api/options `options`). */
  options: Record<string, OptionValue[]>;
  /** Input issues, pointing into the request body. */
  issues: Issue[];
  /** Problems the page found itself (YAML that does not parse), by field key. */
  problems: Map<string, string>;
}

/** Issues at `path` or below it. */
export function issuesUnder(issues: Issue[], path: string[]): Issue[] {
  return issues.filter((i) => {
    const p = parsePointer(i.pointer ?? "");
    return path.every((k, n) => p[n] === k);
  });
}

const str = (v: string | boolean | undefined) => (typeof v === "string" ? v : "");

/** The values the server knows for a field, else the schema's own choices. */
function knownValues(field: FormField, env: FieldEnv): OptionValue[] {
  const fromServer = field.path.length === 1 ? env.options[field.key] : undefined;
  if (fromServer && fromServer.length > 0) return fromServer;
  const examples = field.examples.filter((e): e is string => typeof e === "string");
  return [...field.choices, ...examples].filter((v, i, all) => all.indexOf(v) === i).map((value) => ({ value, layers: [], in_schema: true }));
}

function firstExample(field: FormField): string | undefined {
  const e = field.examples[0];
  if (Array.isArray(e)) return e.map(String).join(", ");
  return e === undefined || (typeof e === "object" && e !== null) ? undefined : String(e);
}

export function SchemaField({ field, env }: { field: FormField; env: FieldEnv }) {
  if (field.kind === "object") return <ObjectFieldset field={field} env={env} />;
  if (field.kind === "table") return <TableFieldset field={field} env={env} />;
  const issues = issuesUnder(env.issues, field.path);
  const problem = env.problems.get(field.key);
  const all = problem ? [...issues, { code: "yaml-invalid", severity: "error" as const, message: problem }] : issues;
  const value = env.values[field.key];
  const set = (v: string | boolean) => env.setValue(field.key, v);
  const example = firstExample(field);
  const hint = field.kind === "list" ? `${field.description ? `${field.description} ` : ""}Separate items with commas${example ? `, e.g. ${example}` : ""}.` : undefined;
  return (
    <Field name={field.key} schema={{ title: field.title, description: field.description }} issues={all} required={field.required} hint={hint} wide={field.kind === "yaml"}>
      {(a) => {
        switch (field.kind) {
          case "select":
            return (
              <OptionSelect
                {...a}
                required={field.required}
                value={str(value)}
                options={knownValues(field, env)}
                placeholder={field.default === undefined || field.nullable ? (field.required ? "Choose…" : "Not specified") : undefined}
                onChange={set}
              />
            );
          case "boolean":
            return <input id={a.id} type="checkbox" aria-describedby={a.describedBy || undefined} checked={value === true} onChange={(e) => set(e.target.checked)} />;
          case "list":
            return <ChipList field={field} text={str(value)} onText={set} issues={issues} {...a} />;
          case "yaml":
            return (
              <textarea
                id={a.id}
                rows={4}
                spellCheck={false}
                aria-describedby={a.describedBy || undefined}
                aria-invalid={a.invalid || undefined}
                value={str(value)}
                placeholder={example}
                onChange={(e) => set(e.target.value)}
              />
            );
          default:
            return (
              <OptionInput
                {...a}
                required={field.required}
                clearable={field.nullable}
                inputMode={field.kind === "number" ? (field.numeric === "integer" ? "numeric" : "decimal") : undefined}
                value={str(value)}
                options={field.kind === "number" ? [] : knownValues(field, env)}
                placeholder={field.nullable ? (field.kind === "number" ? "Not specified" : "Not specified (type or pick one)") : example ? `e.g. ${example}` : undefined}
                onChange={set}
              />
            );
        }
      }}
    </Field>
  );
}

/**
 * A list written with commas, its items shown as chips under the text (each with its own issues, and a button
 * that takes it out). The text stays as typed: what you see split is what is sent.
 */
function ChipList({
  field,
  text,
  onText,
  issues,
  id,
  describedBy,
  invalid,
}: {
  field: FormField;
  text: string;
  onText: (t: string) => void;
  issues: Issue[];
  id: string;
  describedBy: string;
  invalid: boolean;
}) {
  const input = useRef<HTMLInputElement>(null);
  const items = splitList(text);
  const sent = listItems(field, text);
  const itemIssues = (i: number) => issuesUnder(issues, [...field.path, String(i)]);
  const remove = (i: number) => {
    const next = items.filter((_, n) => n !== i);
    onText(next.join(", "));
    // Keep the keyboard in the list: on the chip that took this one's place, else the one before, else the text.
    const target = Math.min(i, next.length - 1);
    requestAnimationFrame(() => (target >= 0 ? document.getElementById(`${id}-chip-${target}`) : input.current)?.focus());
  };
  return (
    <>
      <input
        id={id}
        ref={input}
        inputMode={field.numeric ? "numeric" : undefined}
        aria-describedby={describedBy || undefined}
        aria-invalid={invalid || undefined}
        value={text}
        onChange={(e) => onText(e.target.value)}
      />
      {items.length > 0 && (
        <ul className="chips" aria-label={`${field.title}: ${items.length} ${items.length === 1 ? "item" : "items"}`}>
          {items.map((item, i) => {
            const bad = itemIssues(i);
            return (
              <li key={`${i}-${item}`} className={`chip${bad.some((b) => b.severity === "error") ? " is-invalid" : ""}`} title={bad.map((b) => b.message).join("\n") || undefined}>
                <span className="chip-text">{String(sent[i])}</span>
                <button type="button" id={`${id}-chip-${i}`} className="chip-remove" aria-label={`Remove ${item} from ${field.title}`} onClick={() => remove(i)}>
                  ✕
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}

/** A nested object: a fieldset of its fields; issues about the object itself under its legend. */
function ObjectFieldset({ field, env }: { field: FormField; env: FieldEnv }) {
  const own = issuesUnder(env.issues, field.path).filter((i) => !field.children.some((c) => issuesUnder([i], c.path).length > 0));
  return (
    <fieldset className="panel" data-field={field.key}>
      <legend>{field.title}</legend>
      {field.description && (
        <p className="hint">
          <LongHint text={field.description} />
        </p>
      )}
      <div className="grid-2">
        {field.children.map((c) => (
          <SchemaField key={c.key} field={c} env={env} />
        ))}
      </div>
      <FieldIssues id={`f-${field.key}-issues`} issues={own} />
    </fieldset>
  );
}

/**
 * An object whose objects share their fields (`x-form-widget: table`; the SLO targets): one row per object, one
 * column per field, the object's other fields below. A row left empty is not sent; an issue sits in its row.
 */
function TableFieldset({ field, env }: { field: FormField; env: FieldEnv }) {
  const claimed = (i: Issue) => [...field.rows, ...field.children].some((c) => issuesUnder([i], c.path).length > 0);
  const general = issuesUnder(env.issues, field.path).filter((i) => !claimed(i));
  return (
    <fieldset className="panel table-field" data-field={field.key}>
      <legend>{field.title}</legend>
      <p className="hint">Optional. Fill in a row to add it; an empty row is left out.</p>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <td />
              {field.columns.map((c) => (
                <th key={c.name} scope="col" title={c.description}>
                  {c.title}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {field.rows.map((row) => {
              const rowIssues = issuesUnder(env.issues, row.path);
              return (
                <tr key={row.key} className={rowIssues.length ? "is-invalid" : undefined} data-row={row.key}>
                  <th scope="row">
                    {row.title}
                    {rowIssues.length > 0 && <FieldIssues id={`f-${row.key}-issues`} issues={rowIssues} />}
                  </th>
                  {field.columns.map((col) => {
                    const cell = row.children.find((c) => c.path[c.path.length - 1] === col.name);
                    if (!cell) return <td key={col.name} />;
                    const label = `${row.title}: ${col.title}`;
                    const v = env.values[cell.key];
                    const wrong = issuesUnder(rowIssues, cell.path).some((i) => i.severity === "error") || undefined;
                    return cell.kind === "boolean" ? (
                      <td key={col.name} className="center">
                        <input type="checkbox" aria-label={label} aria-invalid={wrong} checked={v === true} onChange={(e) => env.setValue(cell.key, e.target.checked)} />
                      </td>
                    ) : (
                      <td key={col.name}>
                        <input
                          aria-label={label}
                          aria-invalid={wrong}
                          aria-describedby={rowIssues.length > 0 ? `f-${row.key}-issues` : undefined}
                          inputMode={cell.kind === "number" ? "decimal" : undefined}
                          value={str(v)}
                          onChange={(e) => env.setValue(cell.key, e.target.value)}
                        />
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {field.children.length > 0 && (
        <div className="grid-2">
          {field.children.map((c) => (
            <SchemaField key={c.key} field={c} env={env} />
          ))}
        </div>
      )}
      <FieldIssues id={`f-${field.key}-issues`} issues={general} />
    </fieldset>
  );
}
