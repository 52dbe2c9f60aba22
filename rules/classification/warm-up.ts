import type { ColumnSample } from "../../schema/domain/classification.ts";
import { classifyColumn } from "./classify.ts";

/**
 * The classifier's first use in a process costs several hundred milliseconds that later uses do
 * not: faker's name lists become sets, the large street and suffix patterns compile, and
 * libphonenumber's metadata for each served country is read on its first parse. A scan pays
 * this while its first queries are out (introspection, the first samples), when the thread
 * would otherwise wait: `warmUp` classifies a few synthetic columns of each kind, yielding to
 * the event loop between them so query results are still handled as they arrive. Once per
 * process; the values are public test numbers and invented names, and nothing is kept.
 */

const COLUMNS: ColumnSample[] = [
  {
    table: "warm_up",
    column: "phone",
    type: "text",
    samples: [
      "+1 (415) 555-0123",
      "030 9018 2731",
      "06 12 34 56 78",
      "020 7946 0958",
      "+44 20 7946 0958",
      "0612345678",
      "+49 30 901820",
      "91 123 45 67",
      "4155550123",
      "+33 1 23 45 67 89",
      "347 123 4567",
      "0470 12 34 56",
    ],
  },
  {
    table: "warm_up",
    column: "notes",
    type: "text",
    samples: [
      "Called Maria Schmidt on 030 9018 2731 about the refund, she lives at Emil-Nolde-Str. 19.",
      "Customer John Smith (john.smith@example.com) moved to 221 Baker Street, Springfield, IL 62704.",
      "Please ship to 3 place d'Italie, card 4111 1111 1111 1111 was declined twice yesterday.",
      "Mme Dupont asked us to wire the balance to DE89 3704 0044 0532 0130 00 before Friday.",
      "Ticket reopened: password is hunter22 and the DOB: 04/07/1994, SSN 123-45-6789.",
      "Order 12345 shipped in two boxes; the courier will call +44 20 7946 0958 on arrival.",
      "Login from 203.0.113.42 with token sk_live_4eC39HqLyjWDarjtT1zdp7dc flagged for review.",
      "Thanks for the quick answer, the new invoice layout looks much better than before.",
    ],
  },
  {
    table: "warm_up",
    column: "value",
    type: "text",
    samples: [
      "Maria Schmidt",
      "Mr. John Smith",
      "jean.dupont@example.fr",
      "4111111111111111",
      "DE89370400440532013000",
      "123-45-6789",
      "Am Rosenhügel 197a, 50667 Köln",
      "221 Baker Street",
      "1994-07-04",
      "4 July 1994",
      "48.8566, 2.3522",
      "203.0.113.42",
      "AB 12 34 56 C",
      "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
      "Equity Loan",
      "EUR 1.234,56",
    ],
  },
  {
    table: "warm_up",
    column: "profile",
    type: "jsonb",
    samples: [
      {
        name: { given: "Maria", family: "Schmidt" },
        address: { street: "Emil-Nolde-Str. 19", city: "Köln", postcode: "50667" },
        dob: { day: 4, month: 7, year: 1994 },
        location: { lat: 50.9375, lng: 6.9603 },
        contact: { email: "maria@example.de", phone: "0221 123456" },
      },
    ],
  },
];

let warmed: Promise<void> | undefined;

/** Resolves once the classifier has run on every kind of value; a no-op after the first call. */
export function warmUp(): Promise<void> {
  warmed ??= (async () => {
    for (const column of COLUMNS) {
      await new Promise((resolve) => setImmediate(resolve));
      try {
        classifyColumn(column);
      } catch {
        // Warming is an optimisation: the scan classifies (and reports) real columns itself.
      }
    }
  })();
  return warmed;
}
