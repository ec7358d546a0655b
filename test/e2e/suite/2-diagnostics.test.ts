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

  test('a clean file has no problems', async () => {
    const uri = vscode.Uri.file(join(factoryDir(), 'pipeline/CopySalesOrdersToBlob.json'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepStrictEqual(vscode.languages.getDiagnostics(uri).map((d) => d.message), []);
  });
});
