import { DAY, MINUTE } from "./clock.ts";
import {
  atLocalHour,
  PLATFORM_HOST,
  pickOffice,
  type StaffUser,
  type TenantContext,
} from "./context.ts";
import { esc, NULL, signedScore, T } from "./copy-text.ts";
import { type CountryCode, formatMoney } from "./countries.ts";
import type { Customer } from "./customer.ts";
import type { Invoice } from "./gen-billing.ts";
import type { PlannedJob } from "./gen-jobs.ts";
import type { Sender, Text } from "./messages.ts";
import { BASE62 } from "./prng.ts";

/**
 * The customer's conversation with the business: CRM interaction notes (customer_interactions)
 * and the messages themselves (communications), threaded, with replies pointing at what they
 * answer. Message text names the customer and repeats their contact details, as real ones do.
 */

const CARRIERS: Record<CountryCode, string[]> = {
  US: ["T-Mobile", "Verizon", "AT&T"],
  CA: ["Rogers", "Bell", "Telus"],
  DE: ["Telekom", "Vodafone", "O2"],
  FR: ["Orange", "SFR", "Bouygues Telecom"],
};

function sender(c: Customer, u: StaffUser): Sender {
  return {
    first: u.first,
    full: u.full,
    business: c.business.name,
    businessPhone: c.business.phone,
  };
}

/** Writes CRM notes over the customer's life; returns the latest note's time. */
export function writeInteractions(ctx: TenantContext, c: Customer, jobs: PlannedJob[]): number {
  const { rng, clock, out, phrases } = ctx;
  const count = c.commercial ? rng.int(2, 5) : rng.int(1, 3);
  let last = c.activeFrom;
  for (let i = 0; i < count; i++) {
    // A new customer's first contact is the inquiry that made them one; later ones follow the jobs.
    const first = i === 0 && !c.imported;
    const at = first
      ? c.activeFrom + rng.int(0, 120) * MINUTE
      : c.activeFrom + Math.floor(rng.float() * (clock.end - c.activeFrom));
    if (at >= clock.end) {
      continue;
    }
    const agent = pickOffice(ctx);
    const topic =
      (jobs.length > 0 ? rng.pick(jobs).type.title : ctx.vertical.residentialJobs[0]?.title) ??
      "service";
    const kind = first ? "call" : rng.pick(["call", "call", "sms", "email", "meeting"]);
    let text: Text;
    let direction = "inbound";
    let channel = "phone";
    let metadata: string;
    if (kind === "call") {
      text = phrases.callNote(rng, c.person, sender(c, agent), topic, c.relative);
      direction = /^(?:Outbound|Follow|Ausgehend|Nachfass|Appel sortant|Appel de suivi)/.test(
        text.subject,
      )
        ? "outbound"
        : "inbound";
      metadata = `{"duration_seconds": ${rng.int(25, 900)}, "caller_id": "${c.phone}", "handled_by": "${agent.full}", "recording_url": "https://files.${PLATFORM_HOST}/t/${ctx.tenantId}/calls/${rng.hex(8)}.mp3"}`;
    } else if (kind === "sms") {
      const content = phrases.smsFromCustomer(rng, c.person, c.relative);
      text = { subject: "Text message", content, summary: phrases.textFrom(c.first) };
      channel = "sms";
      metadata = `{"from": "${c.phone}", "to": "${c.business.phone}"}`;
    } else if (kind === "email") {
      text = phrases.customerEmailReply(rng, c.person, sender(c, agent), c.relative);
      channel = "email";
      metadata = `{"from": "${c.email}", "to": "${c.business.email}", "message_id": "<${rng.hex(10)}@mail.${c.email.split("@")[1]}>"}`;
    } else {
      text = phrases.walkthrough(c.person, topic, c.relative, c.relativeFirst);
      direction = "outbound";
      channel = "in_person";
      metadata = `{"attendees": ["${c.full}", "${c.relativeFirst} ${c.last}", "${agent.full}"]}`;
    }
    out.customer_interactions.add(
      `${rng.uuid()}${T}${ctx.tenantId}${T}${c.id}${T}${kind}${T}${direction}${T}${channel}${T}${text.subject}${T}${esc(text.content)}${T}${metadata}${T}` +
        `${esc(text.summary)}${T}${signedScore(rng.float() * 1.6 - 0.6)}${T}${clock.ts(at)}${T}hot\n`,
    );
    if (at > last) {
      last = at;
    }
  }
  return last;
}

type Message = {
  thread: string;
  replyTo: string | null;
  from: StaffUser | null;
  channel: "sms" | "email";
  subject: string | null;
  content: string;
  at: number;
  intent: string;
};

