export type LogLevel = "debug" | "info" | "warn" | "error";
export type Logger = Record<LogLevel, (message: string, fields?: Record<string, unknown>) => void>;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Structured logs: one JSON object per line on stderr, so stdout stays for command output. */
export function createLogger(level: LogLevel, base: Record<string, unknown> = {}): Logger {
  const write =
    (at: LogLevel) =>
    (message: string, fields: Record<string, unknown> = {}): void => {
      if (ORDER[at] < ORDER[level]) {
        return;
      }
      process.stderr.write(
        `${JSON.stringify({ time: new Date().toISOString(), level: at, msg: message, ...base, ...fields })}\n`,
      );
    };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
