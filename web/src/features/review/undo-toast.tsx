import { useEffect, useState } from "react";

/** How long a decision's Undo stays offered. */
export const UNDO_MS = 8_000;

export type Toast = { key: number; text: string; onUndo?: () => void };

/**
 * The confirmation of a decision, bottom right, with Undo for a few seconds (a countdown says
 * how long); it goes away by itself, or when closed.
 */
export function UndoToast({ toast, onClose }: { toast: Toast; onClose: () => void }) {
  const [left, setLeft] = useState(Math.round(UNDO_MS / 1000));
  useEffect(() => {
    setLeft(Math.round(UNDO_MS / 1000));
    const started = Date.now();
    const timer = window.setInterval(() => {
      const remaining = Math.ceil((UNDO_MS - (Date.now() - started)) / 1000);
      if (remaining <= 0) {
        window.clearInterval(timer);
        onClose();
      } else {
        setLeft(remaining);
      }
    }, 250);
    return () => window.clearInterval(timer);
  }, [onClose]);
  return (
    <div className="undo-toast" role="status" aria-live="polite" data-testid="decision-toast">
      <span>{toast.text}</span>
      {toast.onUndo ? (
        <button type="button" className="button button-small" onClick={toast.onUndo}>
          Undo <span className="muted">({left}s)</span>
        </button>
      ) : null}
      <button
        type="button"
        className="button button-small button-ghost"
        aria-label="Close"
        onClick={onClose}
      >
        ×
      </button>
    </div>
  );
}
