/**
 * A staged copy's hand-over (`enableStaging: true` with `stagingSettings`): the source half (`stageOut`, on the gateway
 * next to the source) writes the rows as CSV blobs into the staging store and describes them in a manifest; the sink
 * half (`stageIn`, on the gateway next to the sink — the same worker for a local run) loads exactly those blobs and
 * deletes them. The manifest is plain JSON so the two halves can be two jobs on two gateways: it names the staging
 * linked service by reference (each gateway resolves and decrypts the factory's own copy of it, with its own keys),
 * never a credential.
 */
import type { ConsistencyVerdict } from './events.js';

/** What the staged files are: CSV with a header, `\N` for NULL (a quoted `"\N"` is the text), PostgreSQL's quoting. */
export const STAGED_FORMAT = { columnDelimiter: ',', quoteChar: '"', escapeChar: '"', nullValue: '\\N', firstRowAsHeader: true, encodingName: 'UTF-8' } as const;

export interface StagedCopyManifest {
  version: 1;
  /** the Copy activity (for messages) */
  activity: string;
  staging: {
    /** `stagingSettings.linkedServiceName` as the pipeline wrote it (parameters evaluated) */
    linkedServiceName: { referenceName: string; parameters?: Record<string, unknown> };
    container: string;
    /** the folder of this copy's staged blobs (one per staged copy, removed after it) */
    folder: string;
    compression: 'gzip' | 'none';
  };
  /** the staged blobs, paths within the container */
  files: string[];
  rowsRead: number;
  dataRead: number;
  /** bytes written to the staging store */
  dataStaged: number;
  /** source side of the consistency check (source → staged), when `validateDataConsistency` */
  stagingVerification?: ConsistencyVerdict;
}

/** The folder a staged copy writes below `stagingSettings.path`: only such folders are ever deleted as leftovers. */
export const STAGED_FOLDER = /(^|\/)dmgw-[A-Za-z0-9_-]+-[0-9a-f]{12}$/;

/** `stagingSettings.path` → container and folder; ADF's default container when it is not given. */
export function stagingPath(path: string | undefined): { container: string; folder: string } {
  const parts = (path ?? '').split('/').filter(Boolean);
  return { container: parts[0] ?? 'adfstagingcopydata', folder: parts.slice(1).join('/') };
}

/**
 * `typeProperties.dmgwStagedHalf`: set by the service only, on the two jobs of a staged copy across two gateways —
 * and on a third, `drop`, which only deletes the staged folder, when the stage-in job never ran (cancelled while
 * queued, its gateway deleted): the folder is otherwise no one's.
 */
export type StagedHalf = { phase: 'out' } | { phase: 'in'; manifest: StagedCopyManifest } | { phase: 'drop'; manifest: StagedCopyManifest };

/** The field's name in a Copy's typeProperties. */
export const STAGED_HALF_FIELD = 'dmgwStagedHalf';

/**
 * Why `manifest` is not one this activity's own stage-out could have written, or undefined when it is: the staging
 * linked service must be the activity's (`stagingSettings.linkedServiceName`, same name and parameters), the
 * container its path's, the folder a staged-copy folder directly below its path, and every blob inside that folder.
 * So a manifest written by hand cannot make stageIn load — and then delete — blobs anywhere else.
 */
export function manifestOutside(manifest: StagedCopyManifest, own: { linkedServiceName: StagedCopyManifest['staging']['linkedServiceName']; container: string; folder: string }): string | undefined {
  const m = manifest.staging;
  if (m.linkedServiceName.referenceName.toLowerCase() !== own.linkedServiceName.referenceName.toLowerCase() || JSON.stringify(m.linkedServiceName.parameters ?? {}) !== JSON.stringify(own.linkedServiceName.parameters ?? {})) {
    return `its staging linked service is not the activity's stagingSettings.linkedServiceName (${own.linkedServiceName.referenceName})`;
  }
  if (m.container !== own.container) return `its container is not the one of the activity's stagingSettings.path (${own.container})`;
  const parent = m.folder.split('/').slice(0, -1).join('/');
  if (parent !== own.folder.split('/').filter(Boolean).join('/') || !STAGED_FOLDER.test(m.folder)) return `its folder is not a staged-copy folder directly below the activity's stagingSettings.path (${own.container}/${own.folder})`;
  const outside = manifest.files.filter((f) => !f.startsWith(`${m.folder}/`));
  if (outside.length) return `${outside.length} of its blob(s) are not in its staged folder`;
  return undefined;
}
