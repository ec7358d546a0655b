/**
 * Writes a new resource file `KIND/NAME.json` of a factory (never over an existing one: `wx`) and opens it. The text
 * is what the caller built (a new linked service's is already encrypted), so nothing else ever reaches the disk.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { RESOURCE_FOLDERS, type ResourceKind } from '../../common/model/types';
import { ext } from '../extensionVariables';

/** `name`, or `name2`, `name3`… — the first that has no file yet in `KIND/` of the factory. */
export function freeName(factoryDir: string, kind: ResourceKind, name: string): string {
  const taken = (n: string) => existsSync(join(factoryDir, RESOURCE_FOLDERS[kind], `${n}.json`));
  if (!taken(name)) return name;
  let i = 2;
  while (taken(`${name}${i}`)) i++;
  return `${name}${i}`;
}

export async function writeNewResource(factoryDir: string, kind: ResourceKind, name: string, text: string): Promise<vscode.Uri> {
  const dir = join(factoryDir, RESOURCE_FOLDERS[kind]);
  const file = join(dir, `${name}.json`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`, { flag: 'wx' });
  ext.log.info(`created ${file}`);
  const uri = vscode.Uri.file(file);
  await vscode.window.showTextDocument(uri, { preview: false });
  ext.tree.refresh();
  return uri;
}

/** An ADF resource name, or why not (the schemas' rule: no < > * # . % & : \ + ? /). */
export function nameProblem(name: string): string | undefined {
  if (!name.trim()) return 'a name is needed';
  if (!/^[A-Za-z0-9_][^<>*#.%&:\\+?/]*$/.test(name)) return 'a name starts with a letter, digit or _ and contains none of < > * # . % & : \\ + ? /';
  return name.length > 260 ? 'at most 260 characters' : undefined;
}
