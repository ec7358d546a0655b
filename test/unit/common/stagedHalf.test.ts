/**
 * `typeProperties.dmgwStagedHalf` (a staged copy split over two gateways): the protocol schema takes only the two
 * shapes the service writes, and `manifestOutside` refuses a manifest that is not one the activity's own stage-out
 * could have written (another staging linked service, container or folder, a blob outside its folder).
 */
import { describe, expect, it } from 'vitest';
import { checkStagedHalf } from '../../../src/common/gateway/protocolSchemas.js';
import { manifestOutside, type StagedCopyManifest } from '../../../src/common/stagedCopy.js';

const folder = 'across/dmgw-CopyA-0123456789ab';
const manifest: StagedCopyManifest = { version: 1, activity: 'CopyA', staging: { linkedServiceName: { referenceName: 'StageBlob' }, container: 'staging', folder, compression: 'gzip' }, files: [`${folder}/part_00000.csv.gz`, `${folder}/part_00001.csv.gz`], rowsRead: 10, dataRead: 100, dataStaged: 50 };
const own = { linkedServiceName: { referenceName: 'StageBlob' }, container: 'staging', folder: 'across' };

describe('dmgwStagedHalf', () => {
  it('the schema takes the three shapes the service writes', () => {
    expect(checkStagedHalf({ phase: 'out' }).ok).toBe(true);
    expect(checkStagedHalf({ phase: 'in', manifest }).ok).toBe(true);
    expect(checkStagedHalf({ phase: 'drop', manifest }).ok).toBe(true);
  });

  it.each([
    ['an unknown phase', { phase: 'both' }, 'phase'],
    ['a manifest on the out half', { phase: 'out', manifest }, ''],
    ['no manifest on the in half', { phase: 'in' }, 'manifest'],
    ['no manifest on the drop job', { phase: 'drop' }, 'manifest'],
    ['a blob path going up on the drop job', { phase: 'drop', manifest: { ...manifest, files: [`${folder}/../../other/secret.csv`] } }, 'manifest.files[0]'],
    ['a field the manifest does not have', { phase: 'in', manifest: { ...manifest, deleteAlso: ['x'] } }, 'manifest'],
    ['a blob path going up', { phase: 'in', manifest: { ...manifest, files: [`${folder}/../../other/secret.csv`] } }, 'manifest.files[0]'],
    ['an absolute blob path', { phase: 'in', manifest: { ...manifest, files: ['/other/secret.csv'] } }, 'manifest.files[0]'],
    ['a negative row count', { phase: 'in', manifest: { ...manifest, rowsRead: -1 } }, 'manifest.rowsRead'],
    ['another manifest version', { phase: 'in', manifest: { ...manifest, version: 2 } }, 'manifest.version'],
  ])('the schema refuses %s, naming the field', (_what, value, field) => {
    const c = checkStagedHalf(value);
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.field).toContain(field);
  });

  it('a manifest of the activity’s own staging path passes', () => {
    expect(manifestOutside(manifest, own)).toBeUndefined();
    expect(manifestOutside(manifest, { ...own, linkedServiceName: { referenceName: 'stageblob' } })).toBeUndefined();
  });

  it.each([
    ['another staging linked service', { ...manifest, staging: { ...manifest.staging, linkedServiceName: { referenceName: 'OtherBlob' } } }, /staging linked service/],
    ['other linked service parameters', { ...manifest, staging: { ...manifest.staging, linkedServiceName: { referenceName: 'StageBlob', parameters: { account: 'victim' } } } }, /staging linked service/],
    ['another container', { ...manifest, staging: { ...manifest.staging, container: 'backups' } }, /container/],
    ['a folder outside the staging path', { ...manifest, staging: { ...manifest.staging, folder: 'finance/dmgw-CopyA-0123456789ab' } }, /folder/],
    ['the staging path itself', { ...manifest, staging: { ...manifest.staging, folder: 'across' } }, /folder/],
    ['a folder that is no staged-copy folder', { ...manifest, staging: { ...manifest.staging, folder: 'across/reports' } }, /folder/],
    ['a blob outside its folder', { ...manifest, files: [`${folder}/part_00000.csv.gz`, 'across/keep.csv'] }, /1 of its blob/],
    ['a blob in a sibling folder sharing the prefix', { ...manifest, files: [`${folder}x/part.csv`] }, /1 of its blob/],
  ])('refuses %s', (_what, m, why) => {
    expect(manifestOutside(m as StagedCopyManifest, own)).toMatch(why);
  });
});
