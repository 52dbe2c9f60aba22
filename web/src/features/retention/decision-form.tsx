import { useRef, useState } from "react";
import { api } from "../../api/client.ts";

/**
 * Approve or reject one request with a reason. The server decides (self-approval, expiry,
 * fingerprint, holds) and its refusal message names the reason code, shown as is.
 */
export function DecisionForm({
  requestId,
  fingerprint,
  onDecided,
}: {
  requestId: string;
  fingerprint: string;
  onDecided: (text: string) => void;
}) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const reasonRef = useRef<HTMLInputElement>(null);
  const decide = async (decision: "approve" | "reject") => {
    const reason = reasonRef.current?.value.trim() ?? "";
    if (!reason) {
      setError("Give a reason: it is recorded with the decision.");
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api(`/api/v1/retention/requests/${encodeURIComponent(requestId)}/${decision}`, {
        method: "POST",
        body: { reason, fingerprint },
      });
      onDecided(decision === "approve" ? "Approved." : "Rejected.");
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="decision-form"
      aria-label="decision"
      onSubmit={(event) => {
        event.preventDefault();
        void decide("approve");
      }}
    >
      <label className="field">
        <span>Reason</span>
        <input ref={reasonRef} name="reason" maxLength={1000} placeholder="why you decide so" />
      </label>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          Approve
        </button>
        <button
          type="button"
          className="button"
          disabled={busy}
          onClick={() => void decide("reject")}
        >
          Reject
        </button>
      </div>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}
