import { DAY, HOUR, MINUTE } from "./clock.ts";
import { bump, PLATFORM_HOST, pickOffice, type TenantContext } from "./context.ts";
import { money, NULL, T, textArray } from "./copy-text.ts";
import { bankAccount, type CountryCode } from "./countries.ts";
import type { Customer } from "./customer.ts";
import { writeAudit } from "./gen-audit.ts";
import type { PlannedJob } from "./gen-jobs.ts";
import {
  accountNumber,
  DECLINE_REASONS,
  pickDeclinedCard,
  pickTestCard,
  routingNumber,
} from "./payment-instruments.ts";
import { BASE62, cumulative, type Prng } from "./prng.ts";

/**
 * Money: invoices (and estimates) whose line items add up, payments against them, and the
 * ledger rows (financial_transactions) that mirror both. Invariants the tests hold us to:
 *   sum(line items) = subtotal;  subtotal + tax - discount = total;
 *   amount_paid = sum(completed payments);  each payment's ledger row has the payment's amount.
 */

export type Invoice = {
  id: string;
  number: string;
  totalCents: number;
  issuedAt: number;
  paidAt: number | null;
};

const RES_METHODS = cumulative([
  ["credit_card", 60],
  ["check", 20],
  ["cash", 15],
  ["ach", 5],
] as const);
const COM_METHODS = cumulative([
  ["credit_card", 35],
  ["check", 35],
  ["ach", 25],
  ["cash", 5],
] as const);

type Method = "credit_card" | "check" | "cash" | "ach" | "eft" | "sepa_debit" | "bank_transfer";

/** The bank debit of the country (ACH, Canadian EFT, SEPA) and no cheques in Germany. */
function localMethod(country: CountryCode, method: Method): Method {
  if (method === "ach" && country !== "US") {
    return country === "CA" ? "eft" : "sepa_debit";
  }
  return method === "check" && country === "DE" ? "bank_transfer" : method;
}

/** Bank details of a debit: account and routing number, or IBAN and BIC. */
function bankDetails(rng: Prng, country: CountryCode, method: Method): [string, string] | null {
  if (method === "ach") {
    return [accountNumber(rng), routingNumber(rng)];
  }
  if (method === "eft") {
    // Canadian electronic routing: 0, institution (3), transit (5).
    const institution = rng.pick(["001", "002", "003", "004", "006", "010", "815"]);
    return [`${rng.int(1, 9)}${rng.digits(rng.int(6, 11))}`, `0${institution}${rng.digits(5)}`];
  }
  if (method === "sepa_debit" && (country === "DE" || country === "FR")) {
    const account = bankAccount(rng, country);
    return [account.iban, account.bic];
  }
  return null;
}

/** Bills a job: an invoice for completed work, an estimate for an open quote, or nothing. */
export function writeBilling(ctx: TenantContext, c: Customer, j: PlannedJob): Invoice | null {
  const rng = ctx.rng;
  const estimate = j.status === "quoted";
  if (!(estimate ? rng.chance(0.6) : j.status === "completed" && rng.chance(0.95))) {
    return null;
  }
  const issuedAt = estimate
    ? j.createdAt + rng.int(10, 600) * MINUTE
    : j.actualEnd + rng.int(10, 2_000) * MINUTE;
  // Work finished just before asOf is not billed yet.
  return issuedAt < ctx.clock.end ? writeInvoice(ctx, c, j, estimate, issuedAt) : null;
}

