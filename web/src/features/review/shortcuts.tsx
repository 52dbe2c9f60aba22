import { useEffect } from "react";

export const SHORTCUTS: Array<[string, string]> = [
  ["j / ↓", "next column"],
  ["k / ↑", "previous column"],
  ["a", "accept the proposal"],
  ["r", "reject (not personal data)"],
  ["o", "override category and sensitivity"],
  ["x", "select / unselect"],
  ["shift + a", "accept every selected proposal"],
  ["enter", "open the column's detail"],
  ["?", "show or hide these shortcuts"],
  ["esc", "close a dialog"],
];

/** Arrow keys do what j and k do; shift+a is spelled out. */
const ALIASES: Record<string, string> = {
  ArrowDown: "j",
  ArrowUp: "k",
  A: "shift+a",
  Enter: "enter",
};

/** Keys typed into a form field are text, not commands. */
function typing(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  if (!element) {
    return false;
  }
  const tag = element.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable;
}

/**
 * Calls `handlers[key]` for single-key shortcuts (see ALIASES), ignoring keys typed into
 * form fields and chords with ctrl/meta/alt, which belong to the browser.
 */
export function useShortcuts(handlers: Record<string, () => void>, enabled: boolean): void {
  useEffect(() => {
    if (!enabled) {
      return;
    }
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
        return;
      }
      // Enter on a focused button or link is that control's own action.
      const tag = (event.target as HTMLElement | null)?.tagName;
      if (event.key === "Enter" && (tag === "BUTTON" || tag === "A" || tag === "SUMMARY")) {
        return;
      }
      const handler = handlers[ALIASES[event.key] ?? event.key];
      if (handler) {
        event.preventDefault();
        handler();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [handlers, enabled]);
}

export function ShortcutHelp({ onClose }: { onClose: () => void }) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape" || event.key === "?") {
        event.preventDefault();
        onClose();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts">
        <h2>Keyboard shortcuts</h2>
        <table className="table table-compact">
          <tbody>
            {SHORTCUTS.map(([key, what]) => (
              <tr key={key}>
                <td>
                  <kbd>{key}</kbd>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="form-actions">
          <button type="button" className="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
