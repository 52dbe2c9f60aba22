import { navigate, useSearchState } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { RereviewBanner } from "../../components/rereview-notices.tsx";
import { DatasetsTab } from "./datasets-tab.tsx";
import { RequestTab } from "./request-tab.tsx";
import { RulesTab } from "./rules-tab.tsx";
import { SyntheticTab } from "./synthetic-tab.tsx";

const TABS = [
  { key: "datasets", label: "Datasets" },
  { key: "request", label: "Request a masked copy" },
  { key: "rules", label: "Masking rules" },
  { key: "synthetic", label: "Synthetic" },
] as const;
type Tab = (typeof TABS)[number]["key"];

/**
 * The engineer's view of masked and synthetic datasets: request one (the provisioning gate shown
 * first), watch it being built, take its connection string, drop it; stewards set masking rules;
 * synthetic platforms with their real-against-synthetic report.
 */
export function MaskedDatasetsPage() {
  const [search] = useSearchState();
  const { can } = useSession();
  const tab = (TABS.find((t) => t.key === search.get("tab"))?.key ?? "datasets") as Tab;
  return (
    <section className="masked-datasets">
      <h1>Masked datasets</h1>
      <p className="muted">
        Copies of production with every piece of personal data replaced, or fully synthetic
        platforms fitted to it, each in a database of its own.
      </p>
      <RereviewBanner />
      <nav className="tabs" aria-label="Masked dataset views">
        {TABS.filter((t) => t.key !== "request" || can("datasets:provision")).map((t) => (
          <button
            key={t.key}
            type="button"
            className={tab === t.key ? "tab active" : "tab"}
            aria-pressed={tab === t.key}
            onClick={() => navigate(`/masked-datasets?tab=${t.key}`)}
          >
            {t.label}
          </button>
        ))}
      </nav>
      {tab === "datasets" ? <DatasetsTab /> : null}
      {tab === "request" ? <RequestTab /> : null}
      {tab === "rules" ? <RulesTab /> : null}
      {tab === "synthetic" ? <SyntheticTab /> : null}
    </section>
  );
}
