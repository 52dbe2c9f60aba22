import { useCallback, useEffect, useMemo, useState } from "react";
import { ApiError, api, SIGNED_OUT } from "../api/client.ts";
import type { Me, Permission } from "../api/types.ts";
import { ErrorState, Loading } from "../components/states.tsx";
import { AccountPage } from "../features/account/account-page.tsx";
import { AuditPage } from "../features/audit/audit-page.tsx";
import { CatalogPage } from "../features/catalog/catalog-page.tsx";
import { JobsPage } from "../features/jobs/jobs-page.tsx";
import { LineagePage } from "../features/lineage/lineage-page.tsx";
import { LoginPage } from "../features/login/login-page.tsx";
import { MaskedDatasetsPage } from "../features/masked-datasets/masked-datasets-page.tsx";
import { NotificationsPage } from "../features/notifications/notifications-page.tsx";
import { OverviewPage } from "../features/overview/overview-page.tsx";
import { QualityPage } from "../features/quality/quality-page.tsx";
import { RecognizersPage } from "../features/recognizers/recognizers-page.tsx";
import { RetentionPage } from "../features/retention/retention-page.tsx";
import { ReviewPage } from "../features/review/review-page.tsx";
import { StoragePage } from "../features/tiering/storage-page.tsx";
import { UsersPage } from "../features/users/users-page.tsx";
import { AREAS } from "./areas.ts";
import { Layout } from "./layout.tsx";
import { NotAllowedPage, NotBuiltPage, NotFoundPage } from "./not-built.tsx";
import { useLocation } from "./router.tsx";
import { type Session, SessionContext } from "./session.tsx";

const PAGES: Record<string, () => React.JSX.Element> = {
  "/": OverviewPage,
  "/jobs": JobsPage,
  "/audit": AuditPage,
  "/users": UsersPage,
  "/catalog": CatalogPage,
  "/review": ReviewPage,
  "/retention": RetentionPage,
  "/tiering": StoragePage,
  "/masked-datasets": MaskedDatasetsPage,
  "/account": AccountPage,
  "/notifications": NotificationsPage,
  "/quality": QualityPage,
  "/lineage": LineagePage,
  "/recognizers": RecognizersPage,
};

type AuthState =
  | { kind: "checking" }
  | { kind: "signed-out" }
  | { kind: "signed-in"; me: Me }
  | { kind: "error"; error: Error };

export function App() {
  const [auth, setAuth] = useState<AuthState>({ kind: "checking" });

  const check = useCallback(() => {
    setAuth({ kind: "checking" });
    // /session answers 200 with `user: null` when nobody is signed in: no failed request (and
    // no console error) on the sign-in page.
    api<Me | { user: null }>("/api/v1/session")
      .then((me) => setAuth(me.user ? { kind: "signed-in", me: me as Me } : { kind: "signed-out" }))
      .catch((error: Error) =>
        setAuth(
          error instanceof ApiError && error.status === 401
            ? { kind: "signed-out" }
            : { kind: "error", error },
        ),
      );
  }, []);
  useEffect(check, [check]);
  useEffect(() => {
    const signedOut = () => setAuth({ kind: "signed-out" });
    window.addEventListener(SIGNED_OUT, signedOut);
    return () => window.removeEventListener(SIGNED_OUT, signedOut);
  }, []);

  const session = useMemo<Session | undefined>(() => {
    if (auth.kind !== "signed-in") {
      return undefined;
    }
    const permissions = new Set<Permission>(auth.me.permissions);
    return {
      me: auth.me,
      can: (permission) => permissions.has(permission),
      signOut: async () => {
        await api("/api/v1/auth/logout", { method: "POST" }).catch(() => undefined);
        setAuth({ kind: "signed-out" });
      },
    };
  }, [auth]);

  if (auth.kind === "checking") {
    return <Loading label="Opening govern…" />;
  }
  if (auth.kind === "error") {
    return <ErrorState error={auth.error} onRetry={check} />;
  }
  if (!session) {
    return <LoginPage onSignedIn={(me) => setAuth({ kind: "signed-in", me })} />;
  }
  return (
    <SessionContext.Provider value={session}>
      <Layout>
        <CurrentPage />
      </Layout>
    </SessionContext.Provider>
  );
}

function CurrentPage() {
  const { pathname } = useLocation();
  const area = AREAS.find((a) => a.path === pathname);
  return (
    <SessionContext.Consumer>
      {(session) => {
        if (!area) {
          return <NotFoundPage />;
        }
        if (area.permission && !session?.can(area.permission)) {
          return <NotAllowedPage />;
        }
        const Page = PAGES[area.path];
        return Page ? <Page /> : <NotBuiltPage label={area.label} />;
      }}
    </SessionContext.Consumer>
  );
}
