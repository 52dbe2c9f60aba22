import { randomBytes } from "node:crypto";
import type { AccessEnded } from "../../schema/governance/credentials.repository.ts";
import {
  findPasswordHash,
  replacePassword,
} from "../../schema/governance/credentials.repository.ts";
import { AppError } from "../errors.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";

/** The password policy, in characters: length is what makes a password hard to guess. */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 1024;
const MIN_DISTINCT = 5;

/** One problem with a proposed password, named by the field it came in. */
export type PasswordProblem = { path: string; message: string };

/**
 * What is wrong with a new password for this account (empty when it is acceptable): too short or
 * long, too few different characters, or containing the account's email or its name part.
 */
export function passwordProblems(
  password: string,
  email: string,
  field: string,
): PasswordProblem[] {
  const problems: string[] = [];
  const length = [...password].length;
  if (length < PASSWORD_MIN) {
    problems.push(`must be at least ${PASSWORD_MIN} characters (it has ${length})`);
  }
  if (length > PASSWORD_MAX) {
    problems.push(`must be at most ${PASSWORD_MAX} characters`);
  }
  if (new Set(password).size < MIN_DISTINCT) {
    problems.push(`must use at least ${MIN_DISTINCT} different characters`);
  }
  const lower = password.toLowerCase();
  const local = email.toLowerCase().split("@")[0] ?? "";
  if (lower.includes(email.toLowerCase()) || (local.length >= 4 && lower.includes(local))) {
    problems.push("must not contain the account's email or its name part");
  }
  return problems.map((message) => ({ path: field, message: `The password ${message}.` }));
}

function refuseWeak(password: string, email: string, field: string): void {
  const problems = passwordProblems(password, email, field);
  if (problems.length) {
    throw new AppError("invalid_request", problems[0]?.message ?? "Weak password.", problems);
  }
}

/**
 * A person changes their own password, proving the current one. Every session and API token of
 * the account ends (the caller opens a fresh session if it wants one).
 */
export async function changeOwnPassword(
  db: Parameters<typeof replacePassword>[0],
  user: { id: string; email: string },
  currentPassword: string,
  newPassword: string,
): Promise<AccessEnded> {
  const stored = await findPasswordHash(db, user.id);
  if (stored === undefined) {
    throw new AppError("not_found", "No such user.");
  }
  if (!(await verifyPassword(currentPassword, stored))) {
    throw new AppError("invalid_request", "The current password is not right.", [
      { path: "currentPassword", message: "This is not your current password." },
    ]);
  }
  refuseWeak(newPassword, user.email, "newPassword");
  if (newPassword === currentPassword) {
    throw new AppError("invalid_request", "The new password must differ from the current one.", [
      { path: "newPassword", message: "The new password must differ from the current one." },
    ]);
  }
  const ended = await replacePassword(db, user.id, await hashPassword(newPassword));
  if (!ended) {
    throw new AppError("not_found", "No such user.");
  }
  return ended;
}

/** A generated password: 20 characters of base64url (120 random bits). */
export function generatePassword(): string {
  return randomBytes(15).toString("base64url");
}

/**
 * An administrator sets (or generates) another person's password. Every session and API token
 * of that account ends. The password is returned so that it can be shown once; it is never kept.
 */
export async function resetPassword(
  db: Parameters<typeof replacePassword>[0],
  user: { id: string; email: string },
  chosen?: string,
): Promise<AccessEnded & { password: string; generated: boolean }> {
  if (chosen !== undefined) {
    refuseWeak(chosen, user.email, "password");
  }
  let password = chosen ?? generatePassword();
  // A generated password that happens to fail the policy (too few distinct characters) is redrawn.
  while (chosen === undefined && passwordProblems(password, user.email, "password").length) {
    password = generatePassword();
  }
  const ended = await replacePassword(db, user.id, await hashPassword(password));
  if (!ended) {
    throw new AppError("not_found", "No such user.");
  }
  return { ...ended, password, generated: chosen === undefined };
}
