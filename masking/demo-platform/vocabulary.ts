/**
 * Hand-written domain vocabulary: where the businesses are, what they sell, what they buy and
 * when their customers want it. Faker supplies people and places (pools.ts); this file supplies
 * the trade knowledge faker has none of, which is what makes jobs, materials and seasonality
 * look like a real field-service business.
 */

export type Metro = {
  name: string;
  state: string;
  cities: string[];
  areaCodes: string[];
  zip3: string;
  timezone: string;
  /** Standard-time offset from UTC in hours (DST ignored: it shifts nothing that matters here). */
  utcOffset: number;
  /** Combined sales tax in basis points (825 = 8.25%). */
  taxBp: number;
  weight: number;
  /** Outside the US (absent: US); `state` is then the province, Land or région code. */
  country?: "CA" | "DE" | "FR";
  /** Postcodes (or prefixes completed at random) by city; absent: `zip3` and two digits. */
  postcodes?: Record<string, string[]>;
};

// Weights follow the seed generator's state mix (CA .25, TX .15, FL .15, NY .20, IL .25) with a
// few other metros so that not every demo tenant sits in five states.
// biome-ignore format: one metro per line, like a table
export const METROS: Metro[] = [
  { name: "Los Angeles", state: "CA", cities: ["Los Angeles", "Pasadena", "Glendale", "Burbank", "Santa Monica", "Torrance"], areaCodes: ["213", "310", "323", "818"], zip3: "900", timezone: "America/Los_Angeles", utcOffset: -8, taxBp: 950, weight: 10 },
  { name: "San Diego", state: "CA", cities: ["San Diego", "Chula Vista", "Escondido", "Carlsbad", "Oceanside"], areaCodes: ["619", "858", "760"], zip3: "921", timezone: "America/Los_Angeles", utcOffset: -8, taxBp: 775, weight: 7 },
  { name: "Sacramento", state: "CA", cities: ["Sacramento", "Elk Grove", "Roseville", "Folsom", "Davis"], areaCodes: ["916", "279"], zip3: "958", timezone: "America/Los_Angeles", utcOffset: -8, taxBp: 875, weight: 6 },
  { name: "Austin", state: "TX", cities: ["Austin", "Round Rock", "Cedar Park", "Pflugerville", "Georgetown", "Leander"], areaCodes: ["512", "737"], zip3: "787", timezone: "America/Chicago", utcOffset: -6, taxBp: 825, weight: 5 },
  { name: "Dallas", state: "TX", cities: ["Dallas", "Plano", "Frisco", "Irving", "Garland", "McKinney"], areaCodes: ["214", "469", "972"], zip3: "752", timezone: "America/Chicago", utcOffset: -6, taxBp: 825, weight: 5 },
  { name: "Houston", state: "TX", cities: ["Houston", "Katy", "Sugar Land", "Pearland", "The Woodlands"], areaCodes: ["713", "281", "832"], zip3: "770", timezone: "America/Chicago", utcOffset: -6, taxBp: 825, weight: 4 },
  { name: "Miami", state: "FL", cities: ["Miami", "Hialeah", "Coral Gables", "Doral", "Homestead"], areaCodes: ["305", "786"], zip3: "331", timezone: "America/New_York", utcOffset: -5, taxBp: 700, weight: 5 },
  { name: "Orlando", state: "FL", cities: ["Orlando", "Kissimmee", "Winter Park", "Sanford", "Apopka"], areaCodes: ["407", "321"], zip3: "328", timezone: "America/New_York", utcOffset: -5, taxBp: 650, weight: 5 },
  { name: "Tampa", state: "FL", cities: ["Tampa", "St. Petersburg", "Clearwater", "Brandon", "Largo"], areaCodes: ["813", "727"], zip3: "336", timezone: "America/New_York", utcOffset: -5, taxBp: 750, weight: 4 },
  { name: "New York", state: "NY", cities: ["Brooklyn", "Queens", "Bronx", "Staten Island", "Yonkers"], areaCodes: ["718", "347", "917"], zip3: "112", timezone: "America/New_York", utcOffset: -5, taxBp: 888, weight: 11 },
  { name: "Long Island", state: "NY", cities: ["Hempstead", "Huntington", "Levittown", "Hicksville", "Freeport"], areaCodes: ["516", "631"], zip3: "117", timezone: "America/New_York", utcOffset: -5, taxBp: 863, weight: 8 },
  { name: "Chicago", state: "IL", cities: ["Chicago", "Evanston", "Oak Park", "Naperville", "Schaumburg", "Skokie"], areaCodes: ["312", "773", "847", "630"], zip3: "606", timezone: "America/Chicago", utcOffset: -6, taxBp: 1025, weight: 16 },
  { name: "Rockford", state: "IL", cities: ["Rockford", "Belvidere", "Loves Park", "Machesney Park"], areaCodes: ["815", "779"], zip3: "611", timezone: "America/Chicago", utcOffset: -6, taxBp: 875, weight: 6 },
  { name: "Denver", state: "CO", cities: ["Denver", "Aurora", "Lakewood", "Littleton", "Arvada"], areaCodes: ["303", "720"], zip3: "802", timezone: "America/Denver", utcOffset: -7, taxBp: 881, weight: 3 },
  { name: "Phoenix", state: "AZ", cities: ["Phoenix", "Mesa", "Scottsdale", "Tempe", "Chandler"], areaCodes: ["602", "480"], zip3: "850", timezone: "America/Phoenix", utcOffset: -7, taxBp: 860, weight: 3 },
  { name: "Atlanta", state: "GA", cities: ["Atlanta", "Marietta", "Decatur", "Alpharetta", "Smyrna"], areaCodes: ["404", "678", "770"], zip3: "303", timezone: "America/New_York", utcOffset: -5, taxBp: 890, weight: 2 },
];

