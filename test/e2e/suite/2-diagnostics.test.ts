import * as assert from 'node:assert';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, factoryDir, waitForDiagnostics } from './support';

suite('diagnostics for a factory', () => {
  test('schema problems are shown as dmgw validate words them: an error, once, on the value', async () => {
    const api = await activateExtension();
    const uri = vscode.Uri.file(join(factoryDir(), 'dataset/BrokenDataset.json'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const ds = await waitForDiagnostics(uri, (d) => d.some((x) => /^SCHEMA/.test(String(x.code))));
    console.log('diagnostics:', JSON.stringify(ds.map((d) => `${d.source} ${d.code} ${d.severity} ${d.range.start.line + 1}: ${d.message}`)));
    // "schema": 42 is on line 10
    const schema = ds.filter((d) => d.range.start.line === 9);
    assert.strictEqual(schema.length, 1, 'one problem on that line, not one from the JSON language service as well');
    assert.strictEqual(schema[0]!.source, 'dmgw');
    assert.strictEqual(schema[0]!.severity, vscode.DiagnosticSeverity.Error);
    // the CLI's own line for the same file: same severity and words
    const cli = await api.agent.exec(['validate', factoryDir()]);
    const line = cli.stdout.split('\n').find((l) => l.includes('dataset/BrokenDataset.json:10:'));
    assert.ok(line, cli.stdout);
    assert.ok(line.endsWith(`: ${schema[0]!.message}`), `CLI: ${line}\neditor: ${schema[0]!.message}`);
    assert.match(line, /: error: /);
  });

  test('a type typed wrong gets "did you mean" in the editor, as in the CLI', async () => {
    const uri = vscode.Uri.file(join(factoryDir(), 'dataset/BrokenDataset.json'));
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const at = editor.document.getText().indexOf('"PostgreSqlTable"');
    await editor.edit((e) => e.replace(new vscode.Range(editor.document.positionAt(at), editor.document.positionAt(at + '"PostgreSqlTable"'.length)), '"PostgresTable"'));
    try {
      const ds = await waitForDiagnostics(uri, (d) => d.some((x) => /PostgresTable/.test(x.message)));
      const typo = ds.find((x) => /PostgresTable/.test(x.message))!;
      assert.strictEqual(typo.severity, vscode.DiagnosticSeverity.Error);
      assert.match(typo.message, /did you mean "PostgreSqlTable"\?/);
      assert.ok(!ds.some((x) => x.source !== 'dmgw' && /PostgresTable|Value is not accepted/.test(x.message)), `no second, weaker copy: ${JSON.stringify(ds.map((x) => `${x.source}: ${x.message}`))}`);
    } finally {
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
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
