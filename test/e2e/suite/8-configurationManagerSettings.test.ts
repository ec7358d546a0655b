import * as assert from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { AgentResult } from '../../../src/extension/agent/agentClient';
import type { ConfigManagerPanel } from '../../../src/extension/webview/ConfigManagerPanel';
import { activateExtension, env } from './support';

// The Settings/Home pages' actions, through the commands the page's buttons run, with their inputs as arguments
// (no dialogs in smoke-test mode); every expectation is read back from the agent.
suite('Configuration Manager: settings from the agent', () => {
  const state = async () => (await vscode.commands.executeCommand<ConfigManagerPanel>('dmgw.openConfigurationManager')).pushState();
  const endpoint = async () => (await state()).gateway.status?.credentialEndpoint as { enabled: boolean; port?: number; listening: boolean } | undefined;

  test('credential endpoint: enable on a port, disable, rotate the token (the new one only on the clipboard)', async () => {
    const api = await activateExtension();
    assert.strictEqual((await endpoint())?.enabled, false, 'off by default');
    const on = await vscode.commands.executeCommand<AgentResult>('dmgw.setCredentialEndpoint', 18060);
    assert.strictEqual(on.code, 0, on.stderr);
    assert.deepStrictEqual({ ...(await endpoint()), host: undefined }, { enabled: true, host: undefined, port: 18060, listening: false });
    const s = (await state()).settings.list.find((r) => r.key === 'credentialEndpoint.port');
    assert.deepStrictEqual([s?.value, s?.set], [18060, true]);
    const off = await vscode.commands.executeCommand<AgentResult>('dmgw.setCredentialEndpoint', null);
    assert.strictEqual(off.code, 0, off.stderr);
    assert.strictEqual((await endpoint())?.enabled, false);

    const before = (await api.agent.exec(['credential-endpoint', 'token'])).stdout.trim();
    assert.strictEqual(await vscode.commands.executeCommand('dmgw.rotateCredentialEndpointToken', true), true);
    const after = (await api.agent.exec(['credential-endpoint', 'token'])).stdout.trim();
    assert.notStrictEqual(after, before, 'a new token');
    assert.strictEqual(await vscode.env.clipboard.readText(), after, 'the new token is on the clipboard');
  });

  test('update schedule: the agent\'s default, a valid change, an invalid one refused by the agent', async () => {
    const api = await activateExtension();
    const schedule = async () => (await state()).settings.list.find((r) => r.key === 'update.schedule');
    assert.deepStrictEqual([(await schedule())?.value, (await schedule())?.set], ['Sun 03:00', false]);
    const ok = await vscode.commands.executeCommand<AgentResult>('dmgw.setUpdateSchedule', 'daily 02:30');
    assert.strictEqual(ok.code, 0, ok.stderr);
    assert.deepStrictEqual([(await schedule())?.value, (await schedule())?.set], ['daily 02:30', true]);
    const bad = await vscode.commands.executeCommand<AgentResult>('dmgw.setUpdateSchedule', 'whenever');
    assert.notStrictEqual(bad.code, 0);
    assert.match(bad.stderr, /update\.schedule/);
    assert.strictEqual((await schedule())?.value, 'daily 02:30', 'unchanged');
    await api.agent.exec(['config', 'unset', 'update.schedule']);
  });

  test('proxy: set with a user and password (kept encrypted in the home), shown as the agent reports it, cleared', async () => {
    const proxy = async () => (await state()).proxy;
    const before = await proxy();
    assert.ok(before.report, before.error);
    assert.strictEqual(before.report.stored, null, 'nothing stored at first');
    const password = 'e2e-proxy-password-not-on-disk';
    try {
      const set = await vscode.commands.executeCommand<AgentResult>('dmgw.setProxy', { url: 'http://proxy.invalid:3128', user: 'e2e', password });
      assert.strictEqual(set.code, 0, set.stderr);
      const after = (await proxy()).report!;
      assert.deepStrictEqual(after.effective, { url: 'http://proxy.invalid:3128', username: 'e2e', hasPassword: true, source: 'gateway home', noProxy: [] });
      assert.strictEqual(after.stored?.url, 'http://proxy.invalid:3128');
      assert.strictEqual(after.stored?.passwordSealedFor, (await state()).certificates.list.find((c) => c.current)?.thumbprint, 'the password is sealed for the current certificate');
      for (const f of readdirSync(env('DMGW_HOME'))) {
        const p = join(env('DMGW_HOME'), f);
        if (statSync(p).isFile()) assert.ok(!readFileSync(p, 'utf8').includes(password), `${f} holds the proxy password in plaintext`);
      }
    } finally {
      const cleared = await vscode.commands.executeCommand<AgentResult>('dmgw.setProxy', null);
      assert.strictEqual(cleared.code, 0, cleared.stderr);
    }
    assert.strictEqual((await proxy()).report?.stored, null);
  });

  test('certificate: export to a PFX, make a new one, import the PFX back — the current one follows', async () => {
    const api = await activateExtension();
    const current = async () => (await state()).certificates.list.find((c) => c.current)?.thumbprint;
    const original = await current();
    assert.ok(original);
    const pfx = join(mkdtempSync(join(tmpdir(), 'dmgw-e2e-pfx-')), 'gateway.pfx');
    const exported = await vscode.commands.executeCommand<AgentResult>('dmgw.exportCertificate', pfx, 'e2e-pfx-password');
    assert.strictEqual(exported.code, 0, exported.stderr);
    assert.ok(existsSync(pfx) && statSync(pfx).size > 1000, 'a PFX was written');

    const made = await vscode.commands.executeCommand<AgentResult>('dmgw.newCertificate', true);
    assert.strictEqual(made.code, 0, made.stderr);
    const fresh = await current();
    assert.ok(fresh && fresh !== original, 'a new current certificate');

    const wrong = await vscode.commands.executeCommand<AgentResult>('dmgw.importCertificate', pfx, 'not-the-password');
    assert.notStrictEqual(wrong.code, 0, 'a wrong PFX password is refused');
    assert.strictEqual(await current(), fresh);
    const imported = await vscode.commands.executeCommand<AgentResult>('dmgw.importCertificate', pfx, 'e2e-pfx-password');
    assert.strictEqual(imported.code, 0, imported.stderr);
    assert.strictEqual(await current(), original, 'the exported certificate is current again');
    assert.strictEqual((await api.gateway.refresh()).certificate, original);
  });
});
