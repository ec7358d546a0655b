import { describe, expect, it } from 'vitest';
import { evaluate, evaluateString, resolveExpressions, type ExpressionScope } from '../../../../src/agent/worker/expressions.js';
import { timeoutMs } from '../../../../src/agent/worker/runPipeline.js';

const scope: ExpressionScope = {
  pipeline: { name: 'P', runId: 'r1', parameters: { day: '2024-03-01', n: 3, obj: { k: 'v' } } },
  dataset: { fileName: 'a.csv' },
  now: () => new Date('2024-05-06T07:08:09.123Z'),
};

describe('expressions', () => {
  it('reads parameters, nested properties and indexes', () => {
    expect(evaluateString('@pipeline().parameters.day', scope)).toBe('2024-03-01');
    expect(evaluateString('@pipeline().parameters.n', scope)).toBe(3);
    expect(evaluateString("@pipeline().parameters['obj'].k", scope)).toBe('v');
    expect(evaluateString('@pipeline().RunId', scope)).toBe('r1');
    expect(evaluateString('@dataset().fileName', scope)).toBe('a.csv');
  });

  it('interpolates @{...} and calls functions', () => {
    expect(evaluateString("out/@{pipeline().parameters.day}/@{concat('x', '-', 'y')}.csv", scope)).toBe('out/2024-03-01/x-y.csv');
    expect(evaluateString("@concat('it''s ', pipeline().parameters.day)", scope)).toBe("it's 2024-03-01");
    expect(evaluateString('@utcnow()', scope)).toBe('2024-05-06T07:08:09.1230000Z');
    expect(evaluateString("@utcnow('yyyy/MM/dd HH:mm')", scope)).toBe('2024/05/06 07:08');
    expect(evaluateString("@formatDateTime(adddays(pipeline().parameters.day, 1), 'yyyyMMdd')", scope)).toBe('20240302');
    expect(evaluate("if(equals(pipeline().parameters.n, 3), toUpper('yes'), 'no')", scope)).toBe('YES');
    expect(evaluateString('@@not an expression', scope)).toBe('@not an expression');
    expect(evaluateString('plain text', scope)).toBe('plain text');
  });

  it('resolves a whole JSON value, including { value, type: Expression } objects', () => {
    const v = resolveExpressions({ a: ['@pipeline().parameters.n', { fileName: { value: '@dataset().fileName', type: 'Expression' } }], b: 5 }, scope);
    expect(v).toEqual({ a: [3, { fileName: 'a.csv' }], b: 5 });
  });

  it('says where an expression is wrong', () => {
    expect(() => evaluateString('@nosuch()', scope)).toThrow(/unknown function nosuch\(\)/);
    expect(() => evaluateString("@concat('a'", scope)).toThrow(/expected "\)"/);
    expect(() => evaluateString("@concat('a)", scope)).toThrow(/never closed/);
    expect(() => evaluateString('x @{pipeline()', scope)).toThrow(/never closed/);
  });

  it('parses ADF timeouts', () => {
    expect(timeoutMs('0.01:00:00')).toBe(3_600_000);
    expect(timeoutMs('00:00:30')).toBe(30_000);
    expect(timeoutMs('7.00:00:00')).toBe(7 * 86_400_000);
    expect(timeoutMs(undefined)).toBeUndefined();
  });
});