export type JobType = {
  key: string;
  title: string;
  /** Multiplier on the customer's typical job value. */
  factor: number;
  /** Typical on-site hours. */
  hours: number;
  /** Months (1-12) in which this job is asked for; empty = all year. */
  months?: number[];
};

export type Material = { name: string; unit: string; minCents: number; maxCents: number };

export type Vertical = {
  key: string;
  label: string;
  businessType: string;
  nameSuffixes: string[];
  residentialJobs: JobType[];
  commercialJobs: JobType[];
  materials: Material[];
  suppliers: string[];
  skills: string[];
  certifications: string[];
  /** Residential demand by month (index 0 = January); commercial demand is flat. */
  season: number[];
  /** Typical residential / commercial job value in cents (the seed: ~$450 vs ~$2,500). */
  residentialValue: number;
  commercialValue: number;
};

// The seed's residential seasonality: 1.5 in April–August, 0.8 otherwise.
const SPRING_SUMMER = [0.8, 0.8, 0.8, 1.5, 1.5, 1.5, 1.5, 1.5, 0.8, 0.8, 0.8, 0.8];

export const VERTICALS: Vertical[] = [
  {
    key: "landscaping",
    label: "Lawn Care & Landscaping",
    businessType: "home_services",
    nameSuffixes: ["Lawn & Landscape", "Landscaping", "Green Pros", "Lawn Care", "Outdoor Living"],
    residentialJobs: [
      { key: "lawn_mowing", title: "Lawn mowing and edging", factor: 0.3, hours: 1 },
      {
        key: "spring_cleanup",
        title: "Spring yard cleanup",
        factor: 1.0,
        hours: 3,
        months: [3, 4, 5],
      },
      {
        key: "mulch_installation",
        title: "Mulch bed installation",
        factor: 1.2,
        hours: 4,
        months: [3, 4, 5, 6],
      },
      { key: "hedge_trimming", title: "Hedge and shrub trimming", factor: 0.7, hours: 2 },
      {
        key: "core_aeration",
        title: "Core aeration and overseeding",
        factor: 0.9,
        hours: 2,
        months: [4, 5, 9, 10],
      },
      { key: "irrigation_repair", title: "Sprinkler system repair", factor: 0.8, hours: 2 },
      {
        key: "sod_installation",
        title: "Sod installation",
        factor: 3.0,
        hours: 8,
        months: [4, 5, 6, 7, 8, 9],
      },
      { key: "fall_cleanup", title: "Fall leaf cleanup", factor: 1.0, hours: 3, months: [10, 11] },
    ],
    commercialJobs: [
      { key: "grounds_maintenance", title: "Monthly grounds maintenance", factor: 0.8, hours: 6 },
      { key: "commercial_irrigation", title: "Irrigation system audit", factor: 0.9, hours: 5 },
      {
        key: "snow_removal",
        title: "Parking lot snow removal",
        factor: 0.7,
        hours: 4,
        months: [12, 1, 2],
      },
      {
        key: "seasonal_color",
        title: "Seasonal color installation",
        factor: 1.3,
        hours: 8,
        months: [3, 4, 9, 10],
      },
      { key: "landscape_renovation", title: "Landscape renovation", factor: 2.5, hours: 16 },
    ],
    materials: [
      { name: "Hardwood mulch", unit: "cu yd", minCents: 3500, maxCents: 5500 },
      { name: "Bermuda sod", unit: "pallet", minCents: 18000, maxCents: 26000 },
      { name: "Tall fescue seed blend", unit: "lb", minCents: 300, maxCents: 600 },
      { name: "Slow-release fertilizer 24-0-11", unit: "bag", minCents: 3200, maxCents: 5400 },
      { name: "Rotor sprinkler head", unit: "each", minCents: 900, maxCents: 2400 },
      { name: "Drip irrigation tubing", unit: "ft", minCents: 25, maxCents: 60 },
      { name: "Landscape fabric", unit: "roll", minCents: 2500, maxCents: 4500 },
      { name: "Annual flats", unit: "flat", minCents: 1800, maxCents: 3200 },
      { name: "River rock", unit: "ton", minCents: 9000, maxCents: 16000 },
      { name: "Ice melt", unit: "bag", minCents: 1200, maxCents: 2200 },
    ],
    suppliers: [
      "SiteOne Landscape Supply",
      "Ewing Irrigation",
      "Home Depot Pro",
      "Lowe's Pro",
      "Local Nursery Wholesale",
    ],
    skills: [
      "lawn care",
      "irrigation",
      "hardscaping",
      "tree trimming",
      "pesticide application",
      "equipment repair",
    ],
    certifications: [
      "Certified Landscape Technician",
      "Pesticide Applicator License",
      "Irrigation Association CLIA",
    ],
    season: SPRING_SUMMER,
    residentialValue: 45_000,
    commercialValue: 250_000,
  },
  {
    key: "hvac",
    label: "Heating & Air Conditioning",
    businessType: "home_services",
    nameSuffixes: [
      "Heating & Air",
      "HVAC",
      "Comfort Systems",
      "Air Conditioning",
      "Climate Control",
    ],
    residentialJobs: [
      { key: "ac_tuneup", title: "AC tune-up", factor: 0.35, hours: 1.5, months: [3, 4, 5, 6] },
      {
        key: "ac_repair",
        title: "AC not cooling - diagnose and repair",
        factor: 1.0,
        hours: 2.5,
        months: [5, 6, 7, 8, 9],
      },
      {
        key: "furnace_repair",
        title: "Furnace repair",
        factor: 1.0,
        hours: 2.5,
        months: [11, 12, 1, 2, 3],
      },
      {
        key: "thermostat_install",
        title: "Smart thermostat installation",
        factor: 0.6,
        hours: 1.5,
      },
      { key: "duct_cleaning", title: "Air duct cleaning", factor: 0.9, hours: 3 },
      { key: "system_replacement", title: "HVAC system replacement", factor: 6.0, hours: 10 },
    ],
    commercialJobs: [
      {
        key: "rtu_maintenance",
        title: "Rooftop unit preventive maintenance",
        factor: 0.8,
        hours: 6,
      },
      { key: "commercial_repair", title: "Commercial HVAC repair", factor: 1.2, hours: 6 },
      { key: "chiller_service", title: "Chiller service", factor: 1.6, hours: 8 },
      { key: "vrf_install", title: "VRF system installation", factor: 4.0, hours: 24 },
    ],
    materials: [
      { name: "R-410A refrigerant", unit: "lb", minCents: 6000, maxCents: 9500 },
      { name: "Run capacitor 45/5 MFD", unit: "each", minCents: 1800, maxCents: 4200 },
      { name: "Contactor 40A", unit: "each", minCents: 1500, maxCents: 3500 },
      { name: "Pleated air filter 16x25x1", unit: "each", minCents: 900, maxCents: 2200 },
      { name: "Smart thermostat", unit: "each", minCents: 14000, maxCents: 24000 },
      { name: "Flex duct 8in", unit: "ft", minCents: 150, maxCents: 400 },
      { name: "Igniter", unit: "each", minCents: 2500, maxCents: 6000 },
      { name: "Condensate pump", unit: "each", minCents: 5500, maxCents: 9500 },
      { name: "3-ton condenser", unit: "each", minCents: 180000, maxCents: 320000 },
    ],
    suppliers: ["Ferguson HVAC", "Johnstone Supply", "Watsco", "Carrier Enterprise", "RE Michel"],
    skills: [
      "refrigeration",
      "gas furnaces",
      "heat pumps",
      "ductwork",
      "controls",
      "EPA 608 recovery",
    ],
    certifications: ["EPA Section 608 Universal", "NATE Certified", "State Mechanical License"],
    season: [1.2, 1.1, 0.8, 0.9, 1.2, 1.6, 1.7, 1.6, 1.0, 0.8, 0.9, 1.2],
    residentialValue: 52_000,
    commercialValue: 280_000,
  },
  {
    key: "plumbing",
    label: "Plumbing",
    businessType: "home_services",
    nameSuffixes: ["Plumbing", "Plumbing & Drain", "Rooter", "Plumbing Co.", "Pipe Pros"],
    residentialJobs: [
      { key: "drain_cleaning", title: "Kitchen drain cleaning", factor: 0.5, hours: 1.5 },
      { key: "water_heater", title: "Water heater replacement", factor: 3.2, hours: 4 },
      { key: "leak_repair", title: "Leak detection and repair", factor: 1.0, hours: 2 },
      { key: "toilet_repair", title: "Toilet repair", factor: 0.5, hours: 1 },
      { key: "sewer_inspection", title: "Sewer camera inspection", factor: 0.8, hours: 2 },
      {
        key: "frozen_pipe",
        title: "Frozen pipe repair",
        factor: 1.2,
        hours: 3,
        months: [12, 1, 2],
      },
    ],
    commercialJobs: [
      { key: "backflow_testing", title: "Annual backflow testing", factor: 0.4, hours: 3 },
      { key: "grease_trap", title: "Grease trap service", factor: 0.6, hours: 4 },
      { key: "commercial_repipe", title: "Restroom repipe", factor: 3.0, hours: 20 },
      { key: "hydro_jetting", title: "Main line hydro jetting", factor: 1.0, hours: 5 },
    ],
    materials: [
      { name: "50 gal gas water heater", unit: "each", minCents: 85000, maxCents: 140000 },
      { name: "PEX tubing 3/4in", unit: "ft", minCents: 80, maxCents: 180 },
      { name: "Copper fittings assortment", unit: "kit", minCents: 2500, maxCents: 6000 },
      { name: "Wax ring and bolts", unit: "kit", minCents: 600, maxCents: 1500 },
      { name: "Fill valve", unit: "each", minCents: 1200, maxCents: 2800 },
      { name: "Ball valve 1in", unit: "each", minCents: 1800, maxCents: 4200 },
      { name: "PVC pipe 4in", unit: "ft", minCents: 300, maxCents: 700 },
      { name: "Backflow test kit calibration", unit: "each", minCents: 4500, maxCents: 9000 },
    ],
    suppliers: [
      "Ferguson Plumbing",
      "Winsupply",
      "Hajoca",
      "Home Depot Pro",
      "Consolidated Supply",
    ],
    skills: [
      "drain cleaning",
      "water heaters",
      "repiping",
      "gas lines",
      "backflow testing",
      "camera inspection",
    ],
    certifications: [
      "Journeyman Plumber License",
      "Backflow Tester Certification",
      "Medical Gas Installer",
    ],
    season: [1.3, 1.2, 1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 1.0, 1.1, 1.3],
    residentialValue: 48_000,
    commercialValue: 230_000,
  },
  {
    key: "cleaning",
    label: "Residential & Commercial Cleaning",
    businessType: "home_services",
    nameSuffixes: ["Cleaning Co.", "Maids", "Cleaning Services", "Home Cleaning", "Janitorial"],
    residentialJobs: [
      { key: "standard_clean", title: "Standard home cleaning", factor: 0.4, hours: 3 },
      {
        key: "deep_clean",
        title: "Deep cleaning",
        factor: 1.0,
        hours: 6,
        months: [3, 4, 5, 11, 12],
      },
      {
        key: "move_out_clean",
        title: "Move-out cleaning",
        factor: 1.3,
        hours: 7,
        months: [5, 6, 7, 8],
      },
      {
        key: "window_cleaning",
        title: "Interior and exterior window cleaning",
        factor: 0.7,
        hours: 3,
      },
      { key: "carpet_cleaning", title: "Carpet steam cleaning", factor: 0.8, hours: 3 },
    ],
    commercialJobs: [
      { key: "office_janitorial", title: "Office janitorial service", factor: 0.6, hours: 8 },
      { key: "post_construction", title: "Post-construction cleanup", factor: 2.0, hours: 20 },
      { key: "floor_strip_wax", title: "Floor strip and wax", factor: 1.1, hours: 10 },
    ],
    materials: [
      { name: "Multi-surface cleaner concentrate", unit: "gal", minCents: 1800, maxCents: 3500 },
      { name: "Microfiber cloths", unit: "pack", minCents: 1200, maxCents: 2500 },
      { name: "HEPA vacuum bags", unit: "pack", minCents: 1500, maxCents: 3000 },
      { name: "Floor finish", unit: "gal", minCents: 3500, maxCents: 6500 },
      { name: "Carpet pre-spray", unit: "gal", minCents: 2200, maxCents: 4000 },
      { name: "Trash liners 55 gal", unit: "case", minCents: 3000, maxCents: 5500 },
    ],
    suppliers: [
      "Uline",
      "Waxie Sanitary Supply",
      "Costco Business Center",
      "Grainger",
      "Staples Business",
    ],
    skills: ["deep cleaning", "carpet care", "floor care", "window cleaning", "sanitization"],
    certifications: [
      "IICRC Carpet Cleaning Technician",
      "OSHA Bloodborne Pathogens",
      "GBAC Trained",
    ],
    season: [0.8, 0.8, 1.3, 1.5, 1.4, 1.2, 1.1, 1.1, 0.9, 0.9, 1.1, 1.3],
    residentialValue: 22_000,
    commercialValue: 150_000,
  },
  {
    key: "pest_control",
    label: "Pest Control",
    businessType: "home_services",
    nameSuffixes: [
      "Pest Control",
      "Exterminating",
      "Pest Solutions",
      "Termite & Pest",
      "Bug Busters",
    ],
    residentialJobs: [
      { key: "general_pest", title: "Quarterly general pest treatment", factor: 0.35, hours: 1 },
      { key: "termite_inspection", title: "Termite inspection", factor: 0.4, hours: 1.5 },
      { key: "termite_treatment", title: "Termite treatment", factor: 3.0, hours: 6 },
      {
        key: "mosquito_treatment",
        title: "Mosquito barrier treatment",
        factor: 0.3,
        hours: 1,
        months: [5, 6, 7, 8, 9],
      },
      {
        key: "rodent_exclusion",
        title: "Rodent exclusion",
        factor: 1.2,
        hours: 4,
        months: [10, 11, 12, 1, 2],
      },
      { key: "bed_bug_treatment", title: "Bed bug heat treatment", factor: 2.5, hours: 8 },
    ],
    commercialJobs: [
      {
        key: "restaurant_program",
        title: "Restaurant monthly pest program",
        factor: 0.5,
        hours: 2,
      },
      { key: "warehouse_rodent", title: "Warehouse rodent monitoring", factor: 0.8, hours: 4 },
      { key: "commercial_fumigation", title: "Structural fumigation", factor: 3.5, hours: 16 },
    ],
    materials: [
      { name: "Bifenthrin concentrate", unit: "gal", minCents: 4500, maxCents: 8500 },
      { name: "Termiticide foam", unit: "can", minCents: 2500, maxCents: 4500 },
      { name: "Rodent bait station", unit: "each", minCents: 900, maxCents: 1800 },
      { name: "Snap traps", unit: "pack", minCents: 800, maxCents: 1600 },
      { name: "Exclusion mesh", unit: "roll", minCents: 2000, maxCents: 4200 },
      { name: "Gel bait", unit: "tube", minCents: 1500, maxCents: 3000 },
    ],
    suppliers: [
      "Target Specialty Products",
      "Univar Solutions",
      "Veseris",
      "DoMyOwn Pro",
      "Nuvo Pest Supply",
    ],
    skills: [
      "termite treatment",
      "rodent exclusion",
      "bed bugs",
      "mosquito control",
      "wildlife removal",
    ],
    certifications: [
      "Structural Pest Control License",
      "QualityPro Certified",
      "Fumigation License",
    ],
    season: SPRING_SUMMER,
    residentialValue: 30_000,
    commercialValue: 120_000,
  },
  {
    key: "electrical",
    label: "Electrical Contractor",
    businessType: "home_services",
    nameSuffixes: ["Electric", "Electrical Services", "Electric Co.", "Power & Light", "Wiring"],
    residentialJobs: [
      { key: "outlet_install", title: "Outlet and switch installation", factor: 0.5, hours: 2 },
      { key: "panel_upgrade", title: "200A panel upgrade", factor: 4.5, hours: 8 },
      { key: "lighting_install", title: "Recessed lighting installation", factor: 1.3, hours: 5 },
      { key: "ev_charger", title: "Level 2 EV charger installation", factor: 2.0, hours: 4 },
      {
        key: "ceiling_fan",
        title: "Ceiling fan installation",
        factor: 0.5,
        hours: 1.5,
        months: [4, 5, 6, 7],
      },
      { key: "troubleshooting", title: "Electrical troubleshooting", factor: 0.6, hours: 2 },
    ],
    commercialJobs: [
      { key: "tenant_improvement", title: "Tenant improvement wiring", factor: 3.0, hours: 24 },
      { key: "parking_lighting", title: "Parking lot LED retrofit", factor: 2.0, hours: 12 },
      { key: "commercial_service", title: "Commercial service call", factor: 0.6, hours: 4 },
    ],
    materials: [
      { name: "12/2 Romex cable", unit: "ft", minCents: 90, maxCents: 160 },
      { name: "20A GFCI receptacle", unit: "each", minCents: 1800, maxCents: 3200 },
      { name: "200A load center", unit: "each", minCents: 28000, maxCents: 45000 },
      { name: "LED wafer light 6in", unit: "each", minCents: 1500, maxCents: 3000 },
      { name: "Level 2 EV charger", unit: "each", minCents: 45000, maxCents: 75000 },
      { name: "Breaker 20A", unit: "each", minCents: 900, maxCents: 2500 },
      { name: "LED area light fixture", unit: "each", minCents: 22000, maxCents: 48000 },
    ],
    suppliers: ["Graybar", "CED", "Rexel", "Home Depot Pro", "Platt Electric Supply"],
    skills: [
      "service upgrades",
      "lighting",
      "EV chargers",
      "troubleshooting",
      "low voltage",
      "generators",
    ],
    certifications: ["Master Electrician License", "Journeyman Electrician License", "OSHA 30"],
    season: [0.9, 0.9, 1.0, 1.1, 1.2, 1.2, 1.2, 1.1, 1.0, 1.0, 0.9, 0.9],
    residentialValue: 55_000,
    commercialValue: 300_000,
  },
  {
    key: "pool_service",
    label: "Pool & Spa Service",
    businessType: "home_services",
    nameSuffixes: ["Pool Service", "Pools & Spas", "Pool Care", "Blue Water Pools", "Aquatics"],
    residentialJobs: [
      { key: "weekly_cleaning", title: "Weekly pool cleaning", factor: 0.3, hours: 1 },
      { key: "pool_opening", title: "Pool opening", factor: 0.9, hours: 3, months: [4, 5] },
      {
        key: "pool_closing",
        title: "Pool closing and winterization",
        factor: 0.9,
        hours: 3,
        months: [9, 10],
      },
      { key: "pump_repair", title: "Pool pump repair", factor: 1.4, hours: 2 },
      {
        key: "green_to_clean",
        title: "Green pool recovery",
        factor: 1.5,
        hours: 4,
        months: [5, 6, 7, 8],
      },
    ],
    commercialJobs: [
      { key: "hoa_maintenance", title: "HOA pool maintenance", factor: 0.7, hours: 5 },
      { key: "hotel_pool_service", title: "Hotel pool and spa service", factor: 0.9, hours: 6 },
      {
        key: "resurfacing",
        title: "Pool resurfacing",
        factor: 5.0,
        hours: 40,
        months: [3, 4, 10, 11],
      },
    ],
    materials: [
      { name: "Liquid chlorine", unit: "gal", minCents: 500, maxCents: 900 },
      { name: "Chlorine tablets 3in", unit: "bucket", minCents: 9000, maxCents: 15000 },
      { name: "Variable speed pump", unit: "each", minCents: 90000, maxCents: 150000 },
      { name: "Cartridge filter element", unit: "each", minCents: 8000, maxCents: 16000 },
      { name: "Muriatic acid", unit: "gal", minCents: 800, maxCents: 1500 },
      { name: "Winter cover", unit: "each", minCents: 12000, maxCents: 30000 },
    ],
    suppliers: [
      "SCP Pool Supply",
      "Leslie's Pro",
      "Heritage Pool Supply",
      "PoolCorp",
      "Home Depot Pro",
    ],
    skills: ["water chemistry", "pump repair", "filters", "heaters", "automation"],
    certifications: [
      "Certified Pool Operator",
      "Pool & Hot Tub Alliance Tech",
      "State Pool Contractor",
    ],
    season: [0.5, 0.5, 0.8, 1.5, 1.8, 1.8, 1.8, 1.7, 1.2, 0.9, 0.5, 0.5],
    residentialValue: 25_000,
    commercialValue: 160_000,
  },
  {
    key: "roofing",
    label: "Roofing & Gutters",
    businessType: "home_services",
    nameSuffixes: ["Roofing", "Roofing & Gutters", "Roof Pros", "Exteriors", "Roofing Co."],
    residentialJobs: [
      { key: "roof_inspection", title: "Roof inspection", factor: 0.3, hours: 1.5 },
      { key: "shingle_repair", title: "Shingle repair", factor: 1.2, hours: 4 },
      {
        key: "roof_replacement",
        title: "Full roof replacement",
        factor: 18.0,
        hours: 24,
        months: [4, 5, 6, 7, 8, 9, 10],
      },
      {
        key: "gutter_cleaning",
        title: "Gutter cleaning",
        factor: 0.4,
        hours: 2,
        months: [4, 5, 10, 11],
      },
      {
        key: "storm_damage",
        title: "Storm damage repair",
        factor: 2.5,
        hours: 6,
        months: [5, 6, 7, 8, 9],
      },
    ],
    commercialJobs: [
      { key: "flat_roof_coating", title: "Flat roof coating", factor: 3.0, hours: 30 },
      { key: "commercial_leak", title: "Commercial roof leak repair", factor: 0.8, hours: 6 },
      { key: "annual_roof_survey", title: "Annual roof survey", factor: 0.4, hours: 4 },
    ],
    materials: [
      { name: "Architectural shingles", unit: "bundle", minCents: 3500, maxCents: 5200 },
      { name: "Synthetic underlayment", unit: "roll", minCents: 9000, maxCents: 14000 },
      { name: "Drip edge 10ft", unit: "each", minCents: 800, maxCents: 1400 },
      { name: "Roofing nails coil", unit: "box", minCents: 4000, maxCents: 7000 },
      { name: "Seamless gutter 5in", unit: "ft", minCents: 600, maxCents: 1200 },
      { name: "Silicone roof coating", unit: "pail", minCents: 35000, maxCents: 55000 },
    ],
    suppliers: [
      "ABC Supply",
      "Beacon Building Products",
      "SRS Distribution",
      "Lowe's Pro",
      "Allied Building Products",
    ],
    skills: ["shingle roofing", "flat roofs", "gutters", "inspections", "insurance claims"],
    certifications: ["GAF Master Elite", "OSHA Fall Protection", "State Roofing License"],
    season: SPRING_SUMMER,
    residentialValue: 60_000,
    commercialValue: 320_000,
  },
];

