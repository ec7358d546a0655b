/**
 * `dmgw encrypt FILE...`: moves the plaintext secrets of linked-service files into an EncryptedCredential for the
 * gateway's certificate (or `--cert`), editing the files in place with their formatting and comments kept. A file
 * already encrypted for a previous certificate of this gateway is re-encrypted for the current one.
 */
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { certificateInfo } from '../../common/credential/certificate.js';
import { openCredential } from '../../common/credential/envelope.js';
import { encryptLinkedServiceText, type EncryptOptions, type EncryptSummary } from '../../common/credential/encryptLinkedService.js';
import { asCredentialPayload } from '../../common/credential/payload.js';
import { DmgwError, formatError, isDmgwError } from '../../common/errors.js';
import { describeTarget } from '../../common/stores/target.js';
import { ExitCode } from '../../common/exitCodes.js';
import { displayPath } from '../../common/model/factory.js';
import { redact } from '../../common/redact.js';
import { CertificateStore } from '../cert/store.js';
import { GatewayHome } from '../config/home.js';
import { commandLogger } from '../config/logger.js';
import { readSecret } from '../secretInput.js';
import { write, type Command } from './command.js';

const usage = `Usage: dmgw encrypt FILE... [--cert CERT.pem] [--password-stdin | --from-env VAR] [--stdout] [--json] [--verbose]

Encrypts the secrets of linked-service files (password or Pwd in the connection string or a URL, typeProperties
password/accountKey/sasToken, a SAS URI's token) as one EncryptedCredential (a JWE for the gateway certificate)
and writes each file back in place, formatting and comments kept. No plaintext secret remains.

  --cert CERT.pem    encrypt for this certificate instead of the gateway home's current one
  --password-stdin   read the secret from stdin (not echoed on a terminal): it becomes the linked service's password
                     (AccountKey / SAS token for AzureBlobStorage); for files whose connection string has none
  --from-env VAR     the same, from an environment variable
  --stdout           print the encrypted file instead of writing it (one FILE)
  --json             print a summary per file as JSON
  -v, --verbose      log each step (to stderr and the gateway log)

Each credential is bound to the server the file names (type, host, port, database, user, TLS floor; for Blob the
account and endpoint; parameters at their default values): the gateway sends it nowhere else. Pointing the linked
service at another server means encrypting again. On the gateway (which holds the key) a file already encrypted is
re-encrypted for the current certificate and bound to the server it names now, which also binds credentials made
before binding existed; elsewhere (--cert) the secret has to be given again.`;

export const encryptCommand: Command = {
  name: 'encrypt',
  summary: 'encrypt the credentials of linked-service files for the gateway certificate',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { cert: { type: 'string' }, 'password-stdin': { type: 'boolean' }, 'from-env': { type: 'string' }, stdout: { type: 'boolean' }, json: { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' } },
      allowPositionals: true,
      strict: true,
    });
    if (!positionals.length) throw new DmgwError('USAGE', 'name the linked-service file to encrypt', {}, usage.split('\n')[0]);
    const secretWanted = values['password-stdin'] || values['from-env'] !== undefined;
    if (positionals.length > 1 && (secretWanted || values.stdout)) throw new DmgwError('USAGE', `${values.stdout ? '--stdout' : 'a secret from stdin or the environment'} goes with one file only`);
    const secret = await readSecret(io, { stdin: values['password-stdin'], env: values['from-env'] });

    const store = new CertificateStore(GatewayHome.resolve({ env: io.env }));
    const certSource = values.cert ?? store.require().certFile;
    const certPem = values.cert ? readCert(values.cert) : store.require().certPem;
    const info = certificateInfo(certPem, certSource);
    const log = commandLogger(io, 'encrypt', values.verbose);
    if (info.notAfter.getTime() < Date.now()) log.warn(`certificate ${info.thumbprint} expired on ${info.notAfter.toISOString()}; the credentials still work, but make a new certificate (dmgw cert new --replace) and re-encrypt`);
    // The gateway's own keys open credentials the files already have, so they can be re-encrypted or extended.
    const keys = store.current() ? store.credentialKeys() : [];
    const open: EncryptOptions['open'] = keys.length ? async (jwe, place) => asCredentialPayload((await openCredential(jwe, keys, place)).payload, place) : undefined;

    const summaries: Array<EncryptSummary & { file: string }> = [];
    let failed = false;
    try {
      for (const path of positionals) {
        const file = displayPath(path);
        try {
          log.debug('encrypting', { file, certificate: info.thumbprint });
          const text = readText(path, file);
          const result = await encryptLinkedServiceText(text, certPem, { file, secret, certSource, open });
          if (values.stdout) io.stdout.write(result.text);
          else if (result.summary.changed) writeInPlace(path, result.text);
          summaries.push({ file, ...result.summary });
          log.info(result.summary.changed ? 'encrypted credential' : 'credential already current', { file, certificate: info.thumbprint, boundTo: result.summary.boundTo, fields: result.summary.fields.join(','), reencryptedFrom: result.summary.reencryptedFrom });
          if (!values.json && !values.stdout) write(io.stdout, describe(file, result.summary));
        } catch (e) {
          if (!isDmgwError(e)) throw e;
          failed = true;
          log.debug('encryption failed', { file, code: e.code });
          io.stderr.write(`dmgw encrypt: ${redact(formatError(e))}\n`);
        }
      }
    } finally {
      log.close();
    }
    if (values.json) io.stdout.write(`${JSON.stringify(summaries, null, 2)}\n`);
    return failed ? ExitCode.Failed : ExitCode.Ok;
  },
};

function describe(file: string, s: EncryptSummary): string {
  if (!s.changed) return `${file}: already encrypted for certificate ${s.thumbprint}${s.boundTo ? `, bound to ${s.boundTo}` : ' (its binding is read with the gateway\'s key: run this on the gateway to check it)'}; nothing to do`;
  const where = s.location === 'connectionString' ? 'EncryptedCredential in connectionString' : 'typeProperties.encryptedCredential';
  const what = s.encrypted.length ? `encrypted ${s.encrypted.join(', ')}` : 'no new secrets';
  const re = s.reencryptedFrom ? `; re-encrypted from certificate ${s.reencryptedFrom}` : '';
  const moved = s.previousTarget === null ? '; it was made before credentials were bound and is bound now' : s.previousTarget ? `; it was bound to ${describeTarget(s.previousTarget)}` : '';
  return `${file}: ${what} for certificate ${s.thumbprint}, bound to ${s.boundTo} (${where}; holds ${s.fields.join(', ')})${re}${moved}`;
}

function readText(path: string, file: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new DmgwError('FILE_UNREADABLE', `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
}

function readCert(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new DmgwError('FILE_UNREADABLE', `the certificate cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file: path }, 'pass the certificate.pem that `dmgw cert show` lists on the gateway');
  }
}

/** Written beside the file and renamed over it, keeping its mode: an interrupted run leaves the old file whole. */
function writeInPlace(path: string, text: string): void {
  const mode = statSync(path).mode & 0o777;
  const tmp = `${path}.${process.pid}.dmgw-tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}
