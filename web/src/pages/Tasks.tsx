// The list of stored items (the autotuner's tasks, in the project's words): name, status, created, profiles; filter by status, newest first, paged by cursor.
import { useState } from "react";
import { api } from "../api";
import { LoadError, Loading } from "../components/Status";
import { useLoad, usePoll } from "../hooks";
import { useItemWords } from "../words";

const PAGE_SIZE = 25;
const STATUSES = ["pending", "running", "completed", "failed", "cancelled"];

export function TasksPage() {
  // App shows this page only to a project that stores items, so the words are there.
  const w = useItemWords()!;
  const [status, setStatus] = useState("");
  // The cursors of the pages before the current one, to go back.
  const [cursors, setCursors] = useState<(number | null)[]>([null]);
  const cursor = cursors[cursors.length - 1];
  const [list, reload] = useLoad((s) => api.tasks({ status, cursor, limit: PAGE_SIZE }, s), [status, cursor]);
  usePoll(reload, 10_000);
  const data = list.data;
  return (
    <main id="main" className="page">
      <div className="page-head row">
        <h1>{w.Many}</h1>
        <a className="button primary" href="#/">
          New {w.one}
        </a>
      </div>
      <div className="toolbar">
        <label htmlFor="status-filter">Status</label>
        <select
          id="status-filter"
          value={status}
          onChange={(e) => {
            setStatus(e.target.value);
            setCursors([null]);
          }}
        >
          <option value="">All</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        {data && (
          <span className="muted" role="status">
            {data.total} {data.total === 1 ? w.one : w.many}
            {status ? ` ${status}` : ""}
          </span>
        )}
      </div>
      {list.state === "error" && <LoadError what={`the ${w.many}`} failure={list.failure} onRetry={reload} />}
      {!data && list.state === "loading" && <Loading what={`the ${w.many}`} />}
      {data && data.tasks.length === 0 && (
        <p className="empty-state">
          {status ? `No ${status} ${w.many}.` : `No ${w.many} yet.`} <a href="#/">Create one</a>.
        </p>
      )}
      {data && data.tasks.length > 0 && (
        <div className="panel table-scroll">
          <table className="task-table">
            <caption className="visually-hidden">{w.Many}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Profiles</th>
              </tr>
            </thead>
            <tbody>
              {data.tasks.map((t) => (
                <tr key={t.id} data-task-id={t.id}>
                  <td className="name-cell">
                    {/* Long names and descriptions are cut to a line or two; the full text is the title (hover). */}
                    <a className="one-line" href={`#/tasks/${t.id}`} title={t.task_name}>
                      {t.task_name}
                    </a>
                    {t.description && (
                      <div className="muted small two-lines" title={t.description}>
                        {t.description}
                      </div>
                    )}
                  </td>
                  <td>
                    <span className={`status-pill is-${t.status}`}>{t.status}</span>
                  </td>
                  <td>
                    <time dateTime={t.created_at} title={t.created_at}>
                      {formatDate(t.created_at)}
                    </time>
                  </td>
                  <td>{t.profiles.length ? t.profiles.map((p) => <code key={p} className="tag">{p}</code>) : <span className="muted">none</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && (cursors.length > 1 || data.next_cursor) && (
        <nav className="pager" aria-label="Pages">
          <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
            ← Newer
          </button>
          <span className="muted">Page {cursors.length}</span>
          <button type="button" disabled={!data.next_cursor} onClick={() => setCursors((c) => [...c, data.next_cursor])}>
            Older →
          </button>
        </nav>
      )}
    </main>
  );
}

export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}
