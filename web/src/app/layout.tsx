import type { ReactNode } from "react";
import { NotificationsMenu } from "../components/rereview-notices.tsx";
import { visibleAreas } from "./areas.ts";
import { Link, useLocation } from "./router.tsx";
import { useSession } from "./session.tsx";

const ROLE_LABEL: Record<string, string> = {
  steward: "Data steward",
  compliance_officer: "Compliance officer",
  engineer: "Engineer",
  admin: "Admin",
};

export function Layout({ children }: { children: ReactNode }) {
  const { me, signOut } = useSession();
  const { pathname } = useLocation();
  const areas = visibleAreas(me.permissions);
  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" /> govern
        </div>
        <nav aria-label="Main">
          <ul>
            {areas.map((area) => (
              <li key={area.path}>
                <Link
                  to={area.path}
                  className={pathname === area.path ? "nav-link active" : "nav-link"}
                  aria-current={pathname === area.path ? "page" : undefined}
                >
                  {area.label}
                  {area.built ? null : <span className="nav-soon">not built</span>}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </aside>
      <div className="main">
        <header className="header">
          <div className="who" data-testid="signed-in">
            <Link to="/account" className="who-name" title="My account: password and API tokens">
              {me.user.displayName}
            </Link>
            <span className="who-meta muted">
              {me.user.email} · {ROLE_LABEL[me.user.role] ?? me.user.role}
            </span>
          </div>
          <div className="help-links">
            <NotificationsMenu />
            {/* The server's own page, outside the console: a plain link, in a new tab. */}
            <a href="/api/v1/docs" target="_blank" rel="noopener" className="button button-ghost">
              API reference
            </a>
            <button type="button" className="button button-ghost" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        </header>
        <main className="content">{children}</main>
      </div>
    </div>
  );
}
