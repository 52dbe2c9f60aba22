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
  "[Ss]tr\\.|[Ss]traße|[Ss]trasse|[Ww]eg|[Pp]latz|[Aa]llee|[Rr]ing|[Gg]asse|[Dd]amm|[Uu]fer|[Cc]haussee|[Pp]fad|[Kk]amp|[Ss]tieg|[Ss]teig|[Mm]arkt|[Gg]raben|[Pp]romenade|[Ss]tr|[Hh]of|[Hh]öhe|[Kk]ämpchen|[Gg]arten|[Gg]ärten|[Ff]eld|[Ww]iesen?|[Bb]erg|[Bb]ach|[Mm]ühle|[Bb]ruch|[Tt]h?al|[Hh]ausen|[Hh]eim|[Bb]urg|[Bb]lick|[Hh]ecke|[Pp]fuhl|[Hh]ütte|[Kk]irche|[Ss]iedlung|[Hh]eide|[Hh]ain|[Ww]inkel|[Aa]nger";
// Written as a word of its own after an adjective ("Marienburger Str.", "Berliner Allee").
const DE_STREET_WORD =
  "Str\\.|Straße|Strasse|Weg|Platz|Allee|Ring|Gasse|Damm|Ufer|Chaussee|Pfad|Markt|Landstr\\.|Landstraße|Hof|Höhe|Kämpchen|Garten|Gärten|Feld|Wiesen?|Berg|Mühle|Hecke|Kamp|Heide|Winkel|Anger";
const DE_STREET_LEAD =
  "Am|Im|Zum|Zur|An der|An den|An dem|Auf der|Auf dem|Auf den|In der|In den|In dem|Unter den|Unter der|Hinter der|Hinter dem|Hinter den|Vor dem|Vor der|Vor den|Bei der|Beim|Alte|Alter|Altes|Alten|Neue|Neuer|Neues|Hohe|Hoher|Große|Großer|Kleine|Kleiner|Obere|Oberer|Untere|Unterer|Lange|Langer";
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
    `${WORD_START}${STREET_CAPITAL}${STREET_LETTERS}*(?:${DE_STREET_GLUED}) ${HOUSE_NUMBER}`,
    `${WORD_START}${STREET_CAPITAL}${STREET_LETTERS}* (?:${DE_STREET_WORD}) ${HOUSE_NUMBER}`,
    `${WORD_START}(?:${DE_STREET_LEAD}) ${STREET_CAPITAL}${STREET_LETTERS}*(?: ${STREET_CAPITAL}${STREET_LETTERS}*)? ${HOUSE_NUMBER}`,
  ],
} as const;
