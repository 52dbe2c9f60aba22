import { type FormEvent, useMemo, useState } from "react";
import { api } from "../../api/client.ts";
import { type ConsoleUser, ROLES_LIST, type Role } from "../../api/types.ts";
import { useSession } from "../../app/session.tsx";
import { type Columns, DataTable, formatTime } from "../../components/data-table.tsx";
import { FieldError } from "../account/field-error.tsx";
import { type FormErrors, formErrors } from "../account/field-errors.ts";
import { UserDetail } from "./user-detail.tsx";

export function UsersPage() {
  const { can, me } = useSession();
  const canWrite = can("users:write");
  const [reloadKey, setReloadKey] = useState(0);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string }>();
  const [adding, setAdding] = useState(false);

  const [selected, setSelected] = useState<ConsoleUser>();

  const columns = useMemo<Columns<ConsoleUser>>(() => {
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
        cell: ({ row }) => (
          <button
            type="button"
            className="button button-small"
            aria-label={`Manage ${row.original.email}`}
            onClick={() => setSelected(row.original)}
          >
            Manage
          </button>
        ),
      });
    }
    return base;
  }, [canWrite]);

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
      {selected ? (
        <UserDetail
          key={`${selected.id}:${selected.role}:${selected.disabledAt ?? ""}:${selected.displayName}`}
          user={selected}
          isSelf={selected.id === me.user.id}
          onChanged={(user, text) => {
            setSelected(user);
            setMessage({ kind: "ok", text });
            setReloadKey((k) => k + 1);
          }}
          onClose={() => setSelected(undefined)}
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
  const [errors, setErrors] = useState<FormErrors>({ fields: {} });
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
    setErrors({ fields: {} });
    try {
      await api("/api/v1/users", { method: "POST", body });
      onDone(`Added ${body.email} as ${body.role}.`);
    } catch (caught) {
      setErrors(formErrors(caught, ["email", "displayName", "role", "password"]));
      setBusy(false);
    }
  };
  return (
    <form className="panel add-user" onSubmit={submit} aria-label="add user" noValidate>
      <h2>Add a user</h2>
      <div className="form-grid">
        <label className="field">
          <span>Email</span>
          <input
            name="email"
            type="email"
            required
            maxLength={255}
            aria-describedby="add-email-error"
          />
          <FieldError id="add-email-error" message={errors.fields.email} />
        </label>
        <label className="field">
          <span>Name</span>
          <input
            name="displayName"
            required
            maxLength={200}
            aria-describedby="add-displayName-error"
          />
          <FieldError id="add-displayName-error" message={errors.fields.displayName} />
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
            aria-describedby="add-password-error"
          />
          <FieldError id="add-password-error" message={errors.fields.password} />
        </label>
      </div>
      {errors.form ? (
        <p className="form-error" role="alert">
          {errors.form}
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
