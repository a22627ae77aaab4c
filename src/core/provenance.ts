// Who set each value: derived from the trace of writes, for every leaf of the final config.
import type { Origin } from "./issues.js";
import type { Trace, Write } from "./merge.js";
import { isPlainObject } from "../util/data.js";
import { childPointer } from "../util/pointer.js";

/**
 * The write that produced the value at `pointer`: the latest write there or at any ancestor. For a value
 * that is missing because it was deleted, that is the delete (a present value is always written after
 * any delete at or above it, since merge records every node of a value it creates).
 */
export function lastWrite(trace: Trace, pointer: string): Write | undefined {
  let best: Write | undefined;
  let p = pointer;
  for (;;) {
    const list = trace.writes.get(p);
    const w = list?.[list.length - 1];
    if (w && (!best || w.seq > best.seq)) best = w;
    if (p === "") return best;
    p = p.slice(0, p.lastIndexOf("/"));
  }
}

/** Origin of every leaf (scalar, list, empty object) of the config, by JSON Pointer. */
export function provenanceOf(config: unknown, trace: Trace): Record<string, Origin> {
  const out: Record<string, Origin> = {};
  // `lastWrite` of every leaf in one walk down: the latest write above is carried along, so each pointer
  // is looked up once instead of once per leaf below it.
  // Iterative (any depth), in document order: children are pushed last-first.
  const stack: [unknown, string, Write | undefined][] = [[config, "", undefined]];
  while (stack.length > 0) {
    const [v, pointer, above] = stack.pop()!;
    const list = trace.writes.get(pointer);
    const here = list?.[list.length - 1];
    const best = here && (!above || here.seq > above.seq) ? here : above;
    const keys = isPlainObject(v) ? Object.keys(v) : [];
    if (keys.length > 0) {
      for (let i = keys.length - 1; i >= 0; i--) stack.push([(v as Record<string, unknown>)[keys[i]], childPointer(pointer, keys[i]), best]);
    } else if (best) {
      out[pointer] = best.origin;
    }
  }
  return out;
}

/** Every write that touched `pointer` (at it, above it, or below it), in order: the value's history. */
export function historyOf(trace: Trace, pointer: string): (Write & { pointer: string })[] {
  const out: (Write & { pointer: string })[] = [];
  for (const [p, writes] of trace.writes) {
    if (p === pointer || pointer.startsWith(p + "/") || p.startsWith(pointer + "/") || (p === "" && pointer !== "")) {
      for (const w of writes) out.push({ ...w, pointer: p });
    }
  }
  return out.sort((a, b) => a.seq - b.seq);
}
