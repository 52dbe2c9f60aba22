import { can, type Permission, permissionsOf, type Role } from "../../schema/domain/permissions.ts";

/**
 * The permissions a token for `owner` would carry that `grantor` lacks. A token acts as its
 * owner, so one person making a token for another must not gain powers through it (an admin
 * never approves deletions; a token of a compliance officer would let them). Empty: allowed.
 */
export function powersBeyond(grantor: Role, owner: Role): Permission[] {
  return permissionsOf(owner).filter((permission) => !can(grantor, permission));
}
