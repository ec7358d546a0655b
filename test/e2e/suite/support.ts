// Shared by the suites: the installed extension's API, the test workspace, waiting for diagnostics.
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { DmgwExtensionApi } from '../../../src/extension/extension';

export const EXTENSION_ID = 'dmgw.data-management-gateway';

export async function activateExtension(): Promise<DmgwExtensionApi> {
  const e = vscode.extensions.getExtension<DmgwExtensionApi>(EXTENSION_ID);
  if (!e) throw new Error(`${EXTENSION_ID} is not installed`);
  return e.activate();
}

export function workspaceDir(): string {
  return vscode.workspace.workspaceFolders![0]!.uri.fsPath;
}

export function factoryDir(): string {
  return join(workspaceDir(), 'walkthrough');
}

export function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run these suites through test/e2e/harness.mjs`);
  return v;
}

/** Resolves with the diagnostics of `uri` once `accept` likes them (VS Code computes them asynchronously). */
export function waitForDiagnostics(uri: vscode.Uri, accept: (d: vscode.Diagnostic[]) => boolean, timeoutMs = 60_000): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const d = vscode.languages.getDiagnostics(uri);
      if (!accept(d)) return false;
      sub.dispose();
      clearTimeout(timer);
      resolve(d);
      return true;
    };
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) check();
    });
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`diagnostics of ${uri.fsPath} did not arrive; have: ${JSON.stringify(vscode.languages.getDiagnostics(uri).map((d) => `${d.source}: ${d.message}`))}`));
    }, timeoutMs);
    check();
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
