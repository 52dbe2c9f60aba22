import { useState } from "react";

/**
 * A secret the server shows this once (a new API token, a generated password): readable,
 * selectable and copyable, with the warning that it will not be shown again.
 */
export function SecretOnce({
  label,
  secret,
  onDone,
}: {
  label: string;
  secret: string;
  onDone: () => void;
}) {
  const [copied, setCopied] = useState<"yes" | "failed">();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  };
  return (
    <div className="panel secret-once" data-testid="secret-once">
      <h3>{label}</h3>
      <p className="muted">
        Shown this once: copy it now and keep it somewhere safe. govern keeps only a hash.
      </p>
      <div className="secret-row">
        <input
          aria-label={label}
          className="mono"
          readOnly
          value={secret}
          onFocus={(event) => event.currentTarget.select()}
        />
        <button type="button" className="button button-primary" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" className="button button-ghost" onClick={onDone}>
          Done
        </button>
      </div>
      {copied === "yes" ? (
        <p className="notice" role="status">
          Copied to the clipboard.
        </p>
      ) : copied === "failed" ? (
        <p className="form-error" role="alert">
          The browser did not allow copying; select the text and copy it by hand.
        </p>
      ) : null}
    </div>
  );
}
