/** Open Configuration Manager: the gateway's settings page (status, certificate, diagnostics, help). */
import { ConfigManagerPanel } from '../webview/ConfigManagerPanel';

export function openConfigurationManager(): ConfigManagerPanel {
  return ConfigManagerPanel.show();
}
