// One task: its config (with who set each value), the applied and skipped layers, the context it came from.
import { useEffect, useState } from "react";
import { api } from "../api";
import { ConfigView } from "../components/ConfigView";
import { IssueList } from "../components/Issues";
import { LayersPanel } from "../components/LayersPanel";
import { LoadError, Loading } from "../components/Status";
import { useLoad } from "../hooks";
import { formatDate } from "./Tasks";

export function TaskPage({ id, created }: { id: number; created: boolean }) {
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
          <a href="#/tasks">← Tasks</a>
        </p>
        <h1>Task #{id}</h1>
        {task.state === "error" ? (
          <LoadError what={`task #${id}`} failure={task.failure} onRetry={task.failure.status === 404 ? undefined : reload} />
        ) : (
          <Loading what="the task" />
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
        <a href="#/tasks">← Tasks</a>
      </p>
      {created && (
        <div className="notice is-ok" role="status">
          Task created. It is stored as <strong>{t.status}</strong>; the autotuner picks it up from here.
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
          <ConfigView config={t.config} provenance={m.provenance} appliedLayers={m.applied_layers} issues={warnings} highlightSource={highlight} label="Task config" />
        </section>
        <div className="stack">
          <section className="panel" aria-labelledby="layers-heading">
            <h2 id="layers-heading">Layers</h2>
            <LayersPanel applied={m.applied_layers} skipped={m.skipped_layers} provenance={m.provenance} highlight={highlight} onHighlight={setHighlight} />
          </section>
          <section className="panel" aria-labelledby="context-heading">
            <h2 id="context-heading">Context</h2>
            <p className="hint">What the task was made from, with the defaults filled in.</p>
            <ConfigView config={m.context} label="Context" />
          </section>
        </div>
      </div>
    </main>
  );
}
