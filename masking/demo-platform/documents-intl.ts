import type { Language } from "./countries.ts";
import type { Customer } from "./customer.ts";

/**
 * What uploaded paperwork says, in the tenant's language: the service agreement, the signed
 * estimate and the site photo's caption, with the customer's name, contact details and postal
 * address as the OCR read them.
 */

export type DocText = { description: string; text: string; summary: string };

type Signer = { full: string; title: string };

export function agreementText(
  language: Language,
  c: Customer,
  office: Signer,
  scope: string,
  date: string,
): DocText {
  const legal = c.business.legalName;
  switch (language) {
    case "de":
      return {
        description: `Wartungsvertrag mit ${c.company}`,
        text: `WARTUNGSVERTRAG\n\nZwischen ${legal} ("Auftragnehmer") und ${c.company} ("Auftraggeber"), vertreten durch ${c.full}.\nLeistungsort: ${c.address}\nAnsprechpartner: ${c.full}, ${c.email}, ${c.phone}\nLeistung: ${scope}, Zahlungsziel 30 Tage netto.\n\nUnterschrift: ${c.full}    Datum: ${date}\nUnterschrift: ${office.full}, ${office.title}`,
        summary: `Unterschriebener Wartungsvertrag zwischen ${c.business.name} und ${c.company}; Ansprechpartner ${c.full}.`,
      };
    case "fr":
      return {
        description: `Contrat d'entretien avec ${c.company}`,
        text: `CONTRAT D'ENTRETIEN\n\nEntre ${legal} (« le Prestataire ») et ${c.company} (« le Client »), représenté par ${c.full}.\nLieu d'intervention : ${c.address}\nContact client : ${c.full}, ${c.email}, ${c.phone}\nPrestation : ${scope}, paiement à 30 jours.\n\nSignature : ${c.full}    Date : ${date}\nSignature : ${office.full}, ${office.title}`,
        summary: `Contrat d'entretien signé entre ${c.business.name} et ${c.company} ; contact ${c.full}.`,
      };
    default:
      return {
        description: `Service agreement with ${c.company}`,
        text: `SERVICE AGREEMENT\n\nThis agreement is made between ${legal} ("Contractor") and ${c.company} ("Client"), represented by ${c.full}.\nService location: ${c.address}\nClient contact: ${c.full}, ${c.email}, ${c.phone}\nScope: ${scope}, billed Net 30.\n\nSigned: ${c.full}    Date: ${date}\nSigned: ${office.full}, ${office.title}`,
        summary: `Signed service agreement between ${c.business.name} and ${c.company}; contact ${c.full}.`,
      };
  }
}

export function estimateText(
  language: Language,
  c: Customer,
  number: string,
  title: string,
  amount: string,
  date: string,
): DocText {
  const head = `${c.business.name}  ${c.business.phone}`;
  const street = c.address.slice(0, c.address.indexOf(", "));
  const rest = c.address.slice(street.length + 2);
  switch (language) {
    case "de":
      return {
        description: `Unterschriebenes Angebot: ${title}`,
        text: `ANGEBOT ${number}\n${head}\n\nFür: ${c.full}\n${street}\n${rest}\nTelefon: ${c.phone}\nE-Mail: ${c.email}\n\n${title} ........ ${amount}\n\nUnterschrift Kunde: ${c.full}   Datum: ${date}`,
        summary: `Angebot ${number} über ${amount}, unterschrieben von ${c.full}.`,
      };
    case "fr":
      return {
        description: `Devis signé : ${title}`,
        text: `DEVIS ${number}\n${head}\n\nÉtabli pour : ${c.full}\n${street}\n${rest}\nTél. : ${c.phone}\nE-mail : ${c.email}\n\n${title} ........ ${amount}\n\nBon pour accord : ${c.full}   Date : ${date}`,
        summary: `Devis ${number} de ${amount}, signé par ${c.full}.`,
      };
    default:
      return {
        description: `Signed estimate for ${title.toLowerCase()}`,
        text: `ESTIMATE ${number}\n${head}\n\nPrepared for: ${c.full}\n${street}\n${rest}\nPhone: ${c.phone}\nEmail: ${c.email}\n\n${title} ........ ${amount}\n\nCustomer signature: ${c.full}   Date: ${date}`,
        summary: `Estimate ${number} for ${amount}, signed by ${c.full}.`,
      };
  }
}

export function photoCaption(
  language: Language,
  c: Customer,
): { description: string; summary: string } {
  switch (language) {
    case "de":
      return {
        description: `Baustellenfoto ${c.street}, ${c.zip} ${c.city}`,
        summary: `Foto des Arbeitsbereichs bei ${c.full}.`,
      };
    case "fr":
      return {
        description: `Photo du chantier au ${c.street}, ${c.zip} ${c.city}`,
        summary: `Photo de la zone d'intervention chez ${c.full}.`,
      };
    default:
      return {
        description: `Site photo at ${c.street}`,
        summary: `Photo of the work area at ${c.full}'s property.`,
      };
  }
}
