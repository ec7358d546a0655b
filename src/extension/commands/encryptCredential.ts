/**
 * Encrypt Credential: moves every plaintext secret of a linked service (or one typed into a password box) into an
 * EncryptedCredential for the gateway's certificate, as one undoable edit of the open document that changes only
 * the secret's span. Nothing is written to disk unless the document was saved before (then it is saved again), so
 * the plaintext never outlives the command.
 */
import * as vscode from 'vscode';
import { encryptLinkedServiceText, type EncryptSummary } from '../../common/credential/encryptLinkedService';
import { formatError, isDmgwError } from '../../common/errors';
import { linkedServiceOfText } from '../../common/model/linkedServiceText';
import { encryptedCredentialOf, findPlaintextSecrets } from '../../common/secrets';
import { smallestReplacement } from '../../common/textReplacement';
import { localGatewayCertificate, type GatewayCertificate } from '../agent/gatewayCertificate';
import { gatewayOf } from '../../common/model/gateway';
import type { LinkedService } from '../../common/model/types';
import { serviceConnection } from '../service/factoryServiceClient';
import { publishedCertificates } from '../service/publishedCertificates';
import { ext } from '../extensionVariables';
import { CREATE_CERTIFICATE, newCertificate } from './newCertificate';
import { pickResourceFile, type ResourceTarget } from './pickResourceFile';

export interface EncryptCredentialOptions {
  /** A secret to encrypt instead of asking for one (tests, other commands). */
  secret?: string;
  /** Ask for a password even when the file already has an EncryptedCredential (to add or replace one). */
  askForSecret?: boolean;
  /** Say nothing on success (Encrypt All Credentials sums up once). */
  quiet?: boolean;
}

export async function encryptCredential(target?: ResourceTarget, options: EncryptCredentialOptions = {}): Promise<EncryptSummary | undefined> {
  const uri = await pickResourceFile(target, 'linkedService', 'linked service');
  if (!uri) return undefined;
  const document = await vscode.workspace.openTextDocument(uri);
  const text = document.getText();

  const cert = await certificateFor(linkedServiceOfText(uri.fsPath, text));
  if (!cert) {
    // Not awaited: the command finishes now; the buttons act whenever the user picks one. Create Certificate
    // makes it (after its own confirmation) and goes on encrypting this file.
    void vscode.window
      .showErrorMessage(
        'The gateway has no certificate yet (neither the gateway on this machine nor a connected factory service has one), so there is nothing to encrypt the credential for. Create one here, register the gateway (that makes it too), or import its PFX in the Configuration Manager.',
        CREATE_CERTIFICATE,
        'Register Gateway',
        'Open Configuration Manager',
      )
      .then(async (choice) => {
        if (choice === CREATE_CERTIFICATE) {
          const made = await newCertificate();
          if (made?.code === 0) await vscode.commands.executeCommand('dmgw.encryptCredential', uri, options);
        }
        if (choice === 'Register Gateway') void vscode.commands.executeCommand('dmgw.registerGateway');
        if (choice === 'Open Configuration Manager') void vscode.commands.executeCommand('dmgw.openConfigurationManager');
      });
    ext.log.warn(`Encrypt Credential: the local gateway has no certificate yet (${ext.agent.env().DMGW_HOME ?? 'default gateway home'})`);
    return undefined;
  }

  let secret = options.secret;
  const { plaintext, encrypted } = secretsOf(uri.fsPath, text);
  // Nothing in plaintext: ask for the password, unless the file is already encrypted (then the check below says so).
  if (secret === undefined && !plaintext && (!encrypted || options.askForSecret)) {
    secret = await vscode.window.showInputBox({
      title: 'Encrypt Credential',
      prompt: `Password for ${vscode.workspace.asRelativePath(uri)} (encrypted with the gateway certificate ${cert.thumbprint.slice(0, 12)}…; never stored)`,
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v ? undefined : 'Type the password (it is encrypted, never stored)'),
    });
    if (secret === undefined) return undefined;
  }

  let result: Awaited<ReturnType<typeof encryptLinkedServiceText>>;
  try {
    result = await encryptLinkedServiceText(text, cert.pem, { file: uri.fsPath, secret, certSource: cert.source });
  } catch (e) {
    const msg = isDmgwError(e) ? formatError(e) : (e as Error).message;
    ext.log.error(`Encrypt Credential: ${msg}`);
    void vscode.window.showErrorMessage(`Encrypt Credential: ${msg}`);
    return undefined;
  }
  if (!result.summary.changed) {
    if (!options.quiet) void vscode.window.showInformationMessage(`${vscode.workspace.asRelativePath(uri)} is already encrypted for certificate ${cert.thumbprint.slice(0, 12)}…`);
    return result.summary;
  }

  const r = smallestReplacement(text, result.text)!;
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, new vscode.Range(document.positionAt(r.start), document.positionAt(r.end)), r.text);
  if (!(await vscode.workspace.applyEdit(edit))) {
    void vscode.window.showErrorMessage('Encrypt Credential: the editor refused the edit (is the file read-only?)');
    return undefined;
  }
  // A file that was on disk with a plaintext secret gets the encrypted text on disk too.
  if (!document.isUntitled) await document.save();
  const s = result.summary;
  ext.log.info(`encrypted ${s.encrypted.join(', ') || s.fields.join(', ')} of ${uri.fsPath} for certificate ${s.thumbprint} (${s.location}), bound to ${s.boundTo}`);
  // the binding is part of what the user agreed to: the gateway sends this secret to that server only
  if (!options.quiet) void vscode.window.showInformationMessage(`Encrypted ${s.encrypted.join(', ') || 'the credential'} for gateway certificate ${s.thumbprint.slice(0, 12)}…, bound to ${s.boundTo}`);
  return s;
}

/**
 * The certificate to encrypt for: the local gateway's when it is (or may become) the linked service's gateway; else
 * the ones the connected factory service publishes for that gateway (a gateway on another machine); a pick when
 * several remain.
 */
export async function certificateFor(ls: LinkedService | undefined): Promise<GatewayCertificate | undefined> {
  const gateway = ls && gatewayOf(ls)?.name;
  const local = await localGatewayCertificate(ext.agent);
  const registeredTo = ext.gateway.current.status?.gateway;
  const conn = serviceConnection();
  if (local && (!gateway || !conn || registeredTo?.toLowerCase() === gateway.toLowerCase())) return local;
  let published: GatewayCertificate[] = [];
  if (gateway && conn) {
    try {
      published = await publishedCertificates(conn, gateway);
    } catch (e) {
      ext.log.warn(`could not ask ${conn.url} for the certificates of gateway ${gateway}: ${(e as Error).message}`);
    }
  }
  const all = [...(local ? [local] : []), ...published.filter((p) => p.thumbprint !== local?.thumbprint)];
  if (all.length <= 1) return all[0];
  const picked = await vscode.window.showQuickPick(
    all.map((c) => ({ label: c.thumbprint.slice(0, 16) + '…', description: c.source, cert: c })),
    { title: 'Encrypt Credential', placeHolder: `Which certificate of gateway ${gateway}? Only that gateway node can decrypt the credential.` },
  );
  return picked?.cert;
}

function secretsOf(file: string, text: string): { plaintext: boolean; encrypted: boolean } {
  const ls = linkedServiceOfText(file, text);
  return { plaintext: !!ls && findPlaintextSecrets(ls).length > 0, encrypted: !!ls && !!encryptedCredentialOf(ls) };
}
