/**
 * Encrypt All Credentials: every linked service of a factory that holds a plaintext secret — database passwords and
 * blob account keys or SAS tokens alike, through a gateway or not — is encrypted in place, as Encrypt Credential does
 * one file, then one message sums up. Files already encrypted are left as they are.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import type { EncryptSummary } from '../../common/credential/encryptLinkedService';
import { linkedServiceOfText } from '../../common/model/linkedServiceText';
import { findPlaintextSecrets } from '../../common/secrets';
import { findFactoryDirs } from '../factories';
import { encryptCredential } from './encryptCredential';

export interface EncryptAllResult {
  factoryDir: string;
  /** linked service file → what was encrypted */
  encrypted: Record<string, EncryptSummary>;
  /** files with a plaintext secret that were not encrypted (no certificate, the user cancelled, an error shown) */
  failed: string[];
}

type FactoryTarget = string | vscode.Uri | { dir?: string } | undefined;

async function factoryDirOf(target: FactoryTarget): Promise<string | undefined> {
  if (typeof target === 'string') return target;
  if (target instanceof vscode.Uri) return target.fsPath;
  if (target?.dir) return target.dir;
  const dirs = await findFactoryDirs();
  if (dirs.length <= 1) return dirs[0];
  return (await vscode.window.showQuickPick(dirs.map((d) => ({ label: basename(d), description: vscode.workspace.asRelativePath(d), d })), { placeHolder: 'Encrypt the credentials of which factory?' }))?.d;
}

/** The linked-service files of a factory that hold a plaintext secret (the editor's unsaved text counts). */
export function filesWithPlaintext(factoryDir: string): string[] {
  const folder = join(factoryDir, 'linkedService');
  let names: string[];
  try {
    names = readdirSync(folder).filter((n) => n.toLowerCase().endsWith('.json')).sort();
  } catch {
    return [];
  }
  return names
    .map((n) => join(folder, n))
    .filter((file) => {
      const text = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file)?.getText() ?? readFileSync(file, 'utf8');
      const ls = linkedServiceOfText(file, text);
      return !!ls && findPlaintextSecrets(ls).length > 0;
    });
}

export async function encryptAllCredentials(target?: FactoryTarget): Promise<EncryptAllResult | undefined> {
  const factoryDir = await factoryDirOf(target);
  if (!factoryDir) {
    void vscode.window.showWarningMessage('No factory in this workspace: a factory is a folder with linkedService/, dataset/, pipeline/.');
    return undefined;
  }
  const files = filesWithPlaintext(factoryDir);
  const result: EncryptAllResult = { factoryDir, encrypted: {}, failed: [] };
  if (!files.length) {
    void vscode.window.showInformationMessage(`No plaintext secret in the linked services of ${basename(factoryDir)}.`);
    return result;
  }
  for (const file of files) {
    const s = await encryptCredential(vscode.Uri.file(file), { quiet: true });
    if (s?.changed) result.encrypted[file] = s;
    else {
      result.failed.push(file);
      // no certificate, or the user cancelled a pick: the same would happen for the next file
      if (!s) break;
    }
  }
  const done = Object.entries(result.encrypted).map(([f, s]) => `${basename(f, '.json')} (${s.encrypted.join(', ') || s.fields.join(', ')})`);
  if (done.length) void vscode.window.showInformationMessage(`Encrypted ${done.length} linked service${done.length === 1 ? '' : 's'} of ${basename(factoryDir)}: ${done.join('; ')}`);
  if (result.failed.length && done.length) void vscode.window.showWarningMessage(`Not encrypted: ${result.failed.map((f) => basename(f, '.json')).join(', ')}`);
  return result;
}
