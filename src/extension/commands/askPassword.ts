/** A password box that refuses an empty answer (PFX passwords). */
import * as vscode from 'vscode';

export function askPassword(prompt: string): Thenable<string | undefined> {
  return vscode.window.showInputBox({ prompt, password: true, ignoreFocusOut: true, validateInput: (v) => (v ? undefined : 'A password is required') });
}
