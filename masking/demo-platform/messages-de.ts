import { type Person, type Phrases, spokenPhone, type Text } from "./messages.ts";
import type { Prng } from "./prng.ts";

/**
 * German free text: what the office of a German trade business writes down and what its
 * customers write back, with the same names, numbers, e-mail and street addresses in it as the
 * English text has. Relatives carry their article ("die Ehefrau") so sentences stay grammatical.
 */

const cap = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}`;

function who(p: Person): string {
  return p.company ? `${p.full} (${p.company})` : p.full;
}

export const GERMAN: Phrases = {
  relatives: [
    "die Ehefrau",
    "der Ehemann",
    "der Partner",
    "der Sohn",
    "die Tochter",
    "die Mutter",
    "der Vater",
    "die Mitbewohnerin",
    "der Mieter",
    "die Nachbarin",
  ],
  commercialContacts: [
    "die Büroleitung",
    "die Assistenz",
    "der Geschäftspartner",
    "die Hausverwaltung",
  ],
  pets: [
    "Hund im Garten",
    "zwei freundliche Hunde",
    "Katze im Haus - Türen geschlossen halten",
    "keine Haustiere",
    "großer Hund, vorher klingeln",
    "keine Haustiere",
  ],

  callNote(rng: Prng, p: Person, agent, topic, relative): Text {
    const phone = spokenPhone(rng, p);
    switch (rng.int(0, 7)) {
      case 0:
        return {
          subject: `Eingehender Anruf: ${topic}`,
          content: `Anruf von ${who(p)} unter ${phone}. ${p.first} fragt wegen ${topic} in der ${p.address}. Rückruf am besten nach 17 Uhr. E-Mail laut Kartei: ${p.email}.`,
          summary: `${p.first} hat wegen ${topic} angerufen; bittet um Rückruf nach 17 Uhr.`,
        };
      case 1:
        return {
          subject: "Mailbox",
          content: `Mailbox-Abschrift: "Guten Tag, hier ist ${p.first} ${p.last}, es geht um ${topic}. Können Sie mich bitte unter ${phone} zurückrufen? Oder per E-Mail an ${p.email}. Danke, tschüss."`,
          summary: `Nachricht von ${p.full} auf der Mailbox, bittet um Rückruf wegen ${topic}.`,
        };
      case 2:
        return {
          subject: "Ausgehender Anruf - Terminbestätigung",
          content: `${p.first} unter ${phone} angerufen, um den Termin zu bestätigen. Niemand erreicht, auf Band gesprochen. Schicke zusätzlich eine SMS. - ${agent.first}`,
          summary: `Nachricht für ${p.first} zur Terminbestätigung hinterlassen.`,
        };
      case 3:
        return {
          subject: "Gesprächsnotiz",
          content: `Mit ${p.full} gesprochen. Laut ${p.first} ist ${relative} zu Hause und lässt die Monteure rein. Schlüssel liegt beim Hausmeister, Code ${rng.digits(4)}. Handy ${phone} und E-Mail ${p.email} bestätigt.`,
          summary: `Zugang geklärt: ${relative} ist zu Hause; Code notiert.`,
        };
      case 4:
        return {
          subject: "Beschwerde",
          content: `${who(p)} hat sich beschwert, dass nach dem Einsatz Schmutz vor der Einfahrt lag. Habe mich entschuldigt und einen Rückruf von ${agent.full} heute zugesagt. Kundennummer: ${phone}, E-Mail ${p.email}.`,
          summary: `${p.first} hat ein Sauberkeitsproblem gemeldet; Rückruf zugesagt.`,
        };
      case 5: {
        const last4 = rng.pick(["4242", "4444", "0005", "1117", "5556", "8431"]);
        return {
          subject: "Zahlung am Telefon",
          content: `${p.first} ${p.last} hat angerufen und die offene Rechnung telefonisch mit Karte bezahlt (Endziffern ${last4}). Beleg an ${p.email} geschickt. Rückrufnummer ${phone}.`,
          summary: `Telefonische Zahlung von ${p.first} angenommen (Karte endet auf ${last4}).`,
        };
      }
      case 6:
        return {
          subject: "Angebotsanfrage",
          content: `${who(p)} möchte ein Angebot für ${topic}. Objekt: ${p.address}. ${p.first} möchte per SMS an ${phone} informiert werden; Angebot bitte in Kopie an ${p.email}.`,
          summary: `Angebot angefragt: ${topic}.`,
        };
      default:
        return {
          subject: "Nachfass-Anruf",
          content: `Nach dem Termin bei ${p.first} nachgefragt. Sehr zufrieden, interessiert sich für einen Wartungsvertrag. Empfohlen von Nachbar ${rng.pick(["Jürgen", "Petra", "Ayşe", "Thomas", "Sabine", "Mehmet"])}. Erreicht unter ${phone}.`,
          summary: `${p.first} ist zufrieden und interessiert an einem Wartungsvertrag.`,
        };
    }
  },

  smsFromCustomer(rng, p, relative) {
    switch (rng.int(0, 4)) {
      case 0:
        return `Hallo, hier ${p.first}. Ich verspäte mich etwas, ${relative} macht Ihren Leuten auf. Bei Fragen bitte SMS an ${spokenPhone(rng, p)}.`;
      case 1:
        return `Passt, bis dann. ${p.first}`;
      case 2:
        return `Können wir auf Donnerstagvormittag verschieben? Rufen Sie mich an: ${spokenPhone(rng, p)}. Danke, ${p.first} ${p.last}`;
      case 3:
        return `Ja, gerne. Bitte die Rechnung an ${p.email} schicken statt per Post.`;
      default:
        return `Wer ist da? Ah, alles klar - danke! ${p.first}`;
    }
  },

  reminderSms: (p, s, when) =>
    `Hallo ${p.first}, hier ${s.first} von ${s.business}. Erinnerung: Ihr Termin ist ${when}. Bitte mit J bestätigen oder unter ${s.businessPhone} anrufen. STOP zum Abmelden.`,

  onTheWaySms: (p, s, tech, minutes) =>
    `Hallo ${p.first}! ${tech} von ${s.business} ist unterwegs und in etwa ${minutes} Minuten bei Ihnen. Fragen? ${s.businessPhone}`,

  invoiceEmail: (p, s, number, amount, link) => ({
    subject: `Rechnung ${number} von ${s.business}`,
    content: `Guten Tag ${p.full},\n\nvielen Dank für Ihren Auftrag! Ihre Rechnung ${number} über ${amount} steht bereit. Sie können sie hier ansehen und bezahlen: ${link}\n\nWir haben als Kontakt ${p.email} / ${p.phone} hinterlegt; bitte melden Sie sich, falls sich etwas geändert hat.\n\nMit freundlichen Grüßen\n${s.full}\n${s.business}\n${s.businessPhone}`,
    summary: `Rechnung ${number} (${amount}) an ${p.full} gesendet.`,
  }),

  estimateEmail: (p, s, number, amount, title) => ({
    subject: `Ihr Angebot ${number}: ${title}`,
    content: `Guten Tag ${p.full},\n\nschön, dass wir uns in der ${p.address} kennengelernt haben. Anbei das Angebot ${number} für ${title}, insgesamt ${amount}. Sie können es online annehmen oder mich direkt unter ${s.businessPhone} anrufen.\n\nViele Grüße\n${s.full}`,
    summary: `Angebot ${number} (${amount}) an ${p.full} gesendet.`,
  }),

  customerEmailReply(rng, p, s, relative) {
    const signature = `\n\n${p.full}${p.company ? `\n${p.company}` : ""}\n${p.address}\nTel. ${p.phone}\n${p.email}`;
    switch (rng.int(0, 2)) {
      case 0:
        return {
          subject: "AW: Ihre Rechnung",
          content: `Hallo ${s.first},\n\nheute früh überwiesen, bitte kurz den Eingang bestätigen. ${cap(relative)} fragt außerdem, ob Sie beim nächsten Mal auch den Seitengarten anschauen können.${signature}`,
          summary: `${p.first} meldet die Rechnung als bezahlt und fragt nach weiteren Arbeiten.`,
        };
      case 1:
        return {
          subject: "AW: Terminabsprache",
          content: `Guten Tag,\n\nder 14. passt uns leider nicht mehr. Geht es in der Woche darauf? Vormittags wäre am besten, bitte auf dem Handy anrufen.${signature}`,
          summary: `${p.first} möchte auf einen Vormittag in der Folgewoche verschieben.`,
        };
      default:
        return {
          subject: "AW: Angebot",
          content: `Hallo ${s.first},\n\ndanke für das schnelle Angebot. Können Sie Material und Arbeitszeit getrennt ausweisen? Unser Steuerberater braucht das.${signature}`,
          summary: `${p.first} bittet um Aufschlüsselung nach Material und Arbeitszeit.`,
        };
    }
  },

  reviewRequestSms: (p, s, link) =>
    `Danke, dass Sie sich für ${s.business} entschieden haben, ${p.first}! Über eine kurze Bewertung würden wir uns freuen: ${link}`,

  jobDescription(rng, p, title, relative) {
    switch (rng.int(0, 3)) {
      case 0:
        return `${title} für ${who(p)}. ${p.first} bittet um Anruf unter ${spokenPhone(rng, p)} 30 Minuten vor Ankunft.`;
      case 1:
        return `${title}. Hinweis vom Kunden: "${rng.pick(["bitte auf der Straße parken", "Gartentor ist offen", "zweimal klingeln", "Hintereingang benutzen"])}" - ${p.first}.`;
      case 2:
        return `${title} in der ${p.address}. ${cap(relative)} ist vor Ort; Angebot per E-Mail angenommen (${p.email}).`;
      default:
        return `${title}.`;
    }
  },

  locationNotes: (rng, pet) =>
    `Türcode ${rng.digits(4)}. ${cap(pet)}. ${rng.pick(["In der Einfahrt parken.", "Nur Straßenparkplätze.", "Wasseranschluss an der Nordseite.", "Sicherungskasten im Keller.", "Bitte am Empfang melden."])}`,

  walkthrough: (p, topic, relative, relativeFirst) => ({
    subject: "Begehung vor Ort",
    content: `Termin mit ${p.full}${p.company ? ` von ${p.company}` : ""} in der ${p.address} zur Begehung (${topic}). ${cap(relative)}, ${relativeFirst}, war dabei. Nachfassen telefonisch unter ${p.phone}.`,
    summary: `Begehung mit ${p.first}: ${topic}.`,
  }),

  contactOnSite: (relative, first) =>
    `${cap(relative)} (${first}) ist meist Ansprechpartner vor Ort`,
  textFrom: (first) => `SMS von ${first}.`,
  thankYou: (first) => `Vielen Dank für Ihren Auftrag, ${first}!`,
  calendarNote: (p, pet) => `${p.first} vorher unter ${p.phone} anrufen. ${cap(pet)}.`,
  appointment: (date, hour) => `am ${date} um ${hour} Uhr`,
};
