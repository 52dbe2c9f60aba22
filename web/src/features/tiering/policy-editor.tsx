import { useMemo, useState } from "react";
import { parseDocument } from "yaml";
import type {
  TTieringPolicies,
  TTieringPolicyIssue,
  TTieringPolicyPreview,
  TTieringPolicyVersions,
  TTieringPolicyView,
} from "../../../../schema/domain/tiering.ts";
import { api } from "../../api/client.ts";
import {
  FieldError,
  type FieldErrors,
  FormError,
  fieldErrorsOf,
  invalidProps,
} from "../../components/form-errors.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";

/**
 * Tiering policies in the console: each table's policy in force with its version, an editor
 * (a form over the policy's YAML, and the YAML itself: both edit the same text, comments kept),
 * a dry run that shows the API's problems next to the field each names and what the next run
 * would move under the draft, saving as a new audited version after a confirmation, and the
 * table's version history.
 */

const TIERS = ["hot", "warm", "cold", "archive"] as const;
const FORM = "tier-policy";

/** The form's fields: their path in the policy YAML is their name. */
const FIELDS = [
  "date_column",
  "tiers.hot",
  "tiers.warm",
  "tiers.cold",
  "tiers.archive",
  "business_rules.retain_active_customers",
  "business_rules.active_customer_days",
  "business_rules.comply_with_regulations",
  "business_rules.preserve_audit_trail",
] as const;

const path = (field: string) => field.split(".");

/** The dry run's issues as field errors (the same shape the save's 400 gives). */
function issueErrors(issues: TTieringPolicyIssue[]): FieldErrors {
  const byField: Record<string, string> = {};
  const other: string[] = [];
  for (const issue of issues) {
    const text = issue.line ? `line ${issue.line}: ${issue.message}` : issue.message;
    const field = FIELDS.find((f) => issue.path === f || issue.path?.startsWith(`${f}.`));
    if (field) {
      byField[field] ??= text;
    } else {
      other.push(issue.path ? `${issue.path}: ${text}` : text);
    }
  }
  return { byField, other };
}

function moveSummary(plan: TTieringPolicyPreview["current"]): string {
  const rows = plan.moves.reduce((n, m) => n + m.rows, 0);
  return plan.moves.length
    ? `${plan.moves.length} unit(s), ${rows.toLocaleString()} rows`
    : "nothing to move";
}

