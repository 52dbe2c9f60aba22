import type { Category } from "../../schema/domain/classification.ts";
import { nameTokens } from "./name-tokens.ts";

export { nameTokens };

/**
 * Column-name (and comment) signals. A name either hints at a category (strong: `email`,
 * `first_name`, `card_number`; weak: `name`, `display_name`, `*_by`, which values must confirm),
 * or is a hard negative (a flag, timestamp, count, type, template, id or a known non-personal
 * identifier: `email_sent`, `phone_type`, `order_number`, `checksum`), or says nothing (`col_17`).
 * A hard negative silences weak value detectors only: values that validate strongly (an email
 * address, a bcrypt hash) still decide, because a name alone never decides against the values.
 */

export type NameSignal =
  | { kind: "hint"; category: Category; strength: "strong" | "weak"; rule: string }
  | { kind: "negative"; rule: string }
  | { kind: "neutral"; rule?: string };

type Rule = [RegExp, NameSignal];

const h = (category: Category, strength: "strong" | "weak", rule: string): NameSignal => ({
  kind: "hint",
  category,
  strength,
  rule,
});
const neg = (rule: string): NameSignal => ({ kind: "negative", rule });
const neutral = (rule: string): NameSignal => ({ kind: "neutral", rule });

// `_x_` boundaries: every pattern below is matched against `_${tokens.join("_")}_`.
const b = (body: string) => new RegExp(`_(?:${body})_`);
const end = (body: string) => new RegExp(`_(?:${body})_$`);
const start = (body: string) => new RegExp(`^_(?:${body})_`);

const PERSON_QUALIFIERS =
  "first|last|full|middle|maiden|given|family|sur|nick|customer|contact|client|patient|employee|" +
  "member|person|holder|cardholder|card_holder|account_holder|recipient|sender|owner|guardian|" +
  "spouse|parent|emergency_contact|beneficiary|applicant|signer|signatory|legal_guardian|" +
  "passenger|guest|attendee|driver|technician|tech|caller|requester|author|teacher|student|" +
  "father|mother|partner|host|salutation|addressee|co_host|cohost|landlady|tenant|renter|lessee|referrer|billing|shipping|receiver|payer|payee|traveler|doctor|agent|" +
  "rep|manager|assignee|owner|approver|reviewer|reporter|requester|supervisor|worker|staff|nurse|physician|landlord|buyer|seller|witness|child|kid";

