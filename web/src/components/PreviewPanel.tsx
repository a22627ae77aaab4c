// The live preview: its status, the problems found, the composed config with who set each value, and the
// applied and skipped layers. The last good preview stays (dimmed) while a new one is on its way.
import type { Issue } from "../api";
import type { PreviewState } from "../hooks";
import { ConfigView } from "./ConfigView";
import { IssueList } from "./Issues";
import { LayersPanel } from "./LayersPanel";

export function PreviewPanel({
  ready,
  waitingFor,
  yamlError,
  preview,
  configIssues,
  highlight,
  onHighlight,
  describeUserValue,
}: {
  ready: boolean;
  /** The titles of the required fields still empty. */
  waitingFor: string[];
  yamlError: number | null;
  preview: PreviewState;
  configIssues: Issue[];
  highlight: string | null;
  onHighlight: (s: string | null) => void;
  describeUserValue: (p: string) => string | undefined;
}) {
  const pv = preview.preview;
  const failure = preview.state === "error" ? preview.failure : undefined;
  let status: { text: string; kind: string };
  const missing = waitingFor.join(" and ");
  if (!ready) status = { text: `Waiting for ${missing}`, kind: "idle" };
  else if (yamlError !== null) status = { text: `Paused: YAML error on line ${yamlError}`, kind: "paused" };
  else if (preview.state === "loading") status = { text: "Updating…", kind: "loading" };
  else if (failure) status = { text: failure.status === 400 ? "Paused: fix the marked fields" : "Preview failed", kind: "paused" };
  else if (pv && !pv.ok) status = { text: "Config not valid", kind: "invalid" };
  else if (pv) status = { text: "Up to date", kind: "ok" };
  else status = { text: "Waiting", kind: "idle" };

  const errors = pv ? pv.errors : [];
  const warnings = pv ? pv.warnings : [];
  return (
    <section className="preview-column" aria-labelledby="preview-heading" aria-busy={preview.state === "loading"}>
      <div className="panel preview">
        <div className="preview-head">
          <h2 id="preview-heading">Preview</h2>
          <span className={`status-pill is-${status.kind}`} role="status" data-testid="preview-status">
            {status.text}
          </span>
        </div>
        {!pv && !failure && (
          <p className="empty-state">
            {ready ? "Composing the config…" : `Fill in ${missing} to see the config the layers compose for it.`}
          </p>
        )}
        {failure && (
          <div className="load-error" role="alert">
            <p>
              <strong>{failure.status === 400 ? "The preview needs valid input." : "The preview could not be composed."}</strong> {failure.message}
            </p>
            {failure.status !== 400 && <IssueList issues={failure.issues} />}
            {pv && <p className="muted">Showing the last preview that worked.</p>}
          </div>
        )}
        {pv && (
          <>
            {(errors.length > 0 || warnings.length > 0) && (
              <div className="preview-issues">
                <h3>
                  {errors.length > 0 ? `${errors.length} error${errors.length === 1 ? "" : "s"}` : "No errors"}
                  {", "}
                  {warnings.length} warning{warnings.length === 1 ? "" : "s"}
                </h3>
                <IssueList issues={[...errors, ...warnings]} label="Problems in the preview" />
              </div>
            )}
            {pv.config ? (
              <ConfigView
                config={pv.config}
                provenance={pv.provenance}
                appliedLayers={pv.applied_layers}
                issues={configIssues}
                highlightSource={highlight}
                label="Composed config"
                describeUserValue={describeUserValue}
                dimmed={preview.state !== "ready"}
              />
            ) : (
              <p className="empty-state">No config was composed: see the errors above.</p>
            )}
            <LayersPanel applied={pv.applied_layers} skipped={pv.skipped_layers} provenance={pv.provenance} highlight={highlight} onHighlight={onHighlight} />
          </>
        )}
      </div>
    </section>
  );
}
