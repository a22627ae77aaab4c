// Which part of the page an issue belongs to, from its JSON Pointer.
import type { Issue } from "./api";
import { parsePointer } from "./pointer";

/** Issues about the request body, by its top-level field (`/num_concurrency/1` → num_concurrency). */
export function byField(issues: Issue[]): Map<string, Issue[]> {
  const m = new Map<string, Issue[]>();
  for (const i of issues) {
    const field = parsePointer(i.pointer ?? "")[0] ?? "";
    m.set(field, [...(m.get(field) ?? []), i]);
  }
  return m;
}

/** A config issue (from validation or a check) carries where it came from; an input issue does not. */
export const isConfigIssue = (i: Issue): boolean => i.code === "config-invalid" || !!i.file || !!i.origin;
