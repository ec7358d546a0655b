/** "Encrypt Credential" above the typeProperties of a linked service that names a gateway. */
import * as vscode from 'vscode';
import { gatewayOf } from '../common/model/gateway';
import { linkedServiceOfText } from '../common/model/linkedServiceText';
import { encryptedCredentialOf, findPlaintextSecrets } from '../common/secrets';

export class EncryptCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const ls = linkedServiceOfText(document.uri.fsPath, document.getText());
    const gateway = ls && gatewayOf(ls);
    if (!ls || !gateway) return [];
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
    return [new vscode.CodeLens(new vscode.Range(line, 0, line, 0), { title, command: 'dmgw.encryptCredential', arguments: args })];
  }
}
