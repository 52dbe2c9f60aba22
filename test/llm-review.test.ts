import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { llmConfigured, secondOpinion } from "../jobs/classify/llm-review.ts";
import { classifyColumn } from "../rules/classification/index.ts";
import { loadConfig } from "../schema/config.ts";
import type { ColumnSample } from "../schema/domain/classification.ts";

/** A local server speaking the OpenAI chat-completions shape, recording what it was asked. */
type Asked = { model: string; question: Record<string, unknown>; raw: string };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => resolve(body));
  });
}

let server: Server;
let baseUrl: string;
const asked: Asked[] = [];
let answer: (q: Record<string, unknown>) => unknown = () => ({ category: "none", confidence: 0.5 });

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const raw = await readBody(req);
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(raw) as {
      model: string;
      messages: { role: string; content: string }[];
    };
    const question = JSON.parse(body.messages.find((m) => m.role === "user")?.content ?? "{}");
    asked.push({ model: body.model, question, raw });
    const reply = answer(question);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        id: "chatcmpl-test",
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: typeof reply === "string" ? reply : JSON.stringify(reply),
            },
            finish_reason: "stop",
          },
        ],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const passports: ColumnSample = {
  table: "travellers",
  column: "doc_ref",
  type: "text",
  samples: ["X81234567", "K55512345", "P00998877", "C01X00T47"],
};
const emails: ColumnSample = {
  table: "users",
  column: "email",
  type: "text",
  samples: ["jane.roe@example.com", "li.wei@example.org", "ola@example.net"],
};
const notes: ColumnSample = {
  table: "jobs",
  column: "remarks",
  type: "text",
  samples: [
    "Ring Dana Whitfield on 415-555-0172 before 9",
    "bring ladder",
    "code 4471 at the gate",
  ],
};

function inputs() {
  return [passports, emails, notes].map((sample) => ({ sample, proposal: classifyColumn(sample) }));
}

describe("LLM second opinion", () => {
  test("config reads LLM_* and is off by default", () => {
    expect(llmConfigured(loadConfig({}))).toBe(false);
    const config = loadConfig({
      LLM_BASE_URL: "http://127.0.0.1:1/v1",
      LLM_MODEL: "m",
      LLM_MIN_CONFIDENCE: "0.6",
    });
    expect(config.llm).toMatchObject({
      baseUrl: "http://127.0.0.1:1/v1",
      model: "m",
      minConfidence: 0.6,
    });
    expect(llmConfigured(config)).toBe(true);
  });

  test("without configuration nothing is asked and proposals are returned as they are", async () => {
    const input = inputs();
    const out = await secondOpinion(loadConfig({}), input);
    expect(out).toEqual(input.map((i) => i.proposal));
  });

  test("asks only low-confidence columns, sends only masked samples, records the answer", async () => {
    asked.length = 0;
    answer = (q) =>
      q.column === "doc_ref"
        ? { category: "government_id", confidence: 0.9, reason: "passport-like numbers" }
        : { category: "free_text_pii", confidence: 0.8 };
    const config = loadConfig({
      LLM_BASE_URL: baseUrl,
      LLM_MODEL: "test-model",
      LLM_MIN_CONFIDENCE: "0.95",
    });
    const input = inputs();
    expect(input[1]?.proposal.confidence).toBeGreaterThanOrEqual(0.95);
    expect(input[0]?.proposal.confidence).toBeLessThan(0.95);
    const out = await secondOpinion(config, input, { timeoutMs: 5000 });

    const askedColumns = asked.map((a) => a.question.column).sort();
    const expectedColumns = input
      .filter((i) => i.proposal.confidence < 0.95)
      .map((i) => i.sample.column)
      .sort();
    expect(askedColumns).toEqual(expectedColumns);
    expect(askedColumns).not.toContain("email");
    expect(asked.every((a) => a.model === "test-model")).toBe(true);

    const everything = asked.map((a) => a.raw).join("\n");
    for (const sample of [passports, emails, notes]) {
      for (const value of sample.samples as string[]) {
        expect(everything).not.toContain(value);
      }
    }
    for (const secret of ["Whitfield", "415-555-0172", "X81234567"]) {
      expect(everything).not.toContain(secret);
    }

    const doc = out[0];
    expect(doc?.category).toBe("government_id");
    expect(doc?.sensitivity).toBe("restricted");
    expect(doc?.evidence.some((e) => e.signal === "llm" && e.category === "government_id")).toBe(
      true,
    );
    expect(out[1]).toEqual(input[1]?.proposal);
  });

  test("an answer outside the taxonomy keeps the rule-based proposal, with the reason", async () => {
    answer = () => "I think it is a passport";
    const config = loadConfig({ LLM_BASE_URL: baseUrl, LLM_MIN_CONFIDENCE: "1" });
    const input = inputs();
    const out = await secondOpinion(config, input);
    out.forEach((p, i) => {
      expect(p.category).toBe(input[i]?.proposal.category);
      expect(p.evidence.at(-1)).toMatchObject({ signal: "llm", detector: "llm.second_opinion" });
    });
  });

  test("a server that is down leaves every proposal intact and says why", async () => {
    const down = createServer();
    await new Promise<void>((resolve) => down.listen(0, "127.0.0.1", resolve));
    const port = (down.address() as AddressInfo).port;
    await new Promise<void>((resolve) => down.close(() => resolve()));
    const config = loadConfig({
      LLM_BASE_URL: `http://127.0.0.1:${port}/v1`,
      LLM_MIN_CONFIDENCE: "1",
    });
    const input = inputs();
    const out = await secondOpinion(config, input, { timeoutMs: 2000 });
    out.forEach((p, i) => {
      const before = input[i]?.proposal;
      expect(p.category).toBe(before?.category);
      expect(p.confidence).toBe(before?.confidence);
      const last = p.evidence.at(-1);
      expect(last?.signal).toBe("llm");
      expect(last?.note).toMatch(/second opinion unavailable/);
    });
  });
});
