// The structure the e2e suite compares with docs/ui.md's views: it must tell the changes a reader would see
// (a dropdown that became a text field, a new button) from data that differs between runs.
import { describe, expect, it } from "vitest";
import { structureOf } from "./helpers/aria-structure.js";

describe("structureOf (an accessibility snapshot → the page's visible structure)", () => {
  it("tells a dropdown from a text field with suggestions (the stale GPU type screenshot)", () => {
    const select = `- combobox "GPU type gpu_type":\n  - option "H100" [selected]\n  - option "A100"\n`;
    const input = `- combobox "GPU type gpu_type": H100\n- button "Clear gpu_type (none)"\n`;
    // Digits in names are data (ids, counts): they read N.
    expect(structureOf(select)).toBe(`- combobox "GPU type gpu_type"\n  - option "HN"\n  - option "AN"\n`);
    expect(structureOf(input)).toBe(`- combobox "GPU type gpu_type"\n- button "Clear gpu_type (none)"\n`);
  });

  it("keeps landmarks, headings and controls with their names; drops texts, values, states, urls and config lines", () => {
    const snapshot = [
      "- main:",
      `  - 'heading "Task #12" [level=1]'`,
      "  - paragraph: Created Dec 2, 2026, 05:10 AM",
      '  - textbox "Task name task_name": my-task',
      '  - checkbox "Production" [checked]',
      '  - link "Open the task that has this name (#3)":',
      '    - /url: "#/tasks/3"',
      '  - listbox "Composed config":',
      '    - option "task_name = x, set by base-model at base/base-model.yaml:8"',
      "  - status: Up to date",
    ].join("\n");
    expect(structureOf(snapshot)).toBe(
      [
        "- main",
        '  - heading "Task #N" [level=1]',
        '  - textbox "Task name task_name"',
        '  - checkbox "Production"',
        '  - link "Open the task that has this name (#N)"',
        '  - listbox "Composed config"',
        "  - status",
        "",
      ].join("\n"),
    );
  });

  it("shows a list of rows once, whatever the number of rows and the names in them", () => {
    const row = (name: string, when: string) => `  - row "${name} pending ${when}":\n    - cell "${name}":\n      - link "${name}":\n        - /url: "#/tasks/1"\n    - cell "pending"\n`;
    const table = (rows: string) => `- table:\n  - row "Name Status":\n    - columnheader "Name"\n    - columnheader "Status"\n${rows}`;
    const one = structureOf(table(row("a", "Dec 1")));
    expect(structureOf(table(row("a", "Dec 1") + row("bb", "Dec 2") + row("ccc", "Dec 3")))).toBe(one);
    expect(one).toBe('- table\n  - row\n    - columnheader "Name"\n    - columnheader "Status"\n  - row\n    - cell\n      - link\n    - cell\n');
  });
});
