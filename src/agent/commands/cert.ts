/** `dmgw cert new|show|export|import|check`: the gateway's certificate, which every EncryptedCredential is made for. */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CertificateInfo } from '../../common/credential/certificate.js';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { redact } from '../../common/redact.js';
import { newCertificate } from '../cert/create.js';
import { fromPfx, toPfx } from '../cert/pfx.js';
import { CertificateStore, keyFileMode, type StoredCertificate } from '../cert/store.js';
import { GatewayHome } from '../config/home.js';
import { commandLogger } from '../config/logger.js';
import { checkCredentialFile, linkedServiceFiles } from '../credentials/check.js';
import { readSecret } from '../secretInput.js';
import { write, type Command, type CommandIo } from './command.js';

const usage = `Usage:
  dmgw cert new [--subject CN=name[,O=org]] [--days N] [--bits 2048|3072|4096] [--replace]
      Makes the gateway's RSA certificate and private key (self-signed) in the gateway home.
      --replace makes a new one when there is one already; the old one is kept so its credentials still decrypt.
  dmgw cert show [--json]
      The current certificate (subject, validity, SHA-256 thumbprint) and the previous ones still kept.
  dmgw cert export --out F.pfx (--password-stdin | --password-env VAR) [--thumbprint T] [--force]
      Writes the certificate and its private key as a password-protected PKCS#12 file (back up or move the gateway).
  dmgw cert import F.pfx (--password-stdin | --password-env VAR)
      Makes the PFX's certificate the current one; the one it replaces is kept for the credentials made for it.
  dmgw cert check PATH... [--json] [--verbose]
      Decrypts the EncryptedCredential of each linked-service file (or folder) in memory and reports which
      certificate it needs and whether it must be re-encrypted.

The gateway home is DMGW_HOME (default ~/.dmgw). Passwords come from stdin or the environment, never the command line.`;

export const certCommand: Command = {
  name: 'cert',
  summary: "the gateway certificate: new, show, export/import (PFX), check credentials against it",
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    const home = GatewayHome.resolve({ env: io.env });
    const store = new CertificateStore(home);
    switch (sub) {
      case 'new':
        return certNew(rest, io, store);
      case 'show':
        return certShow(rest, io, store);
      case 'export':
        return certExport(rest, io, store);
      case 'import':
        return certImport(rest, io, store);
      case 'check':
        return certCheck(rest, io, store);
      default:
        throw new DmgwError('USAGE', sub ? `unknown sub-command "${sub}"` : 'which one: new, show, export, import or check?', {}, 'run `dmgw help cert`');
    }
  },
};

function certNew(args: string[], io: CommandIo, store: CertificateStore): number {
  const { values } = parseArgs({ args, options: { subject: { type: 'string' }, days: { type: 'string' }, bits: { type: 'string' }, replace: { type: 'boolean' } }, strict: true });
  const existing = store.current();
  if (existing && !values.replace) {
    throw new DmgwError('CERT_EXISTS', `this gateway already has certificate ${existing.info.thumbprint}`, { file: existing.certFile }, 'pass --replace to make a new one (the old one is kept, so credentials encrypted for it still decrypt until you re-encrypt them)');
  }
  const pair = newCertificate({ subject: values.subject, days: intOption('--days', values.days), bits: intOption('--bits', values.bits) });
  const result = store.install(pair);
  const log = commandLogger(io, 'cert');
  log.info('created certificate', { thumbprint: result.thumbprint, replaced: result.replaced });
  log.close();
  const c = store.require();
  write(io.stdout, `created certificate ${result.thumbprint}\n${describe(c)}`);
  if (result.replaced) write(io.stdout, replacedNote(result.replaced));
  return ExitCode.Ok;
}

function certShow(args: string[], io: CommandIo, store: CertificateStore): number {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
  const all = store.list();
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ home: store.home.root, certificates: all.map(toJson) }, null, 2)}\n`);
    return all.some((c) => c.current) ? ExitCode.Ok : ExitCode.Failed;
  }
  const current = all.find((c) => c.current);
  if (!current) store.require();
  write(io.stdout, `current certificate\n${describe(current!)}`);
  const previous = all.filter((c) => !c.current);
  if (previous.length) {
    write(io.stdout, `\nprevious certificates (kept so that credentials encrypted for them still decrypt; re-encrypt those with \`dmgw encrypt FILE\`)`);
    for (const p of previous) write(io.stdout, `  ${p.info.thumbprint}  ${p.info.subject}  valid ${day(p.info.notBefore)} to ${day(p.info.notAfter)}`);
  }
  const mode = keyFileMode(current!.keyFile);
  if (mode !== undefined && mode !== 0o600) io.stderr.write(`warning: ${current!.keyFile} has mode ${mode.toString(8)}; it should be 600 (chmod 600 it)\n`);
  return ExitCode.Ok;
}

