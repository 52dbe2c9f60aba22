import { useState } from "react";
import { useSearchState } from "../../app/router.tsx";
import { formatTime } from "../../components/data-table.tsx";
import { useApi } from "../../components/use-api.ts";
import { IncidentsTab } from "./incidents-tab.tsx";
import { RulesTab } from "./rules-tab.tsx";
import { SuggestionsTab } from "./suggestions-tab.tsx";
import { percent, type QualitySummary } from "./types.ts";
import "./quality.css";

const TABS = [
  { key: "rules", label: "Rules" },
  { key: "incidents", label: "Incidents" },
  { key: "suggestions", label: "Suggestions" },
] as const;

/** Quality figures (shared with the overview). */
export function QualityFigures({ summary }: { summary: QualitySummary }) {
  return (
    <div className="figures" data-testid="quality-figures">
      <div className="figure">
        <div className="figure-value">{summary.rules}</div>
        <div className="figure-label">rules enabled</div>
      </div>
      <div className="figure">
        <div className="figure-value">
          {summary.passing} / {summary.evaluated}
        </div>
        <div className="figure-label">latest checks passing</div>
        <div className="figure-hint muted">per rule and tenant</div>
      </div>
      <div className="figure">
        <div className="figure-value">{percent(summary.averageScore)}</div>
        <div className="figure-label">average score</div>
      </div>
      <div className="figure">
        <div className="figure-value">{summary.openIncidents}</div>
        <div className="figure-label">open incidents</div>
        <div className="figure-hint muted">{summary.criticalOpen} critical</div>
      </div>
      <div className="figure">
        <div className="figure-value small">{formatTime(summary.lastRunAt)}</div>
        <div className="figure-label">last evaluated</div>
      </div>
    </div>
  );
}

/** Data quality: rules with scores and trends, the incident inbox, and suggested rules. */
export function QualityPage() {
  const [search, setSearch] = useSearchState();
  const current = TABS.find((t) => t.key === search.get("tab")) ?? TABS[0];
  const [reloadKey, setReloadKey] = useState(0);
  const summary = useApi<QualitySummary>(`/api/v1/quality/summary?r=${reloadKey}`);
  const bump = () => setReloadKey((k) => k + 1);
  return (
    <section className="quality">
      <h1>Quality</h1>
      <p className="muted">
        Every structured rule of a table is checked in one scan, per tenant; failing error and
        critical rules open an incident and alert once until they pass again.
      </p>
      {summary.data ? <QualityFigures summary={summary.data} /> : null}
      <div className="tabs" role="tablist" aria-label="Quality">
        {TABS.map((tab) => (
          <button
            key={tab.key}
            type="button"
            role="tab"
            className={tab === current ? "tab active" : "tab"}
            aria-selected={tab === current}
            onClick={() => setSearch({ tab: tab.key })}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={current.label}>
        {current.key === "rules" ? <RulesTab onRun={bump} /> : null}
        {current.key === "incidents" ? (
          <IncidentsTab reloadKey={reloadKey} onChanged={bump} />
        ) : null}
        {current.key === "suggestions" ? <SuggestionsTab onDecided={bump} /> : null}
      </div>
    </section>
  );
}
