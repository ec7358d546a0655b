/**
 * A staged Copy (`enableStaging: true`) whose source and sink linked services sit behind two gateways runs as two
 * jobs of one activity run: the stage-out job on the source's gateway (its worker runs only `stageOut` and reports
 * the manifest as its output), then the stage-in job on the sink's gateway (given that manifest; its worker runs
 * `stageIn`, which deletes the staged folder afterwards, loaded or not). The halves meet in the staging store, so it
 * must be one both gateways reach: a linked service without connectVia (a cloud blob store). Which half a job runs
 * is `typeProperties.dmgwStagedHalf`, which only this file writes: an activity that carries one is refused.
 */
import { DmgwError } from '../../common/errors.js';
import type { ActivityRunOutput } from '../../common/events.js';
import { STAGED_HALF_FIELD, type StagedCopyManifest, type StagedHalf } from '../../common/stagedCopy.js';
import type { DataActivityRequest } from '../../orchestrator/index.js';
import type { ServiceContext } from '../context.js';
import { collectResources } from '../queue/jobPlan.js';

export interface StagedSplit {
  /** the source's gateway, then the sink's */
  outGateway: string;
  inGateway: string;
  out: DataActivityRequest;
  in(manifest: StagedCopyManifest): DataActivityRequest;
  /** deletes the staged folder only (neither side's dataset): for the source's gateway when the stage-in never ran */
  drop(manifest: StagedCopyManifest): DataActivityRequest;
}

/** An activity an author wrote with the service's own field is refused before anything is queued. */
export function refuseAuthoredHalf(req: DataActivityRequest): void {
  if (req.typeProperties[STAGED_HALF_FIELD] === undefined) return;
  throw new DmgwError('ACTIVITY_INVALID', `activity "${req.activity.name}" sets typeProperties.${STAGED_HALF_FIELD}, which only the factory service sets (to split a staged copy over two gateways)`, {}, `remove ${STAGED_HALF_FIELD} from the activity`);
}

const staged = (tp: Record<string, unknown>) => tp.enableStaging === true || tp.enableStaging === 'true';

/** The split of a staged Copy whose source and sink are on two gateways; undefined when it runs as one job. */
export async function stagedSplit(ctx: ServiceContext, factoryId: string, req: DataActivityRequest): Promise<StagedSplit | undefined> {
  const a = req.activity as DataActivityRequest['activity'] & { inputs?: unknown; outputs?: unknown };
  if (a.type !== 'Copy' || !staged(req.typeProperties)) return undefined;
  const name = a.name;
  const side = async (what: string, v: unknown) => {
    const p = await collectResources(ctx.resources, factoryId, `the ${what} of activity "${name}"`, v);
    if (!p.ok) throw new DmgwError('ACTIVITY_INVALID', p.message);
    return p.gateways;
  };
  const [src, dst] = [await side('source', { inputs: a.inputs, source: req.typeProperties.source }), await side('sink', { outputs: a.outputs, sink: req.typeProperties.sink })];
  if (src.length !== 1 || dst.length !== 1 || src[0]!.toLowerCase() === dst[0]!.toLowerCase()) return undefined;
  const stagingGateways = await side('staging store', { stagingSettings: req.typeProperties.stagingSettings });
  if (stagingGateways.length) {
    throw new DmgwError('ACTIVITY_INVALID', `staged copy "${name}" reads from gateway ${src[0]} and writes through gateway ${dst[0]}, but its staging linked service runs through ${stagingGateways.join(', ')}, which the other gateway cannot reach`, {}, 'name a staging store both gateways reach: a blob linked service without connectVia');
  }
  const half = (h: StagedHalf, drop: Array<'inputs' | 'outputs'>, tpDrop: Array<'source' | 'sink'>): DataActivityRequest => {
    const activity = { ...a } as Record<string, unknown>;
    for (const k of drop) delete activity[k];
    const tp = { ...req.typeProperties };
    for (const k of tpDrop) delete tp[k];
    return { ...req, activity: activity as unknown as DataActivityRequest['activity'], typeProperties: { ...tp, [STAGED_HALF_FIELD]: h } };
  };
  return {
    outGateway: src[0]!,
    inGateway: dst[0]!,
    out: half({ phase: 'out' }, ['outputs'], ['sink']),
    in: (manifest) => half({ phase: 'in', manifest }, ['inputs'], ['source']),
    drop: (manifest) => half({ phase: 'drop', manifest }, ['inputs', 'outputs'], ['source', 'sink']),
  };
}

/** The manifest a stage-out job reported, or a clear error when its output has none. */
export function manifestOf(name: string, out: ActivityRunOutput | undefined): StagedCopyManifest {
  const m = (out as { stagedManifest?: StagedCopyManifest } | undefined)?.stagedManifest;
  if (!m || typeof m !== 'object') throw new DmgwError('JOB_FAILED', `the stage-out half of copy activity "${name}" reported no manifest; the node's agent may be older than staged copies across gateways`, {}, 'update the agent on the source gateway');
  return m;
}

/** One Copy output from the two halves: the stage-in's (rowsRead and dataRead are the source's), and where each ran. */
export function combined(outHalf: ActivityRunOutput | undefined, inHalf: ActivityRunOutput | undefined, where: { out: { gateway: string; node?: string }; in: { gateway: string; node?: string } }): ActivityRunOutput {
  const m = (outHalf as { stagedManifest?: StagedCopyManifest }).stagedManifest!;
  return {
    ...inHalf,
    rowsRead: m.rowsRead,
    dataRead: m.dataRead,
    effectiveIntegrationRuntime: `${where.out.gateway}, ${where.in.gateway}`,
    stagedHalves: [
      { phase: 'out', integrationRuntime: where.out.gateway, nodeName: where.out.node, rowsRead: m.rowsRead, dataStaged: m.dataStaged, files: m.files.length },
      { phase: 'in', integrationRuntime: where.in.gateway, nodeName: where.in.node, rowsCopied: inHalf?.rowsCopied },
    ],
  };
}
