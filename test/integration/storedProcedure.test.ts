/**
 * The stored procedure activity (SqlServerStoredProcedure shape) on the real PostgreSQL and MariaDB: the
 * procedure's effect is checked in the database (rows with the passed values and types), a function runs too,
 * a failing procedure fails the activity with the server's message, and a secret in that message is masked.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/agent/worker/runPipeline.js';
import { pgConnectionString, testFactory, type TestFactory } from '../support/copyFactory.js';
import { PG_URL, requireServer, uniqueName } from '../support/servers.js';

const pgUp = await requireServer('PostgreSQL', 5432);
const mariaUp = await requireServer('MariaDB', 3306);
/** trust auth ignores it; it is only there to be leaked by the failing procedure and masked by the gateway */
const SECRET = 'S3cret-Passw0rd!x';

function pipeline(f: TestFactory, name: string, activities: Array<Record<string, unknown>>, parameters: Record<string, unknown> = {}) {
  f.write('pipeline', name, { parameters, activities: activities.map((a) => ({ type: 'SqlServerStoredProcedure', ...a })) });
  return runPipeline({ factory: f.dir, pipeline: name });
}

const sp = (name: string, ls: string, storedProcedureName: string, storedProcedureParameters: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ name, linkedServiceName: { referenceName: ls, type: 'LinkedServiceReference' }, typeProperties: { storedProcedureName, storedProcedureParameters }, ...extra });

