import type { Language } from "./countries.ts";
import type { JobType, Vertical } from "./vocabulary.ts";

/**
 * The trade vocabulary in German and French: job titles, trade labels and the words businesses
 * put after their owner's name. Keys are vocabulary.ts's job and vertical keys; the job keys
 * stay English in the data (they are codes), the titles people read are translated.
 */

// biome-ignore format: one job per line, like a table
const JOB_TITLES: Record<string, [de: string, fr: string]> = {
  lawn_mowing: ["Rasenmähen und Kantenschnitt", "Tonte et bordures"],
  spring_cleanup: ["Frühjahrsputz im Garten", "Nettoyage de printemps du jardin"],
  mulch_installation: ["Rindenmulch ausbringen", "Paillage des massifs"],
  hedge_trimming: ["Hecken- und Strauchschnitt", "Taille de haies et arbustes"],
  core_aeration: ["Rasen aerifizieren und nachsäen", "Aération et regarnissage du gazon"],
  irrigation_repair: ["Reparatur der Bewässerungsanlage", "Réparation de l'arrosage automatique"],
  sod_installation: ["Rollrasen verlegen", "Pose de gazon en rouleaux"],
  fall_cleanup: ["Laubentfernung im Herbst", "Ramassage des feuilles d'automne"],
  grounds_maintenance: ["Monatliche Grünflächenpflege", "Entretien mensuel des espaces verts"],
  commercial_irrigation: ["Prüfung der Bewässerungsanlage", "Audit du système d'arrosage"],
  snow_removal: ["Winterdienst Parkplatz", "Déneigement du parking"],
  seasonal_color: ["Saisonale Bepflanzung", "Plantations de saison"],
  landscape_renovation: ["Gartenumgestaltung", "Rénovation paysagère"],
  ac_tuneup: ["Wartung der Klimaanlage", "Entretien de la climatisation"],
  ac_repair: ["Klimaanlage kühlt nicht - Diagnose und Reparatur", "Climatisation en panne - diagnostic et réparation"],
  furnace_repair: ["Reparatur der Heizung", "Réparation de la chaudière"],
  thermostat_install: ["Einbau eines smarten Thermostats", "Installation d'un thermostat connecté"],
  duct_cleaning: ["Lüftungskanalreinigung", "Nettoyage des gaines de ventilation"],
  system_replacement: ["Austausch der Heizungs- und Klimaanlage", "Remplacement du système de chauffage et climatisation"],
  rtu_maintenance: ["Wartung der Dachklimageräte", "Maintenance préventive des rooftops"],
  commercial_repair: ["Reparatur Gewerbeklimaanlage", "Réparation climatisation tertiaire"],
  chiller_service: ["Kaltwassersatz-Service", "Entretien du groupe froid"],
  vrf_install: ["Installation VRF-System", "Installation d'un système DRV"],
  drain_cleaning: ["Küchenabfluss reinigen", "Débouchage évier de cuisine"],
  water_heater: ["Austausch des Warmwasserspeichers", "Remplacement du chauffe-eau"],
  leak_repair: ["Leckortung und Reparatur", "Recherche et réparation de fuite"],
  toilet_repair: ["WC-Reparatur", "Réparation des WC"],
  sewer_inspection: ["Kanal-TV-Inspektion", "Inspection caméra des canalisations"],
  frozen_pipe: ["Reparatur eingefrorener Leitung", "Réparation de canalisation gelée"],
  backflow_testing: ["Jährliche Prüfung Rückflussverhinderer", "Contrôle annuel du clapet anti-retour"],
  grease_trap: ["Fettabscheider-Service", "Vidange du bac à graisse"],
  commercial_repipe: ["Leitungserneuerung Sanitärräume", "Réfection de la tuyauterie des sanitaires"],
  hydro_jetting: ["Hochdruckspülung Hauptleitung", "Hydrocurage de la canalisation principale"],
  standard_clean: ["Unterhaltsreinigung Wohnung", "Ménage standard"],
  deep_clean: ["Grundreinigung", "Grand ménage"],
  move_out_clean: ["Endreinigung bei Auszug", "Nettoyage de fin de bail"],
  window_cleaning: ["Fensterreinigung innen und außen", "Nettoyage des vitres intérieur et extérieur"],
  carpet_cleaning: ["Teppichreinigung", "Shampouinage des moquettes"],
  office_janitorial: ["Büroreinigung", "Nettoyage de bureaux"],
  post_construction: ["Bauendreinigung", "Nettoyage de fin de chantier"],
  floor_strip_wax: ["Bodengrundreinigung und Einpflege", "Décapage et cirage des sols"],
  general_pest: ["Quartalsweise Schädlingsbekämpfung", "Traitement antiparasitaire trimestriel"],
  termite_inspection: ["Termiteninspektion", "Diagnostic termites"],
  termite_treatment: ["Termitenbehandlung", "Traitement anti-termites"],
  mosquito_treatment: ["Mückenschutzbehandlung", "Traitement anti-moustiques"],
  rodent_exclusion: ["Nagerabwehr", "Protection contre les rongeurs"],
  bed_bug_treatment: ["Bettwanzen-Wärmebehandlung", "Traitement thermique punaises de lit"],
  restaurant_program: ["Monatliches Schädlingsmonitoring Gastronomie", "Programme mensuel antiparasitaire restaurant"],
  warehouse_rodent: ["Nagermonitoring Lagerhalle", "Surveillance des rongeurs entrepôt"],
  commercial_fumigation: ["Begasung des Gebäudes", "Fumigation du bâtiment"],
  outlet_install: ["Steckdosen und Schalter installieren", "Pose de prises et interrupteurs"],
  panel_upgrade: ["Erneuerung des Zählerschranks", "Remplacement du tableau électrique"],
  lighting_install: ["Einbau von Einbauleuchten", "Pose de spots encastrés"],
  ev_charger: ["Installation Wallbox", "Installation d'une borne de recharge"],
  ceiling_fan: ["Deckenventilator montieren", "Pose d'un ventilateur de plafond"],
  troubleshooting: ["Elektro-Fehlersuche", "Recherche de panne électrique"],
  tenant_improvement: ["Elektroinstallation Mieterausbau", "Câblage aménagement locataire"],
  parking_lighting: ["LED-Umrüstung Parkplatz", "Passage en LED du parking"],
  commercial_service: ["Service-Einsatz Gewerbe", "Intervention de dépannage tertiaire"],
  weekly_cleaning: ["Wöchentliche Poolreinigung", "Nettoyage hebdomadaire de la piscine"],
  pool_opening: ["Pool-Inbetriebnahme", "Remise en service de la piscine"],
  pool_closing: ["Pool winterfest machen", "Hivernage de la piscine"],
  pump_repair: ["Reparatur der Poolpumpe", "Réparation de la pompe de piscine"],
  green_to_clean: ["Grünes Poolwasser sanieren", "Rattrapage d'eau verte"],
  hoa_maintenance: ["Poolpflege Wohnanlage", "Entretien de la piscine de copropriété"],
  hotel_pool_service: ["Pool- und Spa-Service Hotel", "Entretien piscine et spa d'hôtel"],
  resurfacing: ["Poolsanierung", "Rénovation du revêtement de piscine"],
  roof_inspection: ["Dachinspektion", "Inspection de toiture"],
  shingle_repair: ["Reparatur der Dachschindeln", "Réparation de bardeaux"],
  roof_replacement: ["Komplette Dacherneuerung", "Réfection complète de la toiture"],
  gutter_cleaning: ["Dachrinnenreinigung", "Nettoyage des gouttières"],
  storm_damage: ["Reparatur von Sturmschäden", "Réparation après tempête"],
  flat_roof_coating: ["Flachdachbeschichtung", "Étanchéité de toit-terrasse"],
  commercial_leak: ["Dachleck-Reparatur Gewerbe", "Réparation de fuite de toiture tertiaire"],
  annual_roof_survey: ["Jährliche Dachbegehung", "Visite annuelle de toiture"],
};

