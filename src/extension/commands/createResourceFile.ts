/**
 * Create a missing resource (the Quick Fix of a dangling reference): `KIND/NAME.json` in the referencing file's
 * factory, from one of the schema's templates (`defaultSnippets`, the same ones completion offers) with the
 * placeholders filled by their defaults and the name set. Never overwrites a file.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { RESOURCE_FOLDERS, type ResourceKind } from '../../common/model/types';
import { RESOURCE_SCHEMAS } from '../../common/validate/schemas';

interface Snippet {
  label: string;
  markdownDescription?: string;
  body: unknown;
}

export interface CreateResourceArgs {
  factoryDir: string;
  kind: ResourceKind;
  name: string;
  /** which template (a snippet label); asked for when there are several and none is given */
  template?: string;
}

/** `${1:OnPremGateway}` → `OnPremGateway`, `$1` → ``, in every string of a snippet body. */
export function fillSnippet(body: unknown): unknown {
  if (typeof body === 'string') return body.replace(/\$\{\d+:([^}]*)\}/g, '$1').replace(/\$\d+/g, '');
  if (Array.isArray(body)) return body.map(fillSnippet);
  if (body && typeof body === 'object') return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, fillSnippet(v)]));
  return body;
}

export async function createResourceFile(args: CreateResourceArgs): Promise<vscode.Uri | undefined> {
  const file = join(args.factoryDir, RESOURCE_FOLDERS[args.kind], `${args.name}.json`);
  if (existsSync(file)) {
    await vscode.window.showTextDocument(vscode.Uri.file(file));
    return vscode.Uri.file(file);
  }
  const snippets = ((RESOURCE_SCHEMAS[args.kind] as { defaultSnippets?: Snippet[] }).defaultSnippets ?? []).filter((s) => s.body && typeof s.body === 'object');
  let snippet = args.template ? snippets.find((s) => s.label === args.template) : snippets.length === 1 ? snippets[0] : undefined;
  if (!snippet && snippets.length) {
    const picked = await vscode.window.showQuickPick(
      snippets.map((s) => ({ label: s.label, detail: s.markdownDescription?.replace(/\*\*|`/g, ''), s })),
      { title: `Create ${RESOURCE_FOLDERS[args.kind]}/${args.name}.json`, placeHolder: 'Which kind?', matchOnDetail: true },
    );
    if (!picked) return undefined;
    snippet = picked.s;
  }
  const body = (snippet ? fillSnippet(snippet.body) : { properties: {} }) as Record<string, unknown>;
  const text = `${JSON.stringify({ ...body, name: args.name }, null, 4)}\n`;
  mkdirSync(join(args.factoryDir, RESOURCE_FOLDERS[args.kind]), { recursive: true });
  writeFileSync(file, text, { flag: 'wx' });
  const uri = vscode.Uri.file(file);
  await vscode.window.showTextDocument(uri);
  return uri;
}
