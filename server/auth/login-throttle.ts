import type { Redis } from "ioredis";
import { AppError } from "../errors.ts";

/** Counters live this long after the last failure. */
const WINDOW_SECONDS = 15 * 60;
/** Failed attempts from one address, whatever the email: one source guessing many accounts. */
export const MAX_PER_ADDRESS = 20;
/**
 * Failed attempts for one email from all addresses together: a distributed guess at one account.
 * High on purpose: a single stranger hits the per-address limit long before this, so locking a
 * known person out takes many addresses, and even then their own addresses still get in.
 */
export const MAX_PER_EMAIL = 100;
/** Failures of one (email, address) pair before each further attempt has to wait. */
export const FREE_ATTEMPTS = 3;
const MAX_DELAY_SECONDS = WINDOW_SECONDS;
/** An address that signed in successfully stays known for the email this long. */
const KNOWN_ADDRESS_SECONDS = 30 * 24 * 60 * 60;
/** Longer than this without an answer from Redis and sign-in says it is unavailable. */
const REDIS_TIMEOUT_MS = 800;

/** How long the pair waits after its `failures`-th failure: 0, then 1 s, 2 s, 4 s ... 15 min. */
export function delayAfter(failures: number): number {
  if (failures < FREE_ATTEMPTS) {
    return 0;
  }
  return Math.min(2 ** (failures - FREE_ATTEMPTS), MAX_DELAY_SECONDS);
}

export type ThrottleVerdict =
  | { blocked: false }
  | { blocked: true; reason: "delay" | "address" | "email"; retryAfterSeconds: number };

/**
 * Failed-login throttling in Redis, keyed so that a stranger cannot lock a person out:
 * - per (email, address): after a few failures each further attempt waits, the wait doubling
 *   with every failure (what slows a guesser down);
 * - per address: a cap on failures over all emails (one source guessing many accounts);
 * - per email: a high cap over all addresses (a distributed guess), which does not apply to
 *   addresses this email signed in from before.
 *
 * Redis is asked with a deadline: when it is down, sign-in answers 503 at once instead of
 * hanging (the shared connection queues commands while it reconnects). `scope` keeps separate
 * counters for other password checks (the current password on a change) so they cannot be used
 * to delay someone's sign-in.
 */
export function loginThrottle(redis: Redis, prefix: string, scope = "login") {
  const base = `${prefix}:${scope}`;
  const keys = (ip: string, email: string) => {
    const who = email.trim().toLowerCase();
    return {
      address: `${base}-fail:ip:${ip}`,
      email: `${base}-fail:email:${who}`,
      pair: `${base}-fail:pair:${who}:${ip}`,
      wait: `${base}-wait:${who}:${ip}`,
      known: `${base}-known:${who}:${ip}`,
    };
  };

  return {
    async check(ip: string, email: string): Promise<ThrottleVerdict> {
      const k = keys(ip, email);
      const results = await ask(redis, (multi) =>
        multi.mget(k.address, k.email).pttl(k.wait).exists(k.known),
      );
      const [byAddress, byEmail] = (results[0] ?? []) as (string | null)[];
      const waitMs = Number(results[1] ?? -2);
      const known = Number(results[2] ?? 0) === 1;
      if (waitMs > 0) {
        return { blocked: true, reason: "delay", retryAfterSeconds: Math.ceil(waitMs / 1000) };
      }
      if (Number(byAddress ?? 0) >= MAX_PER_ADDRESS) {
        return { blocked: true, reason: "address", retryAfterSeconds: WINDOW_SECONDS };
      }
      if (!known && Number(byEmail ?? 0) >= MAX_PER_EMAIL) {
        return { blocked: true, reason: "email", retryAfterSeconds: WINDOW_SECONDS };
      }
      return { blocked: false };
    },

    /** Counts a failure; returns how long the pair must now wait before its next attempt. */
    async failed(ip: string, email: string): Promise<number> {
      const k = keys(ip, email);
      const results = await ask(redis, (multi) =>
        multi
          .incr(k.pair)
          .expire(k.pair, WINDOW_SECONDS)
          .incr(k.address)
          .expire(k.address, WINDOW_SECONDS)
          .incr(k.email)
          .expire(k.email, WINDOW_SECONDS),
      );
      const delay = delayAfter(Number(results[0] ?? 0));
      if (delay > 0) {
        await ask(redis, (multi) => multi.set(k.wait, "1", "EX", delay));
      }
      return delay;
    },

    /** A success ends the pair's penalty and makes the address known for this email. */
    async succeeded(ip: string, email: string): Promise<void> {
      const k = keys(ip, email);
      await ask(redis, (multi) =>
        multi.del(k.pair, k.wait).set(k.known, "1", "EX", KNOWN_ADDRESS_SECONDS),
      );
    },
  };
}

export type LoginThrottle = ReturnType<typeof loginThrottle>;

/**
 * Runs one MULTI with a deadline. Refuses at once while the connection is lost (the shared
 * client would queue the command until Redis returns), and gives up after REDIS_TIMEOUT_MS when
 * Redis does not answer (still connecting, or connected but stuck).
 */
const DOWN = new Set(["reconnecting", "close", "end"]);

async function ask(
  redis: Redis,
  build: (multi: ReturnType<Redis["multi"]>) => ReturnType<Redis["multi"]>,
): Promise<unknown[]> {
  if (DOWN.has(redis.status)) {
    throw unavailable();
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unavailable()), REDIS_TIMEOUT_MS);
  });
  try {
    const replies = await Promise.race([build(redis.multi()).exec(), deadline]);
    return (replies ?? []).map(([error, value]) => {
      if (error) {
        throw unavailable();
      }
      return value;
    });
  } catch (error) {
    throw error instanceof AppError ? error : unavailable();
  } finally {
    clearTimeout(timer);
  }
}

function unavailable(): AppError {
  return new AppError(
    "unavailable",
    "Sign-in is unavailable: the attempt counter's store (Redis) does not answer. Try again shortly.",
  );
}
