/** Support bundles nodes uploaded, kept per gateway (the newest SUPPORT_REPORTS_KEPT), read only by the service's operator. */
import { randomUUID } from 'node:crypto';
import { SUPPORT_REPORTS_KEPT, type SupportReportInfo } from '../../common/gateway/supportReport.js';
import { one, type Sql } from './sql.js';

interface Row {
  id: string;
  factory_name: string;
  gateway_name: string;
  node_name: string;
  agent_version: string;
  note: string | null;
  size: number;
  sha256: string;
  created_at: Date;
}

const COLUMNS = 'id, factory_name, gateway_name, node_name, agent_version, note, size, sha256, created_at';
const info = (r: Row): SupportReportInfo => ({ reportId: r.id, factory: r.factory_name, gateway: r.gateway_name, node: r.node_name, agentVersion: r.agent_version, size: r.size, sha256: r.sha256, ...(r.note ? { note: r.note } : {}), createdAt: new Date(r.created_at).toISOString() });

export class SupportReportStore {
  constructor(private readonly sql: Sql) {}

  async add(r: { gatewayId: string; factory: string; gateway: string; node: string; agentVersion: string; note?: string; sha256: string; bundle: Buffer }): Promise<string> {
    const id = randomUUID();
    await this.sql.tx(async (q) => {
      await q.query(`insert into support_reports (id, gateway_id, factory_name, gateway_name, node_name, agent_version, note, size, sha256, bundle) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, [id, r.gatewayId, r.factory, r.gateway, r.node, r.agentVersion, r.note ?? null, r.bundle.length, r.sha256, r.bundle]);
      await q.query(`delete from support_reports where gateway_id = $1 and id not in (select id from support_reports where gateway_id = $1 order by created_at desc limit $2)`, [r.gatewayId, SUPPORT_REPORTS_KEPT]);
    });
    return id;
  }

  async list(): Promise<SupportReportInfo[]> {
    return (await this.sql.query<Row>(`select ${COLUMNS} from support_reports order by created_at desc`)).map(info);
  }

  async get(id: string): Promise<SupportReportInfo | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const r = await one<Row>(this.sql, `select ${COLUMNS} from support_reports where id = $1`, [id]);
    return r && info(r);
  }

  async bundle(id: string): Promise<Buffer | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const r = await one<{ bundle: Uint8Array }>(this.sql, 'select bundle from support_reports where id = $1', [id]);
    return r ? Buffer.from(r.bundle) : undefined;
  }
}
