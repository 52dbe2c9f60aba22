import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

/** One request a webhook receiver got. */
export type Received = { path: string; headers: IncomingHttpHeaders; body: string; at: number };

/**
 * A real HTTP server standing in for Slack or any webhook endpoint. Each path answers 2xx,
 * unless told (`failFirst(path, n)`) to answer 503 to its first n requests or (`failAlways`) to
 * every one; every request is kept, failed or not.
 */
export type WebhookReceiver = {
  url: (path: string) => string;
  received: (path?: string) => Received[];
  failFirst: (path: string, n: number) => void;
  failAlways: (path: string) => void;
  close: () => Promise<void>;
};

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: Received[] = [];
  const failures = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = req.url ?? "/";
      requests.push({
        path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: Date.now(),
      });
      const left = failures.get(path) ?? 0;
      if (left > 0) {
        failures.set(path, left - 1);
        res.writeHead(503, { "content-type": "text/plain" }).end("receiver down for a test");
        return;
      }
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received: (path) => requests.filter((r) => path === undefined || r.path === path),
    failFirst: (path, n) => failures.set(path, n),
    failAlways: (path) => failures.set(path, Number.POSITIVE_INFINITY),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One mail an SMTP server accepted: envelope, the login used and the raw RFC 5322 text. */
export type ReceivedMail = { from: string; to: string[]; user: string | undefined; raw: string };

export type MailReceiver = {
  port: number;
  mails: () => ReceivedMail[];
  close: () => Promise<void>;
};

/**
 * A real SMTP server (npm `smtp-server`) that requires a login (`user`/`password`) over a plain
 * connection on loopback, and keeps every message as sent.
 */
export async function startMailReceiver(login: {
  user: string;
  password: string;
}): Promise<MailReceiver> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authOptional: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === login.user && auth.password === login.password) {
        callback(null, { user: auth.username });
      } else {
        callback(new Error("Invalid username or password"));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === "string" ? session.user : undefined,
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails: () => [...mails],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
