import { type Person, type Phrases, spokenPhone, type Text } from "./messages.ts";
import type { Prng } from "./prng.ts";

/**
 * French free text: notes, SMS and e-mails of a French trade business and its customers, naming
 * them and repeating their numbers, e-mail and postal addresses as the English text does.
 * Relatives carry their possessive ("sa femme") so sentences stay grammatical.
 */

const cap = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}`;

function who(p: Person): string {
  return p.company ? `${p.full} (${p.company})` : p.full;
}

export const FRENCH: Phrases = {
  relatives: [
    "sa femme",
    "son mari",
    "son conjoint",
    "son fils",
    "sa fille",
    "sa mère",
    "son père",
    "sa colocataire",
    "son locataire",
    "sa voisine",
  ],
  commercialContacts: [
    "la responsable administrative",
    "l'assistante",
    "son associé",
    "le gestionnaire de l'immeuble",
  ],
  pets: [
    "chien dans le jardin",
    "deux chiens gentils",
    "chat à l'intérieur - fermer les portes",
    "pas d'animaux",
    "gros chien, appeler avant d'entrer",
    "pas d'animaux",
  ],

  callNote(rng: Prng, p: Person, agent, topic, relative): Text {
    const phone = spokenPhone(rng, p);
    switch (rng.int(0, 7)) {
      case 0:
        return {
          subject: `Appel entrant : ${topic}`,
          content: `Appel de ${who(p)} au ${phone}. ${p.first} demande des informations pour ${topic} au ${p.address}. Rappeler de préférence après 17h. E-mail au dossier : ${p.email}.`,
          summary: `${p.first} a appelé pour ${topic} ; souhaite être rappelé(e) après 17h.`,
        };
      case 1:
        return {
          subject: "Messagerie",
          content: `Transcription du message : "Bonjour, c'est ${p.first} ${p.last}, j'appelle pour ${topic}. Pouvez-vous me rappeler au ${phone} ? Vous pouvez aussi m'écrire à ${p.email}. Merci, au revoir."`,
          summary: `Message vocal de ${p.full} demandant un rappel pour ${topic}.`,
        };
      case 2:
        return {
          subject: "Appel sortant - confirmation du rendez-vous",
          content: `Appelé ${p.first} au ${phone} pour confirmer le rendez-vous. Pas de réponse, message laissé. J'envoie aussi un SMS. - ${agent.first}`,
          summary: `Message laissé à ${p.first} pour confirmer le rendez-vous.`,
        };
      case 3:
        return {
          subject: "Notes d'appel",
          content: `Eu ${p.full} au téléphone. ${p.first} indique que ${relative} sera là pour ouvrir à l'équipe. Digicode ${rng.digits(4)}B. Portable ${phone} et e-mail ${p.email} confirmés.`,
          summary: `Accès organisé : ${relative} sera présent(e) ; digicode noté.`,
        };
      case 4:
        return {
          subject: "Réclamation",
          content: `${who(p)} a appelé, mécontent(e) : l'équipe a laissé des gravats devant l'entrée. Je me suis excusé(e) et j'ai promis un rappel de ${agent.full} aujourd'hui. Numéro du client : ${phone}, e-mail ${p.email}.`,
          summary: `${p.first} signale un problème de propreté ; rappel promis.`,
        };
      case 5: {
        const last4 = rng.pick(["4242", "4444", "0005", "1117", "5556", "8431"]);
        return {
          subject: "Paiement par téléphone",
          content: `${p.first} ${p.last} a réglé le solde par téléphone, carte se terminant par ${last4}. Reçu envoyé à ${p.email}. Numéro de rappel ${phone}.`,
          summary: `Paiement par téléphone de ${p.first} (carte se terminant par ${last4}).`,
        };
      }
      case 6:
        return {
          subject: "Demande de devis",
          content: `${who(p)} demande un devis pour ${topic}. Adresse du chantier : ${p.address}. ${p.first} préfère les SMS au ${phone} ; mettre ${p.email} en copie du devis.`,
          summary: `Devis demandé : ${topic}.`,
        };
      default:
        return {
          subject: "Appel de suivi",
          content: `Rappelé ${p.first} après l'intervention. Très satisfait(e), intéressé(e) par un contrat d'entretien. Recommandé(e) par un voisin, ${rng.pick(["Nathalie", "Karim", "Sophie", "Julien", "Fatima", "Thierry"])}. Joint(e) au ${phone}.`,
          summary: `${p.first} est satisfait(e) et intéressé(e) par un contrat d'entretien.`,
        };
    }
  },

  smsFromCustomer(rng, p, relative) {
    switch (rng.int(0, 4)) {
      case 0:
        return `Bonjour, c'est ${p.first}. J'ai un peu de retard, ${relative} peut ouvrir à vos techniciens. Envoyez-moi un SMS au ${spokenPhone(rng, p)} si besoin.`;
      case 1:
        return `Parfait, à tout à l'heure. ${p.first}`;
      case 2:
        return `Est-ce qu'on peut décaler à jeudi matin ? Appelez-moi au ${spokenPhone(rng, p)}. Merci, ${p.first} ${p.last}`;
      case 3:
        return `Oui, allez-y. Merci d'envoyer la facture à ${p.email} plutôt que par courrier.`;
      default:
        return `C'est qui ? Ah d'accord - merci ! ${p.first}`;
    }
  },

  reminderSms: (p, s, when) =>
    `Bonjour ${p.first}, ici ${s.first} de ${s.business}. Rappel : votre rendez-vous est ${when}. Répondez OUI pour confirmer ou appelez le ${s.businessPhone}. STOP au 36180.`,

  onTheWaySms: (p, s, tech, minutes) =>
    `Bonjour ${p.first} ! ${tech} de ${s.business} est en route et arrivera dans environ ${minutes} minutes. Une question ? ${s.businessPhone}`,

  invoiceEmail: (p, s, number, amount, link) => ({
    subject: `Facture ${number} de ${s.business}`,
    content: `Bonjour ${p.full},\n\nMerci de votre confiance ! Votre facture ${number} d'un montant de ${amount} est disponible. Vous pouvez la consulter et la régler en ligne : ${link}\n\nNous avons vos coordonnées : ${p.email} / ${p.phone} ; répondez-nous si elles ont changé.\n\nCordialement,\n${s.full}\n${s.business}\n${s.businessPhone}`,
    summary: `Facture ${number} (${amount}) envoyée à ${p.full}.`,
  }),

  estimateEmail: (p, s, number, amount, title) => ({
    subject: `Votre devis ${number} : ${title}`,
    content: `Bonjour ${p.full},\n\nRavi(e) de vous avoir rencontré(e) au ${p.address}. Vous trouverez ci-joint le devis ${number} pour ${title}, d'un montant total de ${amount}. Vous pouvez l'accepter en ligne ou m'appeler directement au ${s.businessPhone}.\n\nBien cordialement,\n${s.full}`,
    summary: `Devis ${number} (${amount}) envoyé à ${p.full}.`,
  }),

  customerEmailReply(rng, p, s, relative) {
    const signature = `\n\n${p.full}${p.company ? `\n${p.company}` : ""}\n${p.address}\nTél. ${p.phone}\n${p.email}`;
    switch (rng.int(0, 2)) {
      case 0:
        return {
          subject: "RE: votre facture",
          content: `Bonjour ${s.first},\n\nVirement fait ce matin, merci de confirmer la réception. ${cap(relative)} demande aussi si vous pourriez regarder le jardin sur le côté la prochaine fois.${signature}`,
          summary: `${p.first} indique avoir payé et demande des travaux supplémentaires.`,
        };
      case 1:
        return {
          subject: "RE: rendez-vous",
          content: `Bonjour,\n\nLe 14 ne nous convient plus. Serait-il possible la semaine suivante ? Le matin de préférence, appelez-moi sur mon portable.${signature}`,
          summary: `${p.first} souhaite décaler à un matin la semaine suivante.`,
        };
      default:
        return {
          subject: "RE: devis",
          content: `Bonjour ${s.first},\n\nMerci pour le devis rapide. Pouvez-vous séparer fournitures et main-d'œuvre ? Notre comptable en a besoin.${signature}`,
          summary: `${p.first} demande le détail fournitures / main-d'œuvre.`,
        };
    }
  },

  reviewRequestSms: (p, s, link) =>
    `Merci d'avoir choisi ${s.business}, ${p.first} ! Pourriez-vous nous laisser un petit avis ? ${link}`,

  jobDescription(rng, p, title, relative) {
    switch (rng.int(0, 3)) {
      case 0:
        return `${title} pour ${who(p)}. ${p.first} demande à être appelé(e) au ${spokenPhone(rng, p)} 30 minutes avant l'arrivée.`;
      case 1:
        return `${title}. Remarque du client : "${rng.pick(["merci de vous garer dans la rue", "le portail est ouvert", "sonner deux fois", "passer par l'entrée de derrière"])}" - ${p.first}.`;
      case 2:
        return `${title} au ${p.address}. ${cap(relative)} sera sur place ; devis accepté par e-mail (${p.email}).`;
      default:
        return `${title}.`;
    }
  },

  locationNotes: (rng, pet) =>
    `Digicode ${rng.digits(4)}. ${cap(pet)}. ${rng.pick(["Se garer dans l'allée.", "Stationnement dans la rue uniquement.", "Robinet extérieur côté nord.", "Tableau électrique au garage.", "Se présenter à l'accueil."])}`,

  walkthrough: (p, topic, relative, relativeFirst) => ({
    subject: "Visite sur place",
    content: `Rencontré ${p.full}${p.company ? ` de ${p.company}` : ""} au ${p.address} pour une visite (${topic}). ${cap(relative)}, ${relativeFirst}, était présent(e). Relancer par téléphone au ${p.phone}.`,
    summary: `Visite avec ${p.first} : ${topic}.`,
  }),

  contactOnSite: (relative, first) =>
    `${cap(relative)} (${first}) est en général le contact sur place`,
  textFrom: (first) => `SMS de ${first}.`,
  thankYou: (first) => `Merci de votre confiance, ${first} !`,
  calendarNote: (p, pet) => `Appeler ${p.first} au ${p.phone} en route. ${cap(pet)}.`,
  appointment: (date, hour) => `le ${date} à ${hour}h`,
};