export function TieringPolicies({ canEdit }: { canEdit: boolean }) {
  const policies = useApi<TTieringPolicies>("/api/v1/tiering/policies");
  const [editing, setEditing] = useState<string>();
  if (policies.error) {
    return <ErrorState error={policies.error} onRetry={policies.reload} />;
  }
  if (!policies.data) {
    return <Loading />;
  }
  if (!policies.data.items.length) {
    return <Empty>No table has a tiering policy.</Empty>;
  }
  const current = policies.data.items.find((p) => p.table === editing);
  return (
    <div>
      <table className="data-table" aria-label="Tiering policies">
        <thead>
          <tr>
            <th>Table</th>
            <th>Version</th>
            <th>Hot → warm → cold → archive</th>
            <th>Keeps active customers hot</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {policies.data.items.map((p) => (
            <tr key={p.table}>
              <td>{p.table}</td>
              <td>
                {p.source === "file" ? "shipped file" : `v${p.version} by ${p.editedBy ?? "?"}`}
                {p.enabled ? "" : " (switched off)"}
              </td>
              <td>{TIERS.map((t) => p.tiers[t]).join(" → ")}</td>
              <td>
                {p.businessRules.retainActiveCustomers
                  ? `yes (${p.businessRules.activeCustomerDays} days)`
                  : "no"}
              </td>
              <td>
                <button
                  type="button"
                  className="button"
                  aria-label={`${canEdit ? "Edit" : "View"} policy of ${p.table}`}
                  onClick={() => setEditing(p.table)}
                >
                  {canEdit ? "Edit" : "View"}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {current ? (
        <PolicyEditor
          key={`${current.table}-${current.version}`}
          policy={current}
          canEdit={canEdit}
          onSaved={policies.reload}
          onClose={() => setEditing(undefined)}
        />
      ) : null}
    </div>
  );
}

function PolicyEditor({
  policy,
  canEdit,
  onSaved,
  onClose,
}: {
  policy: TTieringPolicyView;
  canEdit: boolean;
  onSaved: () => void;
  onClose: () => void;
}) {
  const [text, setText] = useState(policy.body);
  const [preview, setPreview] = useState<TTieringPolicyPreview>();
  const [error, setError] = useState<unknown>();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState<"check" | "save">();
  const [saved, setSaved] = useState<string>();
  const versions = useApi<TTieringPolicyVersions>(
    `/api/v1/tiering/policies/${encodeURIComponent(policy.table)}/versions`,
  );
  const doc = useMemo(() => parseDocument(text), [text]);
  const parsable = doc.errors.length === 0;
  // A changed draft needs a new dry run before it is saved.
  const edit = (next: string) => {
    setText(next);
    setConfirming(false);
  };

  const value = (field: string): unknown => (parsable ? doc.getIn(path(field)) : undefined);
  const set = (field: string, next: unknown) => {
    const edited = parseDocument(text);
    edited.setIn(path(field), next);
    edit(String(edited));
  };

  const errors: FieldErrors =
    error !== undefined
      ? fieldErrorsOf(error, FIELDS)
      : preview && !preview.valid
        ? issueErrors(preview.issues)
        : { byField: {}, other: [] };

  const check = async (): Promise<TTieringPolicyPreview | undefined> => {
    setBusy("check");
    setError(undefined);
    setSaved(undefined);
    try {
      const result = await api<TTieringPolicyPreview>(
        `/api/v1/tiering/policies/${encodeURIComponent(policy.table)}/preview`,
        { method: "POST", body: { body: text } },
      );
      setPreview(result);
      return result;
    } catch (caught) {
      setError(caught);
      return undefined;
    } finally {
      setBusy(undefined);
    }
  };

  const save = async () => {
    if (!confirming) {
      // The dry run first: the confirmation says what the next run would move under it.
      const result = await check();
      setConfirming(result?.valid === true);
      return;
    }
    setBusy("save");
    setError(undefined);
    try {
      const stored = await api<TTieringPolicyView>(
        `/api/v1/tiering/policies/${encodeURIComponent(policy.table)}`,
        { method: "PUT", body: { body: text } },
      );
      setSaved(`Saved as version ${stored.version}.`);
      setConfirming(false);
      versions.reload();
      onSaved();
    } catch (caught) {
      setError(caught);
      setConfirming(false);
    } finally {
      setBusy(undefined);
    }
  };

  const textField = (field: (typeof FIELDS)[number], label: string, hint?: string) => (
    <label className="field">
      <span>{label}</span>
      <input
        name={field}
        value={String(value(field) ?? "")}
        disabled={!canEdit || !parsable}
        // A number stays a YAML number (`90`, not `"90"`): the policy's schema wants one.
        onChange={(e) =>
          set(field, /^\d+$/.test(e.target.value) ? Number(e.target.value) : e.target.value)
        }
        {...invalidProps(errors, FORM, field)}
      />
      {hint ? <span className="muted">{hint}</span> : null}
      <FieldError errors={errors} form={FORM} field={field} />
    </label>
  );
  const checkbox = (field: (typeof FIELDS)[number], label: string) => (
    <label className="field">
      <span>
        <input
          type="checkbox"
          name={field}
          checked={value(field) === true}
          disabled={!canEdit || !parsable}
          onChange={(e) => set(field, e.target.checked)}
          {...invalidProps(errors, FORM, field)}
        />{" "}
        {label}
      </span>
      <FieldError errors={errors} form={FORM} field={field} />
    </label>
  );
  const regulations = value("business_rules.comply_with_regulations");

  return (
    <section className="panel" aria-label={`Policy of ${policy.table}`}>
      <h3>
        Policy of {policy.table}{" "}
        <span className="muted">
          (in force: {policy.source === "file" ? "the shipped file" : `version ${policy.version}`})
        </span>
      </h3>
      {parsable ? null : (
        <p className="form-error" role="alert">
          The YAML below does not parse ({doc.errors[0]?.message.split("\n")[0]}): fix it there, the
          form follows.
        </p>
      )}
      <div className="form-grid">
        {textField("date_column", "Date column", "the rows' age is read from it")}
        {textField("tiers.hot", "Leaves hot after", "e.g. 30 days")}
        {textField("tiers.warm", "Leaves warm after")}
        {textField("tiers.cold", "Goes to the archive after")}
        {textField("tiers.archive", "Archive kept for", "never shorter than retention")}
        {checkbox("business_rules.retain_active_customers", "Rows of active customers stay hot")}
        {textField("business_rules.active_customer_days", "Active means a contact within (days)")}
        <label className="field">
          <span>Regulations the archive must outlast</span>
          <input
            name="business_rules.comply_with_regulations"
            value={Array.isArray(regulations) ? regulations.join(", ") : ""}
            disabled={!canEdit || !parsable}
            onChange={(e) =>
              set(
                "business_rules.comply_with_regulations",
                e.target.value
                  .split(",")
                  .map((r) => r.trim())
                  .filter(Boolean),
              )
            }
            {...invalidProps(errors, FORM, "business_rules.comply_with_regulations")}
          />
          <span className="muted">GDPR, CCPA, SOX, PCI_DSS, business</span>
          <FieldError errors={errors} form={FORM} field="business_rules.comply_with_regulations" />
        </label>
        {checkbox("business_rules.preserve_audit_trail", "Preserve the audit trail")}
      </div>
      <label className="field">
        <span>Policy (YAML, as in rules/tiering/{policy.table}.yaml)</span>
        <textarea
          aria-label="Policy YAML"
          className="mono"
          rows={12}
          value={text}
          spellCheck={false}
          readOnly={!canEdit}
          onChange={(e) => edit(e.target.value)}
        />
      </label>
      <FormError
        error={error ?? (preview && !preview.valid ? "The draft is not valid." : undefined)}
        errors={errors}
      />
      {preview?.valid ? (
        <p data-testid="policy-dry-run">
          Dry run: under this draft the next run would move{" "}
          {moveSummary(preview.draft ?? preview.current)}; under the policy in force,{" "}
          {moveSummary(preview.current)}.
        </p>
      ) : null}
      {confirming ? (
        <p role="alert">
          Saving makes this draft version{" "}
          {versions.data?.items[0] ? versions.data.items[0].version + 1 : 1} of the {policy.table}{" "}
          policy, in force from the next tiering run (recorded in the audit trail). Confirm to save.
        </p>
      ) : null}
      {saved ? <p role="status">{saved}</p> : null}
      <div className="form-actions">
        {canEdit ? (
          <>
            <button
              type="button"
              className="button"
              disabled={busy !== undefined}
              onClick={() => void check()}
            >
              {busy === "check" ? "Checking…" : "Check (dry run)"}
            </button>
            <button
              type="button"
              className="button button-primary"
              disabled={busy !== undefined}
              onClick={() => void save()}
            >
              {confirming ? "Confirm save" : "Save as new version"}
            </button>
            {confirming ? (
              <button
                type="button"
                className="button button-ghost"
                onClick={() => setConfirming(false)}
              >
                Cancel
              </button>
            ) : null}
          </>
        ) : null}
        <button type="button" className="button button-ghost" onClick={onClose}>
          Close
        </button>
      </div>
      <h4>Version history</h4>
      {versions.error ? (
        <ErrorState error={versions.error} onRetry={versions.reload} />
      ) : !versions.data ? (
        <Loading />
      ) : versions.data.items.length === 0 ? (
        <Empty>Never edited in the console: the shipped file is in force.</Empty>
      ) : (
        <table className="data-table" aria-label={`Versions of ${policy.table}`}>
          <thead>
            <tr>
              <th>Version</th>
              <th>Saved by</th>
              <th>When</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {versions.data.items.map((v) => (
              <tr key={v.version}>
                <td>v{v.version}</td>
                <td>{v.createdBy}</td>
                <td>{new Date(v.createdAt).toLocaleString()}</td>
                <td>
                  {canEdit ? (
                    <button
                      type="button"
                      className="button button-ghost"
                      onClick={() => edit(v.body)}
                    >
                      Load v{v.version} into the editor
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
