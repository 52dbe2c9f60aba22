import type { Prng } from "./prng.ts";
import { PETS } from "./vocabulary.ts";

/**
 * Free text as people actually write it: call notes, voicemails, texts and e-mails that name the
 * customer, repeat their phone number and e-mail address, mention family members and card
 * endings. This is the PII that hides outside the obvious columns, and the reason a governance
 * scanner has to read content and not only column names.
 */

export type Person = {
  first: string;
  last: string;
  full: string;
  phone: string;
  /** The same number written two other ways people write it (`512-555-0142`, `+49 30 ...`). */
  phoneAlt: [string, string];
  email: string;
  company: string | null;
  street: string;
  city: string;
  /** The one-line postal address in the country's order (`Hauptstraße 12, 10115 Berlin`). */
  address: string;
};

export type Sender = { first: string; full: string; business: string; businessPhone: string };

export type Text = { subject: string; content: string; summary: string };

/** Phone written the way people type it in messages (formats vary; digits stay the same). */
export function spokenPhone(rng: Prng, p: Person): string {
  const r = rng.float();
  return r < 0.6 ? p.phone : r < 0.8 ? p.phoneAlt[0] : p.phoneAlt[1];
}

/**
 * Everything a tenant's people write, in the tenant's language. The English book is the US and
 * Canadian one; messages-de.ts and messages-fr.ts hold the German and French ones. Amounts come
 * formatted with their currency (`$123.45`, `123,45 €`).
 */
export type Phrases = {
  relatives: string[];
  commercialContacts: string[];
  pets: string[];
  callNote(rng: Prng, p: Person, agent: Sender, topic: string, relative: string): Text;
  smsFromCustomer(rng: Prng, p: Person, relative: string): string;
  reminderSms(p: Person, s: Sender, when: string): string;
  onTheWaySms(p: Person, s: Sender, tech: string, minutes: number): string;
  invoiceEmail(p: Person, s: Sender, number: string, amount: string, link: string): Text;
  estimateEmail(p: Person, s: Sender, number: string, amount: string, title: string): Text;
  customerEmailReply(rng: Prng, p: Person, s: Sender, relative: string): Text;
  reviewRequestSms(p: Person, s: Sender, link: string): string;
  jobDescription(rng: Prng, p: Person, title: string, relative: string): string;
  locationNotes(rng: Prng, pet: string): string;
  walkthrough(p: Person, topic: string, relative: string, relativeFirst: string): Text;
  contactOnSite(relative: string, relativeFirst: string): string;
  textFrom(first: string): string;
  thankYou(first: string): string;
  calendarNote(p: Person, pet: string): string;
  /** A when for reminders: the date and the local hour (0-23). */
  appointment(date: string, hour: number): string;
};

function who(p: Person): string {
  return p.company ? `${p.full} (${p.company})` : p.full;
}