/** Kinds of commercial customers and how their names are built ({L} last name, {C} city, {S} street). */
export const COMMERCIAL_NAME_PATTERNS: string[] = [
  "{L} Property Management",
  "{C} Dental Group",
  "{L} & {L2} LLP",
  "{S} Apartments",
  "{C} Family Medicine",
  "{L} Holdings LLC",
  "{S} Shopping Center",
  "{L}'s Bistro",
  "{C} Community Church",
  "{L} Realty Group",
  "{S} HOA",
  "{C} Montessori School",
  "{L} Auto Repair",
  "{S} Office Park",
  "{C} Fitness Club",
];

export const ROLES = ["owner", "admin", "manager", "employee", "contractor"] as const;
export type Role = (typeof ROLES)[number];

export const TITLES: Record<Role, string[]> = {
  owner: ["Owner", "Founder & CEO", "President"],
  admin: ["Office Manager", "Operations Manager", "Administrator"],
  manager: ["Field Supervisor", "Service Manager", "Crew Lead", "Dispatch Manager"],
  employee: [
    "Lead Technician",
    "Technician",
    "Crew Member",
    "Customer Service Representative",
    "Apprentice",
    "Bookkeeper",
  ],
  contractor: ["Subcontractor", "Independent Contractor", "Seasonal Technician"],
};

