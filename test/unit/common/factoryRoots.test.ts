import { describe, expect, it } from 'vitest';
import { factoryDirsOf, resourceFileOf } from '../../../src/common/model/factoryRoots.js';

describe('resourceFileOf / factoryDirsOf', () => {
  it('reads the factory, the kind and the name from the Git layout', () => {
    expect(resourceFileOf('/w/f/linkedService/Pg.json')).toEqual({ factoryDir: '/w/f', kind: 'linkedService', stem: 'Pg' });
    expect(resourceFileOf('/w/f/integrationRuntime/G.JSON')).toEqual({ factoryDir: '/w/f', kind: 'integrationRuntime', stem: 'G' });
    expect(resourceFileOf('/w/f/other/x.json')).toBeUndefined();
    expect(resourceFileOf('/w/f/pipeline/readme.md')).toBeUndefined();
  });
  it('lists each factory once', () => {
    expect(factoryDirsOf(['/b/pipeline/p.json', '/a/dataset/d.json', '/a/linkedService/l.json', '/a/x.json'])).toEqual(['/a', '/b']);
  });
});
