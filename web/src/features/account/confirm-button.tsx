import { type ReactNode, useState } from "react";

/**
 * A button that asks first: the first click states what will happen, a second click on
 * "Confirm" does it. For actions a person cannot take back (reset a password, revoke a token).
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel = "Confirm",
  onConfirm,
  disabled = false,
  small = true,
}: {
  label: string;
  question: ReactNode;
  confirmLabel?: string;
  onConfirm: () => Promise<void> | void;
  disabled?: boolean;
  small?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const size = small ? " button-small" : "";
  if (!asking) {
    return (
      <button
        type="button"
        className={`button${size}`}
        disabled={disabled}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  }
  return (
    <fieldset className="confirm" aria-label={`Confirm: ${label}`}>
      <span className="confirm-question">{question}</span>
      <button
        type="button"
        className={`button button-danger${size}`}
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          try {
            await onConfirm();
          } finally {
            setBusy(false);
            setAsking(false);
          }
        }}
      >
        {confirmLabel}
      </button>
      <button
        type="button"
        className={`button button-ghost${size}`}
        disabled={busy}
        onClick={() => setAsking(false)}
      >
        Cancel
      </button>
    </fieldset>
  );
}
