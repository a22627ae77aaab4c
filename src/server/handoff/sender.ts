// The background sender: works through the outbox, a few rows at a time, retrying with exponential backoff
// (bounded by `maxDelayMs`; a row is retried until it is delivered, refused or in conflict: nothing is given
// up on while the autotuner is down). Started with the server, it first picks up what a previous run left.
import { AutotunerUnreachable, type AutotunerClient } from "./client.js";
import { deliver, startTask } from "./deliver.js";
import type { DueRow, Outbox } from "./outbox.js";

export interface SenderOptions {
  /** First retry after this long; doubled each attempt. Default 1000 ms. */
  baseDelayMs?: number;
  /** The longest wait between two attempts. Default 60 s. */
  maxDelayMs?: number;
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
  log?: { info(m: string): void; warn(m: string): void; error(m: string): void };
}

export class Sender {
  private readonly inFlight = new Map<number, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly base: number;
  private readonly max: number;
  private readonly concurrency: number;
  private readonly log: NonNullable<SenderOptions["log"]>;

  constructor(
    private readonly outbox: Outbox,
    readonly client: AutotunerClient,
    options: SenderOptions = {},
  ) {
    this.base = options.baseDelayMs ?? 1000;
    this.max = options.maxDelayMs ?? 60_000;
    this.concurrency = options.concurrency ?? 8;
    this.log = options.log ?? { info() {}, warn() {}, error() {} };
  }

  /** Look at the outbox now (after a create, and at start). */
  kick(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pass(), 0);
    this.timer.unref();
  }

  /** Stop taking rows; wait for the requests in flight. Rows left are picked up at the next start. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Wait until no row has work left that is due now (tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
  }

  private delay(attempts: number): number {
    const d = Math.min(this.max, this.base * 2 ** Math.max(0, attempts - 1));
    return Math.round(d * (0.8 + Math.random() * 0.2));
  }

  private pass(): void {
    if (this.closed) return;
    const room = this.concurrency - this.inFlight.size;
    if (room > 0) {
      // Ask for more than there is room for: some due rows may be in flight already.
      for (const row of this.outbox.due(room + this.inFlight.size)) {
        if (this.inFlight.size >= this.concurrency) break;
        if (this.inFlight.has(row.task_id)) continue;
        const work = this.work(row).finally(() => {
          this.inFlight.delete(row.task_id);
          this.schedule();
        });
        this.inFlight.set(row.task_id, work);
      }
    }
    this.schedule();
  }

  /** Wake up when the next row is due (or at once when some are due and there is room). */
  private schedule(): void {
    if (this.closed) return;
    const next = this.outbox.nextDue();
    if (next === null) return;
    clearTimeout(this.timer);
    const wait = this.inFlight.size >= this.concurrency ? this.max : Math.max(0, Math.min(next - Date.now(), this.max));
    this.timer = setTimeout(() => this.pass(), wait);
    this.timer.unref();
  }

  private async work(row: DueRow): Promise<void> {
    const id = row.task_id;
    const retryAt = Date.now() + this.delay(row.attempts + 1);
    this.outbox.attempt(id, retryAt);
    try {
      let autotunerId: number | undefined;
      if (row.state === "queued") {
        const d = await deliver(this.client, row.body, row.attempts > 0);
        if (d.state === "delivered") {
          this.outbox.settle(id, "delivered", d.autotuner_id, null);
          this.log.info(`task ${id} (${row.body.task_name}) handed to the autotuner as task ${d.autotuner_id}${d.found ? " (found there after a lost answer)" : ""}`);
          autotunerId = d.autotuner_id;
        } else {
          this.outbox.settle(id, d.state, d.state === "conflict" ? d.autotuner_id : null, d.reason);
          this.log.warn(`task ${id} (${row.body.task_name}) not handed over: ${d.reason}`);
          return;
        }
      }
      if (row.start) {
        const target = autotunerId ?? this.outbox.view(id)?.autotuner_id;
        if (target === null || target === undefined) return;
        const s = await startTask(this.client, target);
        if (s.state === "started") this.outbox.started(id);
        else this.outbox.startRefused(id, s.reason);
      }
    } catch (e) {
      if (!(e instanceof AutotunerUnreachable)) this.log.error(`handing task ${id} over failed: ${(e as Error).stack ?? e}`);
      this.outbox.later(id, (e as Error).message, retryAt);
    }
  }
}
