/** Show Logs: the "Data Management Gateway" output channel. */
import { ext } from '../extensionVariables';

export function showLogs(): void {
  ext.log.show();
}
