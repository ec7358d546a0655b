import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateSealer } from '../../../src/service/secrets/sealing.js';
import { tempDir } from '../../support/factoryService.js';

describe('the master key sealer', () => {
  it('opens a value only with the context it was sealed for, and only under the same master key', () => {
    const dir = tempDir('dmgw-seal');
    const s = loadOrCreateSealer(dir);
    expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    const sealed = s.seal('Acc0unt-key', 'job 1');
    expect(sealed).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(sealed).not.toContain('Acc0unt-key');
    expect(s.open(sealed, 'job 1')).toBe('Acc0unt-key');
    // copied into another row (another job, another resource) it does not open
    expect(() => s.open(sealed, 'job 2')).toThrow();
    expect(() => s.open(sealed)).toThrow();
    expect(loadOrCreateSealer(dir).open(sealed, 'job 1')).toBe('Acc0unt-key');
    expect(readFileSync(join(dir, 'master.key'), 'utf8')).toHaveLength(43);
    expect(() => loadOrCreateSealer(tempDir('dmgw-seal-other')).open(sealed, 'job 1')).toThrow();
  });
});
