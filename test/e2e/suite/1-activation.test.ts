import * as assert from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, EXTENSION_ID } from './support';

suite('the installed extension', () => {
  test('is the packaged .vsix, not the source tree, and bundles the agent', async () => {
    const e = vscode.extensions.getExtension(EXTENSION_ID)!;
    console.log(`vscode ${vscode.version}, node ${process.version}, extension at ${e.extensionPath}`);
    assert.ok(!existsSync(join(e.extensionPath, 'src')), 'the installed extension must not contain src/ (it is the .vsix)');
    assert.ok(existsSync(join(e.extensionPath, 'dist/agent/cli.js')));
    assert.ok(existsSync(join(e.extensionPath, 'schemas/linkedService.schema.json')));
    await activateExtension();
    assert.ok(e.isActive);
  });

  test('registers its commands', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const c of ['dmgw.encryptCredential', 'dmgw.runPipelineLocally', 'dmgw.startGateway', 'dmgw.stopGateway', 'dmgw.registerGateway', 'dmgw.openConfigurationManager']) {
      assert.ok(all.includes(c), `${c} is registered`);
    }
  });

  test('runs the bundled agent with VS Code\'s own Node', async () => {
    const api = await activateExtension();
    const r = await api.agent.exec(['--version']);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /^dmgw \d+\.\d+\.\d+/);
  });
});
