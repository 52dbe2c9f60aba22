import { type FormEvent, useState } from "react";
import { api } from "../../api/client.ts";
import type { Me } from "../../api/types.ts";
import {
  FieldError,
  FormError,
  fieldErrorsOf,
  invalidProps,
} from "../../components/form-errors.tsx";

const FIELDS = ["email", "password"] as const;

export function LoginPage({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [error, setError] = useState<Error>();
  const errors = fieldErrorsOf(error, FIELDS);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      const me = await api<Me>("/api/v1/auth/login", {
        method: "POST",
        body: {
          email: String(form.get("email") ?? ""),
          password: String(form.get("password") ?? ""),
        },
      });
      onSignedIn(me);
    } catch (caught) {
      setError(caught as Error);
      setBusy(false);
    }
  };

  return (
    <main className="login">
      {/* The API says what is wrong with each field; the browser's own bubbles would say less. */}
      <form className="login-card" onSubmit={submit} aria-labelledby="login-title" noValidate>
        <h1 id="login-title">
          <span className="brand-mark" aria-hidden="true" /> govern
        </h1>
        <p className="muted">Sign in to the data-governance console.</p>
        <label className="field">
          <span>Email</span>
          <input
            name="email"
            type="email"
            autoComplete="username"
            required
            maxLength={255}
            {...invalidProps(errors, "login", "email")}
          />
        </label>
        <FieldError errors={errors} form="login" field="email" />
        <label className="field">
          <span>Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            maxLength={1024}
            {...invalidProps(errors, "login", "password")}
          />
        </label>
        <FieldError errors={errors} form="login" field="password" />
        <FormError error={error} errors={errors} />
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
