import { DAY, MINUTE } from "./clock.ts";
import { PLATFORM_HOST, pickOffice, type StaffUser, type TenantContext } from "./context.ts";
import { esc, json, NULL, score, T, textArray, uuidArray } from "./copy-text.ts";
import { bankAccount, type CountryCode, formatMoney, printedIban, taxIdFor } from "./countries.ts";
import type { Customer } from "./customer.ts";
import { agreementText, estimateText, photoCaption } from "./documents-intl.ts";
import { writeAudit } from "./gen-audit.ts";
import type { PlannedJob } from "./gen-jobs.ts";

/**
 * Uploaded files with what OCR read out of them: signed estimates, service agreements (some in
 * two versions), site photos, and staff paperwork (driver's licence scans, W-9s). The OCR text
 * and detected entities carry names, addresses, phones, e-mails, licence and tax numbers.
 */

/** The SSA reserved 987-65-4320..4329 for advertising: SSN-shaped, never anyone's. */
const TEST_SSNS = Array.from({ length: 10 }, (_, i) => `987-65-432${i}`);

type Doc = {
  name: string;
  fileType: "document" | "image";
  mime: string;
  entityType: "customer" | "job" | "user";
  entityId: string;
  folder: string;
  tags: string[];
  description: string;
  text: string | null;
  summary: string | null;
  entities: Record<string, unknown>;
  classification: string;
  visibility: "private" | "team" | "customer";
  uploadedBy: StaffUser;
  at: number;
};

export function writeCustomerDocuments(ctx: TenantContext, c: Customer, jobs: PlannedJob[]): void {
  const { rng, clock } = ctx;
  const language = ctx.country.language;
  if (!rng.chance(c.commercial ? 0.5 : 0.2) || jobs.length === 0) {
    return;
  }
  const job = rng.pick(jobs);
  const at = Math.min(clock.end - MINUTE, job.createdAt + rng.int(30, 3_000) * MINUTE);
  const office = pickOffice(ctx);
  if (c.commercial) {
    const base: Doc = {
      name: `service-agreement-${c.company ? c.company.toLowerCase().replace(/[^a-z0-9]+/g, "-") : c.id}.pdf`,
      fileType: "document",
      mime: "application/pdf",
      entityType: "customer",
      entityId: c.id,
      folder: `/customers/${c.id}/contracts`,
      tags: ["contract", "signed"],
      ...agreementText(language, c, office, job.type.title, clock.date(at)),
      entities: {
        people: [c.full, office.full],
        organizations: [c.company, c.business.legalName],
        emails: [c.email],
        phones: [c.phone],
        addresses: [c.address],
      },
      classification: "contract",
      visibility: "team",
      uploadedBy: office,
      at,
    };
    const v1 = writeDocument(ctx, c.business.id, base, 1, null, rng.chance(0.15));
    if (v1.superseded) {
      writeDocument(
        ctx,
        c.business.id,
        {
          ...base,
          at: Math.min(clock.end - MINUTE, at + rng.int(5, 90) * DAY),
          description: `${base.description} (${language === "de" ? "geändert" : language === "fr" ? "avenant" : "amended"})`,
        },
        2,
        v1.id,
        false,
      );
    }
    return;
  }
  if (rng.chance(0.5)) {
    writeDocument(
      ctx,
      c.business.id,
      {
        name: `IMG_${rng.int(1000, 9999)}.jpg`,
        fileType: "image",
        mime: "image/jpeg",
        entityType: "job",
        entityId: job.id,
        folder: `/jobs/${job.number}/photos`,
        tags: ["photo", "before"],
        ...photoCaption(language, c),
        text: rng.chance(0.3) ? `${c.street.split(" ")[0]}` : null,
        entities: { addresses: [`${c.street}, ${c.city}`] },
        classification: "site_photo",
        visibility: "team",
        uploadedBy: job.crew[0] ?? office,
        at: Math.min(clock.end - MINUTE, job.start + rng.int(5, 60) * MINUTE),
      },
      1,
      null,
      false,
    );
    return;
  }
  const plain = `${Math.floor(job.quotedCents / 100)}.${String(job.quotedCents % 100).padStart(2, "0")}`;
  const amount =
    ctx.country.code === "US" ? `$${plain}` : formatMoney(ctx.country.code, job.quotedCents);
  writeDocument(
    ctx,
    c.business.id,
    {
      name: `estimate-${job.number}-signed.pdf`,
      fileType: "document",
      mime: "application/pdf",
      entityType: "customer",
      entityId: c.id,
      folder: `/customers/${c.id}/estimates`,
      tags: ["estimate", "signed"],
      ...estimateText(language, c, job.number, job.type.title, amount, clock.date(at)),
      entities: {
        people: [c.full],
        emails: [c.email],
        phones: [c.phone],
        amounts: [plain],
        addresses: [c.address],
      },
      classification: "estimate",
      visibility: "customer",
      uploadedBy: office,
      at,
    },
    1,
    null,
    false,
  );
}

