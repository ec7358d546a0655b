import * as assert from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { EncryptSummary } from '../../../src/common/credential/encryptLinkedService';
import { activateExtension, factoryDir, waitForDiagnostics } from './support';

suite('Encrypt Credential', () => {
  const file = (): string => join(factoryDir(), 'linkedService/OnPremPostgreSql.json');

  test('says there is no certificate yet, and changes nothing, for a gateway home without one', async () => {
    await activateExtension();
    const before = readFileSync(file(), 'utf8');
    const config = vscode.workspace.getConfiguration('dmgw');
    await config.update('home', mkdtempSync(join(tmpdir(), 'dmgw-empty-home-')), vscode.ConfigurationTarget.Global);
    try {
      const r = await vscode.commands.executeCommand('dmgw.encryptCredential', vscode.Uri.file(file()));
      assert.strictEqual(r, undefined);
      assert.strictEqual(readFileSync(file(), 'utf8'), before);
    } finally {
      await config.update('home', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('turns the plaintext password into an EncryptedCredential on disk, as one undoable edit', async () => {
    const uri = vscode.Uri.file(file());
    const before = readFileSync(file(), 'utf8');
    assert.match(before, /Password=e2e-not-a-real-secret/);
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const summary = await vscode.commands.executeCommand<EncryptSummary>('dmgw.encryptCredential', uri);
    assert.ok(summary?.changed, 'the command reports a change');
    assert.strictEqual(summary.boundTo, 'PostgreSql postgres@127.0.0.1:5432/test', 'the credential is bound to the server the file names');
    const after = readFileSync(file(), 'utf8');
    assert.ok(!after.includes('e2e-not-a-real-secret'), 'no plaintext remains on disk');
    const cs = JSON.parse(after).properties.typeProperties.connectionString as string;
    assert.match(cs, /^Server=127\.0\.0\.1;Port=5432;Database=test;UID=postgres;EncryptedCredential=ey[\w-]+\.[\w-]*\.[\w-]+\.[\w-]+\.[\w-]+$/);
    // Formatting kept: only the connection string's line changed.
    const changed = before.split('\n').filter((l, i) => l !== after.split('\n')[i]);
    assert.strictEqual(changed.length, 1, `one line changed, got ${changed.length}`);
    // One undo restores the whole original text; redo brings the encrypted one back.
    await vscode.commands.executeCommand('undo');
    assert.strictEqual(editor.document.getText(), before);
    await vscode.commands.executeCommand('redo');
    assert.strictEqual(editor.document.getText(), after);
    await editor.document.save();
    await waitForDiagnostics(uri, (d) => !d.some((x) => x.code === 'PLAINTEXT_SECRET'));
    assert.strictEqual(summary.thumbprint, JSON.parse(Buffer.from(cs.split('EncryptedCredential=')[1]!.split('.')[0]!, 'base64url').toString()).kid);
  });

  test('encrypting again for the same certificate changes nothing', async () => {
    const before = readFileSync(file(), 'utf8');
    const summary = await vscode.commands.executeCommand<EncryptSummary>('dmgw.encryptCredential', vscode.Uri.file(file()));
    assert.strictEqual(summary?.changed, false);
    assert.strictEqual(readFileSync(file(), 'utf8'), before);
  });
});
