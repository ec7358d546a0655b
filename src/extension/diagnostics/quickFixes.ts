/**
 * Quick Fixes for the problems `dmgw validate` reports in the editor: a plaintext secret is encrypted in place
 * (Encrypt Credential on that file), a "did you mean" replaces the word it is about, and a reference to a resource
 * that does not exist creates its file from a template.
 */
import * as vscode from 'vscode';
import { resourceFileOf } from '../../common/model/factoryRoots';
import type { ResourceKind } from '../../common/model/types';
import type { CreateResourceArgs } from '../commands/createResourceFile';

/** The messages of a missing resource (after the field they are about: `properties.x.referenceName: linked service "A" does not exist`). */
const MISSING: Array<[RegExp, ResourceKind]> = [
  [/(?:^|: )linked service "([^"]+)" does not exist/, 'linkedService'],
  [/(?:^|: )dataset "([^"]+)" does not exist/, 'dataset'],
  [/(?:^|: )pipeline "([^"]+)" does not exist/, 'pipeline'],
  [/(?:^|: )integration runtime (?:\(gateway\) )?"([^"]+)" does not exist/, 'integrationRuntime'],
];

export class FactoryQuickFixes implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const out: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      if (d.source !== 'dmgw') continue;
      if (d.code === 'PLAINTEXT_SECRET') {
        const a = new vscode.CodeAction('Encrypt the credential with the gateway certificate', vscode.CodeActionKind.QuickFix);
        a.command = { command: 'dmgw.encryptCredential', title: 'Encrypt Credential', arguments: [document.uri] };
        a.diagnostics = [d];
        a.isPreferred = true;
        out.push(a);
      }
      const suggestion = /did you mean "([^"]+)"/.exec(d.message)?.[1];
      const word = document.getText(d.range);
      // only where the squiggle is exactly the quoted word the message is about (not inside an expression)
      if (suggestion && word.startsWith('"') && d.message.includes(word)) {
        const a = new vscode.CodeAction(`Change to "${suggestion}"`, vscode.CodeActionKind.QuickFix);
        a.edit = new vscode.WorkspaceEdit();
        a.edit.replace(document.uri, d.range, JSON.stringify(suggestion));
        a.diagnostics = [d];
        a.isPreferred = true;
        out.push(a);
      }
      const file = resourceFileOf(document.uri.fsPath);
      for (const [re, kind] of MISSING) {
        const name = d.code === 'REF_NOT_FOUND' && file ? re.exec(d.message)?.[1] : undefined;
        if (!name || !file) continue;
        const args: CreateResourceArgs = { factoryDir: file.factoryDir, kind, name };
        const a = new vscode.CodeAction(`Create ${kind}/${name}.json`, vscode.CodeActionKind.QuickFix);
        a.command = { command: 'dmgw.createResourceFile', title: a.title, arguments: [args] };
        a.diagnostics = [d];
        out.push(a);
      }
    }
    return out;
  }
}
