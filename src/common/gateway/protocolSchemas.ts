/**
 * The gateway channel's request bodies as JSON schemas, beside the types they check (protocol.ts, events.ts). The
 * service checks every body before it reads it, so a wrong type, a number out of range or an unknown event is a 400
 * naming the field, never a NaN in a deadline, a 500 from the store or a run left open; the host checks its worker's
 * events with the same schema before sending them. Unknown properties are allowed: a newer agent may add fields.
 * Limits are far above what a real node sends and below what the store or a timer could not take.
 */
import type { AnySchemaObject } from 'ajv';
import type { RunEvent } from '../events.js';
import type { StagedHalf } from '../stagedCopy.js';
import { bodyCheck } from '../validate/bodyCheck.js';
import type { EventsRequest, HeartbeatRequest, LeaseRequest, PollRequest, ProbePollRequest, ProbeResultRequest, RegisterRequest, ResultRequest } from './protocol.js';

/** Longest wait a poll may ask for; the service holds it at most `pollWaitSeconds` (which may not exceed this). */
export const MAX_WAIT_SECONDS = 600;
/** Most events in one report: the host sends its backlog in batches of at most this many. */
export const MAX_EVENTS_PER_REPORT = 1000;
/** Worker slots a node may claim (ARM's concurrentJobsLimit goes up to 256). */
const MAX_SLOTS = 1024;

const name = { type: 'string', minLength: 1, maxLength: 260 };
const shortText = { type: 'string', maxLength: 256 };
const text = { type: 'string', maxLength: 65536 };
const time = { type: 'string', format: 'date-time' };
/** rows, bytes, milliseconds: non-negative and short of what a float counts exactly */
const count = { type: 'number', minimum: 0, maximum: Number.MAX_SAFE_INTEGER };
const finalStatus = { enum: ['Succeeded', 'Failed', 'Cancelled'] };
const error = { type: 'object', required: ['code', 'message'], properties: { code: shortText, message: text, hint: text } };

export const MACHINE_SCHEMA: AnySchemaObject = {
  type: 'object',
  required: ['machineName', 'version'],
  properties: {
    machineName: name,
    version: { type: 'string', minLength: 1, maxLength: 64 },
    os: shortText,
    arch: { type: 'string', maxLength: 64 },
    cpus: { type: 'integer', minimum: 0, maximum: 65536 },
    memoryMb: { type: 'number', minimum: 0, maximum: 2 ** 31 - 1 },
  },
};

/** Every run event a worker writes (docs/EVENTS.md), tagged by `event`. */
export const RUN_EVENT_SCHEMA: AnySchemaObject = {
  type: 'object',
  required: ['event', 'time', 'runId'],
  discriminator: { propertyName: 'event' },
  properties: { event: { type: 'string' }, time, runId: { type: 'string', maxLength: 64 } },
  oneOf: [
    { properties: { event: { const: 'run-started' }, pipeline: name, parameters: { type: 'object' } }, required: ['pipeline'] },
    { properties: { event: { const: 'activity-started' }, activity: name, activityType: { type: 'string', minLength: 1, maxLength: 128 } }, required: ['activity', 'activityType'] },
    {
      properties: {
        event: { const: 'progress' },
        activity: name,
        rowsRead: count,
        rowsWritten: count,
        bytesRead: count,
        bytesWritten: count,
        rowsPerSecond: count,
        rowsTotal: count,
        partitionsDone: count,
        partitions: count,
      },
      required: ['activity', 'rowsRead', 'rowsWritten', 'bytesRead', 'bytesWritten', 'rowsPerSecond'],
    },
    { properties: { event: { const: 'log' }, level: { enum: ['error', 'warn', 'info', 'verbose'] }, message: { type: 'string' }, activity: name }, required: ['level', 'message'] },
    // outputJson (activity jobs): the output's exact JSON text, so 64-bit integers and decimals keep their digits
    { properties: { event: { const: 'activity-finished' }, activity: name, status: finalStatus, durationMs: count, output: { type: 'object' }, outputJson: { type: 'string', maxLength: 4 * 1024 * 1024 }, error }, required: ['activity', 'status', 'durationMs'] },
    { properties: { event: { const: 'run-finished' }, status: finalStatus, durationMs: count, error }, required: ['status', 'durationMs'] },
  ],
};

const leaseToken = { type: 'string', minLength: 1, maxLength: 128 };

export const checkRegister = bodyCheck<RegisterRequest>({
  type: 'object',
  required: ['key', 'nodeName', 'certificatePem', 'machine'],
  properties: { key: { type: 'string', maxLength: 4096 }, nodeName: { type: 'string', maxLength: 63 }, certificatePem: { type: 'string', maxLength: 32768 }, machine: MACHINE_SCHEMA },
});

export const checkPoll = bodyCheck<Partial<PollRequest>>({
  type: 'object',
  properties: { free: { type: 'integer', minimum: 0, maximum: MAX_SLOTS }, waitSeconds: { type: 'number', minimum: 0, maximum: MAX_WAIT_SECONDS } },
});