export function callNote(
  rng: Prng,
  p: Person,
  agent: Sender,
  topic: string,
  relative: string,
): Text {
  const phone = spokenPhone(rng, p);
  switch (rng.int(0, 7)) {
    case 0:
      return {
        subject: `Inbound call: ${topic}`,
        content: `Inbound call from ${who(p)} at ${phone}. ${p.first} is asking about ${topic.toLowerCase()} at ${p.street}, ${p.city}. Best time to call back is after 5pm. Email on file: ${p.email}.`,
        summary: `${p.first} called about ${topic.toLowerCase()}; wants a callback after 5pm.`,
      };
    case 1:
      return {
        subject: "Voicemail",
        content: `Voicemail transcript: "Hi, this is ${p.first} ${p.last} calling about ${topic.toLowerCase()}. Could somebody call me back at ${phone}? You can also email me at ${p.email}. Thanks, bye."`,
        summary: `Voicemail from ${p.full} requesting a callback about ${topic.toLowerCase()}.`,
      };
    case 2:
      return {
        subject: "Outbound call - appointment confirmation",
        content: `Called ${p.first} at ${phone} to confirm the appointment. No answer, left voicemail. Will send a text as backup. - ${agent.first}`,
        summary: `Left voicemail for ${p.first} to confirm the appointment.`,
      };
    case 3:
      return {
        subject: "Call notes",
        content: `Spoke with ${p.full}. ${p.first} said their ${relative} will be home to let the crew in. Gate code is ${rng.digits(4)}#. Confirmed cell ${phone} and email ${p.email}.`,
        summary: `Access arranged: ${relative} will be home; gate code noted.`,
      };
    case 4:
      return {
        subject: "Complaint",
        content: `${who(p)} called upset that the crew left debris near the driveway. I apologised and promised a callback from ${agent.full} today. Customer number: ${phone}, email ${p.email}.`,
        summary: `${p.first} reported a cleanup issue; callback promised.`,
      };
    case 5: {
      const last4 = rng.pick(["4242", "4444", "0005", "1117", "5556", "8431"]);
      return {
        subject: "Payment by phone",
        content: `${p.first} ${p.last} called to pay the open balance over the phone, card ending in ${last4}. Sent the receipt to ${p.email}. Call back number ${phone}.`,
        summary: `Took a phone payment from ${p.first} (card ending ${last4}).`,
      };
    }
    case 6:
      return {
        subject: "Quote request",
        content: `${who(p)} requested a quote for ${topic.toLowerCase()}. Property at ${p.street}, ${p.city}. ${p.first} prefers text at ${phone}; cc ${p.email} on the estimate.`,
        summary: `Quote requested for ${topic.toLowerCase()}.`,
      };
    default:
      return {
        subject: "Follow-up call",
        content: `Followed up with ${p.first} after the visit. Happy with the work, asked about a maintenance plan. Referred by their neighbour ${rng.pick(["Linda", "Mark", "Rosa", "Tom", "Priya", "Ahmed"])}. Reached at ${phone}.`,
        summary: `${p.first} is satisfied and interested in a maintenance plan.`,
      };
  }
}

export function smsFromCustomer(rng: Prng, p: Person, relative: string): string {
  switch (rng.int(0, 4)) {
    case 0:
      return `Hi, it's ${p.first}. Running a few minutes late, my ${relative} can let your guys in. Text me at ${spokenPhone(rng, p)} if anything comes up.`;
    case 1:
      return `Sounds good, see you then. - ${p.first}`;
    case 2:
      return `Can we move it to Thursday morning? Call me at ${spokenPhone(rng, p)}. Thanks, ${p.first} ${p.last}`;
    case 3:
      return `Yes please go ahead. Please send the invoice to ${p.email} instead of mailing it.`;
    default:
      return `Who is this? Oh got it - thanks! ${p.first}`;
  }
}

export function reminderSms(p: Person, s: Sender, when: string): string {
  return `Hi ${p.first}, this is ${s.first} from ${s.business}. Reminder: your appointment is ${when}. Reply C to confirm or call us at ${s.businessPhone}. Reply STOP to opt out.`;
}

export function onTheWaySms(p: Person, s: Sender, tech: string, minutes: number): string {
  return `Hi ${p.first}! ${tech} from ${s.business} is on the way and should arrive in about ${minutes} minutes. Questions? Call ${s.businessPhone}.`;
}

export function invoiceEmail(
  p: Person,
  s: Sender,
  number: string,
  amount: string,
  link: string,
): Text {
  return {
    subject: `Invoice ${number} from ${s.business}`,
    content: `Hi ${p.first},\n\nThank you for choosing ${s.business}! Your invoice ${number} for ${amount} is ready. You can view and pay it online: ${link}\n\nWe have your contact details as ${p.email} / ${p.phone}; reply if anything changed.\n\nBest regards,\n${s.full}\n${s.business}\n${s.businessPhone}`,
    summary: `Invoice ${number} (${amount}) sent to ${p.full}.`,
  };
}

export function estimateEmail(
  p: Person,
  s: Sender,
  number: string,
  amount: string,
  title: string,
): Text {
  return {
    subject: `Your estimate ${number}: ${title}`,
    content: `Hello ${p.first},\n\nIt was great meeting you at ${p.street}. Attached is estimate ${number} for ${title.toLowerCase()}, totalling ${amount}. Approve it online or call me directly at ${s.businessPhone}.\n\nThanks,\n${s.full}`,
    summary: `Estimate ${number} (${amount}) sent to ${p.full}.`,
  };
}

