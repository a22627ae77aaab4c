// What the "Your changes" panel (components/OverridesEditor.tsx) hands the editor inside it, in a module of its own so
// the dynamically imported CodeMirror editor and the panel that imports it do not import each other.
import type { YamlProblem } from "../overrides";

export interface LineMarker {
  line: number;
  severity: "error" | "warning";
  message: string;
}

/** The editor's text, its problems, and the ids of what describes it. */
export interface EditorProps {
  text: string;
  onText: (t: string) => void;
  syntaxError?: YamlProblem;
  /** Issues located at a line of the text (server issues about your changes, YAML warnings). */
  markers: LineMarker[];
  placeholder: string;
  describedBy: string;
}

/** Whether the plain textarea had focus when CodeMirror replaced it (CodeMirror then takes it). */
export const plainEditor = { focused: false };