export const DEPARTMENTS: Record<Role, string[]> = {
  owner: ["Executive"],
  admin: ["Office", "Operations"],
  manager: ["Field Operations", "Dispatch"],
  employee: ["Field Operations", "Customer Service", "Finance"],
  contractor: ["Field Operations"],
};

export const PROFILE_COLORS = [
  "#2563eb",
  "#16a34a",
  "#dc2626",
  "#9333ea",
  "#ea580c",
  "#0891b2",
  "#ca8a04",
  "#db2777",
];

export const EMAIL_PROVIDERS: [string, number][] = [
  ["gmail.com", 45],
  ["yahoo.com", 14],
  ["hotmail.com", 8],
  ["outlook.com", 9],
  ["icloud.com", 9],
  ["aol.com", 4],
  ["comcast.net", 5],
  ["att.net", 3],
  ["verizon.net", 3],
];

export const ACQUISITION_CHANNELS: [string, number][] = [
  ["google_ads", 30],
  ["facebook", 20],
  ["referral", 25],
  ["organic", 15],
  ["yelp", 10],
];

export const CUSTOMER_TAGS_RES = [
  "repeat",
  "vip",
  "pets_on_site",
  "gate_code",
  "prefers_text",
  "senior_discount",
  "maintenance_plan",
];
export const CUSTOMER_TAGS_COM = [
  "net_30",
  "service_contract",
  "multi_site",
  "po_required",
  "after_hours_access",
  "tax_exempt",
];

