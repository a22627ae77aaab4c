// One stored item (the autotuner: a task): its config (with who set each value), the applied and skipped layers, the context it came from.
import { useEffect, useState } from "react";
import { api, type Handoff } from "../api";
import { ConfigView } from "../components/ConfigView";
import { IssueList } from "../components/Issues";
import { LayersPanel } from "../components/LayersPanel";
import { LoadError, Loading } from "../components/Status";
import { useLoad } from "../hooks";
import { useItemWords } from "../words";
import { formatDate } from "./Tasks";

export function TaskPage({ id, created }: { id: number; created: boolean }) {
  // App shows this page only to a project that stores items, so the words are there.
  const w = useItemWords()!;
  const [task, reload] = useLoad((s) => api.task(id, s), [id]);
  const [highlight, setHighlight] = useState<string | null>(null);
  // "Task created" shows once: a reload or a bookmark of this page does not repeat it.
  useEffect(() => {
    if (created) history.replaceState(null, "", `#/tasks/${id}`);
  }, [created, id]);
  useEffect(() => {
    if (task.data) document.title = `${task.data.task_name} · strata`;
  }, [task.data]);
  if (!task.data) {
    return (
      <main id="main" className="page">
        <p>
          <a href="#/tasks">← {w.Many}</a>
        </p>
        <h1>
          {w.One} #{id}
        </h1>
        {task.state === "error" ? (
          <LoadError what={`${w.one} #${id}`} failure={task.failure} onRetry={task.failure.status === 404 ? undefined : reload} />
        ) : (
          <Loading what={`the ${w.one}`} />
        )}
      </main>
    );
  }
  const t = task.data;
  const m = t.metadata ?? { applied_layers: [], context: {}, provenance: {} };
  const warnings = m.warnings ?? [];
  return (
    <main id="main" className="page task-page">
      <p>
        <a href="#/tasks">← {w.Many}</a>
      </p>
      {created && (
        <div className="notice is-ok" role="status">
          {t.handoff ? (
            <>
              {w.One} created. It is stored in strata and {t.handoff.state === "delivered" ? "handed to the autotuner" : "being handed to the autotuner"}
              {t.handoff.start ? ", which is asked to start it" : ""}.
            </>
          ) : (
            <>
              {w.One} created. It is stored in strata as <strong>{t.status}</strong>; this server hands nothing to the autotuner (it has no autotuner URL).
            </>
          )}
        </div>
      )}
      <div className="page-head">
        <h1>{t.task_name}</h1>
        <dl className="facts">
          <dt>Id</dt>
          <dd>#{t.id}</dd>
          <dt>Status</dt>
          <dd>
            <span className={`status-pill is-${t.status}`}>{t.status}</span>
          </dd>
          <dt>Created</dt>
          <dd>
            <time dateTime={t.created_at}>{formatDate(t.created_at)}</time>
          </dd>
          {t.handoff && (
            <>
              <dt>Autotuner</dt>
              <dd data-testid="handoff">
                <HandoffState handoff={t.handoff} />
              </dd>
            </>
          )}
          {t.description && (
            <>
              <dt>Description</dt>
              <dd>{t.description}</dd>
            </>
          )}
          {m.layer_set_hash && (
            <>
              <dt>Layer set</dt>
              <dd>
                <code title="Content hash of the layer files this config was composed from">{m.layer_set_hash.slice(0, 12)}</code>
              </dd>
            </>
          )}
        </dl>
      </div>
      {warnings.length > 0 && (
        <section className="panel" aria-labelledby="warnings-heading">
          <h2 id="warnings-heading">Warnings when it was created</h2>
          <IssueList issues={warnings} />
        </section>
      )}
      <div className="split">
        <section className="panel" aria-labelledby="config-heading">
          <h2 id="config-heading">Config</h2>
          <ConfigView config={t.config} provenance={m.provenance} appliedLayers={m.applied_layers} issues={warnings} highlightSource={highlight} label={`${w.One} config`} />
        </section>
        <div className="stack">
          <section className="panel" aria-labelledby="layers-heading">
            <h2 id="layers-heading">Layers</h2>
            <LayersPanel applied={m.applied_layers} skipped={m.skipped_layers} provenance={m.provenance} highlight={highlight} onHighlight={setHighlight} />
          </section>
          <section className="panel" aria-labelledby="context-heading">
            <h2 id="context-heading">Context</h2>
            <p className="hint">What the {w.one} was made from, with the defaults filled in.</p>
            <ConfigView config={m.context} label="Context" />
          </section>
        </div>
      </div>
    </main>
  );
}

/** Where the hand-off stands: queued (with why the last try failed), delivered (and started), failed or in conflict. */
function HandoffState({ handoff: h }: { handoff: Handoff }) {
  const label: Record<Handoff["state"], string> = { queued: "queued", delivered: "delivered", failed: "not delivered", conflict: "name conflict" };
  const look: Record<Handoff["state"], string> = { queued: "pending", delivered: "completed", failed: "failed", conflict: "failed" };
  return (
    <>
      <span className={`status-pill is-${look[h.state]}`}>{label[h.state]}</span>
      {h.autotuner_id !== null && h.state === "delivered" && (
        <> as {h.autotuner_url ? <a href={h.autotuner_url}>task #{h.autotuner_id}</a> : <>task #{h.autotuner_id}</>}</>
      )}
      {h.state === "delivered" && h.start && <>{h.started ? ", started" : h.start_error ? ", not started" : ", starting"}</>}
      {h.autotuner_status && <> · status there: {h.autotuner_status}</>}
      {h.autotuner_status_error && <p className="hint">Status not available: {h.autotuner_status_error}</p>}
      {h.reason && <p className="hint">{h.state === "queued" ? `Retrying (attempt ${h.attempts}): ${h.reason}` : h.reason}</p>}
      {h.start_error && <p className="hint">{h.start_error}</p>}
    </>
  );
}
