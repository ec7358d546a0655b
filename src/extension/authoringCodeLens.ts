/** "Preview Data" above a dataset file, "Show Pipeline Graph" above a pipeline file (the first line of each). */
import * as vscode from 'vscode';
import { resourceFileOf } from '../common/model/factoryRoots';

export class AuthoringCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const kind = resourceFileOf(document.uri.fsPath)?.kind;
    const top = new vscode.Range(0, 0, 0, 0);
    if (kind === 'dataset') return [new vscode.CodeLens(top, { title: '$(table) Preview Data', command: 'dmgw.previewData', arguments: [document.uri] })];
    if (kind === 'pipeline') return [new vscode.CodeLens(top, { title: '$(type-hierarchy) Show Pipeline Graph', command: 'dmgw.showPipelineGraph', arguments: [document.uri] })];
    return [];
  }
}