/** Staff paperwork: licence scans for field staff, W-9s for contractors. */
export function writeStaffDocuments(ctx: TenantContext): void {
  const { rng, clock } = ctx;
  const state = ctx.metro.state;
  const owner = ctx.users[0] as StaffUser;
  const business = ctx.businesses[0];
  if (!business) {
    return;
  }
  for (const u of ctx.users) {
    const at = Math.min(clock.end - MINUTE, u.createdAt + rng.int(60, 5_000) * MINUTE);
    if (u.field) {
      const dl = `${u.last.charAt(0).toUpperCase()}${rng.digits(7)}`;
      const dob = `${String(rng.int(1, 12)).padStart(2, "0")}/${String(rng.int(1, 28)).padStart(2, "0")}/${rng.int(1965, 2003)}`;
      writeDocument(
        ctx,
        business.id,
        {
          name: `drivers-license-${u.last.toLowerCase().replace(/[^a-z]/g, "")}.jpg`,
          fileType: "image",
          mime: "image/jpeg",
          entityType: "user",
          entityId: u.id,
          folder: `/hr/${u.id}`,
          tags: ["hr", "id_document"],
          description: `Driver's license - ${u.full}`,
          text: `${licenceHeader(ctx.country.code, state)}\nDL ${dl}\nEXP ${clock.date(clock.end + rng.int(100, 1500) * DAY)}\n${u.last.toUpperCase()}\n${u.first.toUpperCase()}\nDOB ${dob}\nCLASS C`,
          summary: `Driver's license of ${u.full}.`,
          entities: { people: [u.full], license_numbers: [dl], dates_of_birth: [dob] },
          classification: "identity_document",
          visibility: "private",
          uploadedBy: owner,
          at,
        },
        1,
        null,
        false,
      );
    }
    if (u.role === "contractor" && ctx.country.code !== "US") {
      writeDocument(ctx, business.id, contractorRegistration(ctx, u, owner, at), 1, null, false);
    } else if (u.role === "contractor") {
      const ssn = rng.pick(TEST_SSNS);
      writeDocument(
        ctx,
        business.id,
        {
          name: `W9-${u.first}-${u.last}.pdf`.replace(/[^A-Za-z0-9.-]/g, ""),
          fileType: "document",
          mime: "application/pdf",
          entityType: "user",
          entityId: u.id,
          folder: `/hr/${u.id}/tax`,
          tags: ["hr", "tax", "w9"],
          description: `W-9 for ${u.full}`,
          text: `Form W-9 Request for Taxpayer Identification Number\nName: ${u.full}\nEmail: ${u.email}\nPhone: ${u.phone}\nSocial security number: ${ssn}\nSignature: ${u.full}  Date: ${clock.date(at)}`,
          summary: `W-9 of contractor ${u.full}.`,
          entities: { people: [u.full], ssn: [ssn], emails: [u.email] },
          classification: "tax_form",
          visibility: "private",
          uploadedBy: owner,
          at,
        },
        1,
        null,
        false,
      );
    }
  }
}

function licenceHeader(code: CountryCode, state: string): string {
  switch (code) {
    case "DE":
      return "FÜHRERSCHEIN BUNDESREPUBLIK DEUTSCHLAND";
    case "FR":
      return "PERMIS DE CONDUIRE RÉPUBLIQUE FRANÇAISE";
    case "CA":
      return `${state} DRIVER'S LICENCE / PERMIS DE CONDUIRE`;
    default:
      return `${state} DRIVER LICENSE`;
  }
}

