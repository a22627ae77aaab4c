// What the page calls a stored item: the project's `item_kind` (GET /api/options `project.items.kind`), so the
// autotuner's page says "New task" and "Tasks", the k8s example's "New deployment" and "Deployments". A project
// that stores nothing (no item_name) has no words: its page composes and previews only.
import { createContext, useContext } from "react";
import type { Options } from "./api";

export interface ItemWords {
  /** `task`, `deployment`: inside a sentence. */
  one: string;
  /** `tasks`, `deployments`. */
  many: string;
  /** `Task`, `Deployment`: at the start of a sentence or a title. */
  One: string;
  /** `Tasks`, `Deployments`. */
  Many: string;
}

/** The words for a project's items, or null when it stores none. */
export function itemWords(items: Options["project"]["items"]): ItemWords | null {
  if (!items) return null;
  const one = items.kind.trim() || "item";
  const many = plural(one);
  return { one, many, One: capital(one), Many: capital(many) };
}

/** English plural of a noun, for the regular cases an item kind has (`task`, `deployment`, `policy`, `class`). */
export function plural(word: string): string {
  const last = word.split(/[\s-]/).pop() ?? word;
  const head = word.slice(0, word.length - last.length);
  if (/(s|x|z|ch|sh)$/i.test(last)) return `${head}${last}es`;
  if (/[^aeiou]y$/i.test(last)) return `${head}${last.slice(0, -1)}ies`;
  return `${head}${last}s`;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The words of the project the page serves; App provides them once GET /api/options has answered. */
export const ItemWordsContext = createContext<ItemWords | null>(null);
export const useItemWords = () => useContext(ItemWordsContext);
