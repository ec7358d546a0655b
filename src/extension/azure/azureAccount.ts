/**
 * The Azure account behind the Gateway view's "Azure" node: a session of VS Code's Microsoft authentication
 * provider (`vscode.authentication`), asked for the Resource Manager scope of `dmgw.azure.resourceManagerEndpoint`.
 * The access token lives only in the session (VS Code's own secret storage, refreshed by the provider); it is
 * asked for again on every ARM request and never written to settings or logs.
 */
import type { TokenCredential } from '@azure/core-auth';
import * as vscode from 'vscode';
import { registerSecret } from '../../common/redact';

export const MICROSOFT_PROVIDER = 'microsoft';
export const AZURE_RESOURCE_MANAGER = 'https://management.azure.com';

/** The ARM endpoint (a sovereign cloud's, or any ARM-compatible service such as ours). */
export function resourceManagerEndpoint(): string {
  const v = vscode.workspace.getConfiguration('dmgw.azure').get<string>('resourceManagerEndpoint')?.trim();
  return (v || AZURE_RESOURCE_MANAGER).replace(/\/+$/, '');
}

/** `https://management.azure.com/.default` for Azure; the same shape (the endpoint's own audience) for a sovereign cloud. */
export function resourceManagerScopes(endpoint = resourceManagerEndpoint()): string[] {
  return [`${new URL(endpoint).origin}/.default`];
}

export class AzureAccount implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  private readonly subs: vscode.Disposable[];
  session: vscode.AuthenticationSession | undefined;

  constructor() {
    this.subs = [
      this.emitter,
      vscode.authentication.onDidChangeSessions((e) => e.provider.id === MICROSOFT_PROVIDER && void this.restore()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('dmgw.azure') && void this.restore()),
    ];
  }

  /** A session this extension may already use, without any prompt (after a reload, or a sign-in elsewhere in VS Code). */
  async restore(): Promise<vscode.AuthenticationSession | undefined> {
    try {
      this.set(await vscode.authentication.getSession(MICROSOFT_PROVIDER, resourceManagerScopes(), { silent: true }));
    } catch {
      this.set(undefined); // no Microsoft provider (e.g. disabled): the tree offers Sign in, which says why
    }
    return this.session;
  }

  /** Sign in to Azure: VS Code asks the user to allow it, then the provider signs in (or reuses an account). */
  async signIn(): Promise<vscode.AuthenticationSession> {
    const s = await vscode.authentication.getSession(MICROSOFT_PROVIDER, resourceManagerScopes(), { createIfNone: true });
    this.set(s);
    return s;
  }

  /** A TokenCredential for the Azure SDK: the session's current token, refreshed by the provider. */
  credential(): TokenCredential {
    return {
      getToken: async () => {
        const s = (await vscode.authentication.getSession(MICROSOFT_PROVIDER, resourceManagerScopes(), { silent: true }).then(undefined, () => undefined)) ?? this.session;
        if (!s) throw new Error('not signed in to Azure: run "Data Management Gateway: Sign in to Azure"');
        registerSecret(s.accessToken);
        // Sessions carry no expiry; the provider refreshes them, and this is asked again on each request.
        return { token: s.accessToken, expiresOnTimestamp: Date.now() + 5 * 60_000 };
      },
    };
  }

  private set(s: vscode.AuthenticationSession | undefined): void {
    if (s) registerSecret(s.accessToken);
    const changed = s?.id !== this.session?.id || s?.accessToken !== this.session?.accessToken;
    this.session = s;
    if (changed) this.emitter.fire();
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
  }
}
