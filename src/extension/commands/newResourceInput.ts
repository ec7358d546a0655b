/**
 * The questions of New Linked Service / Dataset / Pipeline: each answer preset by the caller (tests, other commands)
 * or asked in a box or a pick; Escape anywhere cancels the whole command (`Cancelled`), nothing written.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { findFactoryDirs } from '../factories';

export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

export async function ask(preset: string | undefined, options: vscode.InputBoxOptions): Promise<string> {
  if (preset !== undefined) {
    const problem = await options.validateInput?.(preset);
    if (problem) throw new Error(`${options.prompt ?? options.title}: ${typeof problem === 'string' ? problem : problem.message}`);
    return preset;
  }
  const v = await vscode.window.showInputBox({ ignoreFocusOut: true, ...options });
  if (v === undefined) throw new Cancelled();
  return v;
}

export async function pick<T extends vscode.QuickPickItem>(preset: string | undefined, items: T[], options: vscode.QuickPickOptions): Promise<T> {
  if (preset !== undefined) {
    const hit = items.find((i) => i.label === preset);
    if (!hit) throw new Error(`${options.title ?? 'pick'}: no "${preset}" among ${items.map((i) => i.label).join(', ')}`);
    return hit;
  }
  const v = await vscode.window.showQuickPick(items, { ignoreFocusOut: true, matchOnDescription: true, matchOnDetail: true, ...options });
  if (!v) throw new Cancelled();
  return v;
}

/** The factory a New command writes into: the tree node's, the preset one, the workspace's only one, or a pick. */
export async function factoryDirFor(target: { dir?: string; factoryDir?: string } | undefined, preset: string | undefined, title: string): Promise<string> {
  const given = preset ?? target?.factoryDir ?? target?.dir;
  if (given) return given;
  const dirs = await findFactoryDirs();
  if (dirs.length === 1) return dirs[0]!;
  if (!dirs.length) throw new Error('no factory folder in this workspace (ADF Git layout: linkedService/, dataset/, pipeline/)');
  const p = await pick(undefined, dirs.map((d) => ({ label: basename(d), description: vscode.workspace.asRelativePath(d), d })), { title, placeHolder: 'In which factory?' });
  return p.d;
}

/** Runs a New command's questions; a cancel ends it quietly with undefined. */
export async function unlessCancelled<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof Cancelled) return undefined;
    throw e;
  }
}