export const PETS = [
  "dog in backyard",
  "two friendly dogs",
  "cat indoors - keep doors closed",
  "no pets",
  "large dog, call before entering",
  "no pets",
];

export const CANCEL_REASONS = [
  "Customer cancelled: found another provider",
  "Customer cancelled: price too high",
  "Rescheduled indefinitely by customer",
  "Weather - customer asked to cancel",
  "Duplicate booking",
  "Customer moved out of service area",
];

export const INTEGRATION_PROVIDERS: {
  provider: string;
  type: string;
  display: string;
  auth: "oauth2" | "api_key";
  features: string[];
}[] = [
  {
    provider: "quickbooks",
    type: "accounting",
    display: "QuickBooks Online",
    auth: "oauth2",
    features: ["invoices", "payments", "customers", "chart_of_accounts"],
  },
  {
    provider: "stripe",
    type: "payments",
    display: "Stripe",
    auth: "api_key",
    features: ["card_payments", "ach", "payouts", "refunds"],
  },
  {
    provider: "google_calendar",
    type: "calendar",
    display: "Google Calendar",
    auth: "oauth2",
    features: ["two_way_sync", "availability"],
  },
  {
    provider: "twilio",
    type: "communications",
    display: "Twilio SMS",
    auth: "api_key",
    features: ["sms", "voice", "call_recording"],
  },
  {
    provider: "mailchimp",
    type: "marketing",
    display: "Mailchimp",
    auth: "oauth2",
    features: ["audiences", "campaigns"],
  },
  {
    provider: "gmail",
    type: "email",
    display: "Gmail",
    auth: "oauth2",
    features: ["send", "inbox_sync"],
  },
  {
    provider: "xero",
    type: "accounting",
    display: "Xero",
    auth: "oauth2",
    features: ["invoices", "payments"],
  },
];

export const SYNC_ERRORS = [
  "401 Unauthorized: access token expired",
  "429 Too Many Requests: rate limit exceeded, retry after 60s",
  "503 Service Unavailable from provider",
  "Validation failed: customer email is not valid",
  "Timeout after 30000 ms",
];

export const USER_AGENTS_MOBILE = [
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 SMBOS/4.12.0",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36 SMBOS/4.11.2",
  "SMBOS-Android/4.12.1 (Samsung SM-S918U; Android 14)",
  "SMBOS-iOS/4.12.0 (iPhone15,2; iOS 17.5)",
];
