// Handing one task over without ever making two: the one algorithm the background sender and `strata submit`
// share. A try that may have reached the autotuner before (a retry, a restart after a crash, the duplicate-name
// 400) first looks the task up by name and compares: the same task counts as delivered, a different one is a
// conflict. Only when the name is free is the task created.
import { AutotunerUnreachable, type AutotunerClient, type AutotunerTask } from "./client.js";
import { differingFields, type TaskCreate } from "./task-create.js";

export type Delivery =
  | { state: "delivered"; autotuner_id: number; found: boolean }
  | { state: "conflict"; autotuner_id: number; reason: string }
  | { state: "failed"; reason: string };

function matchOrConflict(sent: TaskCreate, held: AutotunerTask): Delivery {
  const differ = differingFields(sent, held);
  if (differ.length === 0) return { state: "delivered", autotuner_id: held.id, found: true };
  return {
    state: "conflict",
    autotuner_id: held.id,
    reason: `the autotuner already has a task named '${sent.task_name}' (id ${held.id}) with another config (${differ.join(", ")} differ); strata did not send a second one`,
  };
}

const DUPLICATE = /already exists/i;

/** Deliver `body`; `mayExist`: an earlier try may have stored it. Throws AutotunerUnreachable (try again later). */
export async function deliver(client: AutotunerClient, body: TaskCreate, mayExist: boolean): Promise<Delivery> {
  if (mayExist) {
    const held = await client.byName(body.task_name);
    if (held) return matchOrConflict(body, held);
  }
  const created = await client.create(body);
  if (created.ok) {
    if (typeof created.value?.id !== "number") throw new AutotunerUnreachable(`the autotuner answered the create without a task id`);
    return { state: "delivered", autotuner_id: created.value.id, found: false };
  }
  if (created.status === 400 && DUPLICATE.test(created.detail)) {
    const held = await client.byName(body.task_name);
    // Deleted between the two requests: the next try creates it.
    if (!held) throw new AutotunerUnreachable(`the autotuner said '${body.task_name}' exists but does not find it by name`);
    return matchOrConflict(body, held);
  }
  return { state: "failed", reason: `the autotuner refused the task (${created.status}): ${created.detail}` };
}

export type Start = { state: "started" } | { state: "refused"; reason: string };

/** Start a delivered task. A 400 may follow a start whose answer was lost: a task now running counts as started. */
export async function startTask(client: AutotunerClient, id: number): Promise<Start> {
  const a = await client.start(id);
  if (a.ok) return { state: "started" };
  let status = "";
  if (a.status === 400) {
    const t = await client.get(id);
    if (t?.status === "running") return { state: "started" };
    if (t) status = `; it is ${t.status}`;
  }
  return { state: "refused", reason: `the autotuner did not start task ${id} (${a.status}): ${a.detail}${status}` };
}
