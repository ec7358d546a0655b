/**
 * The MariaDB benchmark source: `dmgw_bench.sales_orders_<rows>` in the real MariaDB, the same kind of sales
 * rows as the PostgreSQL bench table (customers, prices, timestamps, notes with quotes, newlines, emoji),
 * generated in SQL from MariaDB's sequence engine. Made once and reused while it has the right row count.
 */
import mysql from 'mysql2/promise';

export const BENCH_MARIADB_URL = process.env.DMGW_BENCH_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/dmgw_bench';
const BATCH = 1_000_000;

export interface MariaTable {
  database: string;
  table: string;
  rows: number;
  created: boolean;
}

export const COLUMNS = 'order_id, customer, country, product, quantity, unit_price, amount, ordered_at, status, note';

export function mariaConnection(url = BENCH_MARIADB_URL): { host: string; port: number; user: string; password: string; database: string } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: u.pathname.slice(1) };
}

export async function ensureMariaTable(rows: number, log: (line: string) => void): Promise<MariaTable> {
  const c = mariaConnection();
  const table = `sales_orders_${rows}`;
  const conn = await mysql.createConnection({ host: c.host, port: c.port, user: c.user, password: c.password, charset: 'UTF8MB4_GENERAL_CI' });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${c.database}\` CHARACTER SET utf8mb4`);
    await conn.query(`USE \`${c.database}\``);
    const [exists] = await conn.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [c.database, table]);
    if (Number(exists[0]!.n) > 0) {
      const t0 = performance.now();
      const [r] = await conn.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${table}\``);
      if (Number(r[0]!.n) === rows) {
        log(`reusing MariaDB ${c.database}.${table} (${rows.toLocaleString('en-US')} rows; counted in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
        return { database: c.database, table, rows, created: false };
      }
    }
    const t0 = performance.now();
    await conn.query(`DROP TABLE IF EXISTS \`${table}\``);
    await conn.query(`CREATE TABLE \`${table}\` (order_id BIGINT PRIMARY KEY, customer VARCHAR(60), country CHAR(2), product VARCHAR(60), quantity INT, unit_price DECIMAL(12,2), amount DECIMAL(14,2), ordered_at DATETIME(3), status VARCHAR(20), note TEXT) CHARACTER SET utf8mb4`);
    for (let from = 1; from <= rows; from += BATCH) {
      const to = Math.min(rows, from + BATCH - 1);
      await conn.query(`INSERT INTO \`${table}\` (${COLUMNS})
        SELECT i, ELT(1 + (i * 40503) % 6, 'Contoso Ltd', 'Fabrikam, Inc.', 'Northwind "Traders"', 'Adventure Works', 'Tailspin Toys', 'Wide World Importers'),
          ELT(1 + (i * 7) % 5, 'US', 'DE', 'JP', 'BR', 'FR'),
          ELT(1 + (i * 2654435761) % 5, 'Widget', 'Gadget, large', 'Gizmo', 'Doohickey', 'Thingamajig'),
          q, p, q * p,
          TIMESTAMP'2024-01-01 00:00:00' + INTERVAL ((i * 7919) % 63072000) SECOND + INTERVAL (i % 1000) * 1000 MICROSECOND,
          ELT(1 + (i * 13) % 4, 'new', 'shipped', 'delivered', 'returned'),
          CASE i % 8 WHEN 0 THEN NULL WHEN 1 THEN 'Leave at the door, ring twice' WHEN 2 THEN 'Gift wrap: "Happy birthday!"' WHEN 3 THEN 'Call first\\nthen deliver to the back entrance'
            WHEN 4 THEN 'Größe M, Farbe: grün — 🎁' WHEN 5 THEN CONCAT('repeat order of #', i - 5, ', same address') WHEN 6 THEN NULL ELSE CONCAT('priority ', i % 3, '; "fragile"; 配送希望日: 平日') END
        FROM (SELECT seq AS i, 1 + (seq * 31) % 20 AS q, CAST(((seq * 97) % 99900) / 100.0 + 1 AS DECIMAL(12,2)) AS p FROM seq_${from}_to_${to}) s`);
      log(`  MariaDB ${to.toLocaleString('en-US')} / ${rows.toLocaleString('en-US')} rows`);
    }
    await conn.query(`ANALYZE TABLE \`${table}\``);
    log(`made MariaDB ${c.database}.${table} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    return { database: c.database, table, rows, created: true };
  } finally {
    await conn.end();
  }
}