/** Messages around one job and its invoice; returns the latest message time (or 0). */
export function writeJobMessages(
  ctx: TenantContext,
  c: Customer,
  j: PlannedJob,
  invoice: Invoice | null,
): number {
  const { rng, clock, phrases } = ctx;
  let last = 0;
  const send = (m: Message): string | null => {
    if (m.at >= clock.end) {
      return null;
    }
    last = Math.max(last, m.at);
    return writeMessage(ctx, c, m);
  };
  const office = pickOffice(ctx);
  const s = sender(c, office);
  if (j.status !== "quoted" && j.status !== "cancelled" && rng.chance(0.35)) {
    const thread = rng.uuid();
    const at = atLocalHour(c.business, j.start - DAY, 16) + rng.int(0, 59) * MINUTE;
    const when = phrases.appointment(
      clock.date(j.start),
      new Date(j.start + c.business.utcOffsetMs).getUTCHours(),
    );
    const first = send({
      thread,
      replyTo: null,
      from: office,
      channel: "sms",
      subject: null,
      content: phrases.reminderSms(c.person, s, when),
      at,
      intent: "appointment_reminder",
    });
    if (first && rng.chance(0.25)) {
      send({
        thread,
        replyTo: first,
        from: null,
        channel: "sms",
        subject: null,
        content: phrases.smsFromCustomer(rng, c.person, c.relative),
        at: at + rng.int(3, 180) * MINUTE,
        intent: "confirmation",
      });
    }
    if (rng.chance(0.3)) {
      const tech = j.crew[0] as StaffUser;
      send({
        thread,
        replyTo: null,
        from: tech,
        channel: "sms",
        subject: null,
        content: phrases.onTheWaySms(c.person, s, tech.first, rng.int(10, 40)),
        at: j.actualStart - 25 * MINUTE,
        intent: "eta",
      });
    }
  }
  if (invoice && rng.chance(0.45)) {
    const thread = rng.uuid();
    const estimate = invoice.number.startsWith("EST");
    const amount =
      ctx.country.code === "US"
        ? `$${Math.floor(invoice.totalCents / 100)}.${String(invoice.totalCents % 100).padStart(2, "0")}`
        : formatMoney(ctx.country.code, invoice.totalCents);
    const mail = estimate
      ? phrases.estimateEmail(c.person, s, invoice.number, amount, j.type.title)
      : phrases.invoiceEmail(
          c.person,
          s,
          invoice.number,
          amount,
          `https://pay.${PLATFORM_HOST}/i/${rng.chars(16, BASE62)}`,
        );
    const first = send({
      thread,
      replyTo: null,
      from: office,
      channel: "email",
      subject: mail.subject,
      content: mail.content,
      at: invoice.issuedAt + MINUTE,
      intent: estimate ? "estimate" : "invoice",
    });
    if (first && rng.chance(0.15)) {
      const reply = phrases.customerEmailReply(rng, c.person, s, c.relative);
      send({
        thread,
        replyTo: first,
        from: null,
        channel: "email",
        subject: reply.subject,
        content: reply.content,
        at: invoice.issuedAt + rng.int(30, 3_000) * MINUTE,
        intent: "question",
      });
    }
  }
  if (j.status === "completed" && rng.chance(0.1)) {
    send({
      thread: rng.uuid(),
      replyTo: null,
      from: office,
      channel: "sms",
      subject: null,
      content: phrases.reviewRequestSms(
        c.person,
        s,
        `https://g.page/r/${rng.chars(12, BASE62)}/review`,
      ),
      at: j.actualEnd + 2 * DAY,
      intent: "review_request",
    });
  }
  return last;
}

function writeMessage(ctx: TenantContext, c: Customer, m: Message): string {
  const { rng, clock, out } = ctx;
  const id = rng.uuid();
  const inbound = m.from === null;
  const sms = m.channel === "sms";
  const delivered = m.at + rng.int(1, 90) * 1000;
  const read = inbound || rng.chance(0.7) ? m.at + rng.int(1, 600) * MINUTE : null;
  const recipient = inbound
    ? `team${T}${pickOffice(ctx).id}${T}{"from_name": "${c.full}", "from_phone": "${c.phone}", "from_email": "${c.email}"}`
    : `customer${T}${c.id}${T}{"name": "${c.full}", ${sms ? `"phone": "${c.phone}"` : `"email": "${c.email}"`}}`;
  const external = sms
    ? `SM${rng.hex(16)}`
    : `${rng.chars(22, BASE62)}.filterdrecv-${rng.int(1, 9)}`;
  const providerMeta = sms
    ? `{"num_segments": ${m.content.length > 160 ? 2 : 1}, "price": "-0.0079", "price_unit": "${ctx.country.currency}"}`
    : `{"sg_event": "delivered", "ip": "167.89.${rng.int(0, 255)}.${rng.int(1, 254)}"}`;
  out.communications.add(
    `${id}${T}${ctx.tenantId}${T}${c.business.id}${T}${m.from ? m.from.id : NULL}${T}${recipient}${T}${m.channel}${T}${inbound ? "inbound" : "outbound"}${T}` +
      `${m.subject === null ? NULL : esc(m.subject)}${T}${esc(m.content)}${T}text${T}[]${T}[]${T}${read !== null && read < clock.end ? "read" : "delivered"}${T}` +
      `{"delivered_at": "${clock.ts(delivered)}", "carrier": "${sms ? rng.pick(CARRIERS[ctx.country.code]) : "smtp"}"}${T}` +
      `${read !== null && read < clock.end ? clock.ts(read) : NULL}${T}${NULL}${T}${!inbound && rng.chance(0.2) ? "t" : "f"}${T}${!inbound && rng.chance(0.2) ? "gpt-4o-mini" : NULL}${T}` +
      `${signedScore(rng.float() * 1.4 - 0.4)}${T}${m.intent}${T}${inbound ? "f" : rng.chance(0.3) ? "t" : "f"}${T}${m.thread}${T}${m.replyTo ?? NULL}${T}${NULL}${T}` +
      `${external}${T}${sms ? "twilio" : "sendgrid"}${T}${providerMeta}${T}${clock.ts(m.at)}${T}${clock.ts(Math.min(clock.end - 1000, delivered))}${T}hot\n`,
  );
  return id;
}
