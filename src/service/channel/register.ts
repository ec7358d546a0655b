/** POST /gateway/v1/register: exchanges a gateway key (and the node's certificate) for a node credential. */
import { timingSafeEqual, createHash } from 'node:crypto';
import { cpus } from 'node:os';
import { isDmgwError } from '../../common/errors.js';
import { parseGatewayKey, type GatewayKey } from '../../common/gateway/key.js';
import type { RegisterRequest, RegisterResponse } from '../../common/gateway/protocol.js';
import { badRequest, HttpError } from '../http/httpError.js';
import { readJson } from '../http/json.js';
import type { ServiceContext } from '../context.js';
import { newNodeToken } from './nodeAuth.js';
import { fingerprintOfPem } from '../tls/serviceCertificate.js';

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export async function register(ctx: ServiceContext, body: unknown): Promise<RegisterResponse> {
  const r = (body ?? {}) as Partial<RegisterRequest>;
  if (typeof r.key !== 'string') throw badRequest('"key" is required', 'BadRequest', 'key');
  let key: GatewayKey;
  try {
    key = parseGatewayKey(r.key);
  } catch (e) {
    throw new HttpError(401, 'KeyInvalid', isDmgwError(e) ? e.message : 'the gateway key is not valid');
  }
  if (typeof r.nodeName !== 'string' || !NODE_NAME.test(r.nodeName)) throw badRequest('"nodeName" must be 1-63 letters, digits, "-", "_" or "."', 'BadRequest', 'nodeName');
  if (typeof r.certificatePem !== 'string') throw badRequest('"certificatePem" is required: the node registers with its certificate', 'BadRequest', 'certificatePem');
  let thumbprint: string;
  try {
    thumbprint = fingerprintOfPem(r.certificatePem);
  } catch {
    throw badRequest('certificatePem is not a PEM X.509 certificate', 'BadRequest', 'certificatePem');
  }
  const machine = r.machine;
  if (!machine || typeof machine.machineName !== 'string') throw badRequest('"machine" (machineName, version, os, cpus, memoryMb) is required', 'BadRequest', 'machine');

  const gateway = /^[0-9a-f-]{36}$/i.test(key.gatewayId) ? await ctx.gateways.byId(key.gatewayId) : undefined;
  const rejected = new HttpError(401, 'KeyInvalid', `the ${key.key} for gateway "${key.gateway}" is not valid any more (it was regenerated, or the gateway was deleted): get a current key with \`dmgw gateway keys ${key.gateway}\``);
  if (!gateway) throw rejected;
  const secret = ctx.gateways.secretOf(gateway, key.key);
  const same = timingSafeEqual(createHash('sha256').update(secret).digest(), createHash('sha256').update(key.secret).digest());
  if (!same || ctx.gateways.generationOf(gateway, key.key) !== key.gen) throw rejected;

  const { token, hash } = newNodeToken();
  const others = (await ctx.nodes.list(gateway.id)).filter((n) => n.lname !== r.nodeName!.toLowerCase() && n.credential_valid);
  const node = await ctx.nodes.register({
    gatewayId: gateway.id,
    name: r.nodeName,
    tokenHash: hash,
    keyName: key.key,
    keyGen: key.gen,
    certificatePem: r.certificatePem,
    thumbprint,
    machine,
    concurrentJobsLimit: Math.max(2, Math.min(machine.cpus || cpus().length, 16)),
  });
  const warnings = others.some((n) => n.certificate_thumbprint !== thumbprint)
    ? [`other nodes of gateway "${gateway.name}" use a different certificate (${others.map((n) => `${n.name}: ${n.certificate_thumbprint.slice(0, 12)}…`).join(', ')}); credentials encrypted for them cannot be read here — import the gateway's certificate (dmgw cert import) on every node`]
    : [];
  const f = await ctx.factories.get(gateway.factory_id);
  ctx.log('info', `node ${node.name} registered to gateway ${f?.name}/${gateway.name} with ${key.key}`);
  return { nodeId: node.id, nodeName: node.name, gatewayId: gateway.id, gatewayName: gateway.name, factory: key.factory, token, concurrentJobsLimit: node.concurrent_jobs_limit, settings: ctx.settings, warnings };
}

export async function registerRoute(ctx: ServiceContext, req: import('node:http').IncomingMessage): Promise<RegisterResponse> {
  return register(ctx, await readJson(req));
}
