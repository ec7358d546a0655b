/** `dmgw release keygen|sign`: the release authority's tools — a release key, and signed manifests of agent bundles. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { isVersion, VERSION_HINT } from '../../common/gateway/agentRelease.js';
import { shortKeyId } from '../../common/gateway/releaseManifest.js';
import { generateReleaseKey, loadReleasePrivateKey, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, signBundle } from '../release/authority.js';
import { manifestPath, readReleaseFile, reportedVersion, signaturePath } from '../release/bundleFiles.js';
import { readSecret } from '../secretInput.js';
import { write, type Command, type CommandIo } from './command.js';

const usage = `Usage:
  dmgw release keygen --out DIR [--passphrase-stdin | --passphrase-env VAR] [--json]
      Makes an Ed25519 release key: DIR/${PRIVATE_KEY_FILE} (PKCS#8, mode 0600, AES-256 encrypted when a
      passphrase is given) and DIR/${PUBLIC_KEY_FILE}, which node operators trust with
      \`dmgw update trust add FILE\` (or \`dmgw register --trust-release-key FILE\`). Keep the private key off the
      factory service and off the nodes: whoever holds it can ship code to every node that trusts it.
  dmgw release sign BUNDLE --key FILE [--version V] [--out DIR] [--passphrase-stdin | --passphrase-env VAR] [--json]
      Writes BUNDLE.manifest.json (version, sha256, size, created, keyId) and BUNDLE.sig (Ed25519 signature of the
      manifest's bytes, base64) beside BUNDLE or in DIR. The version defaults to what \`node BUNDLE --version\`
      prints (which runs BUNDLE: pass --version for a bundle you would not run). Then publish all three with
      \`dmgw service publish-agent --bundle BUNDLE\`.
The passphrase comes from stdin or an environment variable, never the command line.`;

export const releaseCommand: Command = {
  name: 'release',
  summary: 'the release authority: make a release key (keygen), sign an agent bundle (sign)',
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === 'keygen') return keygen(rest, io);
    if (sub === 'sign') return sign(rest, io);
    throw new DmgwError('USAGE', sub ? `unknown sub-command "${sub}"` : 'which one: keygen or sign?', {}, 'run `dmgw help release`');
  },
};

const PASSPHRASE = { 'passphrase-stdin': { type: 'boolean' }, 'passphrase-env': { type: 'string' } } as const;

function passphrase(io: CommandIo, v: { 'passphrase-stdin'?: boolean; 'passphrase-env'?: string }): Promise<string | undefined> {
  return readSecret(io, { stdin: v['passphrase-stdin'], env: v['passphrase-env'] }, 'passphrase');
}

async function keygen(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({ args, options: { out: { type: 'string' }, json: { type: 'boolean' }, ...PASSPHRASE }, strict: true });
  if (!values.out) throw new DmgwError('USAGE', 'where should the key go?', { field: 'out' }, 'pass --out DIR (a folder only the release authority can read)');
  const k = generateReleaseKey(resolve(io.cwd, values.out), await passphrase(io, values));
  if (values.json) write(io.stdout, JSON.stringify(k));
  else
    write(
      io.stdout,
      [
        `release key ${shortKeyId(k.id)} (id ${k.id})`,
        `private key: ${k.privateFile} (0600${k.encrypted ? ', encrypted with the passphrase' : ', not encrypted'}) — keep it offline; never copy it to the service or a node`,
        `public key:  ${k.publicFile} — on each node: dmgw update trust add ${k.publicFile}`,
      ].join('\n'),
    );
  return ExitCode.Ok;
}

async function sign(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { key: { type: 'string' }, version: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, ...PASSPHRASE }, strict: true });
  if (positionals.length !== 1) throw new DmgwError('USAGE', positionals.length ? 'sign one bundle at a time' : 'which bundle?', { field: 'BUNDLE' }, 'dmgw release sign dist/agent/cli.js --key release-private-key.pem');
  if (!values.key) throw new DmgwError('USAGE', 'which release key?', { field: 'key' }, `pass --key DIR/${PRIVATE_KEY_FILE}`);
  if (values.version !== undefined && !isVersion(values.version)) throw new DmgwError('USAGE', `--version "${values.version}" is not a version`, { field: 'version' }, VERSION_HINT);
  const file = resolve(io.cwd, positionals[0]!);
  const bundle = readReleaseFile(file, 'agent bundle', 'pass the built bundle, e.g. dist/agent/cli.js');
  const key = loadReleasePrivateKey(resolve(io.cwd, values.key), await passphrase(io, values));
  if (key.warning) write(io.stderr, `warning: ${key.warning}`);
  const version = values.version ?? reportedVersion(file);
  const signed = signBundle(bundle, version, key);
  const out = values.out ? resolve(io.cwd, values.out) : undefined;
  if (out) mkdirSync(out, { recursive: true });
  const files = { manifest: manifestPath(file, out), signature: signaturePath(file, out) };
  writeFileSync(files.manifest, signed.bytes);
  writeFileSync(files.signature, `${signed.signature}\n`);
  if (values.json) write(io.stdout, JSON.stringify({ ...signed.manifest, bundle: file, ...files }));
  else write(io.stdout, `signed agent ${version} (${bundle.length} bytes, sha256 ${signed.manifest.sha256}) with release key ${shortKeyId(key.id)}\nmanifest:  ${files.manifest}\nsignature: ${files.signature}\npublish:   dmgw service publish-agent --bundle ${file}${out ? ` --manifest ${files.manifest} --signature ${files.signature}` : ''}`);
  return ExitCode.Ok;
}
