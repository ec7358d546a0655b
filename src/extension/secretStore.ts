/**
 * Everything secret the extension holds (Azure tokens, passwords typed in, gateway keys) goes through here into
 * VS Code's SecretStorage (the OS keychain where there is one); nothing secret is ever written to settings.
 * Keys are namespaced so a listing stays readable (vscode-mssql's credential store, in small).
 */
import type * as vscode from 'vscode';

export class SecretStore {
  constructor(private readonly storage: vscode.SecretStorage) {}

  private key(kind: string, name: string): string {
    return `dmgw.${kind}:${name}`;
  }

  get(kind: string, name: string): Thenable<string | undefined> {
    return this.storage.get(this.key(kind, name));
  }

  set(kind: string, name: string, value: string): Thenable<void> {
    return this.storage.store(this.key(kind, name), value);
  }

  delete(kind: string, name: string): Thenable<void> {
    return this.storage.delete(this.key(kind, name));
  }
}