describe.skipIf(!pgUp)('stored procedure activity: PostgreSQL', () => {
  const schema = uniqueName('sp');
  let client: pg.Client;
  let f: TestFactory;

  beforeAll(async () => {
    client = new pg.Client(PG_URL);
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`CREATE TABLE ${schema}.orders (id bigint primary key, customer text, amount numeric(38,9), placed date, at timestamptz, vip boolean, ref uuid, note text)`);
    await client.query(`CREATE PROCEDURE ${schema}.add_order(p_id bigint, p_customer text, p_amount numeric, p_placed date, p_at timestamptz, p_vip boolean, p_ref uuid) LANGUAGE plpgsql AS $$
      BEGIN
        IF p_amount <= 0 THEN RAISE EXCEPTION 'order % rejected: amount % is not positive (key ${SECRET})', p_id, p_amount; END IF;
        INSERT INTO ${schema}.orders (id, customer, amount, placed, at, vip, ref) VALUES (p_id, p_customer, p_amount, p_placed, p_at, p_vip, p_ref);
      END $$`);
    await client.query(`CREATE FUNCTION ${schema}.note_order(p_id bigint, p_note text) RETURNS SETOF bigint LANGUAGE sql AS $$ UPDATE ${schema}.orders SET note = p_note WHERE id = p_id RETURNING id $$`);
    f = testFactory();
    f.write('linkedService', 'PgSecret', { type: 'PostgreSql', typeProperties: { connectionString: `${pgConnectionString()};Password=${SECRET}` } });
  });
  afterAll(async () => {
    await client?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client?.end();
  });

  it('CALLs a procedure with named, typed parameters (any order, expressions), then a function', async () => {
    const r = await pipeline(
      f,
      'PgOk',
      [
        sp('Add', 'PgSecret', `${schema}.add_order`, {
          p_vip: { value: true, type: 'Boolean' },
          p_amount: { value: '12345678901234567890123456789.123456789', type: 'Decimal' },
          p_customer: { value: '@pipeline().parameters.customer', type: 'String' },
          p_id: { value: 1, type: 'Int64' },
          p_placed: { value: '2024-02-29', type: 'Date' },
          p_at: { value: '2024-03-01T10:00:00.5+02:00', type: 'DateTimeOffset' },
          p_ref: { value: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', type: 'Guid' },
        }),
        sp('Note', 'PgSecret', `${schema}.note_order`, { p_id: { value: '1', type: 'Int64' }, p_note: { value: null, type: 'String' } }, { dependsOn: [{ activity: 'Add', dependencyConditions: ['Succeeded'] }] }),
      ],
      { customer: { type: 'String', defaultValue: `O'Brien "Q" 😀` } },
    );
    expect(r.error).toBeUndefined();
    expect(r.activities.map((a) => a.status)).toEqual(['Succeeded', 'Succeeded']);
    const rows = await client.query(`SELECT id::text, customer, amount::text, placed::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS at, vip, ref::text, note FROM ${schema}.orders`);
    expect(rows.rows).toEqual([{ id: '1', customer: `O'Brien "Q" 😀`, amount: '12345678901234567890123456789.123456789', placed: '2024-02-29', at: '2024-03-01 08:00:00.500000', vip: true, ref: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', note: null }]);
  });

  it("a failing procedure fails the activity with the server's message, the secret in it masked", async () => {
    const r = await pipeline(f, 'PgFail', [sp('Add', 'PgSecret', `${schema}.add_order`, { p_id: { value: 2, type: 'Int64' }, p_customer: { value: 'x' }, p_amount: { value: '-1', type: 'Decimal' }, p_placed: { value: null, type: 'Date' }, p_at: { value: null, type: 'Datetime' }, p_vip: { value: false, type: 'Boolean' }, p_ref: { value: null, type: 'Guid' } })]);
    expect(r.status).toBe('Failed');
    expect(r.activities[0]!.error?.code).toBe('PROCEDURE_FAILED');
    expect(r.error?.message).toContain('order 2 rejected: amount -1 is not positive');
    expect(r.error?.message).toContain('***');
    expect(JSON.stringify(r)).not.toContain(SECRET);
    expect((await client.query(`SELECT count(*)::int AS n FROM ${schema}.orders WHERE id = 2`)).rows[0].n).toBe(0);
  });

  it('a value that is not of its declared type fails before the server is asked', async () => {
    const r = await pipeline(f, 'PgBadType', [sp('Add', 'PgSecret', `${schema}.add_order`, { p_id: { value: '3x', type: 'Int64' } })]);
    expect(r.status).toBe('Failed');
    expect(r.activities[0]!.error).toMatchObject({ code: 'PROCEDURE_PARAMETER', message: expect.stringContaining('parameter p_id is Int64 but its value "3x" is not a whole number') });
  });
});

describe.skipIf(!mariaUp)('stored procedure activity: MariaDB', () => {
  const db = uniqueName('sp');
  const user = uniqueName('spu').slice(0, 32);
  let conn: mysql.Connection;
  let f: TestFactory;

  beforeAll(async () => {
    conn = await mysql.createConnection({ host: '127.0.0.1', user: 'root', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
    await conn.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4`);
    await conn.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${SECRET}'`);
    await conn.query(`GRANT ALL ON \`${db}\`.* TO '${user}'@'%'`);
    await conn.query(`USE \`${db}\``);
    await conn.query('CREATE TABLE orders (id bigint primary key, customer varchar(100), amount decimal(38,9), placed date, at datetime(6), vip boolean, data varbinary(16)) CHARACTER SET utf8mb4');
    await conn.query(`CREATE PROCEDURE add_order(IN p_id BIGINT, IN p_customer VARCHAR(100), IN p_amount DECIMAL(38,9), IN p_placed DATE, IN p_at DATETIME(6), IN p_vip BOOLEAN, IN p_data VARBINARY(16), OUT p_total DECIMAL(38,9))
      BEGIN
        IF p_amount <= 0 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'order rejected: amount is not positive (key ${SECRET})'; END IF;
        INSERT INTO orders VALUES (p_id, p_customer, p_amount, p_placed, p_at, p_vip, p_data);
        SELECT SUM(amount) INTO p_total FROM orders;
      END`);
    f = testFactory();
    f.write('linkedService', 'Maria', { type: 'MariaDB', typeProperties: { connectionString: `Server=127.0.0.1;Port=3306;Database=${db};UID=${user};PWD=${SECRET}` } });
  });
  afterAll(async () => {
    await conn?.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await conn?.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await conn?.end();
  });

  it('CALLs a procedure with parameters matched by name to the declared order, typed (OUT through a variable)', async () => {
    const ok = await pipeline(f, 'MariaOk', [
      sp('Add', 'Maria', `\`${db}\`.add_order`, {
        P_DATA: { value: '0x00ff5c4e', type: 'Byte[]' },
        p_at: { value: '2024-03-01T10:00:00.5+02:00', type: 'DateTimeOffset' },
        p_amount: { value: '12345678901234567890123456789.123456789', type: 'Decimal' },
        p_id: { value: '9223372036854775807', type: 'Int64' },
        p_vip: { value: 'true', type: 'Boolean' },
        p_customer: { value: 'Zoë 😀 "quoted", \\back', type: 'String' },
        p_placed: { value: '2024-02-29', type: 'Date' },
      }),
    ]);
    expect(ok.error).toBeUndefined();
    const [rows] = await conn.query({ sql: 'SELECT CAST(id AS CHAR), customer, CAST(amount AS CHAR), DATE_FORMAT(placed, "%Y-%m-%d"), DATE_FORMAT(at, "%Y-%m-%d %H:%i:%s.%f"), vip, HEX(data) FROM orders', rowsAsArray: true });
    expect(rows).toEqual([['9223372036854775807', 'Zoë 😀 "quoted", \\back', '12345678901234567890123456789.123456789', '2024-02-29', '2024-03-01 08:00:00.500000', 1, '00FF5C4E']]);
  });

  it("a failing procedure fails the activity with the server's message (secret masked) and changes nothing", async () => {
    const r = await pipeline(f, 'MariaFail', [sp('Add', 'Maria', 'add_order', { p_id: { value: 5, type: 'Int64' }, p_customer: { value: 'x' }, p_amount: { value: 0, type: 'Decimal' }, p_placed: { value: null, type: 'Date' }, p_at: { value: null, type: 'Datetime' }, p_vip: { value: false, type: 'Boolean' }, p_data: { value: null, type: 'Byte[]' } })]);
    expect(r.status).toBe('Failed');
    expect(r.activities[0]!.error?.code).toBe('PROCEDURE_FAILED');
    expect(r.error?.message).toContain('order rejected: amount is not positive');
    expect(r.error?.message).toContain('***');
    expect(JSON.stringify(r)).not.toContain(SECRET);
    const [rows] = await conn.query({ sql: 'SELECT id FROM orders WHERE id = 5', rowsAsArray: true });
    expect(rows).toEqual([]);
  });

  it('names a parameter the procedure does not have, or leaves one out: a clear error listing the declared ones', async () => {
    const r = await pipeline(f, 'MariaUnknown', [sp('Add', 'Maria', 'add_order', { p_idd: { value: 1, type: 'Int64' } })]);
    expect(r.activities[0]!.error?.message).toMatch(/procedure add_order has no parameter p_idd \(it has p_id, p_customer, p_amount, p_placed, p_at, p_vip, p_data, p_total\)/);
    const m = await pipeline(f, 'MariaMissing', [sp('Add', 'Maria', 'add_order', { p_id: { value: 1, type: 'Int64' } })]);
    expect(m.activities[0]!.error?.message).toMatch(/needs parameter p_customer, p_amount, p_placed, p_at, p_vip, p_data/);
  });
});
