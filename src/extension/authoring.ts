/**
 * The authoring views of issue 14, registered in one place: Preview Data (a dataset's first rows, read by the bundled
 * agent) and Show Pipeline Graph (activities and dependencies, lit up during a local run), each a command, a
 * CodeLens and an explorer/editor menu entry (package.json); Publish Factory (a folder to a factory, validated first);
 * Create Dataset on a browsed table or file; New Linked Service / Dataset / Pipeline.
 */
import * as vscode from 'vscode';
import { AuthoringCodeLensProvider } from './authoringCodeLens';
import { localRunEvents } from './graph/runEvents';
import { showPipelineGraph } from './graph/showPipelineGraph';
import { createDatasetFromStoreItem } from './commands/createDatasetFromStoreItem';
import { newDataset } from './commands/newDataset';
import { newLinkedService } from './commands/newLinkedService';
import { newPipeline } from './commands/newPipeline';
import { previewData } from './preview/previewData';
import { publishFactory } from './publish/publishFactory';
import { registerGuarded } from './commands/registerCommands';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const COMMANDS: Record<string, (...args: any[]) => unknown> = {
  'dmgw.previewData': previewData,
  'dmgw.createDatasetFromStoreItem': createDatasetFromStoreItem,
  'dmgw.newLinkedService': newLinkedService,
  'dmgw.newDataset': newDataset,
  'dmgw.newPipeline': newPipeline,
  'dmgw.showPipelineGraph': showPipelineGraph,
  'dmgw.publishFactory': publishFactory,
};

export function registerAuthoring(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    localRunEvents,
    vscode.languages.registerCodeLensProvider([{ language: 'json', scheme: 'file', pattern: '**/dataset/*.json' }, { language: 'json', scheme: 'file', pattern: '**/pipeline/*.json' }, { language: 'jsonc', scheme: 'file', pattern: '**/{dataset,pipeline}/*.json' }], new AuthoringCodeLensProvider()),
  );
  registerGuarded(context, COMMANDS);
}
