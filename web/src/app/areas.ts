import type { Permission } from "../api/types.ts";

/** Every area of the console (DESIGN.md), in sidebar order. */
export type Area = {
  path: string;
  label: string;
  /** Shown only to roles holding it; areas without one are open to every signed-in person. */
  permission?: Permission;
  /** False while the capability is not built: the page says so instead of showing fake data. */
  built: boolean;
};

export const AREAS: Area[] = [
  { path: "/", label: "Overview", permission: "overview:read", built: true },
  { path: "/catalog", label: "Catalog", permission: "catalog:read", built: true },
  { path: "/review", label: "Review queue", permission: "catalog:read", built: true },
  { path: "/recognizers", label: "Recognizers", permission: "catalog:read", built: true },
  { path: "/lineage", label: "Lineage", permission: "lineage:read", built: true },
  { path: "/quality", label: "Quality", permission: "quality:read", built: true },
  { path: "/notifications", label: "Alerts", permission: "quality:read", built: true },
  {
    path: "/retention",
    label: "Retention & approvals",
    permission: "retention:read",
    built: true,
  },
  { path: "/tiering", label: "Storage", permission: "tiering:read", built: true },
  {
    path: "/masked-datasets",
    label: "Masked datasets",
    permission: "masking:read",
    built: true,
  },
  { path: "/jobs", label: "Jobs", permission: "jobs:read", built: true },
  { path: "/audit", label: "Audit", permission: "audit:read", built: true },
  { path: "/users", label: "Users", permission: "users:read", built: true },
  { path: "/account", label: "My account", built: true },
];

export function visibleAreas(permissions: readonly Permission[]): Area[] {
  return AREAS.filter((area) => !area.permission || permissions.includes(area.permission));
}
