// Issue 14, "Fix what a newcomer hits": each item driven in the installed extension (the .vsix) in a real VS Code.
// Runs last: it uses a copy of the walkthrough outside the workspace for the runs, and a scratch gateway home.
import * as assert from 'node:assert';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import * as vscode from 'vscode';
import type { LocalRunResult } from '../../../src/extension/commands/runPipelineLocally';
import type { CreateResourceArgs } from '../../../src/extension/commands/createResourceFile';
import { activateExtension, env, EXTENSION_ID, factoryDir, sleep, waitForDiagnostics } from './support';

const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** A copy of the workspace's walkthrough (encrypted as the earlier suites left it) without the broken dataset. */
function copyWalkthrough(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'dmgw-newcomer-')), 'walkthrough');
  cpSync(factoryDir(), dir, { recursive: true });
  rmSync(join(dir, 'dataset/BrokenDataset.json'));
  return dir;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a factory file, edited freely by the test
type Json = any;

function setJson(file: string, edit: (v: Json) => void, comment?: string): void {
  // the files this suite commented hold whole-line // comments only
  const v = JSON.parse(readFileSync(file, 'utf8').replace(/^\s*\/\/.*$/gm, '')) as Json;
  edit(v);
  const text = JSON.stringify(v, null, 4);
  // a comment on the line after the opening brace, as a user would write one
  writeFileSync(file, comment ? text.replace('{\n', `{\n    // ${comment}\n`) : text);
}

