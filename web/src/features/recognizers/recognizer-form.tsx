import { cloneElement, useState } from "react";
import type {
  TRecognizer as Recognizer,
  TRecognizerDefinitionInput as RecognizerDefinitionInput,
} from "../../../../schema/contracts/recognizers.ts";
import { api } from "../../api/client.ts";
import {
  FieldError,
  FormError,
  fieldErrorsOf,
  invalidProps,
} from "../../components/form-errors.tsx";
import { CATEGORY_OPTIONS } from "../catalog/types.ts";

const FIELDS = [
  "name",
  "category",
  "pattern",
  "match",
  "validator",
  "contextWords",
  "minShare",
  "description",
  "comment",
] as const;

type ValidatorKind = "" | "luhn" | "iban" | "vat" | "stdnum";

/** Reads the form into a definition as the API takes it (the API validates it). */
function definitionOf(form: FormData): RecognizerDefinitionInput {
  const text = (name: string) => String(form.get(name) ?? "").trim();
  const kind = text("validator") as ValidatorKind;
  const country = text("validatorCountry").toUpperCase();
  const validator =
    kind === "luhn" || kind === "iban"
      ? { kind }
      : kind === "vat"
        ? { kind, ...(country ? { country } : {}) }
        : kind === "stdnum"
          ? { kind, country, type: text("validatorType").toLowerCase() }
          : undefined;
  const description = text("description");
  return {
    name: text("name"),
    category: text("category") as RecognizerDefinitionInput["category"],
    pattern: String(form.get("pattern") ?? ""),
    ignoreCase: form.get("ignoreCase") === "on",
    match: text("match") === "contains" ? "contains" : "full",
    ...(validator ? { validator } : {}),
    contextWords: text("contextWords")
      .split(",")
      .map((w) => w.trim())
      .filter(Boolean),
    requireContext: form.get("requireContext") === "on",
    minShare: Number(text("minShare") || "60") / 100,
    ...(description ? { description } : {}),
  };
}

/**
 * Add or edit a recognizer. "Try on live samples" previews the draft without saving; saving
 * creates version 1 (disabled) or the next version. The API's problems (a pattern that does not
 * compile or could backtrack catastrophically, an unknown stdnum type) show under their field.
 */
