import { type KeyboardEvent, useEffect, useId, useRef, useState } from "react";
import { api, query } from "../api/client.ts";
import "./shared.css";

/** A tenant as the directory (`GET /api/v1/tenants`) describes it. */
export type TenantSummary = {
  id: string;
  businessName: string;
  region: string | null;
  industry: string | null;
  planTier: string | null;
};
type TenantPage = { items: TenantSummary[]; total: number };

const SHOWN = 10;

// Names already looked up, and ids waiting for the next batched lookup.
const known = new Map<string, Promise<TenantSummary | undefined>>();
let pending: Map<string, (tenant: TenantSummary | undefined) => void> | undefined;

/** One lookup for every id asked for in the same tick, at most 100 per request. */
function lookUp(id: string): Promise<TenantSummary | undefined> {
  const cached = known.get(id);
  if (cached) {
    return cached;
  }
  const promise = new Promise<TenantSummary | undefined>((resolve) => {
    if (!pending) {
      pending = new Map();
      setTimeout(() => void flush(), 0);
    }
    pending.set(id, resolve);
  });
  known.set(id, promise);
  return promise;
}

async function flush(): Promise<void> {
  const batch = pending ?? new Map();
  pending = undefined;
  const ids = [...batch.keys()];
  for (let start = 0; start < ids.length; start += 100) {
    const slice = ids.slice(start, start + 100);
    try {
      const page = await api<TenantPage>(
        `/api/v1/tenants${query({ ids: slice.join(","), pageSize: 100 })}`,
      );
      const byId = new Map(page.items.map((t) => [t.id, t]));
      for (const id of slice) {
        batch.get(id)?.(byId.get(id));
      }
    } catch {
      for (const id of slice) {
        known.delete(id); // asked again next time
        batch.get(id)?.(undefined);
      }
    }
  }
}

/** Remembers a tenant the picker has already loaded, so its name shows without a lookup. */
function remember(tenant: TenantSummary): void {
  if (!known.has(tenant.id)) {
    known.set(tenant.id, Promise.resolve(tenant));
  }
}

/**
 * A tenant by its business name, with its id on hover; a click copies the id. Unknown or
 * not-yet-loaded tenants show the id's first characters.
 */
export function TenantName({ id }: { id: string | null | undefined }) {
  const [tenant, setTenant] = useState<TenantSummary>();
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    let live = true;
    setTenant(undefined);
    if (id) {
      void lookUp(id).then((found) => {
        if (live) {
          setTenant(found);
        }
      });
    }
    return () => {
      live = false;
    };
  }, [id]);
  if (!id) {
    return <span className="muted">—</span>;
  }
  const copy = () => {
    void navigator.clipboard
      ?.writeText(id)
      .then(() => {
        setCopied(true);
        setTimeout(() => setCopied(false), 1_500);
      })
      .catch(() => undefined);
  };
  return (
    <button
      type="button"
      className="tenant-name link-button"
      title={`Tenant ${id}${tenant?.region ? ` · ${tenant.region}` : ""} — click to copy the id`}
      data-tenant-id={id}
      onClick={copy}
    >
      {copied ? "id copied" : (tenant?.businessName ?? `${id.slice(0, 8)}…`)}
    </button>
  );
}

/**
 * Chooses a tenant by business name, region or id, searched on the server as you type (so it
 * works for thousands of tenants). `name` adds a hidden input carrying the chosen id for forms.
 */
export function TenantPicker({
  value,
  onChange,
  label = "Tenant",
  name,
  placeholder = "Search by business name, region or id",
}: {
  value?: string | null;
  onChange: (tenant: TenantSummary | undefined) => void;
  label?: string;
  name?: string;
  placeholder?: string;
}) {
  const id = useId();
  const [text, setText] = useState("");
  const [open, setOpen] = useState(false);
  const [results, setResults] = useState<TenantPage>();
  const [active, setActive] = useState(0);
  const [error, setError] = useState<string>();
  const [chosen, setChosen] = useState<TenantSummary>();
  const ticket = useRef(0);

  // Show the chosen tenant's name when the value is set from outside (URL, saved form).
  useEffect(() => {
    if (!value) {
      setChosen(undefined);
      return;
    }
    if (chosen?.id === value) {
      return;
    }
    let live = true;
    void lookUp(value).then((tenant) => {
      if (live && tenant) {
        setChosen(tenant);
        setText(tenant.businessName);
      }
    });
    return () => {
      live = false;
    };
  }, [value, chosen?.id]);

  useEffect(() => {
    if (!open) {
      return;
    }
    const mine = ++ticket.current;
    const timer = setTimeout(() => {
      const q = text.trim() === chosen?.businessName ? "" : text.trim();
      api<TenantPage>(`/api/v1/tenants${query({ q, pageSize: SHOWN })}`)
        .then((page) => {
          if (mine === ticket.current) {
            page.items.forEach(remember);
            setResults(page);
            setActive(0);
            setError(undefined);
          }
        })
        .catch((caught: Error) => {
          if (mine === ticket.current) {
            setError(caught.message);
          }
        });
    }, 150);
    return () => clearTimeout(timer);
  }, [text, open, chosen?.businessName]);

  const choose = (tenant: TenantSummary | undefined) => {
    setChosen(tenant);
    setText(tenant?.businessName ?? "");
    setOpen(false);
    onChange(tenant);
  };
  const items = results?.items ?? [];
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(a + 1, Math.max(items.length - 1, 0)));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (event.key === "Enter" && open && items[active]) {
      event.preventDefault();
      choose(items[active]);
    } else if (event.key === "Escape") {
      setOpen(false);
    }
  };
  const listId = `${id}-tenants`;
  return (
    <div className="tenant-picker">
      <label className="field-inline" htmlFor={`${id}-input`}>
        <span>{label}</span>
        <input
          id={`${id}-input`}
          type="search"
          role="combobox"
          aria-expanded={open}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={open && items[active] ? `${id}-${items[active].id}` : undefined}
          autoComplete="off"
          placeholder={placeholder}
          maxLength={255}
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            setOpen(true);
            if (!event.target.value && chosen) {
              choose(undefined);
            }
          }}
          onFocus={() => setOpen(true)}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
          onKeyDown={onKeyDown}
        />
      </label>
      {name ? <input type="hidden" name={name} value={chosen?.id ?? ""} /> : null}
      {open ? (
        <div
          className="tenant-picker-list"
          role="listbox"
          id={listId}
          aria-label={`${label} choices`}
        >
          {error ? <div className="tenant-picker-more">{error}</div> : null}
          {results && items.length === 0 ? (
            <div className="tenant-picker-more">No tenant matches “{text}”.</div>
          ) : null}
          {items.map((tenant, index) => (
            <div
              key={tenant.id}
              tabIndex={-1}
              id={`${id}-${tenant.id}`}
              role="option"
              aria-selected={index === active}
              title={tenant.id}
              onMouseDown={(event) => {
                event.preventDefault(); // keep focus: the blur would close the list first
                choose(tenant);
              }}
            >
              <span>{tenant.businessName}</span>
              <span className="muted">{tenant.region ?? ""}</span>
            </div>
          ))}
          {results && results.total > items.length ? (
            <div className="tenant-picker-more">
              {results.total - items.length} more: type more of the name to narrow.
            </div>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
