// UI checks in a real workbench (normal mode: real notifications and inputs), driven like a user would, with a
// screenshot of each step in test-results/vscode/. Returns the list of failed checks (empty = all passed).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { launchBrowser } from './browser.mjs';
import { authoringUiChecks } from './uiAuthoring.mjs';
import { browseUiChecks } from './uiBrowse.mjs';
import { runsUiChecks } from './uiRuns.mjs';

export async function runUiChecks({ url, workspace, factory, out, rows, gatewayKey, azurite, machineSettings, log }) {
  const failures = [];
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, permissions: ['clipboard-read', 'clipboard-write'] });
  page.on('pageerror', (e) => log(`  [page error] ${e.message.slice(0, 200)}`));
  let n = 0;
  const shot = async (name) => {
    const file = join(out, `${String(++n).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file });
    return file;
  };
  const step = async (name, fn) => {
    try {
      await fn();
      await shot(name);
      log(`  ok   ${name}`);
    } catch (e) {
      failures.push(`UI: ${name}: ${e.message.split('\n')[0]}`);
      log(`  FAIL ${name}: ${e.message.split('\n')[0]}`);
      await shot(`${name}-FAILED`).catch(() => {});
    }
  };
  // The quick input (F1), opened again when a key press was lost: after an editor closes, the workbench may have no
  // focused element for a moment and the key goes nowhere (seen once in CI as a fill that waited 30 s).
  const quickInput = async () => {
    const input = page.locator('.quick-input-widget input');
    for (let attempt = 1; ; attempt++) {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      try {
        await input.waitFor({ state: 'visible', timeout: 5_000 });
        return input;
      } catch (e) {
        if (attempt === 3) throw e;
        await page.locator('.part.editor').first().click().catch(() => {}); // focus back in the workbench
      }
    }
  };
  const runCommand = async (title) => {
    const input = await quickInput();
    await input.fill('>' + title);
    // the exact command: "Encrypt Credential" also matches "Encrypt All Credentials", which may be listed first
    const exact = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
    await row.waitFor({ timeout: 15_000 });
    await row.click();
  };
  const openFile = async (name) => {
    // F1 with no '>' is Quick Open (Go to File), without Control+P, which the browser may take for Print
    const input = await quickInput();
    await input.fill(name);
    // a click on the file's row: Enter would take the row under the mouse pointer, if it rests over the list
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
    await row.waitFor({ timeout: 15_000 });
    await row.click();
    await page.locator('.tabs-container .tab.active', { hasText: name }).first().waitFor({ timeout: 15_000 });
    await page.locator('.monaco-editor .view-lines').first().waitFor({ timeout: 15_000 });
  };
  const notification = (text) => page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();

  // 10: a pipeline with a parameter (its output file name), written before the workbench opens so Quick Open knows it
  const named = (from, to, fn) => {
    const v = JSON.parse(readFileSync(join(factory, from), 'utf8'));
    fn(v);
    writeFileSync(join(factory, to), JSON.stringify(v, null, 4) + '\n');
  };
  named('dataset/SalesOrdersCsv.json', 'dataset/SalesOrdersCsvNamed.json', (v) => {
    v.name = 'SalesOrdersCsvNamed';
    v.properties.parameters = { fileName: { type: 'String' } };
    v.properties.typeProperties.location.fileName = { value: '@dataset().fileName', type: 'Expression' };
  });
  named('pipeline/CopySalesOrdersToBlob.json', 'pipeline/CopySalesOrdersNamed.json', (v) => {
    v.name = 'CopySalesOrdersNamed';
    v.properties.parameters = { outputName: { type: 'String', defaultValue: 'named_default.csv.gz' } };
    v.properties.activities[0].outputs[0] = { referenceName: 'SalesOrdersCsvNamed', type: 'DatasetReference', parameters: { fileName: '@pipeline().parameters.outputName' } };
  });

  try {
    await step('workbench', async () => {
      await page.goto(`${url}/?folder=${encodeURIComponent(workspace)}`);
      await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
      await page.locator('.activitybar [aria-label^="Data Management Gateway"]').first().waitFor({ timeout: 60_000 });
    });

    await step('diagnostics-broken-file', async () => {
      await openFile('BrokenDataset.json');
      await page.locator('.monaco-editor .squiggly-error, .monaco-editor .squiggly-warning').first().waitFor({ timeout: 30_000 });
      await page.keyboard.press('Control+Shift+M');
      await page.locator('.markers-panel .monaco-list-row').first().waitFor({ timeout: 15_000 });
      const rows = await page.locator('.markers-panel .monaco-list-row').allInnerTexts();
      if (!rows.some((r) => /string/i.test(r))) throw new Error(`Problems panel lacks the schema problem: ${JSON.stringify(rows)}`);
    });

    // 9: the dangling reference offers to create the file, from the light bulb (Ctrl+.) on the underlined name
    await step('quick-fix-create-missing-linked-service', async () => {
      await openFile('BrokenDataset.json');
      await page.keyboard.press('Control+G');
      await page.keyboard.type('6:30');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Control+.');
      const item = page.locator('.action-widget .monaco-list-row', { hasText: 'Create linkedService/NoSuchLinkedService.json' }).first();
      await item.waitFor({ timeout: 30_000 });
      await shot('quick-fix-menu');
      await page.keyboard.press('Escape');
    });

    await step('gateway-tree', async () => {
      await page.locator('.activitybar [aria-label^="Data Management Gateway"]').first().click();
      const tree = page.locator('.pane-body .monaco-list-row');
      await tree.filter({ hasText: 'Local gateway' }).first().waitFor({ timeout: 30_000 });
      await tree.filter({ hasText: 'walkthrough' }).first().waitFor({ timeout: 30_000 });
      await tree.filter({ hasText: 'Linked services' }).first().click();
      await tree.filter({ hasText: 'OnPremPostgreSql' }).first().waitFor({ timeout: 15_000 });
    });

    await step('gateway-online-after-start', async () => {
      const local = page.locator('.pane-body .monaco-list-row', { hasText: 'Local gateway' }).first();
      await local.locator('text=Stopped').waitFor({ timeout: 30_000 });
      await local.hover();
      await local.locator('.action-label[aria-label="Start Local Gateway"]').click();
      // 11: the toast names the host's pid, the one the tree shows
      const toast = notification('host started (pid');
      await toast.waitFor({ timeout: 60_000 });
      const toastPid = /host started \(pid (\d+)/.exec(await toast.innerText())?.[1];
      await page.locator('.pane-body .monaco-list-row', { hasText: 'Online · UiGateway' }).first().waitFor({ timeout: 60_000 });
      const hostRow = page.locator('.pane-body .monaco-list-row', { hasText: 'running (pid' }).first();
      await hostRow.waitFor({ timeout: 30_000 });
      const treePid = /running \(pid (\d+)\)/.exec(await hostRow.innerText())?.[1];
      if (!toastPid || toastPid !== treePid) throw new Error(`the toast says pid ${toastPid}, the tree ${treePid}`);
      await page.locator('.statusbar-item', { hasText: 'Gateway: Online' }).first().waitFor({ timeout: 30_000 });
    });

    // Azure through VS Code's Microsoft authentication: the e2e provider stands in for Microsoft's sign-in, the
    // ARM endpoint setting points at our service; VS Code's real consent prompt is answered like a user would.
    await step('azure-sign-in', async () => {
      await runCommand('Data Management Gateway: Sign in to Azure');
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: 30_000 });
      await shot('azure-consent');
      await dialog.locator('.monaco-button', { hasText: 'Allow' }).first().click();
      await notification('Signed in to Azure as e2e@dmgw.test').waitFor({ timeout: 30_000 });
    });

    // A click that lands while the tree re-renders (a refresh after sign-in) only selects the row; the
    // keyboard's Right arrow expands a selected row. Try both until the row says it is expanded.
    const expand = async (row) => {
      for (let i = 0; i < 6 && (await row.getAttribute('aria-expanded')) !== 'true'; i++) {
        await row.click();
        if ((await row.getAttribute('aria-expanded')) !== 'true') await page.keyboard.press('ArrowRight');
        await page.waitForTimeout(500);
      }
      if ((await row.getAttribute('aria-expanded')) !== 'true') throw new Error(`could not expand ${await row.innerText()}`);
    };

    await step('azure-tree-subscription-factory-gateway', async () => {
      const rows = page.locator('.pane-body .monaco-list-row');
      const azure = rows.filter({ hasText: 'e2e@dmgw.test' }).first();
      await azure.waitFor({ timeout: 30_000 });
      await expand(azure);
      await rows.filter({ hasText: 'Default subscription (dmgw factory service)' }).first().waitFor({ timeout: 30_000 });
      await rows.filter({ hasText: 'factory-ui' }).last().waitFor({ timeout: 30_000 });
      const gw = rows.filter({ hasText: 'UiGateway' }).last();
      await gw.waitFor({ timeout: 30_000 });
      await expand(gw);
      await rows.filter({ hasText: 'authKey1' }).last().waitFor({ timeout: 30_000 });
      await rows.filter({ hasText: 'Node vscode-ui' }).last().waitFor({ timeout: 30_000 });
    });

    await step('azure-copy-key', async () => {
      const key = page.locator('.pane-body .monaco-list-row', { hasText: 'authKey1' }).last();
      await key.hover();
      await key.locator('.action-label[aria-label="Copy Key"]').click();
      await notification('Copied authKey1 of gateway UiGateway').waitFor({ timeout: 30_000 });
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      if (!gatewayKey) throw new Error('the harness passed no gateway key to compare with');
      if (copied !== gatewayKey) throw new Error(`the clipboard does not hold UiGateway's authKey1 (${copied.length} characters)`);
    });

    // 5: Encrypt with no certificate offers Create Certificate; its confirmation does not speak of replacing one
    await step('create-certificate-from-encrypt', async () => {
      // dmgw.home is machine-scoped: code-server reads it from the machine settings, not the user's
      mkdirSync(dirname(machineSettings), { recursive: true });
      const original = existsSync(machineSettings) ? readFileSync(machineSettings, 'utf8') : '{}';
      const home = mkdtempSync(join(tmpdir(), 'dmgw-ui-no-cert-'));
      writeFileSync(machineSettings, JSON.stringify({ ...JSON.parse(original), 'dmgw.home': home }, null, 2));
      try {
        // the workbench reads the changed settings file; the status bar shows the empty home's state once it has
        await page.locator('.statusbar-item', { hasText: 'Gateway: NeedRegistration' }).first().waitFor({ timeout: 60_000 });
        await openFile('OnPremSqlServer.json');
        await runCommand('Data Management Gateway: Encrypt Credential');
        const toast = notification('no certificate yet');
        await toast.waitFor({ timeout: 30_000 });
        await shot('encrypt-no-certificate');
        await toast.locator('.monaco-button', { hasText: 'Create Certificate' }).first().click();
        const dialog = page.locator('.monaco-dialog-box');
        await dialog.waitFor({ timeout: 30_000 });
        const question = await dialog.innerText();
        if (/replac/i.test(question) || !/Create the gateway's certificate/.test(question)) throw new Error(`the confirmation reads: ${question}`);
        await shot('create-certificate-confirmation');
        await dialog.locator('.monaco-button', { hasText: 'Create Certificate' }).first().click();
        // then it goes on encrypting: OnPremSqlServer has no password in the file, so it asks for one
        const input = page.locator('.quick-input-widget input');
        await input.waitFor({ timeout: 60_000 });
        await input.fill('ui-typed-secret');
        await page.keyboard.press('Enter');
        await notification('Encrypted').waitFor({ timeout: 30_000 });
        const text = readFileSync(join(factory, 'linkedService/OnPremSqlServer.json'), 'utf8');
        if (!text.includes('EncryptedCredential=') || text.includes('ui-typed-secret')) throw new Error('OnPremSqlServer.json is not encrypted');
        if (!readdirSync(home).length) throw new Error(`no certificate was made in ${home}`);
      } finally {
        await page.keyboard.press('Escape');
        writeFileSync(machineSettings, original);
        await page.locator('.statusbar-item', { hasText: 'Gateway: Online' }).first().waitFor({ timeout: 60_000 }).catch(() => {});
      }
    });

    await step('encrypt-credential', async () => {
      const file = join(factory, 'linkedService/OnPremPostgreSql.json');
      await openFile('OnPremPostgreSql.json');
      await page.locator('.contentWidgets .codelens-decoration', { hasText: 'Encrypt Credential' }).first().waitFor({ timeout: 30_000 });
      await shot('encrypt-codelens');
      await runCommand('Data Management Gateway: Encrypt Credential');
      await notification('Encrypted').waitFor({ timeout: 30_000 });
      const text = readFileSync(file, 'utf8');
      if (text.includes('e2e-not-a-real-secret') || !text.includes('EncryptedCredential=')) throw new Error('the file on disk is not encrypted');
    });

    await step('run-pipeline-locally', async () => {
      await openFile('CopySalesOrdersToBlob.json');
      await runCommand('Data Management Gateway: Run Pipeline Locally');
      await page.locator('.notifications-toasts', { hasText: 'Running CopySalesOrdersToBlob locally' }).first().waitFor({ timeout: 30_000 }).then(() => shot('run-progress'), () => {});
      await notification('CopySalesOrdersToBlob Succeeded').waitFor({ timeout: 120_000 });
    });

    // Test Connection from the CodeLens of a linked service, through the local gateway's agent
    await step('test-connection-codelens', async () => {
      await openFile('OnPremPostgreSql.json');
      const lens = page.locator('.contentWidgets .codelens-decoration a', { hasText: 'Test Connection' }).first();
      await lens.waitFor({ timeout: 30_000 });
      await lens.click();
      await notification('OnPremPostgreSql: Connection succeeded').waitFor({ timeout: 60_000 });
    });

    // Encrypt All Credentials from the factory's node: the blob account key (plaintext in AzureStorage.json) too
    await step('encrypt-all-credentials', async () => {
      const row = page.locator('.pane-body .monaco-list-row', { hasText: 'walkthrough' }).first();
      if (!(await row.isVisible())) await page.locator('.activitybar [aria-label^="Data Management Gateway"]').first().click();
      await row.waitFor({ timeout: 30_000 });
      const before = readFileSync(join(factory, 'linkedService/AzureStorage.json'), 'utf8');
      const key = /AccountKey=([^;"]+)/.exec(before)?.[1];
      if (!key) throw new Error('AzureStorage.json has no plaintext account key to start with');
      await row.hover();
      await row.locator('.action-label[aria-label="Encrypt All Credentials"]').click();
      await notification('Encrypted 1 linked service of walkthrough').waitFor({ timeout: 60_000 });
      const after = readFileSync(join(factory, 'linkedService/AzureStorage.json'), 'utf8');
      if (after.includes(key) || !after.includes('EncryptedCredential=')) throw new Error('the account key is still in AzureStorage.json');
    });

    // 10: a pipeline with a parameter asks for it (default filled in), runs with it, and remembers it
    await step('run-pipeline-parameters', async () => {
      await openFile('CopySalesOrdersNamed.json');
      await runCommand('Data Management Gateway: Run Pipeline Locally');
      const input = page.locator('.quick-input-widget input');
      // the palette's own box shows the command's text until the parameter prompt takes its place
      const promptValue = async () => {
        await page.waitForFunction(() => {
          const el = globalThis.document.querySelector('.quick-input-widget input');
          return el && el.offsetParent !== null && !el.value.startsWith('>');
        }, null, { timeout: 30_000 });
        return input.inputValue();
      };
      const first = await promptValue();
      if (first !== 'named_default.csv.gz') throw new Error(`the box opens with ${JSON.stringify(first)}, not the default`);
      await shot('run-parameter-default');
      await input.fill('named_ui.csv.gz');
      await page.keyboard.press('Enter');
      await notification('CopySalesOrdersNamed Succeeded').waitFor({ timeout: 120_000 });
      const blob = BlobServiceClient.fromConnectionString(azurite).getContainerClient('sales').getBlobClient('orders/named_ui.csv.gz');
      if (!(await blob.exists())) throw new Error('no blob orders/named_ui.csv.gz: the typed value did not reach the run');
      await runCommand('Data Management Gateway: Run Pipeline Locally');
      const again = await promptValue();
      if (again !== 'named_ui.csv.gz') throw new Error(`the second run offers ${JSON.stringify(again)}, not the value used last`);
      await shot('run-parameter-remembered');
      await page.keyboard.press('Escape');
    });

    await step('configuration-manager', async () => {
      await runCommand('Data Management Gateway: Open Configuration Manager');
      const web = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await web.locator('#gateway-status').waitFor({ timeout: 30_000 });
      // 11: Home names the factory, not its ARM id
      const factoryFact = await web.locator('dd[data-fact="Factory"]').innerText();
      if (!factoryFact.startsWith('factory-ui') || factoryFact.includes('/subscriptions/')) throw new Error(`Home shows the factory as ${JSON.stringify(factoryFact)}`);
      await shot('config-manager-home');
      await web.locator('vscode-tab-header[data-tab=settings]').click();
      await web.locator('text=Thumbprint (SHA-256)').waitFor({ timeout: 15_000 });
      // What the agent reports, verbatim: the endpoint is off here, and no proxy is set (dmgw proxy show).
      const enabled = await web.locator('dd[data-fact="Enabled"]').innerText();
      if (enabled !== 'no') throw new Error(`credential endpoint Enabled shows ${JSON.stringify(enabled)}`);
      const proxy = await web.locator('dd[data-fact="Proxy"]').innerText();
      if (proxy !== 'none: the node connects directly') throw new Error(`the proxy line shows ${JSON.stringify(proxy)}`);
      if ((await web.locator('#proxy-set').getAttribute('disabled')) !== null) throw new Error('Set proxy is disabled although the agent has dmgw proxy');
      await web.locator('#endpoint-enable').scrollIntoViewIfNeeded();
      await shot('config-manager-settings');
      await web.locator('#proxy-set').scrollIntoViewIfNeeded();
      await shot('config-manager-settings-updates-proxy');
      await web.locator('vscode-tab-header[data-tab=diagnostics]').click();
      await web.locator('#test-connection').click();
      await web.locator('#test-result').waitFor({ timeout: 60_000 });
      const text = await web.locator('#test-result').innerText();
      if (!/Connection succeeded/.test(text)) throw new Error(`test connection: ${text}`);
    });

    // 7: the linked service picked for Test Connection stays picked when the page redraws (after the test, on each refresh)
    await step('configuration-manager-test-connection-keeps-pick', async () => {
      const web = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      const select = web.locator('#linked-service');
      await select.click();
      await web.locator('#linked-service li.option', { hasText: 'OnPremPostgreSql' }).first().click();
      await web.locator('#test-connection').click();
      await web.locator('#test-result', { hasText: 'OnPremPostgreSql' }).waitFor({ timeout: 60_000 });
      const result = await web.locator('#test-result').innerText();
      if (!/OnPremPostgreSql: Connection succeeded/.test(result)) throw new Error(`test connection: ${result}`);
      // "Testing…" and the result each redrew the page; the picker must still show what was picked
      await page.waitForTimeout(1000);
      const label = await web.locator('#linked-service').evaluate((el) => el.querySelector(`vscode-option[value="${el.value}"]`)?.textContent ?? `value ${el.value}`);
      if (label.trim() !== 'OnPremPostgreSql') throw new Error(`after a redraw the picker shows ${JSON.stringify(label)}`);
    });

    // activation time as VS Code measured it (Developer: Show Running Extensions)
    await step('activation-time', async () => {
      await runCommand('Developer: Show Running Extensions');
      const row = page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: 'Data Management Gateway' }).first();
      await row.waitFor({ timeout: 30_000 });
      const text = await row.innerText();
      const ms = /(\d+)\s*ms/.exec(text)?.[1];
      if (!ms) throw new Error(`no activation time in ${JSON.stringify(text)}`);
      log(`  ACTIVATION (VS Code's Running Extensions): ${text.replace(/\s+/g, ' ')}`);
      // VS Code 1.139 shows Running Extensions as a modal editor over the workbench: close it, or the next quick
      // input opens under it and never takes typing (CI: preview-data's fill waited 30 s)
      const running = page.locator('.runtime-extensions-editor').first();
      for (let i = 0; i < 5 && (await running.isVisible()); i++) {
        await page.keyboard.press('Escape');
        await page.waitForTimeout(300);
        if (await running.isVisible()) await runCommand('View: Close Editor');
      }
      if (await running.isVisible()) throw new Error('Running Extensions does not close');
    });

    // issue 14's authoring views (Preview Data, Pipeline Graph): their own file
    await authoringUiChecks({ page, step, shot, runCommand, openFile, factory, rows });
    await browseUiChecks({ page, step, shot, runCommand, notification, factory, workspace, machineSettings });
    await runsUiChecks({ page, step, shot, workspace, factory, rows });
  } finally {
    await browser.close();
  }
  if (!existsSync(out)) failures.push(`no screenshots in ${out}`);
  return failures;
}
