// The user's own changes as YAML, with a patch/replace switch. The editor is CodeMirror 6 (OverridesCodeMirror.tsx),
// loaded on demand so the page's first load does not wait for it; until it arrives (or if it cannot be loaded) a
// plain textarea takes the text. The text is parsed in the browser (overrides.ts); a syntax error is shown at its
// line, in plain words, and the text is never touched.
import { Component, lazy, Suspense, type ReactNode } from "react";
import { plainEditor, type EditorProps, type LineMarker } from "../editor/editor-props";
import type { YamlProblem } from "../overrides";

export type { LineMarker };

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

// The editor's code starts loading as soon as the page starts, beside the requests for the form's data, so it
// is usually there when the form is; the first render never waits for it.
const editorCode = import("./OverridesCodeMirror");
editorCode.catch(() => undefined); // a failed load shows when the editor renders (KeepPlain), not as an unhandled rejection
const CodeMirrorEditor = lazy(() => editorCode);

/** The editor before CodeMirror arrives, or instead of it when its code cannot be loaded. */
function PlainEditor({ text, onText, syntaxError, placeholder, describedBy }: EditorProps) {
  return (
    <textarea
      id="overrides"
      className="plain-editor"
      onFocus={() => (plainEditor.focused = true)}
      onBlur={() => (plainEditor.focused = false)}
      aria-label="Your changes (YAML)"
      aria-describedby={describedBy}
      aria-invalid={syntaxError ? true : undefined}
      spellCheck={false}
      autoCapitalize="off"
      autoComplete="off"
      wrap="off"
      rows={Math.min(Math.max(text.split("\n").length, 6), 18)}
      value={text}
      placeholder={placeholder}
      onChange={(e) => onText(e.target.value)}
    />
  );
}

/** A failed dynamic import (offline, a deploy that removed the chunk) leaves the plain editor in place. */
class KeepPlain extends Component<{ fallback: ReactNode; children: ReactNode }, { failed: boolean }> {
  state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  render() {
    return this.state.failed ? this.props.fallback : this.props.children;
  }
}

export function OverridesEditor({ text, onText, mode, onMode, syntaxError, markers, placeholder }: Props) {
  const describedBy = ["overrides-hint", syntaxError ? "overrides-error" : "", markers.length ? "overrides-markers" : ""].filter(Boolean).join(" ");
  const editorProps: EditorProps = { text, onText, syntaxError, markers, placeholder, describedBy };
  const plain = <PlainEditor {...editorProps} />;
  return (
    <fieldset className="panel overrides">
      <legend>Your changes</legend>
      <p id="overrides-hint" className="hint">
        YAML in the shape of the composed config. Values are taken literally: nothing in them is evaluated. Ctrl-Space lists the keys
        and values the config's schema knows; Escape then Tab leaves the editor.
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
        <KeepPlain fallback={plain}>
          <Suspense fallback={plain}>
            <CodeMirrorEditor {...editorProps} />
          </Suspense>
        </KeepPlain>
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
