/** Every command of the extension, registered in one place; each lives in its own file. */
import * as vscode from 'vscode';
import { redact } from '../../common/redact';
import { ext } from '../extensionVariables';
import { connectFactoryService } from './connectFactoryService';
import { copyGatewayKey } from './copyGatewayKey';
import { copyValue } from './copyValue';
import { createGateway } from './createGateway';
import { createResourceFile } from './createResourceFile';
import { encryptAllCredentials } from './encryptAllCredentials';
import { encryptCredential } from './encryptCredential';
import { exportCertificate } from './exportCertificate';
import { importCertificate } from './importCertificate';
import { newCertificate } from './newCertificate';
import { rotateCredentialEndpointToken } from './rotateCredentialEndpointToken';
import { setCredentialEndpoint } from './setCredentialEndpoint';
import { setProxy } from './setProxy';
import { setUpdateSchedule } from './setUpdateSchedule';
import { openConfigurationManager } from './openConfigurationManager';
import { refresh } from './refresh';
import { regenerateGatewayKey } from './regenerateGatewayKey';
import { registerGateway } from './registerGateway';
import { registerWithKey } from './registerWithKey';
import { removeGateway } from './removeGateway';
import { runPipelineLocally } from './runPipelineLocally';
import { showLogs } from './showLogs';
import { signInToAzure } from './signInToAzure';
import { startGateway } from './startGateway';
import { stopGateway } from './stopGateway';
import { testConnection } from './testConnection';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const COMMANDS: Record<string, (...args: any[]) => unknown> = {
  'dmgw.encryptCredential': encryptCredential,
  'dmgw.encryptAllCredentials': encryptAllCredentials,
  'dmgw.runPipelineLocally': runPipelineLocally,
  'dmgw.startGateway': startGateway,
  'dmgw.stopGateway': stopGateway,
  'dmgw.registerGateway': registerGateway,
  'dmgw.openConfigurationManager': openConfigurationManager,
  'dmgw.showLogs': showLogs,
  'dmgw.refresh': refresh,
  'dmgw.copyValue': copyValue,
  'dmgw.connectFactoryService': connectFactoryService,
  'dmgw.createGateway': createGateway,
  'dmgw.createResourceFile': createResourceFile,
  'dmgw.removeGateway': removeGateway,
  'dmgw.copyGatewayKey': copyGatewayKey,
  'dmgw.regenerateGatewayKey': regenerateGatewayKey,
  'dmgw.registerWithKey': registerWithKey,
  'dmgw.signInToAzure': signInToAzure,
  'dmgw.exportCertificate': exportCertificate,
  'dmgw.importCertificate': importCertificate,
  'dmgw.newCertificate': newCertificate,
  'dmgw.rotateCredentialEndpointToken': rotateCredentialEndpointToken,
  'dmgw.setCredentialEndpoint': setCredentialEndpoint,
  'dmgw.setProxy': setProxy,
  'dmgw.setUpdateSchedule': setUpdateSchedule,
  'dmgw.testConnection': testConnection,
};

export function registerCommands(context: vscode.ExtensionContext): void {
  registerGuarded(context, COMMANDS);
}

/**
 * Registers commands so that none fails silently: the message goes to the user, the details (redacted) to the log.
 * Every command group of the extension (these, authoring, runs) registers through here.
 */
export function registerGuarded(context: vscode.ExtensionContext, commands: Record<string, (...args: never[]) => unknown>): void {
  for (const [id, fn] of Object.entries(commands)) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await (fn as (...a: unknown[]) => unknown)(...args);
        } catch (e) {
          ext.log.error(redact(`${id}: ${(e as Error).stack ?? String(e)}`));
          void vscode.window.showErrorMessage(redact(`${id.replace('dmgw.', '')}: ${(e as Error).message}`));
          return undefined;
        }
      }),
    );
  }
}
