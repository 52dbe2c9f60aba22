/**
 * The one permission matrix. The server enforces it in every route handler; the console asks
 * the server (`GET /api/v1/me`) which permissions the signed-in person has and shows only those.
 * Later capabilities add their permissions here and grant them to roles.
 */

export const ROLES = ["steward", "compliance_officer", "engineer", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = {
  "overview:read": "See the overview figures",
  "users:read": "List console users",
  "users:write": "Add, change and disable console users",
  "tokens:own": "Create, list and revoke one's own API tokens",
  "audit:read": "Read and export the audit trail",
  "audit:verify": "Verify the audit trail's hash chain",
  "jobs:read": "See job runs, schedules and progress",
  "jobs:run": "Trigger a job and cancel a waiting one",
  "schedules:write": "Change job schedules",
  "catalog:read": "Browse the catalog, classifications, evidence and review history",
  "catalog:scan": "Run a catalog scan and classification now",
  "catalog:review": "Accept, reject or override classification proposals",
  "catalog:export": "Export the catalog and review decisions",
  "masking:read": "See masking rules and masked/synthetic datasets",
  "masking:rules": "Set masking rules and mark columns allowed as is",
  "datasets:provision": "Provision masked datasets and synthetic platforms, drop datasets",
  "retention:read": "See retention policies, legal holds, deletion requests and certificates",
  "retention:policies": "Edit retention policies",
  "retention:plan": "Run the retention planner and request erasures",
  "retention:approve": "Approve or reject deletion requests (never one's own)",
  "retention:execute": "Execute an approved deletion request",
  "retention:holds": "Place and release legal holds and the investigation flag",
  "quality:read": "See data-quality rules, results, incidents and alert deliveries",
  "quality:rules": "Create, edit, accept suggested and run data-quality rules",
  "quality:incidents": "Acknowledge, assign, comment on and resolve quality incidents",
  "quality:raw": "See failing rows' raw values (audited)",
  "notifications:manage": "Configure alert channels (webhook, e-mail) and their routing",
  "lineage:read": "See lineage graphs, traces and impact",
  "lineage:write": "Add or remove manual lineage edges and post OpenLineage events",
  "tiering:read": "See storage by tier, tiering policies, plans and moves",
  "tiering:policies": "Edit tiering policies",
  "tiering:run": "Run the tiering mover now",
  "tiering:restore": "Restore a range of rows back to the hot tier",
  "catalog:recognizers":
    "Create, edit, try and enable custom recognizers; remove suppressions learned from decisions",
  "retention:access_package":
    "Download a data subject's access package: everything held about them (audited)",
  "masking:strategy":
    "Change a personal-data column's masking strategy and preview it (never to copy as is)",
  "masking:raw": "See source values unmasked in the masking rule preview (audited)",
} as const;
export type Permission = keyof typeof PERMISSIONS;

const EVERYONE: Permission[] = [
  "overview:read",
  "tokens:own",
  "jobs:read",
  "catalog:read",
  "quality:read",
  "lineage:read",
];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  steward: [
    ...EVERYONE,
    "catalog:scan",
    "catalog:review",
    "catalog:export",
    "masking:read",
    "masking:rules",
    "retention:read",
    "quality:rules",
    "quality:incidents",
    "notifications:manage",
    "lineage:write",
    "tiering:read",
    "catalog:recognizers",
    "masking:strategy",
  ],
  compliance_officer: [
    ...EVERYONE,
    "audit:read",
    "audit:verify",
    "catalog:export",
    "masking:read",
    "retention:read",
    "retention:policies",
    "retention:plan",
    "retention:approve",
    "retention:execute",
    "retention:holds",
    "quality:raw",
    "quality:incidents",
    "tiering:read",
    "tiering:policies",
    "tiering:restore",
    "retention:access_package",
  ],
  engineer: [
    ...EVERYONE,
    "masking:read",
    "datasets:provision",
    "quality:incidents",
    "masking:strategy",
  ],
  admin: [
    ...EVERYONE,
    "catalog:scan",
    "catalog:review",
    "catalog:export",
    "masking:read",
    "masking:rules",
    "datasets:provision",
    "retention:read",
    "retention:plan",
    "retention:execute",
    "users:read",
    "users:write",
    "audit:read",
    "audit:verify",
    "jobs:run",
    "schedules:write",
    "quality:rules",
    "quality:incidents",
    "quality:raw",
    "notifications:manage",
    "lineage:write",
    "tiering:read",
    "tiering:policies",
    "tiering:run",
    "tiering:restore",
    "catalog:recognizers",
    "masking:strategy",
    "masking:raw",
  ],
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

export function permissionsOf(role: Role): Permission[] {
  return [...ROLE_PERMISSIONS[role]];
}
