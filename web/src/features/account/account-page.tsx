import { useState } from "react";
import { useSession } from "../../app/session.tsx";
import { ChangePasswordForm } from "./change-password-form.tsx";
import { TokensPanel } from "./tokens-panel.tsx";

const ROLE_LABEL: Record<string, string> = {
  steward: "Data steward",
  compliance_officer: "Compliance officer",
  engineer: "Engineer",
  admin: "Admin",
};

/** The signed-in person's own account: who they are, their password, their API tokens. */
export function AccountPage() {
  const { me } = useSession();
  // A password change revokes every token: the list is read again afterwards.
  const [generation, setGeneration] = useState(0);
  return (
    <section className="account-page">
      <h1>My account</h1>
      <div className="panel">
        <dl className="account-facts">
          <dt>Name</dt>
          <dd>{me.user.displayName}</dd>
          <dt>Email</dt>
          <dd>{me.user.email}</dd>
          <dt>Role</dt>
          <dd>{ROLE_LABEL[me.user.role] ?? me.user.role}</dd>
        </dl>
      </div>
      <ChangePasswordForm onChanged={() => setGeneration((g) => g + 1)} />
      <TokensPanel key={generation} base="/api/v1/tokens" whose="you" />
    </section>
  );
}
