// Profile cards from GET /api/profiles (a profile file added on the server appears on the next poll),
// several selectable; the selected ones form an ordered list whose order is their precedence.
import { useRef, useState } from "react";
import type { Issue, Profile } from "../api";
import type { Loadable } from "../hooks";
import { FieldIssues } from "./Issues";
import { LoadError } from "./Status";

interface Props {
  /** The profiles field's title in the context schema. */
  title: string;
  profiles: Loadable<{ profiles: Profile[] }>;
  selected: string[];
  onChange: (next: string[]) => void;
  onRetry: () => void;
  issues: Issue[];
}

export function ProfilePicker({ title, profiles, selected, onChange, onRetry, issues }: Props) {
  const buttons = useRef(new Map<string, HTMLButtonElement | null>());
  const [announcement, setAnnouncement] = useState("");
  const list = profiles.data?.profiles;
  const byName = new Map((list ?? []).map((p) => [p.name, p]));

  const toggle = (name: string, on: boolean) => {
    const next = on ? [...selected.filter((n) => n !== name), name] : selected.filter((n) => n !== name);
    onChange(next);
    setAnnouncement(on ? `${name} added at position ${next.length} of ${next.length}` : `${name} removed`);
  };

  const remove = (name: string) => {
    const i = selected.indexOf(name);
    const neighbour = selected[i + 1] ?? selected[i - 1];
    toggle(name, false);
    requestAnimationFrame(() => (neighbour ? buttons.current.get(`${neighbour}:remove`) : document.getElementById("order-heading"))?.focus());
  };

  const move = (name: string, by: -1 | 1) => {
    const i = selected.indexOf(name);
    const j = i + by;
    if (i < 0 || j < 0 || j >= selected.length) return;
    const next = [...selected];
    [next[i], next[j]] = [next[j], next[i]];
    onChange(next);
    setAnnouncement(`${name} moved to position ${j + 1} of ${next.length}`);
    // Keep the keyboard where it was: on the same button, or its twin when that one is now disabled.
    const atEdge = j === 0 || j === next.length - 1;
    const key = atEdge ? `${name}:${by === -1 ? "down" : "up"}` : `${name}:${by === -1 ? "up" : "down"}`;
    requestAnimationFrame(() => buttons.current.get(key)?.focus());
  };

  return (
    <fieldset className="panel profiles" aria-describedby="profiles-hint">
      <legend>{title}</legend>
      <p id="profiles-hint" className="hint">
        Presets applied on top of the defaults. Pick any number; they apply in the order listed under <em>Order</em>, so
        where two profiles set the same value, <strong>the one lower in the list wins</strong>.
      </p>
      {!list && profiles.state === "loading" && <p className="loading">Loading profiles…</p>}
      {profiles.state === "error" && <LoadError what="the profiles" failure={profiles.failure} onRetry={onRetry} />}
      {list && list.length === 0 && <p className="muted">The server has no profiles. Add a profile file to the layers and it appears here.</p>}
      {list && list.length > 0 && (
        <div className="profile-cards">
          {list.map((p) => {
            const pos = selected.indexOf(p.name);
            const on = pos >= 0;
            return (
              <label key={p.name} className={`profile-card${on ? " is-selected" : ""}`} data-profile={p.name}>
                <input type="checkbox" checked={on} onChange={(e) => toggle(p.name, e.target.checked)} aria-describedby={`profile-desc-${p.name}`} />
                <span className="profile-title">
                  {p.title}
                  {on && (
                    <span className="order-badge" aria-label={`position ${pos + 1}`}>
                      {pos + 1}
                    </span>
                  )}
                </span>
                <span id={`profile-desc-${p.name}`} className="profile-desc">
                  {p.description}
                </span>
                <span className="profile-name">
                  <code>{p.name}</code>
                  {p.file && <span className="muted"> · {p.file}</span>}
                </span>
              </label>
            );
          })}
        </div>
      )}
      <h3 id="order-heading" className="order-heading" tabIndex={-1}>
        Order <span className="muted">(first applies first, last wins)</span>
      </h3>
      {selected.length === 0 ? (
        <p className="muted">No profile selected: the config comes from the defaults, your changes and the finalize stage.</p>
      ) : (
        <ol className="profile-order" aria-labelledby="order-heading">
          {selected.map((name, i) => {
            const p = byName.get(name);
            return (
              <li key={name} data-profile={name}>
                <span className="order-num" aria-hidden="true">
                  {i + 1}
                </span>
                <span className="order-name">
                  {p?.title ?? name} <code>{name}</code>
                  {list && !p && <span className="warn-text"> — not on the server any more</span>}
                </span>
                <span className="order-buttons">
                  <button
                    type="button"
                    ref={(el) => void buttons.current.set(`${name}:up`, el)}
                    onClick={() => move(name, -1)}
                    disabled={i === 0}
                    aria-label={`Move ${name} up (applies earlier)`}
                    title="Move up: applies earlier"
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    ref={(el) => void buttons.current.set(`${name}:down`, el)}
                    onClick={() => move(name, 1)}
                    disabled={i === selected.length - 1}
                    aria-label={`Move ${name} down (applies later, wins)`}
                    title="Move down: applies later and wins"
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    ref={(el) => void buttons.current.set(`${name}:remove`, el)}
                    onClick={() => remove(name)}
                    aria-label={`Remove ${name}`}
                    title="Remove"
                  >
                    ✕
                  </button>
                </span>
              </li>
            );
          })}
        </ol>
      )}
      <FieldIssues id="profiles-issues" issues={issues} />
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>
    </fieldset>
  );
}
