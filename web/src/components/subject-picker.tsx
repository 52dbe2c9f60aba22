import { useEffect, useRef, useState } from "react";
import type { TSubjectMatch, TSubjectMatches } from "../../../schema/contracts/subjects.ts";
import { api, query } from "../api/client.ts";
import "./shared.css";

export type SubjectMatch = TSubjectMatch;

/**
 * Finds one data subject (a customer of a tenant) by email, phone or name, as Fides does: the
 * matches come back masked (`J*** D***`, `j***@e***.com`, `••• 0958`), enough to recognise the
 * person without the list disclosing everyone; the chosen one's id goes into the form as `name`.
 * The tenant is read from the form's `tenantField` (a plain input or the tenant picker's hidden
 * one) when a search starts, or given as `tenantId`.
 */
export function SubjectPicker({
  name,
  tenantId,
  tenantField = "tenantId",
  label = "Person",
  onChange,
}: {
  name: string;
  tenantId?: string;
  tenantField?: string;
  label?: string;
  onChange?: (subject: SubjectMatch | undefined) => void;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [text, setText] = useState("");
  const [matches, setMatches] = useState<TSubjectMatches>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [chosen, setChosen] = useState<SubjectMatch>();

  const tenantOf = () => {
    if (tenantId) {
      return tenantId;
    }
    const field = input.current?.form?.elements.namedItem(tenantField);
    return field instanceof HTMLInputElement ? field.value.trim() : "";
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: the tenant is read when a search starts
  useEffect(() => {
    const q = text.trim();
    if (chosen || q.length < 3) {
      setMatches(undefined);
      setError(undefined);
      return;
    }
    const tenant = tenantOf();
    if (!/^[0-9a-f-]{36}$/i.test(tenant)) {
      setMatches(undefined);
      setError("Choose the tenant first.");
      return;
    }
    let live = true;
    // A short pause after typing: one request per search, not per key.
    const timer = window.setTimeout(() => {
      setBusy(true);
      api<TSubjectMatches>(`/api/v1/tenants/${tenant}/subjects${query({ q })}`)
        .then((found) => {
          if (live) {
            setMatches(found);
            setError(undefined);
          }
        })
        .catch((caught: Error) => {
          if (live) {
            setError(caught.message);
          }
        })
        .finally(() => {
          if (live) {
            setBusy(false);
          }
        });
    }, 300);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [text, chosen]);

  const choose = (subject: SubjectMatch | undefined) => {
    setChosen(subject);
    onChange?.(subject);
    if (!subject) {
      window.setTimeout(() => input.current?.focus(), 0);
    }
  };

  return (
    <div className="subject-picker" data-testid="subject-picker">
      <input type="hidden" name={name} value={chosen?.id ?? ""} />
      {chosen ? (
        <div className="subject-chosen" data-testid="subject-chosen">
          <span className="field-label">{label}</span>
          <span>
            <strong>{chosen.name}</strong>{" "}
            <span className="muted">
              {[chosen.email, chosen.phone].filter(Boolean).join(" · ")}
            </span>{" "}
            <span className="mono muted small" title={chosen.id}>
              {chosen.id.slice(0, 8)}
            </span>
          </span>
          <button type="button" className="button button-small" onClick={() => choose(undefined)}>
            Change
          </button>
        </div>
      ) : (
        <label className="field">
          <span>{label}</span>
          <input
            ref={input}
            type="search"
            value={text}
            placeholder="email, phone or name"
            maxLength={255}
            autoComplete="off"
            aria-describedby="subject-picker-help"
            onChange={(e) => setText(e.target.value)}
          />
          <span id="subject-picker-help" className="muted small">
            {busy
              ? "Searching…"
              : "At least 3 characters; matches are masked until you choose one."}
          </span>
        </label>
      )}
      {error && !chosen ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      {matches && !chosen ? (
        matches.items.length === 0 ? (
          <p className="muted">No customer of this tenant matches.</p>
        ) : (
          <ul className="subject-matches" aria-label="matching people">
            {matches.items.map((m) => (
              <li key={m.id}>
                <button type="button" className="subject-match" onClick={() => choose(m)}>
                  <strong>{m.name}</strong>
                  <span className="muted">
                    {[m.email, m.phone].filter(Boolean).join(" · ") || "no contact"}
                  </span>
                  <span className="muted small">
                    matched on {m.matchedOn}
                    {m.customerSince ? ` · customer since ${m.customerSince}` : ""}
                  </span>
                </button>
              </li>
            ))}
            {matches.truncated ? (
              <li className="muted small">More people match: type more to narrow the list.</li>
            ) : null}
          </ul>
        )
      ) : null}
    </div>
  );
}