/** A freelancer's registration outside the US: tax id, bank account (IBAN in the EU). */
function contractorRegistration(
  ctx: TenantContext,
  u: StaffUser,
  owner: StaffUser,
  at: number,
): Doc {
  const { rng, clock } = ctx;
  const code = ctx.country.code;
  const taxId = taxIdFor(rng, code) as string;
  const bank = code === "DE" || code === "FR" ? bankAccount(rng, code) : null;
  const iban = bank ? printedIban(bank.iban) : "";
  const date = clock.date(at);
  const text =
    code === "DE"
      ? `Stammdatenblatt freie Mitarbeiter\nName: ${u.full}\nE-Mail: ${u.email}\nTelefon: ${u.phone}\nUSt-IdNr.: ${taxId}\nIBAN: ${iban}\nBIC: ${bank?.bic}\nUnterschrift: ${u.full}  Datum: ${date}`
      : code === "FR"
        ? `Fiche sous-traitant\nNom : ${u.full}\nE-mail : ${u.email}\nTéléphone : ${u.phone}\nN° TVA intracommunautaire : ${taxId}\nIBAN : ${iban}\nBIC : ${bank?.bic}\nSignature : ${u.full}  Date : ${date}`
        : `Subcontractor information form\nName: ${u.full}\nEmail: ${u.email}\nPhone: ${u.phone}\nGST/HST number: ${taxId}\nSignature: ${u.full}  Date: ${date}`;
  return {
    name: `${code === "DE" ? "Stammdaten" : code === "FR" ? "fiche-sous-traitant" : "subcontractor-form"}-${u.first}-${u.last}.pdf`.replace(
      /[^A-Za-z0-9.-]/g,
      "",
    ),
    fileType: "document",
    mime: "application/pdf",
    entityType: "user",
    entityId: u.id,
    folder: `/hr/${u.id}/tax`,
    tags: ["hr", "tax", "contractor"],
    description: `${code === "DE" ? "Stammdaten freie Mitarbeiter" : code === "FR" ? "Fiche sous-traitant" : "Subcontractor form"} - ${u.full}`,
    text,
    summary: `${u.full}: ${taxId}${bank ? `, ${iban}` : ""}.`,
    entities: {
      people: [u.full],
      tax_ids: [taxId],
      emails: [u.email],
      ...(bank ? { ibans: [bank.iban] } : {}),
    },
    classification: "tax_form",
    visibility: "private",
    uploadedBy: owner,
    at,
  };
}

function writeDocument(
  ctx: TenantContext,
  businessId: string,
  d: Doc,
  version: number,
  parentId: string | null,
  superseded: boolean,
): { id: string; superseded: boolean } {
  const { rng, clock, out } = ctx;
  const id = rng.uuid();
  const size = d.fileType === "image" ? rng.int(400_000, 4_800_000) : rng.int(40_000, 900_000);
  const url = `https://files.${PLATFORM_HOST}/t/${ctx.tenantId}/docs/${id}/${d.name}`;
  const shared =
    d.visibility === "team" ? uuidArray([d.uploadedBy.id, (ctx.users[0] as StaffUser).id]) : NULL;
  out.documents.add(
    `${id}${T}${ctx.tenantId}${T}${businessId}${T}${d.name}${T}${d.name}${T}${d.fileType}${T}${d.mime}${T}${size}${T}${url}${T}${d.entityType}${T}${d.entityId}${T}` +
      `${d.folder}${T}${textArray(d.tags)}${T}${esc(d.description)}${T}${d.text === null ? NULL : esc(d.text)}${T}${d.summary === null ? NULL : esc(d.summary)}${T}${json(d.entities)}${T}` +
      `${d.classification}${T}${score(0.7 + rng.float() * 0.29)}${T}${d.visibility}${T}${shared}${T}${d.visibility === "customer" ? `https://share.${PLATFORM_HOST}/d/${rng.hex(12)}` : NULL}${T}` +
      `${version}${T}${parentId ?? NULL}${T}${superseded ? "f" : "t"}${T}${d.uploadedBy.id}${T}${clock.ts(d.at)}${T}${clock.ts(d.at + rng.int(1, 20) * MINUTE)}${T}hot\n`,
  );
  const failed = rng.chance(0.05);
  const steps =
    d.fileType === "image" && d.text === null ? ["classification"] : ["ocr", "classification"];
  for (const step of steps) {
    const started = d.at + rng.int(2, 60) * 1000;
    out.document_processing_jobs.add(
      `${rng.uuid()}${T}${ctx.tenantId}${T}${id}${T}${step}${T}${failed && step === "ocr" ? "failed" : "completed"}${T}` +
        `${failed && step === "ocr" ? NULL : step === "ocr" ? `{"pages": ${rng.int(1, 4)}, "characters": ${d.text?.length ?? 0}, "engine": "tesseract-5"}` : `{"label": "${d.classification}", "confidence": ${score(0.7 + rng.float() * 0.29)}}`}${T}` +
        `${failed && step === "ocr" ? "OCR engine timeout after 120s" : NULL}${T}${clock.ts(started)}${T}${clock.ts(started + rng.int(2, 90) * 1000)}\n`,
    );
  }
  writeAudit(ctx, {
    action: "INSERT",
    table: "documents",
    recordId: id,
    actor: d.uploadedBy,
    oldValues: null,
    newValues: `{"id": "${id}", "filename": ${JSON.stringify(d.name)}, "visibility": "${d.visibility}", "uploaded_by": "${d.uploadedBy.id}", "related_entity_id": "${d.entityId}"}`,
    changed: null,
    at: d.at,
  });
  return { id, superseded };
}
