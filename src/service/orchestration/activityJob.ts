/**
 * One data activity as a job for a gateway: a pipeline of that one activity, every expression already evaluated
 * here by the orchestrator (its typeProperties, and the parameters of its dataset and linked service references),
 * written back as literals. A literal `@` is escaped as `@@`, so nothing that came from data — a Lookup row, a file
 * name — is ever evaluated as an expression on the node. The node runs it as it runs any pipeline: an agent from
 * before per-activity dispatch runs it unchanged (docs/GATEWAY-PROTOCOL.md, "Activity jobs").
 *
 * The activity's policy stays here: the orchestrator retries and times it out (a new job per try). Only
 * `secureInput` goes along, so the node masks its input in its own logs; `secureOutput` does not — the node must
 * send the real output back for the expressions that read it, and the service masks it in the activity run record.
 * The secret values in the activity (registered here: secure parameters, secureOutput values) go along as unused
 * SecureString parameters, which the node registers for redaction.
 */
import { plainValue, resolveExpressions } from '../../common/expressions.js';
import type { NamedResource } from '../../common/gateway/protocol.js';
import { registeredIn } from '../../common/redact.js';
import type { DataActivityRequest } from '../../orchestrator/index.js';

/** A JSON value whose strings are literals: `@` written as `@@`, as ADF's own escape. */
export function literal(v: unknown): unknown {
  if (typeof v === 'string') return v.replaceAll('@', '@@');
  if (Array.isArray(v)) return v.map(literal);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, literal(x)]));
  return v;
}

/** Activity-level references the executor would resolve itself: evaluated here. */
const REFERENCE_FIELDS = ['inputs', 'outputs', 'linkedServiceName'] as const;

export function activityPipeline(pipelineName: string, req: DataActivityRequest): NamedResource {
  const a = req.activity;
  const activity: Record<string, unknown> = { name: a.name, type: a.type, typeProperties: literal(plainValue(req.typeProperties)) };
  for (const f of REFERENCE_FIELDS) {
    const v = (a as unknown as Record<string, unknown>)[f];
    if (v !== undefined) activity[f] = literal(plainValue(resolveExpressions(v, req.scope)));
  }
  if (a.policy?.secureInput === true) activity.policy = { secureInput: true };
  // the secrets in it (secure parameters, secureOutput values that flowed in): declared SecureString parameters the
  // node registers for redaction, so its logs and errors mask them as a whole pipeline run there would
  const secrets = registeredIn(JSON.stringify(activity));
  const parameters = Object.fromEntries(secrets.map((v, i) => [`dmgwSecure${i + 1}`, { type: 'SecureString', defaultValue: v }]));
  return { name: pipelineName, properties: { ...(secrets.length ? { parameters } : {}), activities: [activity] } };
}
