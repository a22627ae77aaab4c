// Loading and error states, so that no panel is ever blank.
import type { ApiFailure } from "../api";

export function LoadError({ what, failure, onRetry }: { what: string; failure: ApiFailure; onRetry?: () => void }) {
  return (
    <div className="load-error" role="alert">
      <p>
        <strong>Could not load {what}.</strong> {failure.message}
        {failure.status ? <span className="muted"> (HTTP {failure.status})</span> : null}
      </p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}
