/**
 * The cross-file checks of `dmgw validate` (unresolved references, plaintext secrets, duplicate names) as
 * editor diagnostics, re-run for a factory whenever one of its files is opened, changed or saved. Schema checks
 * are not repeated here: `contributes.jsonValidation` gives those (with completions and hovers) through VS Code's
 * own JSON language service.
 */
import * as vscode from 'vscode';
import type { Problem } from '../../common/errors';
import { resourceFileOf } from '../../common/model/factoryRoots';
import { readFactory, findFactoryDirs } from '../factories';
import { factoryProblems } from './factoryProblems';

export class FactoryDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('dmgw');
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly byFactory = new Map<string, Set<string>>();
  private readonly disposables: vscode.Disposable[] = [this.collection];
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the factory folder after its diagnostics were refreshed (tests and the tree listen). */
  readonly onDidValidate = this.changed.event;

  constructor(private readonly log: vscode.LogOutputChannel) {
    const onDoc = (d: vscode.TextDocument, delay: number) => {
      const r = d.uri.scheme === 'file' ? resourceFileOf(d.uri.fsPath) : undefined;
      if (r) this.schedule(r.factoryDir, delay);
    };
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((d) => onDoc(d, 0)),
      vscode.workspace.onDidSaveTextDocument((d) => onDoc(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => onDoc(e.document, 400)),
      vscode.workspace.onDidCloseTextDocument((d) => onDoc(d, 0)),
      this.changed,
    );
    for (const d of vscode.workspace.textDocuments) onDoc(d, 0);
  }

  /** Validates every factory in the workspace now. */
  async validateWorkspace(): Promise<string[]> {
    const dirs = await findFactoryDirs();
    for (const dir of dirs) this.validate(dir);
    return dirs;
  }

  private schedule(dir: string, delay: number): void {
    clearTimeout(this.pending.get(dir));
    this.pending.set(
      dir,
      setTimeout(() => {
        this.pending.delete(dir);
        this.validate(dir);
      }, delay),
    );
  }

  validate(dir: string): void {
    let problems: Problem[];
    const texts = new Map<string, string>();
    try {
      const factory = readFactory(dir);
      for (const d of factory.documents) texts.set(d.path, d.text);
      problems = factoryProblems(factory);
    } catch (e) {
      this.log.error(`validating ${dir}: ${(e as Error).message}`);
      return;
    }
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const p of problems) {
      if (!p.place.file) continue;
      const list = byFile.get(p.place.file) ?? [];
      list.push(toDiagnostic(p, texts.get(p.place.file)));
      byFile.set(p.place.file, list);
    }
    for (const old of this.byFactory.get(dir) ?? []) if (!byFile.has(old)) this.collection.delete(vscode.Uri.file(old));
    for (const [file, ds] of byFile) this.collection.set(vscode.Uri.file(file), ds);
    this.byFactory.set(dir, new Set(byFile.keys()));
    this.changed.fire(dir);
  }

  dispose(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}

/** A JSON token: a string with escapes, or a bare word/number/literal. */
const TOKEN = /"(?:[^"\\]|\\.)*"|[^\s,:{}[\]]+/y;

function toDiagnostic(p: Problem, text: string | undefined): vscode.Diagnostic {
  const line = Math.max(0, (p.place.line ?? 1) - 1);
  let col = Math.max(0, (p.place.column ?? 1) - 1);
  const lineText = text?.split('\n')[line] ?? '';
  // Problems carry a point; the squiggle covers the token that starts there (a key or a value).
  TOKEN.lastIndex = col;
  let length = TOKEN.exec(lineText)?.[0].length ?? 1;
  // A dangling reference is the value's fault, not the key's: underline the name it points at.
  if (/^REF_/.test(p.code)) {
    const value = /^\s*:\s*/.exec(lineText.slice(col + length));
    if (value) {
      TOKEN.lastIndex = col + length + value[0].length;
      const token = TOKEN.exec(lineText);
      if (token) [col, length] = [token.index, token[0].length];
    }
  }
  const range = new vscode.Range(line, col, line, col + Math.max(1, length));
  const d = new vscode.Diagnostic(range, p.hint ? `${p.message} — ${editorHint(p)}` : p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
  d.source = 'dmgw';
  d.code = p.code;
  return d;
}

/** The CLI's hint, except where the editor has a Quick Fix for it. */
function editorHint(p: Problem): string {
  if (p.code === 'PLAINTEXT_SECRET') return 'Quick Fix (Ctrl+.): Encrypt Credential replaces it with an EncryptedCredential only that gateway can read';
  return p.hint!;
}