suite('newcomer rough edges (issue 14)', () => {
  test('activation: only on factory folders, and how long activate takes', async () => {
    const api = await activateExtension();
    const events = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.activationEvents as string[];
    assert.ok(events.length > 0 && events.every((e) => /^workspaceContains:\*\*\/(linkedService|pipeline|dataset|integrationRuntime)\/\*\.json$/.test(e)), JSON.stringify(events));
    assert.ok(api.activationMs > 0);
    console.log(`ACTIVATION activate() took ${api.activationMs.toFixed(1)} ms`);
  });

  test('1. the run summary shows the throughput the copy had (KB/s is not bytes/s)', async () => {
    const uri = vscode.Uri.file(join(factoryDir(), 'pipeline/CopySalesOrdersToBlob.json'));
    const r = await vscode.commands.executeCommand<LocalRunResult>('dmgw.runPipelineLocally', uri);
    assert.strictEqual(r.status, 'Succeeded', JSON.stringify(r.error ?? r.stderr));
    const out = r.activities[0]!.output as { dataWritten: number; copyDuration: number; throughput: number };
    console.log('summary:', r.summaryText);
    const m = /written, ([\d.]+) (B|KiB|MiB|GiB)\/s/.exec(r.summaryText ?? '');
    assert.ok(m, `the summary names a throughput: ${r.summaryText}`);
    const shown = Number(m[1]) * UNITS[m[2]!]!;
    const actual = out.dataWritten / out.copyDuration;
    // the same figure, within the rounding of the KB/s integer and of one decimal
    assert.ok(shown > actual / 2 && shown < actual * 2, `shown ${shown} B/s, written ${out.dataWritten} B in ${out.copyDuration} s = ${actual} B/s`);
  });

  let copy: string;
  test('3 + 4. AzureStorage and AzurePostgreSql linked services, and comments in every file: validate, show no problem, and run', async () => {
    copy = copyWalkthrough();
    setJson(join(copy, 'linkedService/AzureStorage.json'), (v) => (v.properties.type = 'AzureStorage'), 'the original gateway walkthrough names blob storage AzureStorage');
    setJson(join(copy, 'linkedService/OnPremPostgreSql.json'), (v) => (v.properties.type = 'AzurePostgreSql'), 'an Azure Database for PostgreSQL type, served here by the local PostgreSQL');
    setJson(join(copy, 'pipeline/CopySalesOrdersToBlob.json'), () => {}, 'comments are accepted everywhere');
    setJson(join(copy, 'dataset/SalesOrdersCsv.json'), (v) => (v.properties.typeProperties.location.fileName = 'aliases.csv.gz'), 'written by the alias types');
    const api = await activateExtension();
    const validated = await api.agent.exec(['validate', copy]);
    assert.strictEqual(validated.code, 0, validated.stdout + validated.stderr);
    for (const f of ['linkedService/AzureStorage.json', 'linkedService/OnPremPostgreSql.json', 'pipeline/CopySalesOrdersToBlob.json']) {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(join(copy, f)));
      await vscode.window.showTextDocument(doc);
      assert.strictEqual(doc.languageId, 'jsonc', `${f} opens as JSON with comments`);
      await sleep(2500);
      const ds = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.severity <= vscode.DiagnosticSeverity.Warning && d.code !== 'PLAINTEXT_SECRET');
      assert.deepStrictEqual(ds.map((d) => `${d.source}: ${d.message}`), [], `${f} has no problems`);
    }
    const r = await vscode.commands.executeCommand<LocalRunResult>('dmgw.runPipelineLocally', vscode.Uri.file(join(copy, 'pipeline/CopySalesOrdersToBlob.json')));
    assert.strictEqual(r.status, 'Succeeded', JSON.stringify(r.error ?? r.stderr));
    assert.strictEqual(r.pipeline, 'CopySalesOrdersToBlob', 'the name is read from the commented file');
    assert.strictEqual(r.rowsCopied, Number(env('DMGW_E2E_ROWS')));
    const blob = BlobServiceClient.fromConnectionString(env('DMGW_E2E_AZURITE')).getContainerClient('sales').getBlobClient('orders/aliases.csv.gz');
    assert.ok((await blob.getProperties()).contentLength! > 0, 'the AzureStorage linked service wrote the blob');
  });

  test('6. Local History keeps no copy of a linked service (it held a plaintext secret), but does of other files', async () => {
    const exclude = vscode.workspace.getConfiguration('workbench.localHistory').get<Record<string, boolean>>('exclude') ?? {};
    assert.strictEqual(exclude['**/linkedService/*.json'], true, JSON.stringify(exclude));
    const api = await activateExtension();
    const history = join(dirname(dirname(api.context.globalStorageUri.fsPath)), 'History');
    const saveWithEdit = async (file: string): Promise<void> => {
      const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(file)));
      await editor.edit((e) => e.insert(new vscode.Position(1, 0), '    // saved by the Local History test\n'));
      assert.ok(await editor.document.save());
    };
    const ls = join(factoryDir(), 'linkedService/UnreachablePostgreSql.json');
    const pipeline = join(copy, 'pipeline/CopySalesOrdersToBlob.json');
    await saveWithEdit(ls);
    await saveWithEdit(pipeline);
    const kept = (): string[] =>
      existsSync(history) ? readdirSync(history).flatMap((d) => (existsSync(join(history, d, 'entries.json')) ? [decodeURIComponent(JSON.parse(readFileSync(join(history, d, 'entries.json'), 'utf8')).resource as string)] : [])) : [];
    for (let i = 0; i < 20 && !kept().some((r) => r.endsWith('pipeline/CopySalesOrdersToBlob.json')); i++) await sleep(500);
    assert.ok(kept().some((r) => r.endsWith('pipeline/CopySalesOrdersToBlob.json')), `Local History keeps the pipeline (control): ${JSON.stringify(kept())}`);
    assert.ok(!kept().some((r) => r.includes('/linkedService/')), `no linked service in Local History: ${JSON.stringify(kept())}`);
  });

  // 8 (Start not offered to an unregistered node) is in 5-gatewayView, where the node is not registered yet.

  test('9. Quick Fixes: create the missing linked service; "did you mean"; encrypt a plaintext secret', async () => {
    const broken = vscode.Uri.file(join(factoryDir(), 'dataset/BrokenDataset.json'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(broken));
    const [ref] = (await waitForDiagnostics(broken, (d) => d.some((x) => x.code === 'REF_NOT_FOUND'))).filter((x) => x.code === 'REF_NOT_FOUND');
    // 11: the dangling reference is underlined on its value, not on the "referenceName" key
    const line = (await vscode.workspace.openTextDocument(broken)).lineAt(ref!.range.start.line).text;
    assert.strictEqual(line.slice(ref!.range.start.character, ref!.range.end.character), '"NoSuchLinkedService"');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', broken, ref!.range, vscode.CodeActionKind.QuickFix.value);
    const create = actions.find((a) => a.title === 'Create linkedService/NoSuchLinkedService.json');
    assert.ok(create, `offered: ${JSON.stringify(actions.map((a) => a.title))}`);
    const created = join(factoryDir(), 'linkedService/NoSuchLinkedService.json');
    try {
      const args = create.command!.arguments![0] as CreateResourceArgs;
      await vscode.commands.executeCommand(create.command!.command, { ...args, template: 'PostgreSql linked service' });
      const v = JSON.parse(readFileSync(created, 'utf8'));
      assert.strictEqual(v.name, 'NoSuchLinkedService');
      assert.strictEqual(v.properties.type, 'PostgreSql');
      await waitForDiagnostics(broken, (d) => !d.some((x) => x.code === 'REF_NOT_FOUND'));
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      rmSync(created, { force: true });
    }

    // did you mean: a dataset pointing at "AzureStorag"
    const typo = join(copy, 'dataset/TypoCsv.json');
    setJson(join(copy, 'dataset/SalesOrdersCsv.json'), (v) => ((v.name = 'TypoCsv'), (v.properties.linkedServiceName.referenceName = 'AzureStorag')));
    cpSync(join(copy, 'dataset/SalesOrdersCsv.json'), typo);
    rmSync(join(copy, 'dataset/SalesOrdersCsv.json'));
    const typoUri = vscode.Uri.file(typo);
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(typoUri));
    const [wrong] = (await waitForDiagnostics(typoUri, (d) => d.some((x) => /did you mean "AzureStorage"/.test(x.message)))).filter((x) => /did you mean/.test(x.message));
    const fixes = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', typoUri, wrong!.range, vscode.CodeActionKind.QuickFix.value);
    const change = fixes.find((a) => a.title === 'Change to "AzureStorage"');
    assert.ok(change?.edit, `offered: ${JSON.stringify(fixes.map((a) => a.title))}`);
    assert.ok(await vscode.workspace.applyEdit(change.edit));
    assert.match(editor.document.getText(), /"referenceName": "AzureStorage"/);
    await waitForDiagnostics(typoUri, (d) => !d.some((x) => /did you mean/.test(x.message)));
    await editor.document.save();

    // a plaintext secret: the Quick Fix encrypts it (the message no longer sends the user to a terminal)
    const secretFile = join(copy, 'linkedService/PlainPostgreSql.json');
    writeFileSync(secretFile, JSON.stringify({ name: 'PlainPostgreSql', properties: { type: 'PostgreSql', connectVia: { referenceName: 'OnPremGateway', type: 'IntegrationRuntimeReference' }, typeProperties: { connectionString: 'Server=127.0.0.1;Port=5432;Database=test;UID=postgres;Password=e2e-quick-fix-secret' } } }, null, 4));
    const secretUri = vscode.Uri.file(secretFile);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(secretUri));
    const [plain] = (await waitForDiagnostics(secretUri, (d) => d.some((x) => x.code === 'PLAINTEXT_SECRET'))).filter((x) => x.code === 'PLAINTEXT_SECRET');
    assert.ok(!plain!.message.includes('dmgw encrypt'), plain!.message);
    const enc = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', secretUri, plain!.range, vscode.CodeActionKind.QuickFix.value)).find((a) => a.command?.command === 'dmgw.encryptCredential');
    assert.ok(enc, 'an Encrypt Quick Fix');
    await vscode.commands.executeCommand(enc.command!.command, ...(enc.command!.arguments ?? []));
    const after = readFileSync(secretFile, 'utf8');
    assert.ok(!after.includes('e2e-quick-fix-secret') && after.includes('EncryptedCredential='), after);
    await waitForDiagnostics(secretUri, (d) => !d.some((x) => x.code === 'PLAINTEXT_SECRET'));
  });

  test('10. Run Pipeline Locally passes the pipeline parameters', async () => {
    // a copy whose output file name is a pipeline parameter, through a dataset parameter
    rmSync(join(copy, 'dataset/TypoCsv.json'), { force: true }); // whatever test 9 left
    cpSync(join(factoryDir(), 'dataset/SalesOrdersCsv.json'), join(copy, 'dataset/NamedCsv.json'));
    setJson(join(copy, 'dataset/NamedCsv.json'), (v) => {
      v.name = 'NamedCsv';
      v.properties.parameters = { fileName: { type: 'String' } };
      v.properties.typeProperties.location.fileName = { value: '@dataset().fileName', type: 'Expression' };
    });
    setJson(join(copy, 'pipeline/CopySalesOrdersToBlob.json'), (v) => {
      v.properties.parameters = { outputName: { type: 'String', defaultValue: 'param_default.csv.gz' } };
      v.properties.activities[0].outputs[0] = { referenceName: 'NamedCsv', type: 'DatasetReference', parameters: { fileName: '@pipeline().parameters.outputName' } };
    });
    const r = await vscode.commands.executeCommand<LocalRunResult>('dmgw.runPipelineLocally', vscode.Uri.file(join(copy, 'pipeline/CopySalesOrdersToBlob.json')), { parameters: { outputName: 'param_given.csv.gz' } });
    assert.strictEqual(r.status, 'Succeeded', JSON.stringify(r.error ?? r.stderr));
    const blob = BlobServiceClient.fromConnectionString(env('DMGW_E2E_AZURITE')).getContainerClient('sales').getBlobClient('orders/param_given.csv.gz');
    assert.ok(await blob.exists(), 'the blob is named by the parameter');
  });

  test('Encrypt All Credentials: the database password and the blob account key of a factory, in one command; the run still reads both', async () => {
    const dir = copyWalkthrough();
    const pg = join(dir, 'linkedService/OnPremPostgreSql.json');
    setJson(pg, (v) => (v.properties.typeProperties.connectionString = String(v.properties.typeProperties.connectionString).replace(/;?(EncryptedCredential|Password)=[^;]*/g, '') + ';Password=e2e-encrypt-all'));
    setJson(join(dir, 'linkedService/AzureStorage.json'), (v) => ((v.properties.type = 'AzureStorage'), (v.properties.typeProperties.connectionString = env('DMGW_E2E_AZURITE'))));
    const accountKey = /AccountKey=([^;]+)/.exec(env('DMGW_E2E_AZURITE'))?.[1];
    assert.ok(accountKey, 'the Azurite connection string has an account key');
    const r = await vscode.commands.executeCommand<{ encrypted: Record<string, { encrypted: string[] }>; failed: string[] }>('dmgw.encryptAllCredentials', dir);
    console.log('encrypt all:', JSON.stringify(Object.fromEntries(Object.entries(r.encrypted).map(([f, s]) => [f.split('/').pop(), s.encrypted]))));
    assert.deepStrictEqual(Object.keys(r.encrypted).map((f) => f.split('/').pop()).sort(), ['AzureStorage.json', 'OnPremPostgreSql.json']);
    assert.deepStrictEqual(r.failed, []);
    for (const f of ['AzureStorage.json', 'OnPremPostgreSql.json']) {
      const text = readFileSync(join(dir, 'linkedService', f), 'utf8');
      assert.ok(!text.includes('e2e-encrypt-all') && !text.includes(accountKey), `${f} holds no plaintext secret`);
      assert.match(text, /EncryptedCredential=ey/);
    }
    const run = await vscode.commands.executeCommand<LocalRunResult>('dmgw.runPipelineLocally', vscode.Uri.file(join(dir, 'pipeline/CopySalesOrdersToBlob.json')), { parameters: {} });
    assert.strictEqual(run.status, 'Succeeded', JSON.stringify(run.error ?? run.stderr));
    assert.strictEqual(run.rowsCopied, Number(env('DMGW_E2E_ROWS')));
  });

  test('Test Connection on a linked service: a CodeLens, a tree action and a command, answering with the driver', async () => {
    const ok = vscode.Uri.file(join(factoryDir(), 'linkedService/OnPremPostgreSql.json'));
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', ok);
    const lens = lenses.find((l) => /Test Connection/.test(l.command?.title ?? ''));
    assert.ok(lens, `lenses: ${JSON.stringify(lenses.map((l) => l.command?.title))}`);
    const good = await vscode.commands.executeCommand<{ ok: boolean; message: string }>(lens.command!.command, ...(lens.command!.arguments ?? []));
    assert.strictEqual(good.ok, true, good.message);
    const bad = await vscode.commands.executeCommand<{ ok: boolean; message: string }>('dmgw.testConnection', vscode.Uri.file(join(factoryDir(), 'linkedService/UnreachablePostgreSql.json')));
    assert.strictEqual(bad.ok, false);
    assert.match(bad.message, /ECONNREFUSED|refused|127\.0\.0\.1:1\b/i);
    const menus = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.menus['view/item/context'] as Array<{ command: string; when: string }>;
    assert.ok(menus.some((m) => m.command === 'dmgw.testConnection' && /resource linkedService/.test(m.when)), 'the Gateway view offers it on linked services');
  });

  test('11. the factory node does not repeat its name', async () => {
    const api = await activateExtension();
    const factory = (await api.tree.getChildren()).find((r) => r.label === 'walkthrough');
    assert.ok(factory, 'the walkthrough factory is a root');
    assert.notStrictEqual(factory.description, 'walkthrough');
  });
});
