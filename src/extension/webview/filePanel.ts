/** A webview panel beside the editor showing one factory file: its bundled script (dist/webviews/NAME.js) in the strict page of pageHtml.ts. */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { ext } from '../extensionVariables';
import { pageHtml } from './pageHtml';

export interface FilePanelPage {
  viewType: string;
  /** the tab's title is `${prefix}: ${file stem}` */
  prefix: string;
  /** dist/webviews/<script>.js */
  script: string;
  /** the page's <title> */
  title: string;
  css: string;
  icon: string;
}

export function openFilePanel(uri: vscode.Uri, page: FilePanelPage): vscode.WebviewPanel {
  const media = vscode.Uri.joinPath(ext.context.extensionUri, 'dist', 'webviews');
  const panel = vscode.window.createWebviewPanel(page.viewType, `${page.prefix}: ${basename(uri.fsPath, '.json')}`, vscode.ViewColumn.Beside, { enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: true });
  panel.iconPath = new vscode.ThemeIcon(page.icon);
  panel.webview.html = pageHtml(panel.webview, panel.webview.asWebviewUri(vscode.Uri.joinPath(media, `${page.script}.js`)), page.title, page.css);
  return panel;
}