export function RecognizerForm({
  recognizer,
  onPreview,
  onSaved,
  onCancel,
}: {
  recognizer?: Recognizer;
  onPreview: (definition: RecognizerDefinitionInput) => void;
  onSaved: (saved: Recognizer, verb: "added" | "saved") => void;
  onCancel: () => void;
}) {
  const d = recognizer?.definition;
  const [kind, setKind] = useState<ValidatorKind>(d?.validator?.kind ?? "");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const errors = fieldErrorsOf(error, FIELDS, {
    "definition.name": "name",
    "definition.category": "category",
    "definition.pattern": "pattern",
    "definition.validator": "validator",
    "definition.validator.country": "validator",
    "definition.validator.type": "validator",
    "definition.contextWords": "contextWords",
    "definition.minShare": "minShare",
    "definition.description": "description",
  });

  const submit = async (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const definition = definitionOf(form);
    if (submitter?.value === "preview") {
      setError(undefined);
      onPreview(definition);
      return;
    }
    const comment = String(form.get("comment") ?? "").trim();
    setBusy(true);
    setError(undefined);
    try {
      const saved = await api<Recognizer>(
        recognizer
          ? `/api/v1/catalog/recognizers/${encodeURIComponent(recognizer.id)}`
          : "/api/v1/catalog/recognizers",
        {
          method: recognizer ? "PUT" : "POST",
          body: { definition, ...(comment ? { comment } : {}) },
        },
      );
      onSaved(saved, recognizer ? "saved" : "added");
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  const field = (name: string, label: string, input: React.JSX.Element, hint?: string) => (
    <div className="field">
      <label htmlFor={`recognizer-${name}`}>{label}</label>
      {cloneElement(input, { id: `recognizer-${name}` })}
      {hint ? <span className="muted figure-hint">{hint}</span> : null}
      <FieldError errors={errors} form="recognizer" field={name} />
    </div>
  );

  return (
    <form
      className="panel"
      onSubmit={(e) => void submit(e)}
      aria-label={recognizer ? "edit recognizer" : "new recognizer"}
    >
      <h2>
        {recognizer
          ? `Edit ${recognizer.name} (next: version ${recognizer.version + 1})`
          : "New recognizer"}
      </h2>
      <div className="form-grid">
        {field(
          "name",
          "Name",
          <input
            name="name"
            required
            maxLength={63}
            defaultValue={d?.name}
            readOnly={!!recognizer}
            placeholder="employee_number"
            {...invalidProps(errors, "recognizer", "name")}
          />,
          "Lower-case letters, digits and _; kept across versions.",
        )}
        {field(
          "category",
          "Category",
          <select name="category" defaultValue={d?.category ?? "government_id"}>
            {CATEGORY_OPTIONS.filter((c) => c !== "none").map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>,
        )}
        {field(
          "pattern",
          "Pattern",
          <input
            name="pattern"
            required
            maxLength={500}
            className="mono"
            defaultValue={d?.pattern}
            placeholder="EMP-\d{6}"
            {...invalidProps(errors, "recognizer", "pattern")}
          />,
          "A regular expression (no slashes). Nested repetition such as (a+)+ is refused.",
        )}
        {field(
          "match",
          "Matches",
          <select name="match" defaultValue={d?.match ?? "full"}>
            <option value="full">the whole value</option>
            <option value="contains">somewhere in the text</option>
          </select>,
        )}
      </div>
      <div className="form-grid">
        {field(
          "validator",
          "Validator",
          <select
            name="validator"
            value={kind}
            onChange={(e) => setKind(e.target.value as ValidatorKind)}
          >
            <option value="">none</option>
            <option value="luhn">Luhn check digit</option>
            <option value="iban">IBAN (ibantools)</option>
            <option value="vat">VAT number (jsvat)</option>
            <option value="stdnum">national number (stdnum)</option>
          </select>,
          "Only matches that pass the check count.",
        )}
        {kind === "vat" || kind === "stdnum" ? (
          <div className="field">
            <label htmlFor="recognizer-validatorCountry">Country</label>
            <input
              id="recognizer-validatorCountry"
              name="validatorCountry"
              maxLength={2}
              required={kind === "stdnum"}
              placeholder="DE"
              defaultValue={
                d?.validator && "country" in d.validator ? (d.validator.country ?? "") : ""
              }
            />
          </div>
        ) : null}
        {kind === "stdnum" ? (
          <div className="field">
            <label htmlFor="recognizer-validatorType">Number type</label>
            <input
              id="recognizer-validatorType"
              name="validatorType"
              required
              maxLength={20}
              placeholder="idnr"
              defaultValue={d?.validator && "type" in d.validator ? d.validator.type : ""}
            />
          </div>
        ) : null}
        {field(
          "contextWords",
          "Context words",
          <input
            name="contextWords"
            maxLength={1000}
            defaultValue={d?.contextWords?.join(", ")}
            placeholder="employee, staff"
            {...invalidProps(errors, "recognizer", "contextWords")}
          />,
          "Comma-separated; found in the column's name or comment (or near the match) they raise confidence.",
        )}
        {field(
          "minShare",
          "Min share of samples (%)",
          <input
            name="minShare"
            type="number"
            min={1}
            max={100}
            defaultValue={Math.round((d?.minShare ?? 0.6) * 100)}
            {...invalidProps(errors, "recognizer", "minShare")}
          />,
        )}
      </div>
      <div className="form-grid">
        <label className="field-check">
          <input type="checkbox" name="ignoreCase" defaultChecked={d?.ignoreCase ?? false} /> Ignore
          case
        </label>
        <label className="field-check">
          <input
            type="checkbox"
            name="requireContext"
            defaultChecked={d?.requireContext ?? false}
          />{" "}
          Only where a context word is present
        </label>
      </div>
      <div className="form-grid">
        {field(
          "description",
          "Description",
          <input name="description" maxLength={500} defaultValue={d?.description} />,
        )}
        {field(
          "comment",
          "Why this change",
          <input name="comment" maxLength={2000} placeholder="kept with the version" />,
        )}
      </div>
      <FormError error={error} errors={errors} />
      <div className="row-actions">
        <button type="submit" className="button" value="preview">
          Try on live samples
        </button>
        <button type="submit" className="button button-primary" value="save" disabled={busy}>
          {busy ? "Saving…" : recognizer ? "Save new version" : "Save recognizer"}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