const RULES: Rule[] = [
  // Names that look negative but are personal data.
  [
    b(
      "dob|d_o_b|birth_?date|date_of_birth|birthday|birth_dt|born_on|geburtsdatum|fecha_nacimiento|date_naissance|data_nascita|birth",
    ),
    h("date_of_birth", "strong", "birth date"),
  ],
  [
    b(
      "ssn|social_security(?:_number|_no)?|sin|nino|ni_number|national_insurance(?:_number|_no)?|national_id(?:_number)?|passport(?:_number|_no|_num|_id)?|driver_?s?_licen[cs]e(?:_number|_no|_id)?|driving_licen[cs]e(?:_number|_no)?|dl_(?:number|no|num)|licen[cs]e_(?:number|no)|tax_id|tin|itin|dni|nie|nif|cpf|aadhaar|aadhar|citizen_id|voter_id|personal_id|id_card(?:_number)?|identity_(?:number|card|document)|id_document(?:_number)?|identity_document_number|personnummer|steuer_id|codice_fiscale|bsn|gov(?:ernment)?_id|sozialversicherungsnummer|social_security_number|nhs_number|nhs_no|medicare_number|medicaid_number|medicare_beneficiary_id|health_insurance_number|health_card_number|health_id|national_id|id_card|id_card_number|aadhaar|driver_license_number|tax_number|tax_file_number|tfn|ird_number|pps_number|ppsn|ahv_number",
    ),
    h("government_id", "strong", "government id"),
  ],
  // Licences named short (`lic`, `dl`, `driver_lic_no`): the name must end with it.
  [
    end("license|license_number|driver_license|driver_license_number"),
    h("government_id", "strong", "licence"),
  ],

  [b("caller_id|caller_number|ani"), h("phone", "strong", "phone")],
  [
    /_(?:password|passwd|pwd|pass)_(?:\w+_)?(?:hash|hashed|md5|sha\d*|digest|crypt|bcrypt|salt)_|_(?:hash|hashed|md5|sha\d*|digest|crypt|bcrypt|salted)_(?:\w+_)?(?:password|passwd|pwd)_/,
    h("credential", "strong", "password hash"),
  ],
  // A server's name, not a listing host's.
  [b("hostname|host_name_server|server_name"), neg("web or file")],
  [
    new RegExp(`_(?:${PERSON_QUALIFIERS})_?name_(?:first_|last_|full_)?$`),
    h("person_name", "strong", "person name"),
  ],
  // Hard negatives: flags, times, counts, kinds, templates, references and partial card data.
  [
    start(
      "is|has|can|should|allow|allows|enable|needs|use|uses|was|did|do|must|send|wants|accepts|opt",
    ),
    neg("flag"),
  ],
  [
    end(
      "enabled|disabled|flag|verified|confirmed|opt_in|optin|opt_out|optout|opted_in|consent|sent|bounced|opened|clicked|subscribed|unsubscribed|valid|validated|allowed|required|active|blocked|bounce|reachable|deliverable|primary|public|visible|masked|redacted",
    ),
    neg("flag"),
  ],
  [
    end(
      "at|on|date|time|ts|timestamp|datetime|dt|until|expiry|expires|expiration|expires_at|updated|created|changed|year|month|day",
    ),
    neg("time"),
  ],
  [
    end(
      "count|cnt|num_\\w+|total|qty|quantity|attempts|retries|length|len|size|score|rate|ratio|pct|percent|percentage|amount|balance|price|cost|fee|limit|rank|order|sort_order|position|index|idx|seq|sequence|version|level|weight|duration|age_group",
    ),
    neg("measure"),
  ],
  [
    end(
      "type|types|kind|category|categories|class|status|state|stage|template|templates|template_id|template_name|format|provider|domain|pattern|regex|policy|preference|preferences|frequency|channel|source|algorithm|algo|hash_algorithm|mode|method|label|visibility|scope|scopes|token_type|brand|network|issuer|mask|last4|last_4|last_four|lastfour|suffix|prefix|exp_month|exp_year|expiry_month|expiry_year|bin|locale|language|lang|timezone|tz|currency|country|country_code|region|city|town|state_code|province|county|zip|zip_code|zipcode|postal_code|postcode|plz|cp",
    ),
    neg("kind"),
  ],
  [end("id|ids|uuid|guid|key_id|ref|fk|pk|oid|sid"), neg("id")],
  [
    b(
      "order_(?:number|no|num|ref|code)|tracking(?:_number|_no|_code|_id)?|invoice_(?:number|no|num|seq|sequence)|transaction_(?:number|no|ref)|reference(?:_number|_no|_code)?|ref_(?:no|number|code)|confirmation_(?:number|code|no)|booking_(?:ref|reference|number|code)|po_(?:number|no)|sku|upc|ean|gtin|isbn|barcode|serial(?:_number|_no)?|part_number|model_number|job_number|ticket_(?:number|no)|case_number|claim_number|receipt_number|check_number|cheque_number|voucher|coupon(?:_code)?|promo_code|discount_code|lot_number|batch_number|shipment_(?:number|id)|waybill|awb|imei|vin|mac_address|mac|wallet_address",
    ),
    neg("reference number"),
  ],
  [
    b(
      "company|company_name|organization|organisation|org|business|employer|vendor|supplier|merchant|brand|manufacturer|carrier|bank_name|institution",
    ),
    neg("organisation"),
  ],
  [
    b(
      "checksum|etag|e_tag|digest|fingerprint|md5|sha1|sha256|sha512|crc|crc32|content_hash|file_hash|commit(?:_sha|_hash)?|git_sha|revision|build|nonce_count|integrity",
    ),
    neg("checksum"),
  ],
  [
    b(
      "color|colour|hex_color|hex|url|uri|link|href|website|homepage|web_address|path|file_path|filename|file_name|user_agent|ua|referrer_url|mime|mime_type|content_type|slug|hostname|host|domain_name|endpoint|callback_url|redirect_uri|avatar|image|logo|icon|photo_url",
    ),
    neg("web or file"),
  ],
  // Prose columns: the name says nothing, the free-text scan decides.
  [
    end(
      "body|subject|content|text|message|messages|notes|note|comment|comments|description|summary|html|transcript|remarks|feedback|bio|about|details|memo",
    ),
    neutral("prose"),
  ],
  // Positive hints.
  [
    b(
      "e_?mail(?:_?address|_?addr)?|emailaddress|mail_address|courriel|correo|email_\\w+_address|\\w+_email|contact_email|mail",
    ),
    h("email", "strong", "email"),
  ],
  [
    b(
      "phone(?:_?number|_?no|_?num)?|telephone|tel|tel_no|mobile(?:_number|_no|_phone)?|cell(?:_?phone|_number)?|cellphone|fax(?:_number)?|msisdn|contact_number|whatsapp|sms_number|caller_id|callback_number|landline|\\w+_phone|phone_\\w+|telefon|telefono|numero_telephone|handy",
    ),
    h("phone", "strong", "phone"),
  ],
  [
    b(
      "(?:credit_|debit_)?card_?(?:number|num|no|pan)|cc_?(?:number|num|no)|ccnum|credit_card(?:_number)?|debit_card|pan|primary_account_number|card",
    ),
    h("payment_card", "strong", "card number"),
  ],
  [
    b(
      "iban|bank_account(?:_number|_no)?|bank_acct|account_number|account_no|acct_(?:number|no|num)|acct|routing(?:_number|_no)?|aba(?:_number|_routing)?|sort_code|bsb|clabe|checking_account|savings_account|bank_number|kontonummer|rib|ach_account|\\w+_account_number",
    ),
    h("bank_account", "strong", "bank account"),
  ],
  [
    b(
      "password|passwd|pwd|pass_hash|passphrase|secret|secrets|client_secret|api_?key|apikey|access_?key|secret_?key|private_?key|signing_?key|encryption_?key|auth_?token|access_?token|refresh_?token|session_?token|id_token|bearer|bearer_token|otp_secret|totp(?:_secret)?|mfa_secret|2fa_secret|encrypted|ciphertext|encrypted_\\w+|\\w+_encrypted|credentials?|salt|webhook_secret|token|tokens|oauth_token|pin|pin_code|security_answer|recovery_codes?|password_hash|hashed_password|pw_hash",
    ),
    h("credential", "strong", "credential"),
  ],
  [
    b(
      "ip|ip_?address|ipaddr|ip_addr|client_ip|remote_ip|remote_addr|remote_address|x_forwarded_for|forwarded_for|last_ip|login_ip|ipv4|ipv6|source_ip|src_ip|dst_ip|user_ip|ip_allowlist|ip_whitelist",
    ),
    h("ip_address", "strong", "ip address"),
  ],
  // `long` is a length or a Java long as often as a longitude: a longitude by its values next to
  // a latitude column (see coordinate-pairs), never by the name alone.
  [end("long"), neutral("maybe a longitude")],
  [
    b(
      "lat|latitude|lng|lon|longitude|geo|geolocation|geo_?point|geopoint|coordinates|coords|coord|gps|geom|geometry|geog|geography|location_point|lat_lng|latlng|latlon|lat_lon",
    ),
    h("geolocation", "strong", "coordinates"),
  ],
  [
    b(
      "address|addresses|addr|street|street_address|street_line|address_line_?\\d|address_?\\d|line_?1|line_?2|mailing_address|billing_address|shipping_address|home_address|residence|postal_address|service_address|delivery_address|location_address|strasse|adresse|direccion|indirizzo|po_box",
    ),
    h("postal_address", "strong", "address"),
  ],
  [
    b(
      "firstname|lastname|fullname|name_first|name_last|name_full|fname|lname|surname|given_name|forename|maiden_name|nickname|cardholder|account_holder|beneficiary|next_of_kin|emergency_contact|spouse|guardian|vorname|nachname|nom|prenom|nombre|apellido|apellidos|cognome|people|persons|person|contact_person|signatory|legal_representative",
    ),
    h("person_name", "strong", "person name"),
  ],
  [
    end(
      "by|contact|recipient|sender|owner|assignee|author|handled_by|participant|participants|attendee|attendees|signer|holder|customer|client|patient|employee|member|login",
    ),
    h("person_name", "weak", "maybe a person"),
  ],
  [
    /^_(?:name|names|display_name|user_name|username|screen_name|nick)_$/,
    h("person_name", "weak", "maybe a person"),
  ],
  [b("\\w+_name|name_\\w+"), neg("a thing's name")],
];

