/** A labelled progress bar (0–100); `status` colours it and is exposed for tests and a11y. */
export function ProgressBar({
  value,
  status,
  label,
}: {
  value: number;
  status: string;
  label?: string;
}) {
  const percent = Math.max(0, Math.min(100, Math.round(value)));
  return (
    <div
      className={`progress progress-${status}`}
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      aria-label={label ?? "progress"}
      data-status={status}
    >
      <div className="progress-fill" style={{ width: `${percent}%` }} />
      <span className="progress-text">
        {status === "succeeded" ? "done" : status === "failed" ? "failed" : `${percent}%`}
      </span>
    </div>
  );
}
