// The user's own changes as YAML: a textarea with line numbers and a patch/replace switch. The text is
// parsed in the browser; a syntax error is shown at its line and the text is never touched.
import { useRef, type UIEvent } from "react";
import type { YamlProblem } from "../overrides";

export interface LineMarker {
  line: number;
  severity: "error" | "warning";
  message: string;
}

interface Props {
  text: string;
  onText: (t: string) => void;
  mode: "patch" | "replace";
  onMode: (m: "patch" | "replace") => void;
  syntaxError?: YamlProblem;
  /** Issues located at a line of the text (server issues about your changes, YAML warnings). */
  markers: LineMarker[];
  placeholder: string;
}

export function OverridesEditor({ text, onText, mode, onMode, syntaxError, markers, placeholder }: Props) {
  const gutter = useRef<HTMLDivElement>(null);
  const lineCount = Math.max(text.split("\n").length, 4);
  const markerAt = new Map<number, LineMarker>();
  for (const m of markers) if (!markerAt.has(m.line) || m.severity === "error") markerAt.set(m.line, m);
  const onScroll = (e: UIEvent<HTMLTextAreaElement>) => {
    if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
  };
  const describedBy = ["overrides-hint", syntaxError ? "overrides-error" : "", markers.length ? "overrides-markers" : ""].filter(Boolean).join(" ");
  return (
    <fieldset className="panel overrides">
      <legend>Your changes</legend>
      <p id="overrides-hint" className="hint">
        YAML in the shape of the task config, e.g. <code>parameters: {"{"}tp-size: [2]{"}"}</code>. Values are taken literally: nothing in
        them is evaluated.
      </p>
      <div className="mode-switch" role="radiogroup" aria-label="How your changes apply">
        <label className={mode === "patch" ? "is-on" : undefined}>
          <input type="radio" name="override_mode" value="patch" checked={mode === "patch"} onChange={() => onMode("patch")} />
          Patch <span className="muted">— merge into the config</span>
        </label>
        <label className={mode === "replace" ? "is-on" : undefined}>
          <input type="radio" name="override_mode" value="replace" checked={mode === "replace"} onChange={() => onMode("replace")} />
          Replace <span className="muted">— use as the whole config</span>
        </label>
      </div>
      <div className={`editor${syntaxError ? " has-error" : ""}`}>
        <div className="editor-gutter" ref={gutter} aria-hidden="true">
          {Array.from({ length: lineCount }, (_, i) => {
            const n = i + 1;
            const m = markerAt.get(n);
            const cls = syntaxError?.line === n ? "is-error" : m ? `is-${m.severity}` : "";
            return (
              <div key={n} className={cls} title={syntaxError?.line === n ? syntaxError.message : m?.message}>
                {n}
              </div>
            );
          })}
        </div>
        <textarea
          id="overrides"
          aria-label="Your changes (YAML)"
          aria-describedby={describedBy}
          aria-invalid={syntaxError ? true : undefined}
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
          wrap="off"
          rows={Math.min(Math.max(lineCount, 6), 18)}
          value={text}
          placeholder={placeholder}
          onChange={(e) => onText(e.target.value)}
          onScroll={onScroll}
        />
      </div>
      {syntaxError && (
        <p id="overrides-error" className="editor-error" role="alert">
          <span className="issue-icon" aria-hidden="true">
            ✖
          </span>{" "}
          <strong>
            Line {syntaxError.line}, column {syntaxError.column}:
          </strong>{" "}
          {syntaxError.message}. <span className="muted">The preview waits until this is fixed.</span>
        </p>
      )}
      {markers.length > 0 && (
        <ul id="overrides-markers" className="editor-markers">
          {markers.map((m, i) => (
            <li key={i} className={`issue is-${m.severity}`}>
              <span className="issue-icon" aria-hidden="true">
                {m.severity === "error" ? "✖" : "▲"}
              </span>{" "}
              <strong>Line {m.line}:</strong> {m.message}
            </li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}
