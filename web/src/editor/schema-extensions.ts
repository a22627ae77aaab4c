// CodeMirror extensions that read the project's output schema: completion of keys and values at the cursor, and a
// key's title and description on hover. The schema may arrive after the editor: both read it through `schema()`.
import type { Completion, CompletionContext, CompletionResult } from "@codemirror/autocomplete";
import { hoverTooltip } from "@codemirror/view";
import type { Schema } from "../../../src/lang/json-schema";
import { yamlFlow, yamlScalar } from "../yaml-lines";
import { helpOf, keyOptions, schemasAt, valueOptions, type ValueOption } from "./schema-help";
import { keyAt, spotAt } from "./yaml-spot";

const SOURCE_LABEL: Record<ValueOption["source"], string> = {
  enum: "allowed value",
  const: "the only value",
  known: "known value",
  example: "example",
  default: "default",
  boolean: "yes/no",
};

/** A value as YAML text: inside `[ ]` a text with a comma or a bracket is quoted. */
function valueText(v: ValueOption["value"], flow: boolean): string {
  if (Array.isArray(v)) return yamlFlow(v);
  if (flow && typeof v === "string" && /[,[\]{}#]/.test(v)) return JSON.stringify(v);
  return yamlScalar(v);
}

export function schemaCompletion(schema: () => Schema | null) {
  return (ctx: CompletionContext): CompletionResult | null => {
    const root = schema();
    if (!root) return null;
    const spot = spotAt(ctx.state.doc.toString(), ctx.pos);
    if (!spot) return null;
    const options: Completion[] = [];
    const values = (path: string[], flow: boolean, prefix: string) => {
      // In the schema's order (an enum's order means something), allowed values before suggestions.
      valueOptions(root, path).forEach((o, i) => {
        const label = valueText(o.value, flow);
        const closed = o.source === "enum" || o.source === "const";
        options.push({ label, apply: prefix + label, type: closed ? "enum" : "constant", detail: SOURCE_LABEL[o.source], boost: Math.max((closed ? 60 : 0) - i, -99) });
      });
    };
    if (spot.kind === "key") {
      // An empty line offers keys only when asked (Ctrl-Space), so typing a new line stays quiet.
      if (spot.typed === "" && !ctx.explicit) return null;
      for (const k of keyOptions(root, spot.path)) {
        if (spot.present.includes(k.key)) continue;
        const key = yamlScalar(k.key);
        const info = [k.description, k.required ? "Required in the config." : undefined].filter(Boolean).join(" ");
        options.push({
          label: k.key,
          apply: k.shape === "object" ? `${key}:\n${" ".repeat(spot.column + 2)}` : `${key}: `,
          type: "property",
          detail: k.title,
          info: info || undefined,
          boost: k.required ? 1 : 0,
        });
      }
      if (spot.listItem) values(spot.path, false, "");
    } else {
      // Right after `key:` the value needs a space before it.
      const prefix = ctx.state.sliceDoc(spot.from - 1, spot.from) === ":" ? " " : "";
      values(spot.path, spot.flow, prefix);
      // Unasked, an empty value offers only a closed set (enum, const, yes/no), not every example.
      if (spot.typed === "" && !ctx.explicit && !options.some((o) => o.type === "enum" || o.detail === SOURCE_LABEL.boolean)) return null;
    }
    if (options.length === 0) return null;
    return { from: spot.from, options, validFor: /^[^\s:#,[\]{}]*$/ };
  };
}

/** A key's title and description from the schema, on hover. */
export function schemaHover(schema: () => Schema | null) {
  return hoverTooltip((view, pos) => {
    const root = schema();
    if (!root) return null;
    const key = keyAt(view.state.doc.toString(), pos);
    if (!key) return null;
    const { title, description } = helpOf(root, schemasAt(root, key.path));
    if (!title && !description) return null;
    return {
      pos: key.from,
      end: key.to,
      above: true,
      create: () => {
        const dom = document.createElement("div");
        dom.className = "schema-help";
        if (title) {
          const strong = document.createElement("strong");
          strong.textContent = title;
          dom.append(strong);
        }
        const path = document.createElement("code");
        path.textContent = key.path.map((s) => (s === "*" ? "[]" : s)).join(".").replace(/\.\[\]/g, "[]");
        dom.append(" ", path);
        if (description) {
          const p = document.createElement("p");
          p.textContent = description;
          dom.append(p);
        }
        return { dom };
      },
    };
  });
}