async function certExport(args: string[], io: CommandIo, store: CertificateStore): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { out: { type: 'string' }, 'password-stdin': { type: 'boolean' }, 'password-env': { type: 'string' }, thumbprint: { type: 'string' }, force: { type: 'boolean' } },
    strict: true,
  });
  if (!values.out) throw new DmgwError('USAGE', '--out F.pfx is required');
  const password = await requirePassword(io, values['password-stdin'], values['password-env']);
  const wanted = values.thumbprint?.toUpperCase().replace(/:/g, '');
  const cert = wanted ? store.list().find((c) => c.info.thumbprint === wanted) : store.require();
  if (!cert) throw new DmgwError('NO_CERTIFICATE', `this gateway has no certificate ${wanted}`, { file: store.home.certificatesDir }, 'see `dmgw cert show` for the thumbprints it has');
  if (existsSync(values.out) && !values.force) throw new DmgwError('FILE_EXISTS', `${values.out} exists`, { file: values.out }, 'choose another name or pass --force to overwrite it');
  const pfx = toPfx({ certPem: cert.certPem, keyPem: store.keyPem(cert.info.thumbprint) }, password);
  // 0600 as well: the password protects the key, the mode keeps the file from being copied to crack offline.
  const tmp = `${values.out}.${process.pid}.tmp`;
  writeFileSync(tmp, pfx, { mode: 0o600 });
  renameSync(tmp, values.out);
  const log = commandLogger(io, 'cert');
  log.info('exported certificate', { thumbprint: cert.info.thumbprint, file: values.out });
  log.close();
  write(io.stdout, `exported certificate ${cert.info.thumbprint} with its private key to ${values.out}`);
  return ExitCode.Ok;
}

async function certImport(args: string[], io: CommandIo, store: CertificateStore): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { 'password-stdin': { type: 'boolean' }, 'password-env': { type: 'string' } }, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new DmgwError('USAGE', 'name one PFX file: dmgw cert import F.pfx --password-stdin');
  const file = positionals[0]!;
  const password = await requirePassword(io, values['password-stdin'], values['password-env']);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new DmgwError('FILE_UNREADABLE', `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
  // Everything is checked before the home is touched: a wrong password or a bad file changes nothing.
  const pair = fromPfx(bytes, password, file);
  const result = store.install(pair);
  const log = commandLogger(io, 'cert');
  log.info('imported certificate', { thumbprint: result.thumbprint, replaced: result.replaced, file });
  log.close();
  if (result.unchanged) {
    write(io.stdout, `certificate ${result.thumbprint} is already the current one; nothing changed`);
    return ExitCode.Ok;
  }
  write(io.stdout, `imported: the current certificate is now ${result.thumbprint}\n${describe(store.require())}`);
  if (result.replaced) write(io.stdout, replacedNote(result.replaced));
  return ExitCode.Ok;
}

async function certCheck(args: string[], io: CommandIo, store: CertificateStore): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' } }, allowPositionals: true, strict: true });
  if (!positionals.length) throw new DmgwError('USAGE', 'name the linked-service files or factory folders to check');
  const log = commandLogger(io, 'cert', values.verbose);
  try {
    const keys = store.credentialKeys();
    const current = store.currentThumbprint();
    log.debug('checking credentials', { home: store.home.root, certificates: keys.map((k) => k.thumbprint).join(',') });
    const results = [];
    for (const f of linkedServiceFiles(positionals)) results.push(await checkCredentialFile(f, keys, current, log));
    if (values.json) io.stdout.write(`${redact(JSON.stringify(results, null, 2))}\n`);
    // An error's message is already `file:line:col: error: ...`; the others get the file and status in front.
    else for (const r of results) write(r.status === 'error' ? io.stderr : io.stdout, redact(r.status === 'error' ? r.message : `${r.file}: ${r.status}: ${r.message}`));
    return results.some((r) => r.status === 'error') ? ExitCode.Failed : ExitCode.Ok;
  } finally {
    log.close();
  }
}

async function requirePassword(io: CommandIo, stdin: boolean | undefined, env: string | undefined): Promise<string> {
  const password = await readSecret(io, { stdin, env }, 'PFX password');
  if (password === undefined) throw new DmgwError('USAGE', 'a PFX needs a password: pass --password-stdin (and pipe it in) or --password-env VAR');
  return password;
}

function intOption(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new DmgwError('USAGE', `${name} ${v}: a whole number is expected`);
  return Number(v);
}

function describe(c: StoredCertificate): string {
  const i = c.info;
  const expired = i.notAfter.getTime() < Date.now() ? ' (EXPIRED: credentials still decrypt; make a new certificate and re-encrypt)' : '';
  return [
    `  thumbprint (SHA-256)  ${i.thumbprint}`,
    `  subject               ${i.subject}`,
    `  valid                 ${i.notBefore.toISOString()} to ${i.notAfter.toISOString()}${expired}`,
    `  key                   ${i.keyType.toUpperCase()} ${i.keyBits} bits, ${c.keyFile}`,
  ].join('\n');
}

function replacedNote(old: string): string {
  return `the previous certificate ${old} is kept, so credentials encrypted for it still decrypt; re-encrypt them for the new one with \`dmgw encrypt FILE\` (find them with \`dmgw cert check FACTORY_FOLDER\`)`;
}

function toJson(c: StoredCertificate): Record<string, unknown> {
  const i: CertificateInfo = c.info;
  return { thumbprint: i.thumbprint, current: c.current, subject: i.subject, issuer: i.issuer, notBefore: i.notBefore.toISOString(), notAfter: i.notAfter.toISOString(), keyType: i.keyType, keyBits: i.keyBits, certificateFile: c.certFile, privateKeyFile: c.keyFile };
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}