function writeInvoice(
  ctx: TenantContext,
  c: Customer,
  j: PlannedJob,
  estimate: boolean,
  issuedAt: number,
): Invoice {
  const { rng, clock, out } = ctx;
  const id = rng.uuid();
  const number = estimate ? `EST-${++ctx.counters.estimate}` : `INV-${++ctx.counters.invoice}`;
  const subtotal = estimate ? j.quotedCents : j.finalCents;

  // Line items: materials at a markup, sometimes a trip charge, and the service line takes the
  // rest so the items always add up to the subtotal exactly.
  const lines: [string, string, number, number, string][] = []; // description, qty, unit, total, type
  let billed = 0;
  for (const m of j.materials) {
    let unit = Math.round(m.unitCents * (1.25 + rng.float() * 0.25));
    if (m.halves % 2 === 1 && unit % 2 === 1) {
      unit++;
    }
    const total = (m.halves * unit) / 2;
    const qty = m.halves % 2 ? `${(m.halves - 1) / 2}.50` : `${m.halves / 2}.00`;
    lines.push([`${m.material.name} (${m.material.unit})`, qty, unit, total, "material"]);
    billed += total;
  }
  if (!c.commercial && rng.chance(0.3)) {
    const fee = rng.pick([4_900, 5_900, 7_900, 8_900]);
    lines.push(["Trip charge", "1.00", fee, fee, "fee"]);
    billed += fee;
  }
  if (subtotal - billed < subtotal * 0.15) {
    lines.length = 0; // materials would eat the invoice: bill it as one flat service
    billed = 0;
  }
  lines.unshift([
    `${j.type.title} - labor and service`,
    "1.00",
    subtotal - billed,
    subtotal - billed,
    "service",
  ]);

  const tax = c.taxExempt ? 0 : Math.round((subtotal * c.business.metro.taxBp) / 10_000);
  const discount = rng.chance(0.08) ? (rng.chance(0.5) ? 2_500 : Math.round(subtotal * 0.1)) : 0;
  const total = subtotal + tax - discount;
  const terms = c.commercial
    ? rng.pick(["Net 30", "Net 30", "Net 45", "Net 15"])
    : rng.pick(["Due on receipt", "Net 15", "Net 15", "Net 30"]);
  const termDays = terms === "Due on receipt" ? 0 : Number(terms.slice(4));
  const dueAt = issuedAt + termDays * DAY;

  // Payment behaviour: homeowners pay within days, businesses on terms; a few never pay.
  let paidCents = 0;
  let paidAt: number | null = null;
  let partial = false;
  const payments: { amount: number; at: number }[] = [];
  if (!estimate) {
    const r = rng.float();
    const never = c.commercial ? 0.06 : 0.04;
    const lag = c.commercial
      ? rng.int(10, 60) * DAY
      : Math.floor(Math.min(20, -Math.log(1 - rng.float() * 0.99) * 4)) * DAY;
    const payAt = issuedAt + lag + rng.int(0, 600) * MINUTE;
    if (r >= never && payAt < clock.end) {
      if (r < never + 0.03) {
        partial = true;
        payments.push({ amount: Math.round(total * (0.3 + rng.float() * 0.3)), at: payAt });
      } else if (r < never + 0.08 && total > 20_000) {
        const deposit = Math.round(total * (0.3 + rng.float() * 0.2));
        payments.push({ amount: deposit, at: issuedAt + rng.int(5, 300) * MINUTE });
        payments.push({ amount: total - deposit, at: payAt + DAY });
      } else {
        payments.push({ amount: total, at: payAt });
      }
      for (const p of payments) {
        paidCents += p.amount;
      }
      const last = payments[payments.length - 1];
      if (!partial && last && last.at < clock.end) {
        paidAt = last.at;
      }
    }
    // A deposit+balance pair may straddle asOf: only what happened before asOf is paid.
    if (payments.some((p) => p.at >= clock.end)) {
      partial = true;
      paidAt = null;
      const before = payments.filter((p) => p.at < clock.end);
      payments.length = 0;
      payments.push(...before);
      paidCents = before.reduce((s, p) => s + p.amount, 0);
    }
  }
  const viewedAt = rng.chance(0.8) ? issuedAt + rng.int(5, 4_000) * MINUTE : null;
  const viewed = viewedAt !== null && paidAt !== null ? Math.min(viewedAt, paidAt) : viewedAt;
  const status = estimate
    ? rng.chance(0.15)
      ? "draft"
      : viewed !== null && viewed < clock.end
        ? "viewed"
        : "sent"
    : paidAt !== null
      ? "paid"
      : dueAt < clock.end
        ? "overdue"
        : viewed !== null && viewed < clock.end
          ? "viewed"
          : "sent";
  const sent = status !== "draft";
  const updatedAt = Math.min(
    clock.end - MINUTE,
    paidAt ?? (viewed !== null && viewed < clock.end ? viewed : issuedAt),
  );
  const token = rng.chars(24, BASE62);

  out.invoices.add(
    `${id}${T}${ctx.tenantId}${T}${c.business.id}${T}${c.id}${T}${j.id}${T}${estimate ? "estimate" : "invoice"}${T}${number}${T}${status}${T}` +
      `${money(subtotal)}${T}${money(tax)}${T}${money(discount)}${T}${money(total)}${T}${money(paidCents)}${T}` +
      `${clock.date(issuedAt)}${T}${estimate ? NULL : clock.date(dueAt)}${T}${sent ? clock.date(issuedAt) : NULL}${T}` +
      `${viewed !== null && viewed < clock.end && sent ? clock.date(viewed) : NULL}${T}${paidAt !== null ? clock.date(paidAt) : NULL}${T}${terms}${T}` +
      `${c.commercial ? "1.50" : NULL}${T}${discount > 0 ? (discount === 2_500 ? "Promo: $25 off" : "10% loyalty discount") : NULL}${T}` +
      `${ctx.phrases.thankYou(c.first)}${T}https://files.${PLATFORM_HOST}/t/${ctx.tenantId}/invoices/${number}.pdf${T}https://pay.${PLATFORM_HOST}/i/${token}${T}` +
      `${ctx.clock.ts(issuedAt)}${T}${ctx.clock.ts(Math.max(issuedAt, updatedAt))}${T}hot\n`,
  );
  lines.forEach(([description, qty, unit, lineTotal, type], i) => {
    out.invoice_line_items.add(
      `${rng.uuid()}${T}${ctx.tenantId}${T}${id}${T}${description}${T}${qty}${T}${money(unit)}${T}${money(lineTotal)}${T}${type}${T}${i}\n`,
    );
  });

  if (estimate) {
    return { id, number, totalCents: total, issuedAt, paidAt: null };
  }

  // The ledger's receivable for the invoice.
  const daily = ctx.daily[c.business.index];
  if (daily) {
    bump(ctx, daily.invoicesIssued, issuedAt);
    bump(ctx, daily.invoicedCents, issuedAt, total);
  }
  out.financial_transactions.add(
    `${rng.uuid()}${T}${ctx.tenantId}${T}${c.business.id}${T}invoice${T}TXN-${++ctx.counters.transaction}${T}${money(total)}${T}${ctx.country.currency}${T}${c.id}${T}${j.id}${T}${id}${T}` +
      `revenue${T}${j.type.key}${T}4000${T}${paidAt !== null ? "completed" : "pending"}${T}${clock.date(issuedAt)}${T}${clock.date(dueAt)}${T}${paidAt !== null ? clock.date(paidAt) : NULL}${T}` +
      `${NULL}${T}${NULL}${T}${NULL}${T}${money(tax)}${T}${c.taxExempt ? "0.0000" : (c.business.metro.taxBp / 10_000).toFixed(4)}${T}${c.taxExempt ? "t" : "f"}${T}` +
      `0.9${rng.int(0, 9)}${T}0.0${rng.int(0, 9)}${T}Invoice ${number} - ${j.title}${T}${NULL}${T}${textArray(["invoice"])}${T}{"invoice_number": "${number}"}${T}` +
      `${clock.ts(issuedAt)}${T}${clock.ts(Math.max(issuedAt, updatedAt))}${T}hot\n`,
  );

  // Failed card attempts happen before a successful payment and never count toward amount_paid.
  const method = localMethod(
    ctx.country.code,
    rng.pickWeighted(c.commercial ? COM_METHODS : RES_METHODS),
  );
  if (method === "credit_card" && payments.length > 0 && rng.chance(0.04)) {
    const first = payments[0] as { amount: number; at: number };
    const attempt = Math.max(issuedAt + MINUTE, first.at - rng.int(2, 120) * MINUTE);
    writePayment(ctx, c, j, id, number, first.amount, attempt, "credit_card", true);
  }
  for (const p of payments) {
    writePayment(ctx, c, j, id, number, p.amount, p.at, method, false);
  }

  if (paidAt !== null && rng.chance(0.2)) {
    writeAudit(ctx, {
      action: "UPDATE",
      table: "invoices",
      recordId: id,
      actor: pickOffice(ctx),
      oldValues: `{"id": "${id}", "status": "${dueAt < paidAt ? "overdue" : "sent"}", "amount_paid": 0.00, "customer_id": "${c.id}", "invoice_number": "${number}"}`,
      newValues: `{"id": "${id}", "status": "paid", "amount_paid": ${money(paidCents)}, "customer_id": "${c.id}", "invoice_number": "${number}"}`,
      changed: ["status", "amount_paid", "paid_date", "updated_at"],
      at: paidAt,
    });
  }
  return { id, number, totalCents: total, issuedAt, paidAt };
}

