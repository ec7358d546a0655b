/**
 * A linked service that runs through a self-hosted gateway may arrive with plaintext secrets (an ARM client, a
 * hand-written PUT). The service does not keep them: they are encrypted on arrival for the gateway's certificate by
 * the same pure function as `dmgw encrypt` (common/credential/encryptLinkedService.ts), so the stored linked service
 * is exactly what `dmgw encrypt` would have made, and only the EncryptedCredential is kept. With no certificate to
 * encrypt for, the PUT is refused (400, naming the property and `dmgw encrypt`). A linked service whose secrets are
 * already an EncryptedCredential passes through unchanged, whichever certificate it was made for.
 */
import { encryptLinkedServiceText } from '../../common/credential/encryptLinkedService.js';
import { isDmgwError } from '../../common/errors.js';
import { formatJsonPath } from '../../common/jsonDocument.js';
import { gatewayOf } from '../../common/model/gateway.js';
import type { LinkedService } from '../../common/model/types.js';
import { findPlaintextSecrets, secretText, tryParseConnection } from '../../common/secrets.js';
import type { ServiceContext } from '../context.js';
import { badRequest, HttpError } from '../http/httpError.js';
import type { FactoryRow } from '../store/factories.js';

export async function encryptOnArrival(ctx: ServiceContext, f: FactoryRow, name: string, properties: Record<string, unknown>): Promise<Record<string, unknown>> {
  const ls = { kind: 'linkedService', name, file: '', properties } as unknown as LinkedService;
  const gateway = gatewayOf(ls);
  if (!gateway) return properties;
  const connectionString = secretText((properties.typeProperties as Record<string, unknown> | undefined)?.connectionString);
  if (connectionString && !tryParseConnection(connectionString)) {
    // what is secret in it cannot be told, so it cannot be encrypted (nor would the gateway's driver read it)
    throw badRequest(`linked service '${name}': its connection string cannot be parsed, so its secrets cannot be found and encrypted — write entries as key=value separated by ";" and put a value that contains ";" or quotes in double quotes (a literal " doubled)`, 'InvalidConnectionString', 'properties.typeProperties.connectionString');
  }
  const plaintext = findPlaintextSecrets(ls);
  if (!plaintext.length) return properties;
  const target = formatJsonPath(plaintext[0]!.path);
  const what = `linked service '${name}' runs through gateway '${gateway.name}' and carries ${plaintext.map((p) => p.name).join(', ')} in plaintext, which this service does not store`;
  const certificatePem = await gatewayCertificate(ctx, f, gateway.name, what, target);
  try {
    const { text } = await encryptLinkedServiceText(JSON.stringify({ name, properties }), certificatePem, { file: `linked service '${name}'`, certSource: `gateway '${gateway.name}'` });
    return (JSON.parse(text) as { properties: Record<string, unknown> }).properties;
  } catch (e) {
    // The encrypt path never echoes a secret in its errors (nor the text around a connection-string parse error).
    if (!isDmgwError(e)) throw e;
    throw badRequest(`${e.message}${e.hint ? ` — ${e.hint}` : ''}`, 'InvalidLinkedServiceCredential', e.place.field ?? target);
  }
}

/**
 * The certificate the gateway's validly registered nodes share. Nodes that registered with different certificates
 * are refused rather than one picked: a credential made for one of them fails on the others' jobs, and the newest
 * registration is the one a stray (or hostile) node with the gateway key would control.
 */
async function gatewayCertificate(ctx: ServiceContext, f: FactoryRow, gatewayName: string, what: string, target: string): Promise<string> {
  const encryptYourself = `encrypt it yourself for the gateway's certificate and PUT the result: \`dmgw gateway certificate ${gatewayName} --out gateway.pem\`, then \`dmgw encrypt FILE --cert gateway.pem\` (or \`dmgw encrypt FILE\` on a node of the gateway)`;
  const g = await ctx.gateways.get(f.id, gatewayName);
  const nodes = g ? (await ctx.nodes.list(g.id)).filter((n) => n.credential_valid) : [];
  const certificates = new Map(nodes.map((n) => [n.certificate_thumbprint, n]));
  if (certificates.size === 0) {
    const why = g ? `gateway '${gatewayName}' has no registered node yet, so there is no certificate to encrypt it for` : `integration runtime '${gatewayName}' does not exist in factory '${f.name}', so there is no certificate to encrypt it for`;
    throw badRequest(`${what}; ${why}. Register a node of the gateway (\`dmgw register\`) and PUT again, or ${encryptYourself}`, 'GatewayCertificateMissing', target);
  }
  if (certificates.size > 1) {
    const list = nodes.map((n) => `${n.name}: ${n.certificate_thumbprint.slice(0, 12)}…`).join(', ');
    throw new HttpError(409, 'GatewayCertificatesDiffer', `${what}; the nodes of gateway '${gatewayName}' registered with different certificates (${list}), so a credential made for one would fail on the others. Import one certificate on every node (\`dmgw cert import\`) or remove the stray node, or ${encryptYourself}`, target);
  }
  return [...certificates.values()][0]!.certificate_pem;
}
