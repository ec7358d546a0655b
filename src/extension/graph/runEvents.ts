/**
 * The events of local runs as the extension sees them (Run Pipeline Locally's `dmgw run --events ndjson`), for views
 * that follow a run: the pipeline graph lights up the running activity from them.
 */
import * as vscode from 'vscode';
import type { RunEvent } from '../../common/events';

export interface LocalRunEvent {
  /** the factory folder and the pipeline that runs */
  factoryDir: string;
  pipeline: string;
  event: RunEvent;
}

export const localRunEvents = new vscode.EventEmitter<LocalRunEvent>();
