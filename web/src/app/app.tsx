import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from "react";
import { ApiError, api, SIGNED_OUT } from "../api/client.ts";
import type { Me, Permission } from "../api/types.ts";
import { ErrorState, Loading } from "../components/states.tsx";
import { LoginPage } from "../features/login/login-page.tsx";
import { AREAS } from "./areas.ts";
import { Layout } from "./layout.tsx";
import { NotAllowedPage, NotBuiltPage, NotFoundPage } from "./not-built.tsx";
import { useLocation } from "./router.tsx";
import { type Session, SessionContext } from "./session.tsx";

// Each page is its own chunk, loaded when it is opened: the sign-in page and the shell do not wait
// for the chart, graph-layout and table libraries of pages the person may never open.
type PageComponent = () => React.JSX.Element;

function lazyPage<K extends string>(
  load: () => Promise<Record<K, PageComponent>>,
  name: K,
): React.LazyExoticComponent<PageComponent> {
  return lazy(() => load().then((module) => ({ default: module[name] })));
}

const PAGES: Record<string, React.LazyExoticComponent<PageComponent>> = {
  "/": lazyPage(() => import("../features/overview/overview-page.tsx"), "OverviewPage"),
  "/jobs": lazyPage(() => import("../features/jobs/jobs-page.tsx"), "JobsPage"),
  "/audit": lazyPage(() => import("../features/audit/audit-page.tsx"), "AuditPage"),
  "/users": lazyPage(() => import("../features/users/users-page.tsx"), "UsersPage"),
  "/catalog": lazyPage(() => import("../features/catalog/catalog-page.tsx"), "CatalogPage"),
  "/review": lazyPage(() => import("../features/review/review-page.tsx"), "ReviewPage"),
  "/retention": lazyPage(() => import("../features/retention/retention-page.tsx"), "RetentionPage"),
  "/tiering": lazyPage(() => import("../features/tiering/storage-page.tsx"), "StoragePage"),
  "/masked-datasets": lazyPage(
    () => import("../features/masked-datasets/masked-datasets-page.tsx"),
    "MaskedDatasetsPage",
  ),
  "/account": lazyPage(() => import("../features/account/account-page.tsx"), "AccountPage"),
  "/notifications": lazyPage(
    () => import("../features/notifications/notifications-page.tsx"),
    "NotificationsPage",
  ),
  "/quality": lazyPage(() => import("../features/quality/quality-page.tsx"), "QualityPage"),
  "/lineage": lazyPage(() => import("../features/lineage/lineage-page.tsx"), "LineagePage"),
  "/recognizers": lazyPage(
    () => import("../features/recognizers/recognizers-page.tsx"),
    "RecognizersPage",
  ),
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
        return Page ? (
          <Suspense fallback={<Loading />}>
            <Page />
          </Suspense>
        ) : (
          <NotBuiltPage label={area.label} />
        );
      }}
    </SessionContext.Consumer>
  );
}
