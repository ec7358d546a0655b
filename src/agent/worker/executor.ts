/**
 * The agent's ActivityExecutor: how this machine carries out the activities that touch data, for `dmgw run` and
 * `dmgw worker`. Each activity type is one file; they share the factory (datasets, linked services), the gateway
 * home (certificate, file roots) and the copy settings.
 */
import { DmgwError } from '../../common/errors.js';
import type { ActivityRunOutput } from '../../common/events.js';
import { plainValue } from '../../common/expressions.js';
import type { Factory } from '../../common/model/factory.js';
import type { ActivityExecutor, DataActivityRequest } from '../../orchestrator/index.js';
import type { RetryPolicy } from '../copy/retry.js';
import { runCopyActivity } from './copyActivity.js';
import { runDeleteActivity } from './deleteActivity.js';
import { runGetMetadataActivity } from './getMetadataActivity.js';
import { runLookupActivity } from './lookupActivity.js';
import { runStoredProcedureActivity } from './storedProcedureActivity.js';

export interface AgentContext {
  factory: Factory;
  /** gateway home: certificate for EncryptedCredential, settings for file roots */
  home?: string;
  copyRetry?: RetryPolicy;
  progressIntervalMs?: number;
  /** the service's job id of an activity job (the same for every attempt of it): part of a copy's commit key */
  jobId?: string;
}

/** A data activity with its typeProperties as text-safe JSON (exact numbers as digits). */
export interface AgentRequest extends DataActivityRequest {
  typeProperties: Record<string, unknown>;
  agent: AgentContext;
}

type Runner = (req: AgentRequest) => Promise<ActivityRunOutput | undefined>;

const RUNNERS: Record<string, Runner> = Object.assign(Object.create(null) as Record<string, Runner>, {
  copy: runCopyActivity,
  sqlserverstoredprocedure: runStoredProcedureActivity,
  lookup: runLookupActivity,
  getmetadata: runGetMetadataActivity,
  delete: runDeleteActivity,
});

export function agentExecutor(agent: AgentContext): ActivityExecutor {
  return {
    async execute(req) {
      const run = RUNNERS[String(req.activity.type).toLowerCase()];
      if (!run) throw new DmgwError('ACTIVITY_UNSUPPORTED', `activity ${req.activity.name} is of type ${req.activity.type}, which this gateway cannot run`, { field: `activities.${req.activity.name}.type` }, 'supported data activities: Copy, SqlServerStoredProcedure, Lookup, GetMetadata, Delete');
      return run({ ...req, typeProperties: plainValue(req.typeProperties) as Record<string, unknown>, agent });
    },
  };
}
