/** JSON bodies in the shapes of the Data Factory 2018-06-01 REST API (what @azure/arm-datafactory deserializes). */
import type { ChannelSettings } from '../../common/gateway/protocol.js';
import { compareVersions } from '../../common/gateway/agentRelease.js';
import { DATA_FACTORY_API_VERSION } from '../../common/model/types.js';
import { VERSION } from '../../common/version.js';
import type { FactoryRow } from '../store/factories.js';
import type { GatewayRow } from '../store/gateways.js';
import type { RolloutView } from '../rollout/rollout.js';
import type { NodeRow } from '../store/nodes.js';
import type { ResourceRow } from '../store/resources.js';
import type { ActivityRunRow, RunRow } from '../store/runs.js';
import { nodeStatus } from '../status/nodeStatus.js';
import { quoted } from './etag.js';
import { CHILD_TYPES, factoryId } from './ids.js';

const iso = (d: Date | null | undefined): string | undefined => (d ? new Date(d).toISOString() : undefined);

export function factoryJson(f: FactoryRow): Record<string, unknown> {
  return {
    id: factoryId(f),
    name: f.name,
    type: 'Microsoft.DataFactory/factories',
    location: f.location ?? undefined,
    tags: f.tags ?? undefined,
    identity: f.identity ?? undefined,
    eTag: quoted(f.etag),
    properties: { ...f.properties, provisioningState: 'Succeeded', createTime: iso(f.created_at), version: DATA_FACTORY_API_VERSION },
  };
}

export function childJson(f: FactoryRow, r: ResourceRow): Record<string, unknown> {
  return {
    id: `${factoryId(f)}/${r.kind.toLowerCase()}/${r.name}`,
    name: r.name,
    type: CHILD_TYPES[r.kind],
    etag: quoted(r.etag),
    // stored with every secret masked, as ADF answers (store/resources.ts)
    properties: r.properties,
  };
}

export function nodeJson(n: NodeRow, s: ChannelSettings, running: number, latestVersion = VERSION): Record<string, unknown> {
  const status = nodeStatus(n, s);
  return {
    nodeName: n.name,
    machineName: n.machine.machineName,
    hostServiceUri: '',
    status: n.upgrading_to && status === 'Online' ? 'Upgrading' : status,
    capabilities: { serviceBusConnected: 'True', httpsPortEnabled: 'False', credentialInSync: 'True', connectedToResourceManager: 'True', nodeEnabled: 'True' },
    versionStatus: compareVersions(n.machine.version, latestVersion) >= 0 ? 'UpToDate' : 'UpdateAvailable',
    version: n.machine.version,
    registerTime: iso(n.registered_at),
    lastConnectTime: iso(n.last_seen_at),
    lastStartTime: iso(n.registered_at),
    isActiveDispatcher: false,
    concurrentJobsLimit: n.concurrent_jobs_limit,
    maxConcurrentJobs: n.max_concurrent_jobs,
    // ours, beyond ADF's shape: what the extension needs to encrypt credentials for this node
    certificateThumbprint: n.certificate_thumbprint,
    os: n.machine.os,
    runningJobs: running,
  };
}

export function irStatusJson(factoryName: string, irName: string, g: GatewayRow, state: string, nodes: Record<string, unknown>[], publicUrl: string, latestVersion = VERSION, rollout?: RolloutView): Record<string, unknown> {
  const rolling = rollout?.status === 'InProgress';
  const behind = nodes.some((n) => compareVersions(String(n.version), latestVersion) < 0);
  // ADF: the version the nodes run; when they differ, the oldest (what still has to be updated)
  const running = nodes.map((n) => String(n.version)).sort((a, b) => compareVersions(a, b))[0] ?? latestVersion;
  return {
    name: irName,
    properties: {
      type: 'SelfHosted',
      dataFactoryName: factoryName,
      state,
      // ours, beyond ADF's shape (beside state, where the SDK keeps unknown properties): the rolling update, and why it halted
      rollout,
      typeProperties: {
        createTime: iso(g.created_at),
        taskQueueId: g.id,
        internalChannelEncryption: 'SslEncrypted',
        version: running,
        nodes,
        autoUpdate: g.auto_update,
        updateDelayOffset: g.update_delay_offset ?? undefined,
        versionStatus: behind ? 'UpdateAvailable' : 'UpToDate',
        latestVersion,
        pushedVersion: latestVersion,
        // an ARM upgrade rolls over the nodes one at a time, each as soon as it has no job running
        scheduledUpdateDate: rolling ? rollout.startedAt : undefined,
        autoUpdateETA: rolling ? rollout.startedAt : undefined,
        serviceUrls: [publicUrl],
        capabilities: { serviceBusConnected: 'True', credentialInSync: 'True' },
        links: [],
      },
    },
  };
}

export function runJson(r: RunRow): Record<string, unknown> {
  const end = r.run_end ? new Date(r.run_end) : undefined;
  return {
    runId: r.run_id,
    runGroupId: r.run_id,
    isLatest: true,
    pipelineName: r.pipeline_name,
    parameters: stringify(r.parameters),
    runDimensions: {},
    // a child of ExecutePipeline: invoked by its parent's activity (ADF's PipelineActivity)
    invokedBy: r.invoked_by ? { name: r.invoked_by.name, id: r.invoked_by.id, invokedByType: 'PipelineActivity', pipelineName: r.invoked_by.pipelineName, pipelineRunId: r.invoked_by.pipelineRunId } : { name: 'Manual', id: r.run_id, invokedByType: 'Manual' },
    lastUpdated: iso(r.last_updated),
    runStart: iso(r.run_start),
    runEnd: iso(end),
    durationInMs: end ? end.getTime() - new Date(r.run_start).getTime() : undefined,
    status: r.status,
    message: r.message,
  };
}

/** ADF reports run parameters as strings. */
function stringify(p: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(p ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

export function activityRunJson(r: ActivityRunRow, pipelineName: string): Record<string, unknown> {
  const end = r.run_end ? new Date(r.run_end) : undefined;
  return {
    pipelineName,
    pipelineRunId: r.run_id,
    activityName: r.activity_name,
    activityType: r.activity_type,
    activityRunId: r.activity_run_id,
    linkedServiceName: r.linked_service_name ?? '',
    status: r.status,
    activityRunStart: iso(r.run_start),
    activityRunEnd: iso(end),
    durationInMs: end ? end.getTime() - new Date(r.run_start).getTime() : undefined,
    input: r.input ?? {},
    output: r.output ?? {},
    error: r.error ?? { errorCode: '', message: '', failureType: '', target: r.activity_name },
    // ADF's additional properties of an activity run, and ours: where it ran
    ...(r.iteration !== null && r.iteration !== undefined ? { iterationHash: String(r.iteration) } : {}),
    ...(r.parent_activity_run_id ? { parentActivityRunId: r.parent_activity_run_id } : {}),
    ...(r.details?.integrationRuntimes?.length ? { integrationRuntimeNames: r.details.integrationRuntimes } : r.details?.integrationRuntime ? { integrationRuntimeNames: [r.details.integrationRuntime] } : {}),
    ...(r.details?.nodeName ? { nodeName: r.details.nodeName } : {}),
    ...(r.details?.gatewayAttempt !== undefined ? { gatewayAttempt: r.details.gatewayAttempt } : {}),
  };
}