// biome-ignore format: one trade per line
const TRADES: Record<string, { de: [label: string, suffixes: string[]]; fr: [label: string, suffixes: string[]] }> = {
  landscaping: { de: ["Garten- und Landschaftsbau", ["Garten- und Landschaftsbau", "Gartenpflege", "Grünservice"]], fr: ["Paysagiste", ["Paysages", "Espaces Verts", "Jardins"]] },
  hvac: { de: ["Heizung und Klima", ["Haustechnik", "Heizung & Klima", "Kältetechnik"]], fr: ["Chauffage et climatisation", ["Chauffage", "Climatisation", "Thermique"]] },
  plumbing: { de: ["Sanitär", ["Sanitär", "Haustechnik", "Rohrservice"]], fr: ["Plomberie", ["Plomberie", "Dépannage", "Sanitaires"]] },
  cleaning: { de: ["Gebäudereinigung", ["Gebäudereinigung", "Reinigungsservice", "Glanz & Sauber"]], fr: ["Nettoyage", ["Nettoyage", "Propreté", "Services"]] },
  pest_control: { de: ["Schädlingsbekämpfung", ["Schädlingsbekämpfung", "Kammerjäger", "Hygieneschutz"]], fr: ["Dératisation et désinsectisation", ["Nuisibles", "3D Services", "Hygiène"]] },
  electrical: { de: ["Elektroinstallation", ["Elektrotechnik", "Elektro", "Elektroservice"]], fr: ["Électricité", ["Électricité", "Élec", "Électricité Générale"]] },
  pool_service: { de: ["Poolservice", ["Poolservice", "Schwimmbadtechnik", "Pool & Wellness"]], fr: ["Piscinistes", ["Piscines", "Piscine Services", "Eau Claire"]] },
  roofing: { de: ["Dachdeckerei", ["Bedachungen", "Dachdeckerei", "Dach & Fassade"]], fr: ["Couverture", ["Couverture", "Toitures", "Charpente Couverture"]] },
};

