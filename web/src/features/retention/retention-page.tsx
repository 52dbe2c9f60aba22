import type { Permission } from "../../api/types.ts";
import { useSearchState } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { AccessTab } from "./access-tab.tsx";
import { ApprovalsTab } from "./approvals-tab.tsx";
import { CertificatesTab } from "./certificates-tab.tsx";
import { ErasureTab } from "./erasure-tab.tsx";
import { HoldsTab } from "./holds-tab.tsx";
import { PoliciesTab } from "./policies-tab.tsx";
import { RequestsTab } from "./requests-tab.tsx";

type Tab = {
  key: string;
  label: string;
  /** Shown only to roles holding it (everyone on this page holds retention:read). */
  permission?: Permission;
  Component: () => React.JSX.Element;
};

const TABS: Tab[] = [
  { key: "requests", label: "Deletion requests", Component: RequestsTab },
  {
    key: "approvals",
    label: "Approvals inbox",
    permission: "retention:approve",
    Component: ApprovalsTab,
  },
  { key: "policies", label: "Policies", Component: PoliciesTab },
  { key: "holds", label: "Legal holds", Component: HoldsTab },
  { key: "certificates", label: "Certificates", Component: CertificatesTab },
  { key: "erasure", label: "Erasure", permission: "retention:plan", Component: ErasureTab },
  { key: "access", label: "Access requests", Component: AccessTab },
];

/** Keys each tab keeps in the URL; switching tabs drops the others' list and detail state. */
const TAB_STATE_KEYS = ["page", "pageSize", "sort", "status", "kind", "policy", "tenant", "id"];

/**
 * Retention and approvals: one page, a tab per task. The tab and any open detail live in the
 * query string (`?tab=requests&id=...`), so every view can be bookmarked and reloaded.
 */
export function RetentionPage() {
  const { can } = useSession();
  const [search, setSearch] = useSearchState();
  const tabs = TABS.filter((tab) => !tab.permission || can(tab.permission));
  const current = tabs.find((tab) => tab.key === search.get("tab")) ?? tabs[0];
  const select = (key: string) =>
    setSearch({ tab: key, ...Object.fromEntries(TAB_STATE_KEYS.map((k) => [k, undefined])) });
  return (
    <section className="retention">
      <h1>Retention &amp; approvals</h1>
      <p className="muted">
        Data is kept exactly as long as the law and the business require: nothing is deleted without
        the approvals a policy demands, and anything under a legal hold is untouchable.
      </p>
      <div className="tabs" role="tablist" aria-label="Retention">
        {tabs.map((tab) => (
          <button
            key={tab.key}
            type="button"
            role="tab"
            className={tab === current ? "tab active" : "tab"}
            aria-selected={tab === current}
            onClick={() => select(tab.key)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={current?.label}>
        {current ? <current.Component /> : null}
      </div>
    </section>
  );
}
