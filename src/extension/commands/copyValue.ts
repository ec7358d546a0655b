/** Copy: a detail's value (a certificate thumbprint, a key) to the clipboard. */
import * as vscode from 'vscode';
import type { DetailTreeItem } from '../tree/DetailTreeItem';

export async function copyValue(item?: DetailTreeItem): Promise<void> {
  if (!item) return;
  await vscode.env.clipboard.writeText(item.value);
  void vscode.window.showInformationMessage(`Copied ${String(item.label)}`);
}
