// The autotuner's status of a delivered task, read when strata's task is read, remembered for a few seconds so
// a page polling a task (or many readers) does not turn into as many requests to the autotuner.
import type { AutotunerClient } from "./client.js";

export interface AutotunerStatus {
  /** The autotuner's status (pending, running, completed, failed, cancelled), or null when it could not be read. */
  autotuner_status: string | null;
  /** Why it could not be read. */
  autotuner_status_error?: string;
  /** The task on the autotuner. */
  autotuner_url: string;
}

const MAX_ENTRIES = 1000;

export class StatusCache {
  private readonly entries = new Map<number, { at: number; value: Promise<AutotunerStatus> }>();

  constructor(
    private readonly client: AutotunerClient,
    readonly ttlMs = 5000,
  ) {}

  read(autotunerId: number): Promise<AutotunerStatus> {
    const hit = this.entries.get(autotunerId);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const value = this.fetch(autotunerId);
    this.entries.delete(autotunerId);
    this.entries.set(autotunerId, { at: Date.now(), value });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }

  private async fetch(id: number): Promise<AutotunerStatus> {
    const autotuner_url = this.client.taskUrl(id);
    try {
      const t = await this.client.get(id);
      if (!t) return { autotuner_status: null, autotuner_status_error: `the autotuner has no task ${id} any more`, autotuner_url };
      return { autotuner_status: typeof t.status === "string" ? t.status : null, autotuner_url };
    } catch (e) {
      return { autotuner_status: null, autotuner_status_error: (e as Error).message, autotuner_url };
    }
  }
}
