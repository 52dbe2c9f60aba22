import { z } from "zod";

/**
 * The OpenLineage RunEvent (spec 2-0-2, https://openlineage.io/spec/2-0-2/OpenLineage.json) and
 * the ColumnLineageDatasetFacet (1-2-0), written as zod from the published JSON schema: the
 * required fields and formats of the spec, facets open (`additionalProperties: true`) except
 * for the base-facet fields every facet must carry. A failed parse names the field's path.
 */

const ZUri = z.string().url();

/** Every facet: `_producer` and `_schemaURL` (BaseFacet), anything else allowed. */
const ZBaseFacet = z.looseObject({ _producer: ZUri, _schemaURL: ZUri });
const ZFacets = z.record(z.string(), ZBaseFacet);

export const ZTransformation = z.looseObject({
  type: z.enum(["DIRECT", "INDIRECT"]),
  subtype: z.string().optional(),
  description: z.string().optional(),
  masking: z.boolean().optional(),
});

export const ZInputField = z.looseObject({
  namespace: z.string().min(1),
  name: z.string().min(1),
  field: z.string().min(1),
  transformations: z.array(ZTransformation).optional(),
});

export const ZColumnLineageFacet = ZBaseFacet.extend({
  fields: z.record(
    z.string(),
    z.looseObject({
      inputFields: z.array(ZInputField),
      transformationDescription: z.string().optional(),
      transformationType: z.string().optional(),
    }),
  ),
  dataset: z.array(ZInputField).optional(),
});

const ZDataset = z.looseObject({
  namespace: z.string().min(1),
  name: z.string().min(1),
  facets: ZFacets.optional(),
});

export const ZRunEvent = z.strictObject({
  eventType: z.enum(["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"]).optional(),
  eventTime: z.iso.datetime({ offset: true }),
  producer: ZUri,
  schemaURL: ZUri,
  run: z.looseObject({ runId: z.uuid(), facets: ZFacets.optional() }),
  job: z.looseObject({
    namespace: z.string().min(1),
    name: z.string().min(1),
    facets: ZFacets.optional(),
  }),
  inputs: z
    .array(ZDataset.extend({ inputFacets: ZFacets.optional() }))
    .max(10_000)
    .optional(),
  outputs: z
    .array(ZDataset.extend({ outputFacets: ZFacets.optional() }))
    .max(10_000)
    .optional(),
});

export type TRunEvent = z.infer<typeof ZRunEvent>;
export type TColumnLineageFacet = z.infer<typeof ZColumnLineageFacet>;

export const OPENLINEAGE_SCHEMA_URL =
  "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
export const COLUMN_LINEAGE_SCHEMA_URL =
  "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet";
export const GOVERN_PRODUCER = "https://github.com/govern/govern/tree/main/jobs/lineage";
