// UI checks of issue 14's authoring views, driven like a user would in the real workbench, a screenshot each:
// Preview Data from its CodeLens (the grid's header cells carry names and types, 100 rows), and the Pipeline Graph
// from the command palette, then Run Locally from the graph: the running activity's box is highlighted in the SVG, and
// the boxes show how each activity ended.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The frame (a webview's inner page) where `selector` appears; webviews of other panels are skipped. */
async function frameWith(page, selector, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const f of page.frames()) {
      if (await f.$(selector).catch(() => null)) return f;
    }
    if (Date.now() > deadline) throw new Error(`no webview shows ${selector}`);
    await page.waitForTimeout(250);
  }
}

/** A pipeline that holds `Hold` (inside a ForEach) for a few seconds, then runs `Finish`. */
function writeGraphPipeline(factory) {
  const wait = (name, seconds, dependsOn = []) => ({ name, type: 'Wait', dependsOn, typeProperties: { waitTimeInSeconds: seconds } });
  const pipeline = {
    name: 'GraphDemo',
    properties: {
      activities: [
        wait('Prepare', 1),
        { name: 'Each region', type: 'ForEach', dependsOn: [{ activity: 'Prepare', dependencyConditions: ['Succeeded'] }], typeProperties: { items: { value: '@createArray(1)', type: 'Expression' }, isSequential: true, activities: [wait('Hold', 8)] } },
        wait('On failure', 1, [{ activity: 'Each region', dependencyConditions: ['Failed'] }]),
        wait('Finish', 1, [{ activity: 'Each region', dependencyConditions: ['Succeeded'] }]),
      ],
    },
  };
  writeFileSync(join(factory, 'pipeline/GraphDemo.json'), JSON.stringify(pipeline, null, 4) + '\n');
}

export async function authoringUiChecks({ page, step, shot, runCommand, openFile, factory, rows }) {
  writeGraphPipeline(factory);
  await step('preview-data', async () => {
    await runCommand('View: Close All Editors');
    await openFile('SalesOrdersTable.json');
    const lens = page.locator('.contentWidgets .codelens-decoration a', { hasText: 'Preview Data' }).first();
    await lens.waitFor({ timeout: 30_000 });
    await lens.click();
    const web = await frameWith(page, '#grid vscode-table-row');
    const headers = await web.locator('vscode-table-header-cell').allInnerTexts();
    const want = ['order_id', 'bigint', 'customer', 'text', 'amount', 'numeric(12,2)', 'ordered_at', 'timestamp with time zone'];
    const flat = headers.join(' ');
    for (const w of want) if (!flat.includes(w)) throw new Error(`the grid's header lacks ${w}: ${JSON.stringify(headers)}`);
    const n = await web.locator('#grid vscode-table-body vscode-table-row').count();
    if (n !== Math.min(100, rows)) throw new Error(`the grid shows ${n} rows, not 100`);
    const status = await web.locator('#status').innerText();
    if (!/first 100 rows \(there are more\) · 4 columns/.test(status)) throw new Error(`status line: ${status}`);
  });

  await step('pipeline-graph', async () => {
    // from the palette: no editor is open, so it asks which pipeline (the workspace's files, found afresh)
    await runCommand('View: Close All Editors');
    await runCommand('Data Management Gateway: Show Pipeline Graph');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 15_000 });
    await input.fill('GraphDemo');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'GraphDemo' }).first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    const web = await frameWith(page, 'svg.pipeline-graph g.activity');
    const names = await web.locator('svg.pipeline-graph g.activity').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-activity')));
    for (const a of ['Prepare', 'Each region', 'Hold', 'On failure', 'Finish']) if (!names.includes(a)) throw new Error(`the SVG lacks ${a}: ${JSON.stringify(names)}`);
    const labels = await web.locator('svg.pipeline-graph g.dependency text').allTextContents();
    if (!labels.includes('Failed') || !labels.includes('Succeeded')) throw new Error(`dependency labels: ${JSON.stringify(labels)}`);
    if ((await web.locator('svg.pipeline-graph g.group[data-group="Each region"]').count()) !== 1) throw new Error('the ForEach is not drawn as a group');
  });

  await step('pipeline-graph-running', async () => {
    const web = await frameWith(page, 'svg.pipeline-graph g.activity');
    await web.locator('#run').click();
    const hold = web.locator('svg.pipeline-graph g.activity[data-activity="Hold"][data-state="running"]');
    await hold.waitFor({ timeout: 60_000 });
    const stroke = await hold.locator('rect').evaluate((r) => r.ownerDocument.defaultView.getComputedStyle(r).strokeWidth);
    if (stroke !== '3px') throw new Error(`the running box's border is ${stroke}, not highlighted`);
    const others = await web.locator('svg.pipeline-graph g.activity[data-state="running"]').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-activity')));
    if (others.includes('Finish') || others.includes('Prepare')) throw new Error(`lit up besides Hold: ${JSON.stringify(others)}`);
    const status = await web.locator('#run-status').innerText();
    if (!status.includes('Hold')) throw new Error(`run status: ${status}`);
    await shot('pipeline-graph-hold-running');
    await web.locator('svg.pipeline-graph g.activity[data-activity="Finish"][data-state="Succeeded"]').waitFor({ timeout: 60_000 });
    if ((await web.locator('svg.pipeline-graph g.activity[data-activity="On failure"][data-state]').count()) !== 0) throw new Error('On failure is marked though it never ran');
  });
}
