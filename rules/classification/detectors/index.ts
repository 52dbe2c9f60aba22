import { ADDRESS_DETECTORS } from "./address.ts";
import { CONTACT_DETECTORS } from "./contact.ts";
import { CREDENTIAL_DETECTORS } from "./credential.ts";
import { DOB_DETECTORS } from "./date-of-birth.ts";
import { FINANCIAL_DETECTORS } from "./financial.ts";
import { GEO_DETECTORS } from "./geolocation.ts";
import { GOVERNMENT_ID_DETECTORS } from "./government-id.ts";
import { NATIONAL_ID_DETECTORS } from "./national-ids.ts";
import { NETWORK_DETECTORS } from "./network.ts";
import { PERSON_DETECTORS } from "./person-name.ts";
import type { ValueDetector } from "./types.ts";

/** Every value detector; the first strong match ends a value's detection. */
export const VALUE_DETECTORS: ValueDetector[] = [
  // Cheap and frequent first: a strong match ends the value's detection.
  ...CONTACT_DETECTORS.slice(0, 2),
  ...NETWORK_DETECTORS,
  ...CREDENTIAL_DETECTORS,
  ...FINANCIAL_DETECTORS,
  ...GOVERNMENT_ID_DETECTORS,
  ...NATIONAL_ID_DETECTORS,
  ...CONTACT_DETECTORS.slice(2),
  ...GEO_DETECTORS,
  ...DOB_DETECTORS,
  ...ADDRESS_DETECTORS,
  ...PERSON_DETECTORS,
];

export type { ValueDetector } from "./types.ts";
export { MAX_VALUE_LENGTH } from "./types.ts";
