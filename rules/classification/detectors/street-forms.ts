/**
 * Streets written the German and French/Canadian ways, as regular expression sources that mean
 * the same in JavaScript and in Postgres (scrub's SQL twin in masking/strategies): ASCII and
 * Latin-1 classes spelled as ranges (ä, ß, é), no \d/\w shorthands. Each form anchors on its
 * number or its street word and has no nested quantifiers, so no backtracking blow-up.
 */

const STREET_LETTERS = "[-A-Za-zÀ-ÖØ-öø-ÿ'’]";
// Only at a word's start: a match tried from inside a long run of letters would rescan the run
// from every capital in it (quadratic).
const WORD_START = "(?<![-A-Za-zÀ-ÖØ-öø-ÿ'’])";
const STREET_CAPITAL = "[A-ZÀ-ÖØ-Þ]";
const FR_STREET_WORD =
  "(?:[Rr]ue|[Aa]venue|[Bb]oulevard|[Bb]d|[Aa]llée|[Aa]llee|[Cc]hemin|[Ii]mpasse|[Pp]lace|[Qq]uai|[Cc]ours|[Rr]oute|[Ss]quare|[Pp]assage|[Rr]ond-[Pp]oint|[Ee]splanade|[Pp]romenade|[Ss]entier|[Vv]oie|[Pp]arvis|[Mm]ontée|[Rr]ésidence|[Hh]ameau|[Ff]aubourg|[Rr]ang|[Cc]ôte|[Cc]roissant|[Tt]erasse|[Tt]errasse)";
// Written glued to the name's last word ("Oderstr.", "Albert-Zarthe-Weg", "Hauptstraße"), and
// the field, farm, hill and brook names many German streets carry ("Köttershof", "Heidehöhe",
// "Imbach"): in prose these still need their house number to count.
const DE_STREET_GLUED =
  "[Ss]tr\\.|[Ss]traße|[Ss]trasse|[Ww]eg|[Pp]latz|[Aa]llee|[Rr]ing|[Gg]asse|[Dd]amm|[Uu]fer|[Cc]haussee|[Pp]fad|[Kk]amp|[Ss]tieg|[Ss]teig|[Mm]arkt|[Gg]raben|[Pp]romenade|[Ss]tr|[Hh]of|[Hh]öhe|[Kk]ämpchen|[Kk]ämp|[Gg]arten|[Gg]ärten|[Ff]eld|[Ww]iesen?|[Bb]erg|[Bb]ach|[Mm]ühle|[Bb]ruch|[Tt]h?al|[Hh]ausen|[Hh]eim|[Bb]urg|[Bb]lick|[Hh]ecke|[Pp]fuhl|[Hh]ütte|[Kk]irche|[Ss]iedlung|[Hh]eide|[Hh]ain|[Ww]inkel|[Aa]nger|[Kk]uhle|[Dd]elle|[Dd]riesch|[Ss]iefen|[Ff]lucht|[Ss]tall|[Ll]ach|[Rr]ath|[Bb]usch|[Hh]äuschen|[Gg]äßchen|[Gg]ässchen";
// Written as a word of its own after an adjective ("Marienburger Str.", "Berliner Allee").
const DE_STREET_WORD =
  "Str\\.|Straße|Strasse|Weg|Platz|Allee|Ring|Gasse|Damm|Ufer|Chaussee|Pfad|Markt|Landstr\\.|Landstraße|Hof|Höhe|Kämpchen|Garten|Gärten|Feld|Wiesen?|Berg|Mühle|Hecke|Kamp|Heide|Winkel|Anger|Gäßchen|Gässchen|Aussicht";
const DE_STREET_LEAD =
  "Am|Im|Zum|Zur|An der|An den|An dem|An St\\.|Auf der|Auf dem|Auf den|In der|In den|In dem|Unter den|Unter der|Unter dem|Ober dem|Ober der|Hinter der|Hinter dem|Hinter den|Vor dem|Vor der|Vor den|Bei der|Beim|Alt|Alte|Alter|Altes|Alten|Neue|Neuer|Neues|Hohe|Hoher|Große|Großer|Kleine|Kleiner|Obere|Oberer|Untere|Unterer|Lange|Langer|Schöne|Schöner|Gut";
// An adjective of the lead ("Zur alten Fabrik"): a closed list, so "Zum günstigen Preis 49" is
// no street.
const DE_LEAD_ADJECTIVE =
  "(?:alten|neuen|hohen|langen|großen|kleinen|grünen|schönen|oberen|unteren|weißen|roten|schwarzen) ";
// Words after a lead that make it a date or a reference, not a street ("Im Januar 2025", "Am
// Montag 12 Uhr", "Im Kapitel 12").
const DE_LEAD_NOT =
  "(?!(?:Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember|Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag|Wochenende|Jahr|Jahre|Jahren|Monat|Quartal|Kapitel|Abschnitt|Absatz|Artikel|Paragraph|Teil|Band|Heft|Raum|Zimmer|Zeitraum|Durchschnitt|Schnitt|Rahmen|Vergleich|Moment|Anschluss)(?![-A-Za-zÀ-ÖØ-öø-ÿ'’]))";
// A name's word may be an abbreviation ("An der Evgl. Kirche", "Große Kirchstr.").
const DE_NAME_WORD = `${STREET_CAPITAL}${STREET_LETTERS}*\\.?`;
// A German house number: "22", "197a", "38c", "12-14"; not the start of a longer number or word.
const HOUSE_NUMBER = "[0-9]{1,4}[a-zA-Z]?(?:-[0-9]{1,4}[a-zA-Z]?)?(?![0-9A-Za-zÀ-ÖØ-öø-ÿ])";

export const STREET_FORMS = {
  // A house number (with "bis"/"ter" or a letter), a street word ("rue", "Avenue", "allée"), then
  // its name's words and articles: "12 bis rue de la Paix", "1234 Rue Sherbrooke Ouest".
  french: `[0-9]{1,5}(?: ?(?:bis|ter|[A-Da-d]))?,? ${FR_STREET_WORD}(?: [dDlL]['’]${STREET_LETTERS}+| (?:des|de|du|la|le|les|aux|au|sur|en)(?= [A-Za-zÀ-ÖØ-öø-ÿ])| ${STREET_CAPITAL}${STREET_LETTERS}*){1,6}`,
  // A name ending in a street word ("Emil-Nolde-Str.", "Oderstr.", "Marienburger Str.") or led
  // by a preposition or adjective ("Am Rosenhügel", "An der Schmitten", "Alte Ziegelei"), then
  // the house number ("38c").
  german: [
    // Initials inside a hyphenated name ("A.-W.-v.-Hofmann-Str.", "Dr.-August-Blank-Str."), an
    // adjective before a glued name ("Dünnwalder Grenzweg", "St. Ingberter Str.").
    `${WORD_START}(?:St\\. )?(?:${STREET_CAPITAL}${STREET_LETTERS}*er )?${STREET_CAPITAL}(?:${STREET_LETTERS}|\\.-)*(?:${DE_STREET_GLUED}) ${HOUSE_NUMBER}`,
    `${WORD_START}(?:St\\. )?${STREET_CAPITAL}${STREET_LETTERS}* (?:${DE_STREET_WORD}) ${HOUSE_NUMBER}`,
    `${WORD_START}(?:${DE_STREET_LEAD}) ${DE_LEAD_NOT}(?:${DE_LEAD_ADJECTIVE})?${DE_NAME_WORD}(?: ${DE_NAME_WORD})? ${HOUSE_NUMBER}`,
  ],
} as const;
