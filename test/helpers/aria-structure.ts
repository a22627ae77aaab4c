// The visible structure of a page, from playwright's accessibility snapshot (`locator.ariaSnapshot()`): its
// landmarks, headings, fields, buttons, links and tables with their names, without the data they show (texts,
// field values, config lines, dates, ids). docs/ui.md's screenshots each have one, stored in test/ui-snapshots/:
// the e2e suite fails when the page no longer has the structure the screenshots document.
import { parse } from "yaml";

/** Roles kept, with their names: what a reader of docs/ui.md sees and reaches. */
const KEPT = new Set([
  "banner", "navigation", "main", "contentinfo", "form", "group", "region", "search", "dialog", "alert", "status",
  "heading", "textbox", "searchbox", "combobox", "spinbutton", "checkbox", "radio", "radiogroup", "switch", "slider",
  "button", "link", "tablist", "tab", "table", "row", "columnheader", "rowheader", "cell", "listbox",
]);
/** Roles whose names are data (a row's or a cell's text, the options of the config view). */
const UNNAMED = new Set(["row", "cell", "status", "alert"]);
/** States, not structure. */
const STATES = /\s*\[(?:checked|selected|pressed|expanded|disabled|active|checked=mixed)(?:=[^\]]*)?\]/g;

type Node = string | Record<string, unknown>;

export function structureOf(ariaYaml: string): string {
  // Each node becomes a block: its own line and its kept descendants' lines.
  const blocks = (nodes: Node[], depth: number, parent: string): string[][] => {
    const out: string[][] = [];
    for (const node of nodes) {
      const key = typeof node === "string" ? node : Object.keys(node)[0];
      const children = typeof node === "string" ? [] : Object.values(node)[0];
      const m = /^([a-z]+)(?: "((?:[^"\\]|\\.)*)")?(.*)$/.exec(key);
      if (!m) continue; // "/url", "/placeholder": properties, not nodes
      const [, role, rawName = "", attrs] = m;
      const kids = Array.isArray(children) ? (children as Node[]) : [];
      // The config view's lines (a listbox's options) are data; a select's options are its choices.
      if (role === "option" && parent !== "combobox") continue;
      if (role === "option" || KEPT.has(role)) {
        const named = !UNNAMED.has(role) && !(role === "link" && parent === "cell") && rawName !== "";
        const name = named ? ` "${rawName.replace(/\d+/g, "N")}"` : "";
        const self = `${"  ".repeat(depth)}- ${role}${name}${attrs.replace(STATES, "")}`;
        out.push([self, ...(role === "listbox" ? [] : blocks(kids, depth + 1, role).flat())]);
      } else {
        // Text, paragraphs, generic containers, lists: their kept descendants take their place.
        out.push(...blocks(kids, depth, parent));
      }
    }
    // The same subtree many times over (a task list's rows) is one: the count is data.
    return out.filter((b, i) => i === 0 || b.join("\n") !== out[i - 1].join("\n"));
  };
  return blocks((parse(ariaYaml) ?? []) as Node[], 0, "").flat().join("\n") + "\n";
}
