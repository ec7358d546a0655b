/**
 * The Azure Resource Manager request bodies the factory service reads, as JSON schemas: what its routes take from
 * them (types, required fields, ranges), in the shapes of the Data Factory 2018-06-01 REST specs. What they do not
 * read stays ADF's business — unknown properties pass, and a resource's `typeProperties` is checked by the node that
 * runs it (and by `dmgw validate`), as ADF itself accepts resources it cannot run yet.
 */
import type { AnySchemaObject } from 'ajv';
import { bodyCheck } from '../validate/bodyCheck.js';

const object = { type: 'object' };
const time = { type: 'string', format: 'date-time' };
/** ARM tags: string values (ARM allows 50 per resource, names up to 512 characters, values up to 256). */
const tags = { type: 'object', maxProperties: 50, propertyNames: { maxLength: 512 }, additionalProperties: { type: 'string', maxLength: 256 } };
const reference = { type: 'object', required: ['referenceName'], properties: { referenceName: { type: 'string', minLength: 1, maxLength: 260 } } };

export const checkFactoryPut = bodyCheck<{ location?: string; tags?: Record<string, string>; identity?: Record<string, unknown>; properties?: Record<string, unknown> }>({
  type: 'object',
  properties: { location: { type: 'string', maxLength: 128 }, tags, identity: object, properties: object },
});

export const checkFactoryPatch = bodyCheck<{ tags?: Record<string, string>; identity?: Record<string, unknown> }>({
  type: 'object',
  properties: { tags, identity: object },
});

/** `{ properties: {...} }` of a linked service, dataset, pipeline or integration runtime. */
function resource(properties: AnySchemaObject): AnySchemaObject {
  return { type: 'object', required: ['properties'], properties: { properties: { type: 'object', ...properties } } };
}

type ResourceBody = { properties: Record<string, unknown> };
const typed = { required: ['type'], properties: { type: { type: 'string', minLength: 1, maxLength: 128 } } };

export const checkLinkedServicePut = bodyCheck<ResourceBody>(resource(typed));
export const checkDatasetPut = bodyCheck<ResourceBody>(resource({ required: ['type', 'linkedServiceName'], properties: { ...typed.properties, linkedServiceName: reference } }));
/** A run reads the pipeline's parameter declarations (`{ name: { type, defaultValue? } }`) to mask secure ones. */
export const checkPipelinePut = bodyCheck<ResourceBody>(
  resource({
    properties: {
      activities: { type: 'array', items: object },
      parameters: { type: 'object', additionalProperties: { type: 'object', required: ['type'], properties: { type: { type: 'string', maxLength: 64 } } } },
    },
  }),
);
export const checkIntegrationRuntimePut = bodyCheck<ResourceBody>(resource(typed));

export const checkIntegrationRuntimePatch = bodyCheck<{ autoUpdate?: 'On' | 'Off'; updateDelayOffset?: string }>({
  type: 'object',
  properties: { autoUpdate: { enum: ['On', 'Off'] }, updateDelayOffset: { type: 'string', maxLength: 64 } },
});

export const checkRegenerateAuthKey = bodyCheck<{ keyName: 'authKey1' | 'authKey2' }>({
  type: 'object',
  required: ['keyName'],
  properties: { keyName: { enum: ['authKey1', 'authKey2'] } },
});

export const checkNodePatch = bodyCheck<{ concurrentJobsLimit?: number }>({
  type: 'object',
  properties: { concurrentJobsLimit: { type: 'integer', minimum: 1, maximum: 256 } },
});

/** createRun's body: the run's parameters, any JSON values by name. */
export const checkRunParameters = bodyCheck<Record<string, unknown>>({ type: 'object', maxProperties: 1000 });

export interface RunFilterBody {
  lastUpdatedAfter: string;
  lastUpdatedBefore: string;
  continuationToken?: string;
  filters?: Array<{ operand: string; operator: 'Equals' | 'NotEquals' | 'In' | 'NotIn'; values: string[] }>;
  orderBy?: Array<{ orderBy: string; order: 'ASC' | 'DESC' }>;
}

/** RunFilterParameters of queryPipelineRuns and queryActivityruns. */
export const checkRunFilter = bodyCheck<RunFilterBody>({
  type: 'object',
  required: ['lastUpdatedAfter', 'lastUpdatedBefore'],
  properties: {
    lastUpdatedAfter: time,
    lastUpdatedBefore: time,
    continuationToken: { type: 'string', maxLength: 64 },
    filters: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        required: ['operand', 'operator', 'values'],
        properties: { operand: { type: 'string', maxLength: 64 }, operator: { enum: ['Equals', 'NotEquals', 'In', 'NotIn'] }, values: { type: 'array', maxItems: 1000, items: { type: 'string', maxLength: 1024 } } },
      },
    },
    orderBy: {
      type: 'array',
      maxItems: 20,
      items: { type: 'object', required: ['orderBy', 'order'], properties: { orderBy: { type: 'string', maxLength: 64 }, order: { enum: ['ASC', 'DESC'] } } },
    },
  },
});

/** `POST …/factories/{f}/testConnectivity` (as ADF's own UI calls it): a linked service definition, or the name of a published one. */
export interface TestConnectivityBody {
  linkedService?: { name?: string; properties: Record<string, unknown> };
  linkedServiceName?: string;
  /** how long the connector may take on the node, 1–120 (default 30) */
  timeoutSeconds?: number;
}

export const checkTestConnectivity = bodyCheck<TestConnectivityBody>({
  type: 'object',
  properties: {
    linkedService: { type: 'object', required: ['properties'], properties: { name: { type: 'string', minLength: 1, maxLength: 260 }, properties: { type: 'object' } } },
    linkedServiceName: { type: 'string', minLength: 1, maxLength: 260 },
    timeoutSeconds: { type: 'number', minimum: 1, maximum: 120 },
  },
});
