// Issues (warnings and errors) as the server reports them: message, then where (config path, file:line).
import type { Issue } from "../api";
import { describeIssuePlace } from "../explain";

export function IssueItem({ issue, showPointer = true }: { issue: Issue; showPointer?: boolean }) {
  const place = describeIssuePlace(showPointer ? issue : { ...issue, pointer: undefined });
  return (
    <li className={`issue is-${issue.severity}`} data-code={issue.code}>
      <span className="issue-icon" aria-hidden="true">
        {issue.severity === "error" ? "✖" : "▲"}
      </span>
      <span className="visually-hidden">{issue.severity}: </span>
      <span className="issue-message">{issue.message}</span>
      {place && <span className="issue-place"> · {place}</span>}
    </li>
  );
}

export function IssueList({ issues, label }: { issues: Issue[]; label?: string }) {
  if (issues.length === 0) return null;
  return (
    <ul className="issue-list" aria-label={label}>
      {issues.map((i, k) => (
        <IssueItem key={`${i.code}-${i.pointer ?? ""}-${k}`} issue={i} />
      ))}
    </ul>
  );
}

/** Messages shown beside a form field: `id` is referenced by the field's aria-describedby. */
export function FieldIssues({ id, issues }: { id: string; issues: Issue[] }) {
  if (issues.length === 0) return null;
  return (
    <ul id={id} className="field-issues" role="alert">
      {issues.map((i, k) => (
        <IssueItem key={k} issue={i} showPointer={false} />
      ))}
    </ul>
  );
}