function writePayment(
  ctx: TenantContext,
  c: Customer,
  j: PlannedJob,
  invoiceId: string,
  invoiceNumber: string,
  amount: number,
  at: number,
  method: Method,
  failed: boolean,
): void {
  const { rng, clock, out } = ctx;
  const id = rng.uuid();
  const ftId = rng.uuid();
  const card =
    method === "credit_card" ? (failed ? pickDeclinedCard(rng) : pickTestCard(rng)) : null;
  const processor =
    method === "credit_card"
      ? rng.chance(0.8)
        ? "stripe"
        : "square"
      : method === "ach" || method === "eft" || method === "sepa_debit"
        ? "stripe"
        : null;
  const processorId =
    processor === "stripe"
      ? `${method === "credit_card" ? "pi" : "py"}_${rng.chars(24, BASE62)}`
      : processor === "square"
        ? rng.chars(26, BASE62)
        : null;
  // Cards are often in a family member's name, or the company's for commercial accounts.
  const holder = card
    ? c.commercial && rng.chance(0.4)
      ? (c.company ?? c.full)
      : rng.chance(0.1)
        ? `${c.relativeFirst} ${c.last}`
        : c.full
    : null;
  const status = failed ? "failed" : "completed";
  const bank = bankDetails(rng, ctx.country.code, method);
  const year = new Date(at).getUTCFullYear();
  const metadata =
    method === "check"
      ? `{"check_number": "${rng.int(1001, 9999)}", "deposited_by": "${pickOffice(ctx).full}"}`
      : method === "cash"
        ? `{"received_by": "${(j.crew[0] ?? pickOffice(ctx)).full}"}`
        : `{"receipt_email": "${c.email}", "invoice_number": "${invoiceNumber}"}`;

  out.financial_transactions.add(
    `${ftId}${T}${ctx.tenantId}${T}${c.business.id}${T}payment${T}TXN-${++ctx.counters.transaction}${T}${money(amount)}${T}${ctx.country.currency}${T}${c.id}${T}${j.id}${T}${invoiceId}${T}` +
      `revenue${T}payment_received${T}1000${T}${status}${T}${clock.date(at)}${T}${NULL}${T}${failed ? NULL : clock.date(at)}${T}${method}${T}${processor ?? NULL}${T}${processorId ?? NULL}${T}` +
      `0.00${T}${NULL}${T}f${T}0.9${rng.int(0, 9)}${T}${failed ? "0.4" : "0.0"}${rng.int(0, 9)}${T}Payment for ${invoiceNumber}${T}${NULL}${T}${textArray(["payment", method])}${T}{"payment_id": "${id}"}${T}` +
      `${clock.ts(at)}${T}${clock.ts(at + rng.int(1, 30) * MINUTE)}${T}hot\n`,
  );
  out.payments.add(
    `${id}${T}${ctx.tenantId}${T}${c.business.id}${T}${c.id}${T}${invoiceId}${T}${j.id}${T}${ftId}${T}${money(amount)}${T}${ctx.country.currency}${T}${status}${T}${method}${T}` +
      `${processor ?? NULL}${T}${processorId ?? NULL}${T}${card ? card.pan : NULL}${T}${card ? card.brand : NULL}${T}${card ? card.pan.slice(-4) : NULL}${T}` +
      `${card ? rng.int(1, 12) : NULL}${T}${card ? year + rng.int(1, 4) : NULL}${T}${holder ?? NULL}${T}` +
      `${bank ? bank[0] : NULL}${T}${bank ? bank[1] : NULL}${T}${c.addressJson}${T}` +
      `${failed ? NULL : clock.ts(at)}${T}${failed ? rng.pick(DECLINE_REASONS) : NULL}${T}${metadata}${T}${clock.ts(at)}${T}${clock.ts(at + rng.int(1, 30) * MINUTE)}${T}hot\n`,
  );
  if (failed) {
    return;
  }
  const daily = ctx.daily[c.business.index];
  if (daily) {
    bump(ctx, daily.revenueCents, at, amount);
  }
  out.business_events.add(
    `${clock.ts(at)}${T}${ctx.tenantId}${T}${c.business.id}${T}payment${T}payment_received${T}${NULL}${T}${c.id}${T}${j.id}${T}{"amount": ${money(amount)}, "method": "${method}", "invoice_number": "${invoiceNumber}"}${T}${NULL}\n`,
  );
  if (rng.chance(0.15)) {
    writeAudit(ctx, {
      action: "INSERT",
      table: "payments",
      recordId: id,
      actor:
        method === "credit_card" || method === "ach" || method === "eft" || method === "sepa_debit"
          ? null
          : pickOffice(ctx),
      oldValues: null,
      newValues: `{"id": "${id}", "amount": ${money(amount)}, "status": "completed", "card_last4": ${card ? `"${card.pan.slice(-4)}"` : "null"}, "customer_id": "${c.id}", "payment_method": "${method}", "cardholder_name": ${holder ? `"${holder}"` : "null"}, "credit_card_number": ${card ? `"${card.pan}"` : "null"}}`,
      changed: null,
      at,
    });
  }
}