export const checkHeartbeat = bodyCheck<Partial<HeartbeatRequest> & Pick<HeartbeatRequest, 'machine'>>({
  type: 'object',
  required: ['machine'],
  properties: {
    machine: MACHINE_SCHEMA,
    runningJobs: { type: 'array', maxItems: MAX_SLOTS, items: { type: 'string', maxLength: 64 } },
    cpuPercent: { type: 'number', minimum: 0, maximum: 100 },
    availableMemoryMb: { type: 'number', minimum: 0, maximum: 2 ** 31 - 1 },
    upgradingTo: { type: 'string', maxLength: 64 },
    wantedVersion: { type: 'string', maxLength: 64 },
    // why the node refused or could not install a release: the rollout halts on it (service/rollout)
    updateNotice: {
      type: 'object',
      required: ['kind', 'message', 'at'],
      properties: { kind: { enum: ['refused', 'failed', 'waiting'] }, version: { type: 'string', maxLength: 64 }, message: { type: 'string', maxLength: 4096 }, at: { type: 'string', maxLength: 64 } },
    },
  },
});

export const checkLease = bodyCheck<LeaseRequest>({ type: 'object', required: ['leaseToken'], properties: { leaseToken } });

export const checkEvents = bodyCheck<EventsRequest>({
  type: 'object',
  required: ['leaseToken', 'events'],
  properties: { leaseToken, events: { type: 'array', maxItems: MAX_EVENTS_PER_REPORT, items: RUN_EVENT_SCHEMA } },
});

export const checkResult = bodyCheck<ResultRequest>({
  type: 'object',
  required: ['leaseToken', 'outcome'],
  properties: {
    leaseToken,
    outcome: { enum: ['finished', 'release'] },
    exitCode: { type: ['integer', 'null'], minimum: -2147483648, maximum: 2147483647 },
    signal: { type: ['string', 'null'], maxLength: 32 },
    message: text,
  },
});

export const checkProbePoll = bodyCheck<ProbePollRequest>({ type: 'object', properties: { waitSeconds: { type: 'number', minimum: 0, maximum: MAX_WAIT_SECONDS } } });

export const checkProbeResult = bodyCheck<ProbeResultRequest>({
  type: 'object',
  required: ['leaseToken', 'ok', 'message', 'durationMs'],
  properties: { leaseToken, ok: { type: 'boolean' }, message: text, code: { type: 'string', maxLength: 64 }, durationMs: { type: 'number', minimum: 0, maximum: 2 ** 31 - 1 } },
});

/** One event as a worker wrote it: the host forwards only those the service will take. */
export const checkRunEvent = bodyCheck<RunEvent>(RUN_EVENT_SCHEMA);

/** A staged manifest's JSON (common/stagedCopy.ts): nothing but its own fields, blob paths relative, no `..`. */
const blobPath = { type: 'string', minLength: 1, maxLength: 1024, pattern: '^(?!/)(?!.*(^|/)\\.\\.?(/|$))[^\\\\]*$' };
const verdict = { type: 'object' };
export const STAGED_MANIFEST_SCHEMA: AnySchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'activity', 'staging', 'files', 'rowsRead', 'dataRead', 'dataStaged'],
  properties: {
    version: { const: 1 },
    activity: name,
    staging: {
      type: 'object',
      additionalProperties: false,
      required: ['linkedServiceName', 'container', 'folder', 'compression'],
      properties: {
        linkedServiceName: { type: 'object', additionalProperties: false, required: ['referenceName'], properties: { referenceName: name, parameters: { type: 'object' } } },
        container: { type: 'string', minLength: 3, maxLength: 63, pattern: '^[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$' },
        folder: blobPath,
        compression: { enum: ['gzip', 'none'] },
      },
    },
    files: { type: 'array', maxItems: 100000, items: blobPath },
    rowsRead: count,
    dataRead: count,
    dataStaged: count,
    stagingVerification: verdict,
  },
};

/**
 * `typeProperties.dmgwStagedHalf` of a Copy job: which half of a staged copy split over two gateways this job runs.
 * Only the service writes it (it refuses a pipeline that does); the worker checks it with this schema and then
 * that the manifest lies under the activity's own staging path (stagedCopy.ts `manifestOutside`).
 */
export const checkStagedHalf = bodyCheck<StagedHalf>({
  type: 'object',
  required: ['phase'],
  properties: { phase: { enum: ['out', 'in', 'drop'] } },
  discriminator: { propertyName: 'phase' },
  oneOf: [
    { type: 'object', additionalProperties: false, required: ['phase'], properties: { phase: { const: 'out' } } },
    { type: 'object', additionalProperties: false, required: ['phase', 'manifest'], properties: { phase: { const: 'in' }, manifest: STAGED_MANIFEST_SCHEMA } },
    { type: 'object', additionalProperties: false, required: ['phase', 'manifest'], properties: { phase: { const: 'drop' }, manifest: STAGED_MANIFEST_SCHEMA } },
  ],
});
