/** The Copy activity on this machine: its input and output datasets resolved, then the copy engine. */
import type { ActivityRunOutput } from '../../common/events.js';
import { GatewayHome } from '../config/home.js';
import { runCopy, type CopyRequest } from '../copy/engine.js';
import { dropStaged, runStagedCopy, stageIn, stageOut, type StagingStore } from '../copy/stagedCopy.js';
import { ResumeJournal } from '../copy/resume.js';
import { copyKeyOf } from '../copy/commitMark.js';
import { manifestOutside, STAGED_HALF_FIELD, stagingPath, type StagedHalf } from '../../common/stagedCopy.js';
import { checkStagedHalf } from '../../common/gateway/protocolSchemas.js';
import type { ResolvedDataset } from '../copy/endpoints.js';
import { intervalRate } from '../copy/meter.js';
import { DmgwError } from '../../common/errors.js';
import type { Reference } from '../../common/model/types.js';
import { linkedServiceOf, resolveDataset } from './datasets.js';
import type { AgentRequest } from './executor.js';

export async function runCopyActivity(req: AgentRequest): Promise<ActivityRunOutput> {
  const a = req.activity;
  const ref = (list: Reference[] | undefined, what: string) => {
    const r = list?.[0];
    if (!r) throw new DmgwError('COPY_DATASET', `copy activity ${a.name} has no ${what} dataset`, { field: `activities.${a.name}.${what}s` }, `add "${what}s": [{ "referenceName": "...", "type": "DatasetReference" }]`);
    return r;
  };
  const { factory, home } = req.agent;
  const half = stagedHalfOf(req);
  const staging = await stagingOf(req);
  if (half && !staging) throw new DmgwError('STAGED_HALF', `copy activity ${a.name} names a staged half but has no enableStaging`, { field: `activities.${a.name}.typeProperties.${STAGED_HALF_FIELD}` }, `remove ${STAGED_HALF_FIELD}: only the factory service sets it`);
  if (half?.phase === 'in' || half?.phase === 'drop') {
    const why = manifestOutside(half.manifest, { linkedServiceName: staging!.reference, container: staging!.container, folder: staging!.folder });
    if (why) throw new DmgwError('STAGED_MANIFEST', `the staged manifest of copy activity ${a.name} is refused: ${why}`, { field: `activities.${a.name}.typeProperties.${STAGED_HALF_FIELD}.manifest` }, `remove ${STAGED_HALF_FIELD}: only the factory service sets it, from the manifest the stage-out half returned`);
  }
  // the stage-in never ran: only the staged folder is deleted (no dataset is resolved, neither side's store is touched)
  if (half?.phase === 'drop') return (await dropStaged(half.manifest, { node: { home: GatewayHome.resolve({ home }) }, log: req.log }, staging!.linkedService)) as unknown as ActivityRunOutput;
  // a half resolves only its own side: the other side's dataset names a linked service behind another gateway
  const input = half?.phase === 'in' ? undefined : await resolveDataset(ref(a.inputs, 'input'), factory, req.scope, home, `activities.${a.name}.inputs[0]`);
  const output = half?.phase === 'out' ? undefined : await resolveDataset(ref(a.outputs, 'output'), factory, req.scope, home, `activities.${a.name}.outputs[0]`);
  let last = { t: Date.now(), rows: 0 };
  const node = { home: GatewayHome.resolve({ home }) };
  const runId = req.scope.pipeline?.runId;
  // the same copy of the same run (a retry, a re-leased job) finds the journal its earlier attempt left (copy/resume.ts)
  const resume = runId && !staging && input && output ? ResumeJournal.open(node.home, runId, a.name, { typeProperties: req.typeProperties, input: [input.name, input.typeProperties], output: [output.name, output.typeProperties] }) : undefined;
  const copy: CopyRequest = {
    activity: a.name,
    typeProperties: req.typeProperties,
    // the side a half does not resolve is never read: stageOut writes to the staging store, stageIn reads from it
    input: input as ResolvedDataset,
    output: output as ResolvedDataset,
    node,
    resume,
    // every attempt of this job (a retry, a re-leased job) shares it: a table sink commits this copy once (copy/commitMark.ts)
    // an activity job (one iteration of a ForEach the service orchestrates) is one job: its id tells iterations apart
    ...(runId ? { copyKey: copyKeyOf(runId, req.agent.jobId ? `job ${req.agent.jobId}/${req.place ?? a.name}` : (req.place ?? a.name)) } : {}),
    signal: req.signal,
    retry: req.agent.copyRetry,
    progressIntervalMs: req.agent.progressIntervalMs,
    log: req.log,
    progress: (p) => {
      const now = Date.now();
      const rowsPerSecond = intervalRate(last.rows, p.rowsRead, now - last.t);
      last = { t: now, rows: p.rowsRead };
      req.progress({ rowsRead: p.rowsRead, rowsWritten: p.rowsWritten, bytesRead: p.bytesRead, bytesWritten: p.bytesWritten, rowsPerSecond, ...(p.rowsTotal !== undefined ? { rowsTotal: p.rowsTotal } : {}), partitions: p.partitions, partitionsDone: p.partitionsDone });
    },
  };
  if (half?.phase === 'out') {
    const manifest = await stageOut(copy, staging!);
    // the manifest is the output: the service hands it to the stage-in job on the sink's gateway
    return { rowsRead: manifest.rowsRead, dataRead: manifest.dataRead, stagedManifest: manifest } as unknown as ActivityRunOutput;
  }
  if (half?.phase === 'in') return stageIn(half.manifest, copy, staging!.linkedService);
  return staging ? runStagedCopy(copy, staging) : runCopy(copy);
}

