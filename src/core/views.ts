// The JSON shapes a compose result is shown in (`compose --json`, the HTTP API, the page): types only, with
// no runtime import, so the page's build can import them too (through src/server/api-types.ts).
import type { Issue, Origin } from "./issues.js";

export interface SkippedLayer {
  /** The entry it would have had in `applied_layers`. */
  layer: string;
  stage: string;
  file?: string;
  line?: number;
  reason: "condition-false" | "profile-not-selected";
  /** The condition, as written. */
  when?: unknown;
  /** The condition in words: `base_runtime == "vllm"`. */
  when_text?: string;
  /** The context or config values the condition read, by `var` path. */
  read?: Record<string, unknown>;
}

/** The JSON view of a compose result (everything but the trace): what `compose --json` prints and the API answers. */
export interface ResultView {
  ok: boolean;
  /** Present also when validation failed; null when composition stopped. */
  config: Record<string, unknown> | null;
  applied_layers: string[];
  skipped_layers: SkippedLayer[];
  warnings: Issue[];
  errors: Issue[];
  /** Origin of every leaf value, by JSON Pointer. */
  provenance: Record<string, Origin>;
  layer_set_hash: string;
}
