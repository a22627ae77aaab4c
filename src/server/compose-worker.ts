// A compose worker: a child process of the service (compose-pool.ts) that composes one request at a time, so that
// a slow or runaway layer holds this process, never the server's event loop. It keeps the layer set it was last
// sent; every request names the set's hash and carries the set's files when the worker holds another one.
import { compose, type ComposeResult } from "../core/compose.js";
import { loadLayerSetFromFiles, type LayerSet, type LayerSetRecipe } from "../core/load.js";

export interface WorkerRequest {
  id: number;
  hash: string;
  /** Sent when the worker holds another set (or none). */
  recipe?: LayerSetRecipe;
  /** Nothing to compose: only load the set (a warm-up). */
  context?: unknown;
  strict: boolean;
}

/** A compose result without its trace (the routes never send it): plain data, cloned across the process boundary. */
export type WorkerResult = Omit<ComposeResult, "trace">;

export type WorkerReply = { id: number; result?: WorkerResult } | { id: number; failed: string };

let current: LayerSet | undefined;

async function handle(m: WorkerRequest): Promise<WorkerReply> {
  if (m.recipe) current = loadLayerSetFromFiles(m.recipe.files, m.recipe.options);
  // Never compose with another version than the request's: the pool sends the files whenever this could differ.
  if (!current || current.hash !== m.hash) return { id: m.id, failed: `the worker holds layer set ${current?.hash.slice(0, 12) ?? "none"}, not ${m.hash.slice(0, 12)}` };
  if (!("context" in m)) return { id: m.id };
  const { trace: _trace, ...result } = await compose(current, m.context, { strict: m.strict });
  return { id: m.id, result };
}

// A reply that cannot be sent: the service is gone, and so is the reason to run.
const reply = (r: WorkerReply) => process.send!(r, (e: Error | null) => e && process.exit(0));
process.on("message", (m: WorkerRequest) => {
  handle(m).then(reply, (e: unknown) => reply({ id: m.id, failed: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
});
// The service went away: so does its worker.
process.on("disconnect", () => process.exit(0));
process.send!({ ready: true });
