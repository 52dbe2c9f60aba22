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
} as const;
export type Permission = keyof typeof PERMISSIONS;

const EVERYONE: Permission[] = ["overview:read", "tokens:own", "jobs:read"];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  steward: [...EVERYONE],
  compliance_officer: [...EVERYONE, "audit:read", "audit:verify"],
  engineer: [...EVERYONE],
  admin: [
    ...EVERYONE,
    "users:read",
    "users:write",
    "audit:read",
    "audit:verify",
    "jobs:run",
    "schedules:write",
  ],
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

export function permissionsOf(role: Role): Permission[] {
  return [...ROLE_PERMISSIONS[role]];
}
