// UI checks in a real workbench (normal mode: real notifications and inputs), driven like a user would, with a
// screenshot of each step in test-results/vscode/. Returns the list of failed checks (empty = all passed).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser } from './browser.mjs';

export async function runUiChecks({ url, workspace, factory, out, gatewayKey, log }) {
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
  const runCommand = async (title) => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 15_000 });
    await input.fill('>' + title);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
  };
  const openFile = async (name) => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill(name);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    await page.locator('.monaco-editor .view-lines').first().waitFor({ timeout: 15_000 });
  };
  const notification = (text) => page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();

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
      await page.locator('.pane-body .monaco-list-row', { hasText: 'Online · UiGateway' }).first().waitFor({ timeout: 60_000 });
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

    await step('configuration-manager', async () => {
      await runCommand('Data Management Gateway: Open Configuration Manager');
      const web = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await web.locator('#gateway-status').waitFor({ timeout: 30_000 });
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
  } finally {
    await browser.close();
  }
  if (!existsSync(out)) failures.push(`no screenshots in ${out}`);
  return failures;
}