const cache = new Map<string, NameSignal>();

/** The signal of a column or key name (cached: catalogs repeat names across tables). */
export function nameSignal(name: string): NameSignal {
  const hit = cache.get(name);
  if (hit) {
    return hit;
  }
  const key = `_${nameTokens(name).join("_")}_`;
  let signal: NameSignal = { kind: "neutral" };
  if (/^_(?:c|col|column|field|f|attr|v|val|value|data|x|var)?_?\d*_$/.test(key)) {
    signal = { kind: "neutral", rule: "opaque name" };
  } else {
    for (const [pattern, result] of RULES) {
      if (pattern.test(key)) {
        signal = result;
        break;
      }
    }
  }
  if (cache.size < 10_000) {
    cache.set(name, signal);
  }
  return signal;
}

/**
 * A comment's hint: only positive categories count (a comment saying "not used" proves nothing),
 * and only as weak evidence the values must confirm.
 */
export function commentSignal(comment: string | undefined): NameSignal {
  if (!comment) {
    return { kind: "neutral" };
  }
  const text = comment.toLowerCase();
  const checks: [RegExp, Category][] = [
    [/\b(e-?mail)\b/, "email"],
    [/\b(phone|telephone|mobile|fax)\b/, "phone"],
    [
      /\b(ssn|social security|passport|driver'?s? licen[cs]e|national (id|insurance)|tax id|sin)\b/,
      "government_id",
    ],
    [/\b(card number|credit card|pan)\b/, "payment_card"],
    [/\b(iban|bank account|routing number|account number)\b/, "bank_account"],
    [/\b(password|secret|api key|token|credential|encrypted)\b/, "credential"],
    [/\b(date of birth|birth ?date|birthday|dob)\b/, "date_of_birth"],
    [/\b(ip address)\b/, "ip_address"],
    [/\b(latitude|longitude|coordinates|gps|geolocation)\b/, "geolocation"],
    [/\b(street|postal address|mailing address|home address|address)\b/, "postal_address"],
    [
      /\b(first name|last name|full name|surname|person'?s name|customer name|contact name)\b/,
      "person_name",
    ],
  ];
  for (const [re, category] of checks) {
    if (re.test(text)) {
      return { kind: "hint", category, strength: "weak", rule: "comment" };
    }
  }
  return { kind: "neutral" };
}
