import * as assert from 'node:assert';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, factoryDir, waitForDiagnostics } from './support';

suite('diagnostics for a factory', () => {
  test('schema problems of a broken file come from contributes.jsonValidation', async () => {
    await activateExtension();
    const uri = vscode.Uri.file(join(factoryDir(), 'dataset/BrokenDataset.json'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const ds = await waitForDiagnostics(uri, (d) => d.some((x) => x.source !== 'dmgw'));
    const schema = ds.filter((d) => d.source !== 'dmgw');
    console.log('schema diagnostics:', JSON.stringify(schema.map((d) => `${d.range.start.line + 1}: ${d.message}`)));
    // "schema": 42 is on line 10
    assert.ok(schema.some((d) => d.range.start.line === 9 && /string/i.test(d.message)), 'the number where a string belongs is flagged on its line');
  });

  test('the cross-file checks of dmgw validate show as dmgw diagnostics (unresolved reference, plaintext secret)', async () => {
    const broken = vscode.Uri.file(join(factoryDir(), 'dataset/BrokenDataset.json'));
    const ref = await waitForDiagnostics(broken, (d) => d.some((x) => x.source === 'dmgw'));
    const mine = ref.filter((d) => d.source === 'dmgw');
    console.log('dmgw diagnostics:', JSON.stringify(mine.map((d) => `${d.code} ${d.range.start.line + 1}:${d.range.start.character + 1}-${d.range.end.character + 1} ${d.message}`)));
    const unresolved = mine.find((d) => d.code === 'REF_NOT_FOUND');
    assert.ok(unresolved, 'the reference to NoSuchLinkedService is reported');
    assert.strictEqual(unresolved.severity, vscode.DiagnosticSeverity.Error);
    assert.match(unresolved.message, /NoSuchLinkedService/);
    assert.strictEqual(unresolved.range.start.line, 5, 'on the referenceName line');
    assert.ok(!mine.some((d) => /^SCHEMA/.test(String(d.code))), 'schema problems are left to the JSON language service (no duplicates)');

    const ls = vscode.Uri.file(join(factoryDir(), 'linkedService/OnPremPostgreSql.json'));
    await vscode.workspace.openTextDocument(ls);
    const secret = await waitForDiagnostics(ls, (d) => d.some((x) => x.code === 'PLAINTEXT_SECRET'));
    assert.strictEqual(secret.find((d) => d.code === 'PLAINTEXT_SECRET')!.severity, vscode.DiagnosticSeverity.Warning);
  });

  test('fixing a file in the editor (unsaved) clears its problem', async () => {
    const broken = vscode.Uri.file(join(factoryDir(), 'dataset/BrokenDataset.json'));
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(broken));
    const text = editor.document.getText();
    const at = text.indexOf('NoSuchLinkedService');
    await editor.edit((e) => e.replace(new vscode.Range(editor.document.positionAt(at), editor.document.positionAt(at + 'NoSuchLinkedService'.length)), 'OnPremPostgreSql'));
    await waitForDiagnostics(broken, (d) => !d.some((x) => x.code === 'REF_NOT_FOUND'));
    await vscode.commands.executeCommand('undo');
    await waitForDiagnostics(broken, (d) => d.some((x) => x.code === 'REF_NOT_FOUND'));
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  test('a clean file has no problems', async () => {
    const uri = vscode.Uri.file(join(factoryDir(), 'pipeline/CopySalesOrdersToBlob.json'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepStrictEqual(vscode.languages.getDiagnostics(uri).map((d) => d.message), []);
  });
});