export function customerEmailReply(rng: Prng, p: Person, s: Sender, relative: string): Text {
  const signature = `\n\n${p.full}${p.company ? `\n${p.company}` : ""}\n${p.phone}\n${p.email}`;
  switch (rng.int(0, 2)) {
    case 0:
      return {
        subject: "Re: your invoice",
        content: `Hi ${s.first},\n\nPaid this morning, please confirm you received it. Also my ${relative} asked whether you could look at the side yard next time.${signature}`,
        summary: `${p.first} says the invoice is paid and asks for extra work.`,
      };
    case 1:
      return {
        subject: "Re: scheduling",
        content: `Hello,\n\nThe 14th doesn't work for us anymore. Any chance for the following week? Mornings are best, call my cell.${signature}`,
        summary: `${p.first} wants to reschedule to a morning the following week.`,
      };
    default:
      return {
        subject: "Re: estimate",
        content: `Hi ${s.first},\n\nThanks for the quick estimate. Can you break out materials vs labor? Our accountant needs it for the records.${signature}`,
        summary: `${p.first} asks for a materials/labor breakdown.`,
      };
  }
}

export function reviewRequestSms(p: Person, s: Sender, link: string): string {
  return `Thanks for choosing ${s.business}, ${p.first}! Would you mind leaving us a quick review? ${link}`;
}

export function jobDescription(rng: Prng, p: Person, title: string, relative: string): string {
  switch (rng.int(0, 3)) {
    case 0:
      return `${title} for ${who(p)}. ${p.first} asked us to call ${spokenPhone(rng, p)} 30 minutes before arrival.`;
    case 1:
      return `${title}. Customer notes: "${rng.pick(["please park on the street", "side gate is unlocked", "ring the bell twice", "use the back entrance"])}" - ${p.first}.`;
    case 2:
      return `${title} at ${p.street}. ${p.first}'s ${relative} will be on site; estimate approved by email (${p.email}).`;
    default:
      return `${title}.`;
  }
}

export function locationNotes(rng: Prng, pet: string): string {
  return `Gate code ${rng.digits(4)}. ${pet.charAt(0).toUpperCase()}${pet.slice(1)}. ${rng.pick(["Park in driveway.", "Street parking only.", "Water spigot on north side.", "Breaker panel in garage.", "Check in at front desk."])}`;
}

export const RELATIVES = [
  "wife",
  "husband",
  "partner",
  "son",
  "daughter",
  "mother",
  "father",
  "roommate",
  "tenant",
  "neighbour",
];

export const ENGLISH: Phrases = {
  relatives: RELATIVES,
  commercialContacts: ["office manager", "assistant", "business partner", "property manager"],
  pets: PETS,
  callNote,
  smsFromCustomer,
  reminderSms,
  onTheWaySms,
  invoiceEmail,
  estimateEmail,
  customerEmailReply,
  reviewRequestSms,
  jobDescription,
  locationNotes,
  walkthrough: (p, topic, relative, relativeFirst) => ({
    subject: "On-site walkthrough",
    content: `Met ${p.full}${p.company ? ` of ${p.company}` : ""} at ${p.street}, ${p.city} for a walkthrough of ${topic.toLowerCase()}. ${p.first}'s ${relative} ${relativeFirst} joined. Follow up by phone ${p.phone}.`,
    summary: `Walkthrough with ${p.first} about ${topic.toLowerCase()}.`,
  }),
  contactOnSite: (relative, first) => `${relative} ${first} is usually the contact on site`,
  textFrom: (first) => `Text from ${first}.`,
  thankYou: (first) => `Thank you for your business, ${first}!`,
  calendarNote: (p, pet) => `Call ${p.first} at ${p.phone} on the way. ${pet}.`,
  appointment: (date, hour) => `${date} at ${hour % 12 || 12}${hour < 12 ? "am" : "pm"}`,
};
