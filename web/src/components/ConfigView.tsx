// A config as YAML, one line per value. Hovering, focusing or selecting a value (arrow keys inside the
// list) shows which layer set it and where (file:line); issues about a value are shown under its line.
import { Fragment, useId, useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { Issue, Origin, Provenance } from "../api";
import { describeSource, fileLine, stagePalette } from "../explain";
import { dotted } from "../pointer";
import { lineForPointer, yamlLines } from "../yaml-lines";
import { IssueItem } from "./Issues";
import { useStickyHeight } from "../hooks";

interface Props {
  config: unknown;
  provenance?: Provenance;
  appliedLayers?: string[];
  /** Issues whose pointer is into this config; shown under the value's line (or its nearest parent). */
  issues?: Issue[];
  /** Lines set by this applied-layer entry are highlighted (from the layers panel). */
  highlightSource?: string | null;
  label: string;
  /** Extra words for a value set by the user's changes (e.g. "line 2 of your changes"). */
  describeUserValue?: (pointer: string) => string | undefined;
  dimmed?: boolean;
}

export function ConfigView({ config, provenance, appliedLayers = [], issues = [], highlightSource, label, describeUserValue, dimmed }: Props) {
  const lines = useMemo(() => yamlLines(config), [config]);
  const palette = useMemo(() => stagePalette(appliedLayers, provenance ?? {}), [appliedLayers, provenance]);
  const leafIndexes = useMemo(() => lines.map((l, i) => (l.leaf ? i : -1)).filter((i) => i >= 0), [lines]);
  const issuesByLine = useMemo(() => {
    const m = new Map<number, Issue[]>();
    for (const i of issues) {
      const at = lineForPointer(lines, i.pointer ?? "");
      if (at < 0) continue;
      m.set(at, [...(m.get(at) ?? []), i]);
    }
    return m;
  }, [issues, lines]);

  const [selected, setSelected] = useState<string | null>(null);
  const [hovered, setHovered] = useState<string | null>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const baseId = useId();

  const selectedIndex = lines.findIndex((l) => l.pointer === selected && l.leaf);
  // The list is one tab stop: the selected value, or the first one.
  const tabStop = selectedIndex >= 0 ? selectedIndex : (leafIndexes[0] ?? -1);
  const active = hovered ?? (selectedIndex >= 0 ? selected : null);
  const activeOrigin = active !== null ? provenance?.[active] : undefined;
  const activeLine = lines.find((l) => l.pointer === active);

  const focusLine = (i: number) => {
    const el = listRef.current?.querySelector<HTMLElement>(`[data-line="${i}"]`);
    el?.focus();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>) => {
    const pos = leafIndexes.indexOf(selectedIndex >= 0 ? selectedIndex : tabStop);
    let next: number | undefined;
    if (e.key === "ArrowDown") next = leafIndexes[Math.min(pos + 1, leafIndexes.length - 1)];
    else if (e.key === "ArrowUp") next = leafIndexes[Math.max(pos - 1, 0)];
    else if (e.key === "Home") next = leafIndexes[0];
    else if (e.key === "End") next = leafIndexes[leafIndexes.length - 1];
    else if (e.key === "Escape") {
      setSelected(null);
      return;
    }
    if (next === undefined) return;
    e.preventDefault();
    setSelected(lines[next].pointer);
    focusLine(next);
  };

  return (
    <div className={`config-view${dimmed ? " is-dimmed" : ""}`}>
      <ul
        ref={listRef}
        className="yaml"
        role="listbox"
        aria-label={`${label}: use the arrow keys to pick a value and see which layer set it`}
        onKeyDown={onKeyDown}
        onMouseLeave={() => setHovered(null)}
      >
        {lines.map((l, i) => {
          const origin = provenance?.[l.pointer];
          const lineIssues = issuesByLine.get(i) ?? [];
          const worst = lineIssues.some((x) => x.severity === "error") ? "error" : lineIssues.length ? "warning" : "";
          const highlighted = highlightSource && origin?.source === highlightSource;
          const isActive = l.leaf && l.pointer === active;
          const text = (
            <>
              <span className="yaml-indent">{"  ".repeat(l.depth)}</span>
              {l.key !== undefined && <span className="yaml-key">{l.key}:</span>}
              {l.value !== undefined && <span className={`yaml-value yaml-${valueKind(l.value)}`}>{l.key !== undefined ? " " : ""}{l.value}</span>}
            </>
          );
          const gutter = <span className="yaml-gutter" style={origin ? { background: palette.get(origin.stage) } : undefined} aria-hidden="true" />;
          // Issues sit in their own row under the line (an option's content is read as its label).
          const issueRows = lineIssues.length > 0 && (
            <li role="presentation" className={`line-issues has-${worst}`} style={{ paddingLeft: `${l.depth * 2 + 2}ch` }}>
              <ul>
                {lineIssues.map((x, k) => (
                  <IssueItem key={k} issue={x} showPointer={false} />
                ))}
              </ul>
            </li>
          );
          if (!l.leaf) {
            return (
              <Fragment key={l.pointer}>
                <li role="presentation" className={`yaml-line is-parent${worst ? ` has-${worst}` : ""}`}>
                  <div className="yaml-row">
                    {gutter}
                    <code>{text}</code>
                  </div>
                </li>
                {issueRows}
              </Fragment>
            );
          }
          return (
            <Fragment key={l.pointer}>
            <li
              id={`${baseId}-${i}`}
              data-line={i}
              data-pointer={l.pointer}
              role="option"
              aria-selected={l.pointer === selected}
              aria-label={`${dotted(l.pointer)} = ${l.value}${origin ? `, set by ${describeSource(origin.source).title}${fileLine(origin) ? ` at ${fileLine(origin)}` : ""}` : ""}${lineIssues.length ? `; ${lineIssues.map((x) => `${x.severity}: ${x.message}`).join("; ")}` : ""}`}
              tabIndex={i === tabStop ? 0 : -1}
              className={`yaml-line is-leaf${isActive ? " is-active" : ""}${highlighted ? " is-highlighted" : ""}${worst ? ` has-${worst}` : ""}`}
              onMouseEnter={() => setHovered(l.pointer)}
              onFocus={() => setSelected(l.pointer)}
              onClick={() => setSelected(l.pointer)}
            >
              <div className="yaml-row">
                {gutter}
                <code>{text}</code>
                {isActive && origin && (
                  <span className="origin-tag" aria-hidden="true">
                    ← {fileLine(origin) ?? describeSource(origin.source).title}
                  </span>
                )}
              </div>
            </li>
            {issueRows}
            </Fragment>
          );
        })}
      </ul>
      <OriginPanel pointer={active} value={activeLine?.value} origin={activeOrigin} describeUserValue={describeUserValue} hasProvenance={!!provenance} />
      {palette.size > 0 && (
        <p className="stage-legend">
          <span className="visually-hidden">Gutter colours by stage: </span>
          {[...palette].map(([stage, colour]) => (
            <span key={stage} className="stage-key">
              <span className="stage-swatch" style={{ background: colour }} aria-hidden="true" />
              {stage}
            </span>
          ))}
        </p>
      )}
    </div>
  );
}

function valueKind(v: string): string {
  if (v.startsWith("[") || v.startsWith("{")) return "collection";
  if (/^-?\d/.test(v)) return "number";
  if (v === "true" || v === "false" || v === "null") return "keyword";
  return "string";
}

function OriginPanel({
  pointer,
  value,
  origin,
  describeUserValue,
  hasProvenance,
}: {
  pointer: string | null;
  value?: string;
  origin?: Origin;
  describeUserValue?: (pointer: string) => string | undefined;
  hasProvenance: boolean;
}) {
  let body;
  if (pointer === null) {
    body = <p className="muted">{hasProvenance ? "Point at a value, or select one with the arrow keys, to see which layer set it." : "Select a value to see its path."}</p>;
  } else {
    const src = origin ? describeSource(origin.source) : undefined;
    const userNote = origin && src?.kind === "user" ? describeUserValue?.(pointer) : undefined;
    body = (
      <dl className="origin-facts">
        <dt>Value</dt>
        <dd>
          <code>{dotted(pointer)}</code> = <code>{value}</code>
        </dd>
        {origin ? (
          <>
            <dt>Set by</dt>
            <dd>
              <strong>{src?.title}</strong>
              {origin.layer && src?.kind !== "layer" && src?.kind !== "profile" ? <> (layer {origin.layer})</> : null}
            </dd>
            <dt>Where</dt>
            <dd>{fileLine(origin) ? <code>{fileLine(origin)}</code> : (userNote ?? "your changes in this form")}</dd>
            <dt>Stage</dt>
            <dd>{origin.stage}</dd>
          </>
        ) : (
          hasProvenance && (
            <>
              <dt>Set by</dt>
              <dd className="muted">not recorded</dd>
            </>
          )
        )}
      </dl>
    );
  }
  const ref = useRef<HTMLDivElement>(null);
  useStickyHeight(ref, "--sticky-origin-panel");
  return (
    <div className="origin-panel" aria-live="polite" data-testid="origin-panel" ref={ref}>
      {body}
    </div>
  );
}
