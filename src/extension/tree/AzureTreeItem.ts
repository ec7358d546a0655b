/**
 * "Azure": the subscriptions the signed-in Microsoft account can see at `dmgw.azure.resourceManagerEndpoint`, or a
 * Sign in to Azure node. Subscriptions are listed through a Data Factory client's pipeline (management/subscriptions.ts).
 */
import * as vscode from 'vscode';
import { listSubscriptions } from '../../agent/management/subscriptions';
import { AZURE_RESOURCE_MANAGER, type AzureAccount } from '../azure/azureAccount';
import { factoryServiceClient } from '../service/factoryServiceClient';
import { DetailTreeItem } from './DetailTreeItem';
import { SubscriptionTreeItem } from './SubscriptionTreeItem';

/** The subscription a Data Factory client is built with must exist; listing subscriptions uses no subscription at all. */
const ANY_SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';

export class AzureTreeItem extends vscode.TreeItem {
  constructor(
    readonly account: AzureAccount,
    readonly endpoint: string,
  ) {
    super('Azure', account.session ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `dmgw.azure:${endpoint}`;
    this.description = account.session ? `${account.session.account.label}${endpoint === AZURE_RESOURCE_MANAGER ? '' : ` @ ${endpoint}`}` : 'not signed in';
    this.tooltip = `Azure Resource Manager: ${endpoint}`;
    this.iconPath = new vscode.ThemeIcon('azure');
    this.contextValue = account.session ? 'azure signedIn' : 'azure';
  }

  async getChildren(): Promise<vscode.TreeItem[]> {
    if (!this.account.session) {
      const signIn = new DetailTreeItem('Sign in to Azure…', 'lists your subscriptions\' data factories and gateways', 'sign-in');
      signIn.command = { command: 'dmgw.signInToAzure', title: 'Sign in to Azure' };
      return [signIn];
    }
    try {
      const credential = this.account.credential();
      const client = await factoryServiceClient({ url: this.endpoint, subscription: ANY_SUBSCRIPTION, credential });
      const subs = await listSubscriptions(client, this.endpoint);
      return subs.length ? subs.map((s) => new SubscriptionTreeItem({ url: this.endpoint, subscription: s.subscriptionId, credential }, s.displayName, subs.length === 1)) : [new DetailTreeItem('No subscriptions', `${this.account.session.account.label} sees none at ${this.endpoint}`, 'info')];
    } catch (e) {
      return [new DetailTreeItem('Cannot list subscriptions', (e as Error).message, 'error')];
    }
  }
}