/** The job title people read, in the tenant's language. */
export function jobTitle(language: Language, type: JobType): string {
  if (language === "en") {
    return type.title;
  }
  const t = JOB_TITLES[type.key];
  return t ? (language === "de" ? t[0] : t[1]) : type.title;
}

/** The trade's label and business-name suffixes in the tenant's language. */
export function tradeWords(
  language: Language,
  vertical: Vertical,
): { label: string; suffixes: string[] } {
  const t = language === "en" ? undefined : TRADES[vertical.key]?.[language];
  return t
    ? { label: t[0], suffixes: t[1] }
    : { label: vertical.label, suffixes: vertical.nameSuffixes };
}

/** Kinds of commercial customers ({L} last name, {C} city, {S} street), in German and French. */
export const COMMERCIAL_NAMES: Record<"de" | "fr", string[]> = {
  de: [
    "Hausverwaltung {L}",
    "Zahnarztpraxis {C}",
    "{L} & {L2} Rechtsanwälte",
    "Wohnanlage {S}",
    "Hausarztpraxis {L}",
    "{L} Immobilien GmbH",
    "Einkaufszentrum {C}",
    "Restaurant {L}",
    "Ev. Kirchengemeinde {C}",
    "Kita {S}",
    "Autohaus {L}",
    "Bürohaus {S}",
    "Fitnessstudio {C}",
  ],
  fr: [
    "Cabinet dentaire de {C}",
    "Syndic {L}",
    "{L} & {L2} Avocats",
    "Résidence {S}",
    "Cabinet médical {L}",
    "SCI {L}",
    "Centre commercial de {C}",
    "Brasserie {L}",
    "École {S}",
    "Garage {L}",
    "Boulangerie {L}",
    "Salle de sport {C}",
  ],
};

/** The vertical with its titles, label and name suffixes in the tenant's language. */
export function localizeVertical(language: Language, vertical: Vertical): Vertical {
  if (language === "en") {
    return vertical;
  }
  const trade = tradeWords(language, vertical);
  const jobs = (list: JobType[]) => list.map((j) => ({ ...j, title: jobTitle(language, j) }));
  return {
    ...vertical,
    label: trade.label,
    nameSuffixes: trade.suffixes,
    residentialJobs: jobs(vertical.residentialJobs),
    commercialJobs: jobs(vertical.commercialJobs),
  };
}
