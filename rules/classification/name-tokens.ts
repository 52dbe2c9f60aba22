/**
 * Column and key names as tokens the name rules read: `billingAddressLine1`, `Email-Address`,
 * `customer.email` and `TELEFONNUMMER` split into lower-case words, then abbreviations and German,
 * French and Spanish words rewritten to the English words the rules know (`vorname` → `first
 * name`, `date_de_naissance` → `birth date`, `dl` → `driver license`). German compounds are split
 * on the words they end in (`Kundentelefonnummer` → `customer phone number`). The rewrite only
 * adds words the rules already judge: a name stays a hint that values must confirm.
 */

const PLURALS: Record<string, string> = {
  emails: "email",
  phones: "phone",
  addresses: "address",
  names: "name",
  ips: "ip",
  cards: "card",
  passwords: "password",
  contacts: "contact",
};

/** Single words (lower case, accents folded) and what they mean in the rules' English. */
const WORDS: Record<string, string> = {
  // Abbreviations.
  dl: "driver_license",
  lic: "license",
  licence: "license",
  mob: "mobile",
  tel: "phone",
  telno: "phone",
  addr: "address",
  adr: "address",
  dob: "date_of_birth",
  bday: "birthday",
  nhs: "nhs_number",
  mbi: "medicare_number",
  medicare: "medicare_number",
  medicaid: "medicaid_number",
  // German.
  vorname: "first_name",
  vornamen: "first_name",
  nachname: "last_name",
  familienname: "last_name",
  geburtsname: "maiden_name",
  geburtsdatum: "date_of_birth",
  geburtstag: "birthday",
  anschrift: "address",
  adresse: "address",
  wohnadresse: "home_address",
  strasse: "street",
  hausnummer: "street_number",
  telefon: "phone",
  handy: "mobile",
  mobilnummer: "mobile",
  rufnummer: "phone",
  kontonummer: "account_number",
  bankleitzahl: "routing_number",
  blz: "routing_number",
  steuernummer: "tax_id",
  steuerid: "tax_id",
  steueridentifikationsnummer: "tax_id",
  personalausweis: "id_card",
  ausweis: "id_card",
  ausweisnummer: "id_card_number",
  reisepass: "passport",
  sozialversicherungsnummer: "social_security_number",
  svnr: "social_security_number",
  fuehrerschein: "driver_license",
  fuhrerschein: "driver_license",
  kennwort: "password",
  passwort: "password",
  kunde: "customer",
  kunden: "customer",
  mitarbeiter: "employee",
  gastgeber: "host",
  // French.
  prenom: "first_name",
  nom: "last_name",
  naissance: "birth",
  rue: "street",
  ville: "city",
  telephone: "phone",
  portable: "mobile",
  courriel: "email",
  insee: "social_security_number",
  nir: "social_security_number",
  secu: "social_security",
  securite: "security",
  sociale: "social",
  passe: "password",
  carte: "card",
  bancaire: "bank",
  permis: "driver_license",
  conduire: "driver_license",
  // Spanish.
  nombre: "first_name",
  apellido: "last_name",
  apellidos: "last_name",
  nacimiento: "birth",
  direccion: "address",
  domicilio: "address",
  calle: "street",
  ciudad: "city",
  telefono: "phone",
  movil: "mobile",
  celular: "mobile",
  correo: "email",
  contrasena: "password",
  clave: "password",
  cuenta: "account",
  tarjeta: "card",
  pasaporte: "passport",
  licencia: "license",
  conducir: "driver_license",
  nss: "social_security_number",
  curp: "national_id",
  rfc: "tax_id",
  nuip: "national_id",
  // National ids named by their abbreviation.
  hetu: "national_id",
  rrn: "national_id",
  tckn: "national_id",
  tckimlik: "national_id",
  kimlik: "national_id",
  pesel: "national_id",
  cpr: "national_id",
  aadhaar_number: "aadhaar",
  aadhar: "aadhaar",
  uidai: "aadhaar",
  amka: "national_id",
  bsn: "national_id",
  cnp: "national_id",
  egn: "national_id",
  jmbg: "national_id",
};

/** Phrases over several tokens (after the word rewrite), in the rules' English. */
const PHRASES: [RegExp, string][] = [
  [/_date_(?:de_|of_)?birth_/g, "_date_of_birth_"],
  [/_fecha_(?:de_)?birth_/g, "_date_of_birth_"],
  [/_(?:date|dt)_birth_/g, "_date_of_birth_"],
  [/_last_name_(?:de_)?famille_/g, "_last_name_"],
  [/_code_postal_|_codigo_postal_/g, "_postal_code_"],
  [/_(?:numero_|num_|no_)?social_security(?:_number)?_/g, "_social_security_number_"],
  [/_(?:numero_)?(?:seguro|security)_social_/g, "_social_security_number_"],
  [/_password_(?:de_)?password_|_mot_(?:de_)?password_/g, "_password_"],
  [/_driver_license_(?:de_)?driver_license_/g, "_driver_license_"],
  [/_card_bank_/g, "_card_number_"],
  [/_email_electronico_/g, "_email_"],
  [/_driver_license_(?:no|num|nr|number)_/g, "_driver_license_number_"],
  [/_license_(?:no|num|nr)_/g, "_license_number_"],
];

/** The words German compounds end in, and their English. */
const COMPOUND_ENDS: [string, string][] = [
  ["nummer", "number"],
  ["datum", "date"],
  ["name", "name"],
  ["adresse", "address"],
  ["strasse", "street"],
  ["telefon", "phone"],
  ["konto", "account"],
];

function fold(token: string): string {
  return token.normalize("NFD").replace(/\p{M}/gu, "").replace(/ß/g, "ss");
}

function rewrite(token: string): string {
  const known = WORDS[token] ?? PLURALS[token];
  if (known) {
    return known;
  }
  for (const [suffix, english] of COMPOUND_ENDS) {
    if (token.length > suffix.length + 2 && token.endsWith(suffix)) {
      const head = token.slice(0, -suffix.length).replace(/s$/, "");
      const headWord = WORDS[head] ?? WORDS[`${head}s`];
      if (headWord) {
        return `${headWord}_${english}`;
      }
    }
  }
  return token;
}

/** Splits and rewrites a name into the rules' lower-case English tokens. */
export function nameTokens(name: string): string[] {
  const raw = fold(name)
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0);
  let key = `_${raw.map(rewrite).join("_")}_`;
  for (const [pattern, replacement] of PHRASES) {
    key = key.replace(pattern, replacement);
  }
  return key.split("_").filter((t) => t.length > 0);
}
