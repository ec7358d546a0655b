/** POST /gateway/v1/register: exchanges a gateway key (and the node's certificate) for a node credential. */
import { timingSafeEqual, createHash } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { defaultConcurrentJobsLimit } from '../../common/gateway/concurrency.js';
import { isDmgwError } from '../../common/errors.js';
import { parseGatewayKey, type GatewayKey } from '../../common/gateway/key.js';
import type { RegisterRequest, RegisterResponse } from '../../common/gateway/protocol.js';
import { checkRegister } from '../../common/gateway/protocolSchemas.js';
import { readBody } from '../http/body.js';
import { badRequest, HttpError } from '../http/httpError.js';
import type { ServiceContext } from '../context.js';
import { credentialTimes } from './credential.js';
import { newNodeToken } from './nodeAuth.js';
import { fingerprintOfPem } from '../tls/serviceCertificate.js';

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** `r` is checked against its schema (registerRoute); the key is checked here, before anything is looked up. */
export async function register(ctx: ServiceContext, r: RegisterRequest): Promise<RegisterResponse> {
  let key: GatewayKey;
  try {
    key = parseGatewayKey(r.key);
  } catch (e) {
    throw new HttpError(401, 'KeyInvalid', isDmgwError(e) ? e.message : 'the gateway key is not valid');
  }
  if (!NODE_NAME.test(r.nodeName)) throw badRequest('"nodeName" must be 1-63 letters, digits, "-", "_" or "."', 'BadRequest', 'nodeName');
  let thumbprint: string;
  try {
    thumbprint = fingerprintOfPem(r.certificatePem);
  } catch {
    throw badRequest('certificatePem is not a PEM X.509 certificate', 'BadRequest', 'certificatePem');
  }
  const machine = r.machine;

  const gateway = /^[0-9a-f-]{36}$/i.test(key.gatewayId) ? await ctx.gateways.byId(key.gatewayId) : undefined;
  const rejected = new HttpError(401, 'KeyInvalid', `the ${key.key} for gateway "${key.gateway}" is not valid any more (it was regenerated, or the gateway was deleted): get a current key with \`dmgw gateway keys ${key.gateway}\``);
  if (!gateway) throw rejected;
  const secret = ctx.gateways.secretOf(gateway, key.key);
  const same = timingSafeEqual(createHash('sha256').update(secret).digest(), createHash('sha256').update(key.secret).digest());
  if (!same || ctx.gateways.generationOf(gateway, key.key) !== key.gen) throw rejected;

  const { token, hash } = newNodeToken();
  const others = (await ctx.nodes.list(gateway.id)).filter((n) => n.lname !== r.nodeName.toLowerCase() && n.credential_valid);
  const node = await ctx.nodes.register({
    gatewayId: gateway.id,
    name: r.nodeName,
    tokenHash: hash,
    keyName: key.key,
    keyGen: key.gen,
    certificatePem: r.certificatePem,
    thumbprint,
    machine,
    concurrentJobsLimit: defaultConcurrentJobsLimit(machine.cpus || cpus().length, Number(machine.memoryMb) || totalmem() / 1048576),
    lifetimeSeconds: ctx.credentials.lifetimeSeconds,
  });
  const warnings = others.some((n) => n.certificate_thumbprint !== thumbprint)
    ? [`other nodes of gateway "${gateway.name}" use a different certificate (${others.map((n) => `${n.name}: ${n.certificate_thumbprint.slice(0, 12)}…`).join(', ')}); credentials encrypted for them cannot be read here — import the gateway's certificate (dmgw cert import) on every node`]
    : [];
  const f = await ctx.factories.get(gateway.factory_id);
  ctx.log('info', `node ${node.name} registered to gateway ${f?.name}/${gateway.name} with ${key.key}`);
  return { nodeId: node.id, nodeName: node.name, gatewayId: gateway.id, gatewayName: gateway.name, factory: key.factory, token, concurrentJobsLimit: node.concurrent_jobs_limit, settings: ctx.settings, warnings, ...credentialTimes(ctx, node.token_expires_at!) };
}

/** Before authentication (the key is in the body): the body may be at most PRE_AUTH_BODY_BYTES. */
export async function registerRoute(ctx: ServiceContext, req: import('node:http').IncomingMessage): Promise<RegisterResponse> {
  return register(ctx, await readBody(req, checkRegister));
}