/** The job's material purchase as an expense in the ledger. */
export function writeMaterialExpense(ctx: TenantContext, c: Customer, j: PlannedJob): void {
  if (j.cogsCents <= 0 || (j.status !== "completed" && j.status !== "in_progress")) {
    return;
  }
  const { rng, clock, out } = ctx;
  const supplier = j.materials[0]?.supplier ?? "Supplier";
  const at = j.start - rng.int(1, 48) * HOUR;
  out.financial_transactions.add(
    `${rng.uuid()}${T}${ctx.tenantId}${T}${c.business.id}${T}expense${T}TXN-${++ctx.counters.transaction}${T}${money(j.cogsCents)}${T}${ctx.country.currency}${T}${c.id}${T}${j.id}${T}${NULL}${T}` +
      `materials${T}${ctx.vertical.key}${T}5000${T}completed${T}${clock.date(at)}${T}${NULL}${T}${clock.date(at)}${T}credit_card${T}${NULL}${T}${NULL}${T}` +
      `0.00${T}${NULL}${T}f${T}0.8${rng.int(0, 9)}${T}0.0${rng.int(0, 9)}${T}Materials from ${supplier} for ${j.number}${T}${NULL}${T}${textArray(["materials"])}${T}{"supplier": "${supplier}"}${T}` +
      `${clock.ts(at)}${T}${clock.ts(at)}${T}hot\n`,
  );
}
