// Test-only stand-in for VS Code's Microsoft authentication provider (the harness disables the built-in one): the
// session's access token is the e2e factory service's admin token, read from DMGW_E2E_AZURE_TOKEN_FILE, so the
// extension's real getSession → ARM calls reach our service, which speaks ARM. Nothing is signed in until a
// caller's createIfNone (after VS Code's own consent prompt) asks for it.
const { readFileSync } = require('node:fs');
const vscode = require('vscode');

exports.activate = (context) => {
  const changed = new vscode.EventEmitter();
  let signedIn = false;
  const session = (scopes) => ({
    id: 'dmgw-e2e-session',
    accessToken: readFileSync(process.env.DMGW_E2E_AZURE_TOKEN_FILE, 'utf8').trim(),
    account: { id: 'dmgw-e2e', label: 'e2e@dmgw.test' },
    scopes: [...scopes],
  });
  context.subscriptions.push(
    changed,
    vscode.authentication.registerAuthenticationProvider('microsoft', 'Microsoft (dmgw e2e)', {
      onDidChangeSessions: changed.event,
      getSessions: async (scopes) => (signedIn ? [session(scopes ?? [])] : []),
      createSession: async (scopes) => {
        signedIn = true;
        const s = session(scopes);
        changed.fire({ added: [s], removed: [], changed: [] });
        return s;
      },
      removeSession: async () => {
        signedIn = false;
        changed.fire({ added: [], removed: [session([])], changed: [] });
      },
    }),
  );
};
