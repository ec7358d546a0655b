/**
 * The pipeline of one activity the service sends to a node (service/orchestration/activityJob.ts). The attack: a
 * value that came from data — a Lookup row, a file name — and looks like an expression must reach the node as that
 * text; evaluated there, `@{pipeline().parameters.dmgwSecure1}` in a row would put a secret into a query, and any
 * expression would run on the node with values the author never wrote. Fails when the `@@` escape (`literal`) is
 * removed. Also: values keep their digits, secrets travel as SecureString parameters, only secureInput goes along.
 */
import { describe, expect, it } from 'vitest';
import { ExactNumber, resolveExpressions, type ExpressionScope } from '../../../src/common/expressions.js';
import { forgetSecrets, registerSecret } from '../../../src/common/redact.js';
import type { Activity } from '../../../src/common/model/types.js';
import { activityPipeline, literal } from '../../../src/service/orchestration/activityJob.js';
import type { DataActivityRequest } from '../../../src/orchestrator/index.js';

/** What the node's orchestrator sees: a scope that would turn any evaluated expression into something else. */
const nodeScope: ExpressionScope = {
  pipeline: { name: 'P', runId: 'node-run', parameters: { dmgwSecure1: 'the-secret-value' }, triggerTime: '2024-01-01T00:00:00Z', triggerType: 'Manual' },
  activities: {},
  variables: {},
  now: () => new Date(0),
};

const NASTY = ['@{pipeline().parameters.dmgwSecure1}', "@concat('a', 'b')", '@pipeline().RunId', 'x @{utcNow()} y', '@@already', 'mail@example.com', '@', '@{', '{"value":"@x","type":"Expression"}'];

function request(typeProperties: Record<string, unknown>, activity: Partial<Activity> = {}): DataActivityRequest {
  return {
    activity: { name: 'Copy1', type: 'Copy', ...activity } as Activity,
    typeProperties,
    scope: { ...nodeScope, item: { value: { table: '@{pipeline().RunId}' } } },
    signal: new AbortController().signal,
    log: () => undefined,
    progress: () => undefined,
  };
}

describe('activity jobs: a pipeline of one activity, every value a literal', () => {
  it.each(NASTY)('%s from data reaches the node as that text, not evaluated', (text) => {
    const sent = literal({ source: { query: `SELECT '${text}'` }, list: [text], raw: text });
    expect(resolveExpressions(sent, nodeScope)).toEqual({ source: { query: `SELECT '${text}'` }, list: [text], raw: text });
  });

  it('dataset reference parameters are evaluated in the service and sent as literals', () => {
    const p = activityPipeline('Fan', request({ source: { type: 'PostgreSqlSource', query: '@{pipeline().RunId}' } }, { inputs: [{ referenceName: 'Any', type: 'DatasetReference', parameters: { table: '@item().table' } }] } as Partial<Activity>));
    const [a] = (p.properties as { activities: Array<Record<string, unknown>> }).activities;
    // the item's value was itself expression-like text: still text on the node
    expect(resolveExpressions(a!.inputs, nodeScope)).toEqual([{ referenceName: 'Any', type: 'DatasetReference', parameters: { table: '@{pipeline().RunId}' } }]);
    expect(resolveExpressions(a!.typeProperties, nodeScope)).toEqual({ source: { type: 'PostgreSqlSource', query: '@{pipeline().RunId}' } });
  });

  it('exact numbers go as their digits; only secureInput of the policy goes along; no dependsOn', () => {
    const p = activityPipeline('P', request({ source: { query: 'q', id: new ExactNumber(9223372036854775806n, 0), amount: new ExactNumber(123456789012123456n, 6) } }, { policy: { secureInput: true, secureOutput: true, retry: 3, timeout: '0.00:01:00' }, dependsOn: [{ activity: 'X', dependencyConditions: ['Succeeded'] }] } as Partial<Activity>));
    const [a] = (p.properties as { activities: Array<Record<string, unknown>> }).activities;
    expect(a!.policy).toEqual({ secureInput: true });
    expect(a!.dependsOn).toBeUndefined();
    expect((a!.typeProperties as { source: Record<string, unknown> }).source).toEqual({ query: 'q', id: '9223372036854775806', amount: '123456789012.123456' });
  });

  it('registered secrets in the activity travel as SecureString parameters (the node masks them), others do not', () => {
    forgetSecrets();
    registerSecret('s3cr3t-token-value');
    registerSecret('unrelated-secret-elsewhere');
    try {
      const p = activityPipeline('P', request({ source: { query: "SELECT * FROM t WHERE k = 's3cr3t-token-value'" } }));
      expect((p.properties as { parameters?: unknown }).parameters).toEqual({ dmgwSecure1: { type: 'SecureString', defaultValue: 's3cr3t-token-value' } });
    } finally {
      forgetSecrets();
    }
  });
});
