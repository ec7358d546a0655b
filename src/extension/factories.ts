/**
 * The factories in the workspace: every folder laid out in ADF's Git layout, found from a file search alone,
 * and a factory read with the editor's unsaved text in place of what is on disk.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { addDocument, emptyFactory, KINDS, type Factory } from '../common/model/factory';
import { factoryDirsOf } from '../common/model/factoryRoots';
import { RESOURCE_FOLDERS } from '../common/model/types';
import { JsonDocument } from '../common/jsonDocument';

export const RESOURCE_GLOB = '**/{linkedService,dataset,pipeline,integrationRuntime}/*.json';

export async function findFactoryDirs(): Promise<string[]> {
  const files = await vscode.workspace.findFiles(RESOURCE_GLOB, '**/{node_modules,.git,dist}/**');
  return factoryDirsOf(files.map((u) => u.fsPath));
}

/** Reads a factory; a file open in an editor counts with its current (maybe unsaved) text. Paths stay absolute. */
export function readFactory(dir: string): Factory {
  const open = new Map(vscode.workspace.textDocuments.filter((d) => d.uri.scheme === 'file').map((d) => [d.uri.fsPath, d]));
  const factory = emptyFactory(dir);
  for (const kind of KINDS) {
    let names: string[];
    try {
      names = readdirSync(join(dir, RESOURCE_FOLDERS[kind])).filter((n) => n.toLowerCase().endsWith('.json')).sort();
    } catch {
      continue;
    }
    for (const n of names) {
      const file = join(dir, RESOURCE_FOLDERS[kind], n);
      let text: string;
      try {
        text = open.get(file)?.getText() ?? readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      addDocument(factory, kind, new JsonDocument(file, text.replace(/^\uFEFF/, '')), n.replace(/\.json$/i, ''));
    }
  }
  return factory;
}
