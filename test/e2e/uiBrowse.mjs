// UI checks of issue 14's Browse and create, driven like a user would in the real workbench, a screenshot each: the
// Gateway view lists the seeded schema's tables of the real PostgreSQL under the linked service; Create Dataset on a
// table opens the new dataset; New Linked Service asks type, name and fields in boxes and the password in a password
// box, and the file (and the whole profile) never holds it in plaintext; New Dataset and New Pipeline (a Copy from the
// dataset made from the table) write files that run; Publish Factory from the palette refuses a
// folder with errors, then publishes to the factory picked under the signed-in Azure account (our service playing
// ARM), read back through the ARM client.
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataFactoryManagementClient } from '@azure/arm-datafactory';

const SECRET = 'ui-browse14-password-81d7e';

/** Every file under `dir` whose bytes contain `needle`. */
function filesContaining(dir, needle) {
  const hits = [];
  const walk = (d) => {
    let names;
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      let s;
      try {
        s = statSync(p);
      } catch {
        continue;
      }
      if (s.isDirectory()) walk(p);
      else if (s.isFile() && s.size < 20 * 1024 * 1024 && readFileSync(p).includes(needle)) hits.push(p); // not sockets
    }
  };
  walk(dir);
  return hits;
}

export async function browseUiChecks({ page, step, shot, runCommand, notification, factory, workspace, machineSettings }) {
  const rows = page.locator('.pane-body .monaco-list-row');
  const row = (label) => rows.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) }).first();
  const schema = JSON.parse(readFileSync(join(factory, 'dataset/SalesOrdersTable.json'), 'utf8')).properties.typeProperties.schema;
  const input = page.locator('.quick-input-widget input');
  /** Expands a tree row by its twistie (a click on a linked service's label opens its file instead). */
  const expand = async (r) => {
    for (let i = 0; i < 6 && (await r.getAttribute('aria-expanded')) !== 'true'; i++) {
      await r.locator('.monaco-tl-twistie').click();
      await page.waitForTimeout(500);
    }
    if ((await r.getAttribute('aria-expanded')) !== 'true') throw new Error(`could not expand ${await r.innerText()}`);
  };
  /** The next box of a multi-step command: waits for its prompt, types the value (or keeps the default), Enter. */
  const answer = async (prompt, value) => {
    await page.locator('.quick-input-widget', { hasText: prompt }).first().waitFor({ timeout: 30_000 });
    if (value !== undefined) await input.fill(value);
    await page.keyboard.press('Enter');
  };

  await step('browse-postgresql-tables', async () => {
    await runCommand('View: Close All Editors');
    const kind = row('Linked services');
    // the view may be open already (a click on its icon would then close the side bar)
    if (!(await kind.isVisible())) await page.locator('.activitybar [aria-label^="Data Management Gateway"]').first().click();
    await kind.waitFor({ timeout: 30_000 });
    await expand(kind);
    const ls = row('OnPremPostgreSql');
    await ls.waitFor({ timeout: 30_000 });
    await expand(ls);
    const s = row(schema);
    await s.waitFor({ timeout: 60_000 });
    await expand(s);
    await row('sales_orders').waitFor({ timeout: 60_000 });
    await row('sales_orders_big').waitFor({ timeout: 30_000 });
  });

  await step('create-dataset-from-table', async () => {
    const table = row('sales_orders');
    await table.hover();
    await table.locator('.action-label[aria-label="Create Dataset"]').click();
    await page.locator('.tabs-container .tab.active', { hasText: 'SalesOrders.json' }).first().waitFor({ timeout: 30_000 });
    const ds = JSON.parse(readFileSync(join(factory, 'dataset/SalesOrders.json'), 'utf8'));
    if (ds.properties.type !== 'PostgreSqlTable' || ds.properties.typeProperties.table !== 'sales_orders' || ds.properties.typeProperties.schema !== schema) throw new Error(`the dataset written: ${JSON.stringify(ds)}`);
    if (ds.properties.linkedServiceName.referenceName !== 'OnPremPostgreSql') throw new Error('it does not reference OnPremPostgreSql');
  });

  await step('new-linked-service-password-box', async () => {
    await runCommand('View: Close All Editors');
    await runCommand('Data Management Gateway: New Linked Service');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'PostgreSqlV2' }).first().waitFor({ timeout: 30_000 });
    await input.fill('PostgreSql');
    await page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /^PostgreSql$/ }) }).first().click();
    await answer('Name of the PostgreSql linked service', 'UiPg');
    await answer('host', '127.0.0.1');
    await answer('5432');
    await answer('database', 'test');
    await answer('user', 'postgres');
    await answer('self-hosted gateway');
    await page.locator('.quick-input-widget', { hasText: 'encrypted with the gateway' }).first().waitFor({ timeout: 30_000 });
    if ((await input.getAttribute('type')) !== 'password') throw new Error('the password is not asked in a password box');
    await input.fill(SECRET);
    await shot('new-linked-service-password');
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab.active', { hasText: 'UiPg.json' }).first().waitFor({ timeout: 30_000 });
    const text = readFileSync(join(factory, 'linkedService/UiPg.json'), 'utf8');
    if (text.includes(SECRET) || !text.includes('EncryptedCredential=')) throw new Error(`UiPg.json is not encrypted: ${text.slice(0, 300)}`);
    // the profile (Local History, logs, state) and the workspace hold it nowhere
    const profile = dirname(dirname(machineSettings));
    const hits = [...filesContaining(profile, SECRET), ...filesContaining(workspace, SECRET)];
    if (hits.length) throw new Error(`the password is in ${hits.join(', ')}`);
  });

  /** Picks the row labelled exactly `label` in the open quick pick (typing it first to filter). */
  const pickExact = async (label) => {
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 30_000 });
    await input.fill(label);
    await page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) }).first().click();
  };

  await step('new-dataset-and-pipeline', async () => {
    await runCommand('View: Close All Editors');
    await runCommand('Data Management Gateway: New Dataset');
    await pickExact('DelimitedText');
    await pickExact('AzureStorage');
    await answer('Name of the dataset', 'UiOrdersCsv');
    await answer('Container', 'sales');
    await answer('Folder path', 'ui');
    await answer('File name', 'orders.csv');
    await page.locator('.tabs-container .tab.active', { hasText: 'UiOrdersCsv.json' }).first().waitFor({ timeout: 30_000 });
    await runCommand('Data Management Gateway: New Pipeline');
    await pickExact('Copy data');
    await answer('Name of the pipeline', 'UiCopy');
    await pickExact('SalesOrders');
    await pickExact('UiOrdersCsv');
    await answer('Name of the Copy activity');
    await page.locator('.tabs-container .tab.active', { hasText: 'UiCopy.json' }).first().waitFor({ timeout: 30_000 });
    const p = JSON.parse(readFileSync(join(factory, 'pipeline/UiCopy.json'), 'utf8'));
    const copy = p.properties.activities[0];
    if (copy.inputs[0].referenceName !== 'SalesOrders' || copy.outputs[0].referenceName !== 'UiOrdersCsv' || copy.typeProperties.sink.type !== 'DelimitedTextSink') throw new Error(`UiCopy.json: ${JSON.stringify(copy)}`);
    // the new pipeline runs, through the dataset made from the browsed table
    await runCommand('Data Management Gateway: Run Pipeline Locally');
    await notification('UiCopy Succeeded').waitFor({ timeout: 120_000 });
  });

  await step('publish-refused-with-errors', async () => {
    await runCommand('Data Management Gateway: Publish Factory');
    await notification('fix them first').waitFor({ timeout: 30_000 });
  });

  await step('publish-to-azure', async () => {
    // our factory service plays ARM; the harness wrote its token and CA beside the workspace (RUN/service)
    const service = join(dirname(workspace), 'service');
    const token = readFileSync(join(service, 'admin-token'), 'utf8').trim();
    const ca = readFileSync(join(service, 'tls/service.crt.pem'), 'utf8');
    const endpoint = JSON.parse(readFileSync(join(workspace, '.vscode/settings.json'), 'utf8'))['dmgw.azure.resourceManagerEndpoint'];
    const arm = new DataFactoryManagementClient({ getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) }, '00000000-0000-0000-0000-000000000001', { endpoint, tlsOptions: { ca } });
    rmSync(join(factory, 'dataset/BrokenDataset.json'));
    await page.keyboard.press('Escape');
    await runCommand('Data Management Gateway: Publish Factory');
    // where to: the Azure subscription (the profile may also have a factory service connected; with one destination
    // only, the command goes straight to its factories)
    const azureRow = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Azure: Default subscription' }).first();
    const factoryRow = page.locator('.quick-input-list .monaco-list-row', { hasText: 'factory-ui' }).first();
    await azureRow.or(factoryRow).waitFor({ timeout: 60_000 });
    if (await azureRow.isVisible()) {
      await shot('publish-pick-azure-subscription');
      await azureRow.click();
    }
    await factoryRow.waitFor({ timeout: 60_000 });
    await shot('publish-pick-azure-factory');
    await factoryRow.click();
    await notification('Published walkthrough to factory-ui').waitFor({ timeout: 60_000 });
    const ls = await arm.linkedServices.get('rg-ui', 'factory-ui', 'UiPg');
    if (ls.properties.type !== 'PostgreSql' || JSON.stringify(ls.properties).includes(SECRET)) throw new Error(`UiPg as ARM returns it: ${JSON.stringify(ls.properties).slice(0, 200)}`);
    const ds = await arm.datasets.get('rg-ui', 'factory-ui', 'SalesOrders');
    if (ds.properties.type !== 'PostgreSqlTable') throw new Error(`SalesOrders as ARM returns it: ${JSON.stringify(ds.properties)}`);
    if (!existsSync(join(factory, 'linkedService/UiPg.json'))) throw new Error('UiPg.json is gone');
  });
}
