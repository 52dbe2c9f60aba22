import type { Faker } from "@faker-js/faker";
import type { Prng } from "../demo-platform/prng.ts";

/**
 * Free text for generated rows, from templates in the tenant's language filled with faker's
 * words: nothing is read from the real store, so no message, note or name of a real person can
 * reach a synthetic platform. What a column gets is chosen by its name (an e-mail column gets a
 * reserved example.* address, a subject a short line, a note a sentence or two); secrets, card
 * and bank numbers are never made up at all (NULL, or a plain placeholder where NOT NULL).
 */

export type Language = "en" | "de" | "fr";

const SENTENCES: Record<Language, string[]> = {
  en: [
    "Thanks for getting in touch about the {thing}.",
    "The technician will arrive between {hour} and {hour2}.",
    "Please confirm the appointment for {day}.",
    "We replaced the {thing} and tested the system.",
    "Customer asked for a quote on a new {thing}.",
    "Follow up next week about the {thing}.",
    "Invoice sent, payment expected within 30 days.",
    "Parts ordered from the usual supplier.",
  ],
  de: [
    "Vielen Dank für Ihre Anfrage zum Thema {thing}.",
    "Der Techniker kommt zwischen {hour} und {hour2} Uhr.",
    "Bitte bestätigen Sie den Termin am {day}.",
    "Wir haben das Bauteil {thing} ersetzt und die Anlage geprüft.",
    "Der Kunde wünscht ein Angebot für {thing}.",
    "Nächste Woche wegen {thing} nachfassen.",
    "Rechnung versendet, Zahlung innerhalb von 30 Tagen erwartet.",
    "Material beim üblichen Lieferanten bestellt.",
  ],
  fr: [
    "Merci de nous avoir contactés au sujet de {thing}.",
    "Le technicien passera entre {hour} et {hour2}.",
    "Merci de confirmer le rendez-vous du {day}.",
    "Nous avons remplacé {thing} et testé l'installation.",
    "Le client souhaite un devis pour {thing}.",
    "Relancer la semaine prochaine au sujet de {thing}.",
    "Facture envoyée, paiement attendu sous 30 jours.",
    "Pièces commandées chez le fournisseur habituel.",
  ],
};

const SUBJECTS: Record<Language, string[]> = {
  en: ["Appointment", "Quote", "Follow-up", "Invoice", "Service visit", "Reminder"],
  de: ["Termin", "Angebot", "Rückfrage", "Rechnung", "Serviceeinsatz", "Erinnerung"],
  fr: ["Rendez-vous", "Devis", "Suivi", "Facture", "Intervention", "Rappel"],
};

export function languageOf(locale: string | undefined): Language {
  const l = (locale ?? "en").slice(0, 2);
  return l === "de" || l === "fr" ? l : "en";
}

function fill(template: string, rng: Prng, faker: Faker): string {
  return template
    .replaceAll("{thing}", faker.commerce.productName().toLowerCase())
    .replaceAll("{hour}", `${rng.int(7, 12)}:00`)
    .replaceAll("{hour2}", `${rng.int(13, 18)}:00`)
    .replaceAll("{day}", `${rng.int(1, 28)}.${rng.int(1, 12)}.`);
}

export function sentence(rng: Prng, faker: Faker, language: Language): string {
  return fill(rng.pick(SENTENCES[language]), rng, faker);
}

const SECRET =
  /(password|secret|token|credential|card_number|credit_card|iban|bank|routing|ssn|tax_id|cvv|encrypted)/;

/** Columns whose values are never made up, not even fictitious ones. */
export function isWithheld(column: string): boolean {
  return SECRET.test(column.toLowerCase());
}

/** A value for a free-text column, by what its name says it holds; null when never made up. */
export function textFor(
  column: string,
  rng: Prng,
  faker: Faker,
  language: Language,
  tag: string,
): string | null {
  const c = column.toLowerCase();
  if (SECRET.test(c)) {
    return null;
  }
  if (c.includes("email")) {
    return `${
      faker.person
        .firstName()
        .toLowerCase()
        .replace(/[^a-z]/g, "") || "x"
    }.${tag}@example.org`;
  }
  if (c.includes("phone")) {
    return `(${rng.int(200, 999)}) 555-01${String(rng.int(0, 99)).padStart(2, "0")}`;
  }
  if (/url|website|link/.test(c)) {
    return `https://example.org/${tag}`;
  }
  if (/ip_address|^ip$/.test(c)) {
    return `192.0.2.${rng.int(1, 254)}`;
  }
  if (c.includes("user_agent")) {
    return "Mozilla/5.0 (synthetic)";
  }
  if (/filename|file_name/.test(c)) {
    return `document-${tag}.pdf`;
  }
  if (/path|folder/.test(c)) {
    return `/synthetic/${tag}`;
  }
  if (/first_name/.test(c)) {
    return faker.person.firstName();
  }
  if (/last_name|surname/.test(c)) {
    return faker.person.lastName();
  }
  if (/company|legal_name|business_name|supplier|vendor/.test(c)) {
    return faker.company.name();
  }
  if (/(^|_)name$|holder|contact/.test(c)) {
    return rng.chance(0.5) ? faker.person.fullName() : faker.commerce.productName();
  }
  if (/city/.test(c)) {
    return faker.location.city();
  }
  if (/street|address/.test(c)) {
    return faker.location.streetAddress();
  }
  if (/(_id|_key|number|code|session|request|reference|external)$/.test(c) || c.endsWith("_id")) {
    return `syn-${tag}`;
  }
  if (/subject|title|heading/.test(c)) {
    return `${rng.pick(SUBJECTS[language])}: ${faker.commerce.productName()}`;
  }
  if (
    /content|body|message|text|summary|description|notes?|reason|comment|error|rule|sql|template/.test(
      c,
    )
  ) {
    const n = rng.int(1, 3);
    return Array.from({ length: n }, () => sentence(rng, faker, language)).join(" ");
  }
  return faker.commerce.productAdjective().toLowerCase();
}