/** `typeProperties.dmgwStagedHalf` (set by the service for a staged copy across two gateways), checked strictly. */
function stagedHalfOf(req: AgentRequest): StagedHalf | undefined {
  const v = req.typeProperties[STAGED_HALF_FIELD];
  if (v === undefined) return undefined;
  const field = `activities.${req.activity.name}.typeProperties.${STAGED_HALF_FIELD}`;
  const c = checkStagedHalf(v);
  if (!c.ok) throw new DmgwError('STAGED_HALF', `${field}: ${c.message}`, { field: `${field}${c.field === 'body' ? '' : `.${c.field}`}` }, `remove ${STAGED_HALF_FIELD}: only the factory service sets it`);
  return c.value;
}

/** `enableStaging: true`: the staging store of `stagingSettings`, resolved and decrypted; undefined without staging. */
async function stagingOf(req: AgentRequest): Promise<StagingStore | undefined> {
  const tp = req.typeProperties;
  if (tp.enableStaging !== true && tp.enableStaging !== 'true') return undefined;
  const field = `activities.${req.activity.name}.typeProperties.stagingSettings`;
  const s = (tp.stagingSettings ?? {}) as { linkedServiceName?: Reference; path?: unknown; enableCompression?: unknown };
  if (!s.linkedServiceName?.referenceName) throw new DmgwError('STAGING_SETTINGS', `copy activity ${req.activity.name} has enableStaging but no stagingSettings.linkedServiceName`, { field: `${field}.linkedServiceName` }, 'add "stagingSettings": { "linkedServiceName": { "referenceName": "<blob linked service>", "type": "LinkedServiceReference" }, "path": "container/folder" }');
  const linkedService = await linkedServiceOf(s.linkedServiceName, req.agent.factory, req.scope, req.agent.home, `${field}.linkedServiceName`, `the staging of copy activity ${req.activity.name}`);
  const { container, folder } = stagingPath(typeof s.path === 'string' ? s.path : undefined);
  return { reference: { referenceName: s.linkedServiceName.referenceName, ...(s.linkedServiceName.parameters ? { parameters: s.linkedServiceName.parameters as Record<string, unknown> } : {}) }, linkedService, container, folder, compress: s.enableCompression === true || s.enableCompression === 'true' };
}
