/**
 * The parameters each masking strategy takes (masking/strategies/strategies.ts StrategyParams),
 * as form fields; only the ones the chosen strategy reads are shown and sent.
 */

const PARAMS_OF: Record<string, string[]> = {
  substitute: ["part"],
  partial: ["keep"],
  date_shift: ["days"],
  noise: ["bound"],
};

/** The params the strategy reads, from a draft that may hold others. */
export function paramsFor(
  strategy: string,
  params: Record<string, unknown>,
): Record<string, unknown> {
  const keys = PARAMS_OF[strategy] ?? [];
  return Object.fromEntries(
    Object.entries(params).filter(([k, v]) => keys.includes(k) && v !== undefined && v !== ""),
  );
}

export function StrategyParamsFields({
  strategy,
  params,
  onChange,
}: {
  strategy: string;
  params: Record<string, unknown>;
  onChange: (patch: Record<string, unknown>) => void;
}) {
  const num = (v: string) => (v === "" ? undefined : Number(v));
  switch (strategy) {
    case "partial":
      return (
        <label className="field-inline">
          <span>Keep last characters</span>
          <input
            type="number"
            min={0}
            max={32}
            value={(params.keep as number | undefined) ?? 4}
            onChange={(e) => onChange({ keep: num(e.target.value) })}
          />
        </label>
      );
    case "date_shift":
      return (
        <label className="field-inline">
          <span>Shift up to (days)</span>
          <input
            type="number"
            min={1}
            max={3650}
            value={(params.days as number | undefined) ?? 30}
            onChange={(e) => onChange({ days: num(e.target.value) })}
          />
        </label>
      );
    case "noise":
      return (
        <label className="field-inline">
          <span>Largest change (±, fraction)</span>
          <input
            type="number"
            min={0}
            max={10}
            step={0.05}
            value={(params.bound as number | undefined) ?? 0.1}
            onChange={(e) => onChange({ bound: num(e.target.value) })}
          />
        </label>
      );
    case "substitute":
      return (
        <label className="field-inline">
          <span>Name part</span>
          <select
            value={(params.part as string | undefined) ?? ""}
            onChange={(e) => onChange({ part: e.target.value || undefined })}
          >
            <option value="">from the column (default)</option>
            <option value="first">first name</option>
            <option value="last">last name</option>
            <option value="full">full name</option>
          </select>
        </label>
      );
    default:
      return null;
  }
}
