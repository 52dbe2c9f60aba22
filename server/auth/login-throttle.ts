import type { Redis } from "ioredis";

const WINDOW_SECONDS = 15 * 60;
const MAX_PER_IP = 20;
const MAX_PER_EMAIL = 8;

/**
 * Failed-login counters in Redis, per source address and per email, over a 15-minute window:
 * enough for a person who mistypes, not for someone guessing.
 */
export function loginThrottle(redis: Redis, prefix: string) {
  const keys = (ip: string, email: string) => [
    `${prefix}:login-fail:ip:${ip}`,
    `${prefix}:login-fail:email:${email.toLowerCase()}`,
  ];
  return {
    async blocked(ip: string, email: string): Promise<boolean> {
      const [byIp, byEmail] = await redis.mget(...keys(ip, email));
      return Number(byIp ?? 0) >= MAX_PER_IP || Number(byEmail ?? 0) >= MAX_PER_EMAIL;
    },
    async failed(ip: string, email: string): Promise<void> {
      const multi = redis.multi();
      for (const key of keys(ip, email)) {
        multi.incr(key).expire(key, WINDOW_SECONDS);
      }
      await multi.exec();
    },
    async succeeded(ip: string, email: string): Promise<void> {
      await redis.del(keys(ip, email)[1] ?? "");
    },
  };
}
