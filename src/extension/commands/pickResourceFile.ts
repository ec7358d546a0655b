/** Resolves which resource file a command acts on: the one passed (tree item, URI), the active editor's, or a pick. */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { resourceFileOf } from '../../common/model/factoryRoots';
import type { ResourceKind } from '../../common/model/types';
import { RESOURCE_GLOB } from '../factories';

export type ResourceTarget = vscode.Uri | { resourceUri?: vscode.Uri } | undefined;

export async function pickResourceFile(target: ResourceTarget, kind: ResourceKind, what: string): Promise<vscode.Uri | undefined> {
  const given = target instanceof vscode.Uri ? target : target?.resourceUri;
  if (given) return given;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active?.scheme === 'file' && resourceFileOf(active.fsPath)?.kind === kind) return active;
  const files = (await vscode.workspace.findFiles(RESOURCE_GLOB, '**/node_modules/**')).filter((u) => resourceFileOf(u.fsPath)?.kind === kind);
  if (!files.length) {
    void vscode.window.showWarningMessage(`No ${what} in this workspace: a factory keeps them as ${kind}/NAME.json.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    files.map((u) => ({ label: basename(u.fsPath, '.json'), description: vscode.workspace.asRelativePath(u), uri: u })),
    { placeHolder: `Which ${what}?` },
  );
  return picked?.uri;
}
