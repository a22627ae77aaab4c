// "Did you mean …?": names close to a misspelt one.

/** Levenshtein distance, for "did you mean" on short names. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** Names within a small edit distance, or sharing a prefix: likely meant instead of a misspelt one, closest first. */
export function closeNames(name: string, candidates: readonly string[]): string[] {
  const limit = Math.max(2, Math.floor(name.length / 3));
  return candidates
    .filter((c) => c !== name && (editDistance(c, name) <= limit || (name.length >= 3 && (c.startsWith(name) || name.startsWith(c)))))
    .sort((a, b) => editDistance(a, name) - editDistance(b, name));
}

/** The candidate fewest edits away from `name`, within `maxDistance` (on a tie, the first listed). */
export function closestName(name: string, candidates: readonly string[], maxDistance = 2): string | undefined {
  let best: string | undefined;
  let bestDistance = maxDistance + 1;
  for (const c of candidates) {
    const d = editDistance(c, name);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/**
 * The name in `known` that `written` most likely meant: the same but for case or `_`/`-`, or one letter off
 * (two for names of 8 letters or more). Undefined when none is that close: then `written` is its own name.
 */
export function nearMiss(written: string, known: readonly string[]): string | undefined {
  if (known.includes(written)) return undefined;
  const norm = (s: string) => s.toLowerCase().replace(/_/g, "-");
  const same = known.find((k) => norm(k) === norm(written));
  if (same) return same;
  const limit = written.length >= 8 ? 2 : 1;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const k of known) {
    const d = editDistance(norm(k), norm(written));
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}
