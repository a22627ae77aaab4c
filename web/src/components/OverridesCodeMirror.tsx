// The overrides editor itself: CodeMirror 6 with YAML, loaded on demand (OverridesEditor.tsx imports this module
// dynamically, so the page's first load does not pay for it). Completion and hover help come from the project's
// output schema (GET /api/schemas/output); the YAML error and the issues located in your changes are shown at
// their lines (underlined, with the message on hover, and the line number marked).
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { yaml } from "@codemirror/lang-yaml";
import { defaultHighlightStyle, indentOnInput, indentUnit, syntaxHighlighting } from "@codemirror/language";
import { setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { Compartment, EditorState, RangeSet, StateEffect, StateField, type Text } from "@codemirror/state";
import { drawSelection, EditorView, GutterMarker, highlightActiveLine, keymap, lineNumberMarkers, lineNumbers, placeholder as placeholderText } from "@codemirror/view";
import { useEffect, useRef } from "react";
import { api } from "../api";
import type { Schema } from "../../../src/lang/json-schema";
import { schemaCompletion, schemaHover } from "../editor/schema-extensions";
import { plainEditor, type EditorProps } from "../editor/editor-props";

class LineMark extends GutterMarker {
  constructor(readonly severity: "error" | "warning") {
    super();
    this.elementClass = `is-${severity}`;
  }
  eq(other: GutterMarker) {
    return other instanceof LineMark && other.severity === this.severity;
  }
}
const ERROR_MARK = new LineMark("error"), WARNING_MARK = new LineMark("warning");

const setLineMarks = StateEffect.define<RangeSet<GutterMarker>>();
const lineMarks = StateField.define<RangeSet<GutterMarker>>({
  create: () => RangeSet.empty,
  update: (marks, tr) => {
    for (const e of tr.effects) if (e.is(setLineMarks)) return e.value;
    return marks.map(tr.changes);
  },
  provide: (f) => lineNumberMarkers.from(f),
});

interface Located {
  line: number;
  column?: number;
  severity: "error" | "warning";
  message: string;
}

/** The problems as diagnostics (from the column, or the line's first character, to its end) and line-number marks. */
function placed(doc: Text, problems: Located[]): { diagnostics: Diagnostic[]; marks: RangeSet<GutterMarker> } {
  const diagnostics: Diagnostic[] = [];
  const marks = new Map<number, LineMark>();
  for (const p of problems) {
    if (p.line < 1 || p.line > doc.lines) continue;
    const line = doc.line(p.line);
    const indent = line.text.length - line.text.trimStart().length;
    const from = Math.min(line.from + (p.column ? p.column - 1 : indent), line.to);
    diagnostics.push({ from, to: Math.max(line.to, from), severity: p.severity, message: p.message });
    if (!marks.has(line.from) || p.severity === "error") marks.set(line.from, p.severity === "error" ? ERROR_MARK : WARNING_MARK);
  }
  const sorted = [...marks.entries()].sort(([a], [b]) => a - b).map(([at, m]) => m.range(at));
  return { diagnostics, marks: RangeSet.of(sorted) };
}

/** The output schema, fetched once per page load and shared by every editor; a failed fetch is tried again by the next editor. */
let schemaRequest: Promise<Schema | null> | undefined;
const outputSchema = () =>
  (schemaRequest ??= api.schema("output").then((r) => {
    if (r.ok) return r.data as Schema;
    schemaRequest = undefined;
    return null;
  }));

export default function OverridesCodeMirror({ text, onText, syntaxError, markers, placeholder, describedBy }: EditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onTextRef = useRef(onText);
  onTextRef.current = onText;
  const schema = useRef<Schema | null>(null);
  const attributes = useRef(new Compartment());
  const hint = useRef(new Compartment());

  const contentAttributes = () =>
    EditorView.contentAttributes.of({
      id: "overrides",
      "aria-label": "Your changes (YAML)",
      "aria-describedby": describedBy,
      ...(syntaxError ? { "aria-invalid": "true" } : {}),
      spellcheck: "false",
      autocapitalize: "off",
      autocorrect: "off",
    });

  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: text,
        extensions: [
          lineNumbers(),
          lineMarks,
          history(),
          drawSelection(),
          highlightActiveLine(),
          indentOnInput(),
          closeBrackets(),
          EditorState.tabSize.of(2),
          indentUnit.of("  "),
          yaml(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          autocompletion({ override: [schemaCompletion(() => schema.current)], icons: false }),
          schemaHover(() => schema.current),
          // Tab indents (YAML indents with spaces; the editor writes two). Escape then Tab leaves the editor, and
          // Ctrl-M (Shift-Alt-M on macOS) switches Tab to moving focus until pressed again: docs/ui.md says so.
          keymap.of([...closeBracketsKeymap, ...completionKeymap, ...defaultKeymap, ...historyKeymap, indentWithTab]),
          attributes.current.of(contentAttributes()),
          hint.current.of(placeholderText(placeholder)),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) onTextRef.current(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    let live = true;
    void outputSchema().then((s) => {
      if (live) schema.current = s;
    });
    // Focus moves here when the plain textarea had it (the editor replaced it while someone was typing).
    if (plainEditor.focused) {
      plainEditor.focused = false;
      v.focus();
    }
    return () => {
      live = false;
      v.destroy();
      view.current = null;
    };
    // The editor is made once; later props reach it through the effects below.
  }, []);

  // Text set from outside (a restored draft, a cleared form): replace the document, keep the cursor where it can be.
  useEffect(() => {
    const v = view.current;
    if (!v || v.state.doc.toString() === text) return;
    const head = Math.min(v.state.selection.main.head, text.length);
    v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: text }, selection: { anchor: head } });
  }, [text]);

  useEffect(() => {
    view.current?.dispatch({ effects: [attributes.current.reconfigure(contentAttributes()), hint.current.reconfigure(placeholderText(placeholder))] });
  }, [describedBy, syntaxError !== undefined, placeholder]);

  const shown = useRef("");
  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const problems: Located[] = syntaxError
      ? [{ line: syntaxError.line, column: syntaxError.column, severity: "error", message: syntaxError.message }]
      : markers.map((m) => ({ line: m.line, severity: m.severity, message: m.message }));
    // The page renders often (the preview polls): set the problems only when they or the text changed.
    const key = JSON.stringify([problems, text]);
    if (key === shown.current) return;
    shown.current = key;
    const { diagnostics, marks } = placed(v.state.doc, problems);
    v.dispatch(setDiagnostics(v.state, diagnostics));
    v.dispatch({ effects: setLineMarks.of(marks) });
  }, [syntaxError, markers, text]);

  return <div className="editor-host" ref={host} />;
}
