import { describe, expect, it } from 'vitest';
import { MASK } from '../../../src/common/maskSecrets.js';
import { runParameters } from '../../../src/service/queue/runParameters.js';

describe('runParameters: secure run parameters', () => {
  const pipeline = { parameters: { declared: { type: 'SecureString' }, wrapped: { type: 'String' }, plain: { type: 'String' }, n: { type: 'Int' } } };

  it('shows declared and wrapped SecureStrings masked; the worker gets values, and a pipeline that declares the wrapped one secure', () => {
    const r = runParameters(pipeline, { DECLARED: 'd', wrapped: { type: 'SecureString', value: 'w' }, plain: 'p', n: { type: 'SecureString', value: '5' } });
    expect(r.shown).toEqual({ DECLARED: MASK, wrapped: MASK, plain: 'p', n: MASK });
    expect(r.values).toEqual({ DECLARED: 'd', wrapped: 'w', plain: 'p', n: '5' });
    expect(r.pipeline.parameters).toEqual({ ...pipeline.parameters, wrapped: { type: 'SecureString' } });
    expect(pipeline.parameters.wrapped.type).toBe('String');
  });

  it('changes nothing without secure parameters', () => {
    const r = runParameters(pipeline, { plain: 'p' });
    expect(r).toEqual({ shown: { plain: 'p' }, values: { plain: 'p' }, pipeline });
  });
});
