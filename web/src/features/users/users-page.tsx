import { type FormEvent, useMemo, useState } from "react";
import { api } from "../../api/client.ts";
import { type ConsoleUser, ROLES_LIST, type Role } from "../../api/types.ts";
import { useSession } from "../../app/session.tsx";
import { type Columns, DataTable, formatTime } from "../../components/data-table.tsx";

export function UsersPage() {
  const { can, me } = useSession();
  const canWrite = can("users:write");
  const [reloadKey, setReloadKey] = useState(0);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string }>();
  const [adding, setAdding] = useState(false);

  const columns = useMemo<Columns<ConsoleUser>>(() => {
    const disable = async (user: ConsoleUser) => {
      if (!window.confirm(`Disable ${user.email}? They will be signed out and cannot sign in.`)) {
        return;
      }
      try {
        await api(`/api/v1/users/${encodeURIComponent(user.id)}/disable`, { method: "POST" });
        setMessage({ kind: "ok", text: `Disabled ${user.email}.` });
        setReloadKey((k) => k + 1);
      } catch (caught) {
        setMessage({ kind: "error", text: (caught as Error).message });
      }
    };
    const base: Columns<ConsoleUser> = [
      { id: "email", accessorKey: "email", header: "Email" },
      { id: "displayName", accessorKey: "displayName", header: "Name" },
      {
        id: "role",
        accessorKey: "role",
        header: "Role",
        cell: ({ row }) => <span className="badge">{row.original.role}</span>,
      },
      {
        id: "status",
        header: "Status",
        enableSorting: false,
        cell: ({ row }) =>
          row.original.disabledAt ? (
            <span className="badge badge-failed">disabled</span>
          ) : (
            <span className="badge badge-succeeded">active</span>
          ),
      },
      {
        id: "lastLoginAt",
        accessorKey: "lastLoginAt",
        header: "Last sign-in",
        cell: ({ row }) => formatTime(row.original.lastLoginAt),
      },
      {
        id: "createdAt",
        accessorKey: "createdAt",
        header: "Created",
        cell: ({ row }) => formatTime(row.original.createdAt),
      },
    ];
    if (canWrite) {
      base.push({
        id: "actions",
        header: "",
        enableSorting: false,
        cell: ({ row }) =>
          row.original.disabledAt || row.original.id === me.user.id ? null : (
            <button
              type="button"
              className="button button-small"
              onClick={() => void disable(row.original)}
            >
              Disable
            </button>
          ),
      });
    }
    return base;
  }, [canWrite, me.user.id]);

  return (
    <section>
      <h1>Users</h1>
      {message ? (
        <p className={message.kind === "ok" ? "notice" : "form-error"} role="status">
          {message.text}
        </p>
      ) : null}
      {adding ? (
        <AddUserForm
          onDone={(text) => {
            setAdding(false);
            setMessage({ kind: "ok", text });
            setReloadKey((k) => k + 1);
          }}
          onCancel={() => setAdding(false)}
        />
      ) : null}
      <DataTable<ConsoleUser>
        endpoint="/api/v1/users"
        columns={columns}
        filters={[
          { key: "q", label: "Search", kind: "text", placeholder: "email or name" },
          { key: "role", label: "Role", kind: "select", options: ROLES_LIST },
        ]}
        defaultSort="email:asc"
        reloadKey={reloadKey}
        emptyText="No user matches these filters."
        toolbar={
          canWrite && !adding ? (
            <button type="button" className="button button-primary" onClick={() => setAdding(true)}>
              Add user
            </button>
          ) : null
        }
      />
    </section>
  );
}

function AddUserForm({
  onDone,
  onCancel,
}: {
  onDone: (text: string) => void;
  onCancel: () => void;
}) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const body = {
      email: String(form.get("email") ?? "").trim(),
      displayName: String(form.get("displayName") ?? "").trim(),
      role: String(form.get("role") ?? "") as Role,
      password: String(form.get("password") ?? ""),
    };
    setBusy(true);
    setError(undefined);
    try {
      await api("/api/v1/users", { method: "POST", body });
      onDone(`Added ${body.email} as ${body.role}.`);
    } catch (caught) {
      setError((caught as Error).message);
      setBusy(false);
    }
  };
  return (
    <form className="panel add-user" onSubmit={submit} aria-label="add user">
      <h2>Add a user</h2>
      <div className="form-grid">
        <label className="field">
          <span>Email</span>
          <input name="email" type="email" required maxLength={255} />
        </label>
        <label className="field">
          <span>Name</span>
          <input name="displayName" required maxLength={200} />
        </label>
        <label className="field">
          <span>Role</span>
          <select name="role" defaultValue="steward">
            {ROLES_LIST.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Initial password</span>
          <input
            name="password"
            type="password"
            required
            maxLength={1024}
            autoComplete="new-password"
          />
        </label>
      </div>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          Add user
        </button>
        <button type="button" className="button button-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
