/** "Test Connection" on every linked service, and "Encrypt Credential" above the typeProperties of one that names a gateway. */
import * as vscode from 'vscode';
import { gatewayOf } from '../common/model/gateway';
import { linkedServiceOfText } from '../common/model/linkedServiceText';
import { encryptedCredentialOf, findPlaintextSecrets } from '../common/secrets';

export class EncryptCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const ls = linkedServiceOfText(document.uri.fsPath, document.getText());
    if (!ls) return [];
    const top = Math.max(0, (ls.doc?.placeOf(['properties'])?.line ?? 1) - 1);
    const test = new vscode.CodeLens(new vscode.Range(top, 0, top, 0), { title: '$(plug) Test Connection', command: 'dmgw.testConnection', arguments: [document.uri] });
    const gateway = gatewayOf(ls);
    if (!gateway) return [test];
    const node = ls.doc?.placeOf(['properties', 'typeProperties']);
    const line = Math.max(0, (node?.line ?? 1) - 1);
    const plaintext = findPlaintextSecrets(ls).length > 0;
    const encrypted = !!encryptedCredentialOf(ls);
    const title = plaintext
      ? `$(lock) Encrypt Credential for gateway ${gateway.name}`
      : encrypted
        ? `$(lock) Credential encrypted for gateway ${gateway.name} · encrypt a new password`
        : `$(lock) Encrypt Credential for gateway ${gateway.name} (asks for the password)`;
    const args = encrypted && !plaintext ? [document.uri, { askForSecret: true }] : [document.uri];
    return [test, new vscode.CodeLens(new vscode.Range(line, 0, line, 0), { title, command: 'dmgw.encryptCredential', arguments: args })];
  }
}
