// One catalogue of linked-service types (src/common/model/linkedServiceTypes.ts): the schema accepts exactly its
// types, with its descriptions and the typeProperties of the type each is like; every type the engine runs passes
// `dmgw validate` with a dataset and a Copy that use it; every type the schema accepts has a connector (Key Vault,
// which holds secrets and is no data store, is the one exception and says so).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/agent/cli.js';
import { GatewayHome } from '../../../src/agent/config/home.js';
import { connectorFor, SUPPORTED_LINKED_SERVICE_TYPES } from '../../../src/agent/connectors/registry.js';
import { DATASET_TYPES, LOCATION_TYPES } from '../../../src/common/model/catalogue.js';
import { CATALOGUE_TYPES, LINKED_SERVICE_CATALOGUE, likeType, linkedServiceTypeInfo, RUNNABLE_TYPES } from '../../../src/common/model/linkedServiceTypes.js';
import type { LinkedService } from '../../../src/common/model/types.js';

const ROOT = resolve(__dirname, '..', '..', '..');
const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/linkedService.schema.json'), 'utf8'));
const typeSchema = schema.definitions.linkedService.properties.type;
const dir = mkdtempSync(join(tmpdir(), 'dmgw-lstypes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Connection properties a linked service of a type like `like` needs. */
const TYPE_PROPERTIES: Record<string, Record<string, unknown>> = {
  SqlServer: { connectionString: 'Data Source=db1;Initial Catalog=Sales;User ID=gateway' },
  AzureSqlDatabase: { connectionString: 'Data Source=tcp:db1.database.windows.net,1433;Initial Catalog=Sales;User ID=gateway' },
  PostgreSql: { connectionString: 'Server=127.0.0.1;Port=5432;Database=sales;UID=gateway' },
  PostgreSqlV2: { server: '127.0.0.1', port: 5432, database: 'sales', username: 'gateway', sslMode: 2 },
  MySql: { connectionString: 'Server=127.0.0.1;Port=3306;Database=sales;UID=gateway' },
  MariaDB: { connectionString: 'Server=127.0.0.1;Port=3306;Database=sales;UID=gateway' },
  FileServer: { host: join(dir, 'files') },
  AzureBlobStorage: { connectionString: 'UseDevelopmentStorage=true' },
};

function linkedService(type: string): LinkedService {
  return { name: `My${type}`, properties: { type, typeProperties: TYPE_PROPERTIES[likeType(type)!]! } } as LinkedService;
}

async function validate(factory: string): Promise<{ code: number; problems: Array<{ code: string; message: string }> }> {
  const out = new PassThrough();
  let stdout = '';
  out.on('data', (b) => (stdout += b));
  const code = await main(['validate', factory, '--json'], { stdout: out, stderr: new PassThrough(), stdin: new PassThrough(), env: { DMGW_HOME: join(dir, 'home') }, cwd: dir });
  return { code, problems: JSON.parse(stdout) };
}

describe('the catalogue of linked-service types', () => {
  it('the schema accepts exactly the catalogue types, described as the catalogue says', () => {
    expect(typeSchema.enum).toEqual(CATALOGUE_TYPES);
    expect(typeSchema.markdownEnumDescriptions).toEqual(CATALOGUE_TYPES.map((t) => LINKED_SERVICE_CATALOGUE[t].description));
  });

  it("each type's typeProperties are checked as the type it is like", () => {
    const branches = schema.definitions.linkedService.allOf as Array<{ if: { properties: { type: { const: string } } }; then: { $ref: string } }>;
    expect(branches.map((b) => [b.if.properties.type.const, b.then.$ref])).toEqual(CATALOGUE_TYPES.map((t) => [t, `#/definitions/${LINKED_SERVICE_CATALOGUE[t].like}`]));
  });

  it('the types the issue named as refused are in it, and run', () => {
    for (const t of ['AzureStorage', 'AzurePostgreSql', 'AzureMySql', 'AzureSqlMI']) expect(RUNNABLE_TYPES).toContain(t);
    expect(linkedServiceTypeInfo('azurestorage')?.type).toBe('AzureStorage');
  });

  it('every type the schema accepts runs: the engine has a connector for it (Key Vault holds secrets, no data)', () => {
    const home = new GatewayHome(join(dir, 'home'));
    for (const t of typeSchema.enum as string[]) {
      if (t === 'AzureKeyVault') {
        expect(() => connectorFor({ name: 'Vault', properties: { type: t, typeProperties: {} } } as unknown as LinkedService, { home })).toThrow(/cannot read or write/);
        continue;
      }
      expect(SUPPORTED_LINKED_SERVICE_TYPES, t).toContain(t);
      // the file connector is reached, and refuses a machine that allows no folder (the node's own setting)
      if (likeType(t) === 'FileServer') expect(() => connectorFor(linkedService(t), { home }), t).toThrow(/fileSystem\.allowedRoots/);
      else expect(connectorFor(linkedService(t), { home }), t).toBeTruthy();
    }
  });

  for (const t of RUNNABLE_TYPES) {
    it(`every type the engine runs validates: ${t}, with a dataset and a Copy that use it`, async () => {
      const like = likeType(t)!;
      const f = join(dir, t);
      for (const k of ['linkedService', 'dataset', 'pipeline']) mkdirSync(join(f, k), { recursive: true });
      const ls = linkedService(t);
      writeFileSync(join(f, `linkedService/${ls.name}.json`), JSON.stringify({ name: ls.name, properties: ls.properties }, null, 2));
      const [dsType, info] = Object.entries(DATASET_TYPES).find(([, d]) => d.linkedServiceTypes.includes(like as never))!;
      const location = info.file ? Object.entries(LOCATION_TYPES).find(([, l]) => l.linkedServiceType === like) : undefined;
      const typeProperties = info.file
        ? { location: { type: location![0], ...(like === 'AzureBlobStorage' ? { container: 'out' } : { folderPath: 'out' }), fileName: 'x.csv' }, columnDelimiter: ',', firstRowAsHeader: true }
        : { [info.table!.property]: 'orders', ...(info.table!.property === 'table' ? { schema: 'public' } : {}) };
      writeFileSync(join(f, 'dataset/Data.json'), JSON.stringify({ name: 'Data', properties: { type: dsType, linkedServiceName: { referenceName: ls.name, type: 'LinkedServiceReference' }, typeProperties } }, null, 2));
      const store = location ? { storeSettings: { type: location[1].read } } : {};
      const sinkStore = location ? { storeSettings: { type: location[1].write } } : {};
      const copy = { name: 'Copy', type: 'Copy', inputs: [{ referenceName: 'Data', type: 'DatasetReference' }], outputs: [{ referenceName: 'Data', type: 'DatasetReference' }], typeProperties: { source: { type: info.source, ...store }, sink: { type: info.sink, ...sinkStore } } };
      writeFileSync(join(f, 'pipeline/CopyData.json'), JSON.stringify({ name: 'CopyData', properties: { activities: [copy] } }, null, 2));
      const r = await validate(f);
      expect(r.problems.filter((p) => !/^WARN|PLAINTEXT/.test(p.code)).map((p) => `${p.code} ${p.message}`)).toEqual([]);
      expect(r.code).toBe(0);
    });
  }
});
