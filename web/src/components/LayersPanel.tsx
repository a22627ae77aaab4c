// The applied layers in the order they applied (later wins), how many of the config's values each one
// set, and the skipped layers with the reason: the condition and the values it read.
import type { Provenance, SkippedLayer } from "../api";
import { describeSkip, describeSource, fileLine, stagePalette } from "../explain";

interface Props {
  applied: string[];
  skipped?: SkippedLayer[];
  provenance?: Provenance;
  onHighlight?: (source: string | null) => void;
  highlight?: string | null;
}

export function LayersPanel({ applied, skipped = [], provenance = {}, onHighlight, highlight }: Props) {
  const counts = new Map<string, number>();
  const stageOf = new Map<string, string>();
  for (const o of Object.values(provenance)) {
    counts.set(o.source, (counts.get(o.source) ?? 0) + 1);
    stageOf.set(o.source, o.stage);
  }
  const palette = stagePalette(applied, provenance);
  return (
    <div className="layers-panel">
      <h3 id="applied-heading">Applied layers, in order</h3>
      <p className="hint">Each layer is merged over the ones before it: where two set the same value, the later one wins.</p>
      {applied.length === 0 ? (
        <p className="muted">No layer applied.</p>
      ) : (
        <ol className="applied-layers" aria-labelledby="applied-heading">
          {applied.map((source) => {
            const n = counts.get(source) ?? 0;
            const stage = stageOf.get(source);
            const src = describeSource(source);
            return (
              <li key={source} className={highlight === source ? "is-highlighted" : undefined}>
                <button
                  type="button"
                  className="layer-chip"
                  aria-pressed={highlight === source}
                  onClick={() => onHighlight?.(highlight === source ? null : source)}
                  title="Highlight the values this layer set"
                >
                  <span className="stage-swatch" style={{ background: stage ? palette.get(stage) : "transparent" }} aria-hidden="true" />
                  <span className="layer-name">{src.kind === "layer" ? source : src.title}</span>
                  <span className="layer-meta">
                    {stage ? `${stage} · ` : ""}
                    {n === 0 ? "no value left" : `${n} value${n === 1 ? "" : "s"}`}
                  </span>
                </button>
              </li>
            );
          })}
        </ol>
      )}
      <h3 id="skipped-heading">Skipped layers</h3>
      {skipped.length === 0 ? (
        <p className="muted">None: every layer's condition held.</p>
      ) : (
        <ul className="skipped-layers" aria-labelledby="skipped-heading">
          {skipped.map((s) => {
            const { reason, read } = describeSkip(s);
            return (
              <li key={`${s.stage}/${s.layer}`}>
                <span className="layer-name">{s.layer}</span> <span className="layer-meta">{s.stage}{fileLine(s) ? ` · ${fileLine(s)}` : ""}</span>
                <div className="skip-reason">
                  <code>{reason}</code>
                  {read && (
                    <>
                      {" "}— read <code>{read}</code>
                    </>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
