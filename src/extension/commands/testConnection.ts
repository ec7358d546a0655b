/**
 * Test Connection on a linked service (CodeLens, Gateway view, palette), answering with the driver's own message:
 * through the factory's gateway node by way of the factory service when the linked service's connectVia names a
 * gateway of a connected service (or Azure) factory that is not this machine's (agent/remoteTestConnection.ts);
 * otherwise `dmgw test-connection` through the local gateway's agent. Unsaved edits are saved first, as Run does.
 */
import * as vscode from 'vscode';
import type { TestConnectionResult } from '../../common/configManagerMessages';
import { resourceFileOf } from '../../common/model/factoryRoots';
import { gatewayOf } from '../../common/model/gateway';
import { linkedServiceOfText } from '../../common/model/linkedServiceText';
import { serviceGatewayFor, testThroughService } from '../agent/remoteTestConnection';
import { testLinkedServiceConnection } from '../agent/testConnection';
import { pickResourceFile, type ResourceTarget } from './pickResourceFile';

export async function testConnection(target?: ResourceTarget): Promise<TestConnectionResult | undefined> {
  const uri = await pickResourceFile(target, 'linkedService', 'linked service');
  const file = uri && resourceFileOf(uri.fsPath);
  if (!uri || !file) return undefined;
  const document = await vscode.workspace.openTextDocument(uri);
  if (document.isDirty) await document.save();
  const ls = linkedServiceOfText(uri.fsPath, document.getText());
  const name = ls?.name || file.stem;
  const gateway = ls && gatewayOf(ls);
  const remote = gateway ? await serviceGatewayFor(file.factoryDir, gateway.name) : undefined;
  const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Testing the connection of ${name}${remote ? ` through ${remote.gateway} (${remote.factory})` : ''}…` }, () =>
    remote ? testThroughService(remote, name, ls!.properties as unknown as Record<string, unknown>) : testLinkedServiceConnection(file.factoryDir, name),
  );
  const text = `${name}: ${r.ok ? 'Connection succeeded' : 'Connection failed'}${r.durationMs !== undefined ? ` (${r.durationMs} ms)` : ''} — ${r.message}`;
  if (r.ok) void vscode.window.showInformationMessage(text);
  else void vscode.window.showErrorMessage(text);
  return r;
}
