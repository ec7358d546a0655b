/**
 * The demo's sample table `public.sales_orders`: its columns, and the SQL that fills it inside the database
 * (one INSERT ... SELECT over generate_series, so a million rows never cross the wire). The values are a pure
 * function of the order id, so every run with the same row count has the same content and the same checksum.
 * The text deliberately carries what breaks naive CSV: commas, double quotes, line breaks, non-ASCII and NULLs.
 * It never holds an empty string, so an empty CSV field can only mean NULL (the dataset's nullValue is "").
 */
import type { ColumnKind } from './rowChecksum.js';

export interface SampleColumn {
  name: string;
  sqlType: string;
  kind: ColumnKind;
  nullable?: boolean;
}

export const SAMPLE_SCHEMA = 'public';
export const SAMPLE_TABLE = 'sales_orders';
export const SAMPLE_ROWS = 1_000_000;

export const SAMPLE_COLUMNS: SampleColumn[] = [
  { name: 'order_id', sqlType: 'bigint NOT NULL', kind: 'integer' },
  { name: 'customer', sqlType: 'text NOT NULL', kind: 'text' },
  { name: 'country', sqlType: 'text NOT NULL', kind: 'text' },
  { name: 'product', sqlType: 'text NOT NULL', kind: 'text' },
  { name: 'quantity', sqlType: 'integer NOT NULL', kind: 'integer' },
  { name: 'unit_price', sqlType: 'numeric(12,2) NOT NULL', kind: 'decimal' },
  { name: 'total', sqlType: 'numeric(14,2) NOT NULL', kind: 'decimal' },
  { name: 'ordered_at', sqlType: 'timestamptz NOT NULL', kind: 'timestamp' },
  { name: 'status', sqlType: 'text NOT NULL', kind: 'text' },
  { name: 'note', sqlType: 'text', kind: 'text', nullable: true },
];

const sqlArray = (items: string[]) => `ARRAY[${items.map((s) => `'${s.replace(/'/g, "''")}'`).join(', ')}]`;

const CUSTOMERS = [
  'Contoso Ltd',
  'Fabrikam, Inc.',
  'Northwind Traders',
  'Adventure Works',
  'Tailspin Toys',
  'Wide World Importers',
  'Müller & Söhne GmbH',
  'Café "Le Petit Zinc"',
  '株式会社サンプル商事',
  "O'Brien Hardware",
  'Litware, Inc.',
  'Proseware',
  'Coho Winery',
  'Alpine Ski House',
  'Żabka Polska sp. z o.o.',
  'Ελληνικά Τρόφιμα Α.Ε.',
];
const COUNTRIES = ['US', 'DE', 'FR', 'JP', 'GB', 'NL', 'BR', 'IN', 'ES', 'CA', 'AU', 'SE', 'PL', 'GR'];
const PRODUCTS = [
  'Laptop 14"',
  'Cable, USB-C, 2 m',
  'Wireless Mouse',
  'Desk Lamp',
  'Monitor 27" 4K',
  'Keyboard (DE layout)',
  'Headset — noise cancelling',
  'Coffee beans, 1 kg',
  'Notebook A5',
  'Office chair',
  'Docking station',
  'Webcam 1080p',
];
const STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled', 'returned'];

/** `CREATE TABLE` for the sample table (drops an older one first); the key comes after the rows (`finishTableSql`). */
export function createTableSql(schema = SAMPLE_SCHEMA, table = SAMPLE_TABLE): string {
  const cols = SAMPLE_COLUMNS.map((c) => `  ${c.name} ${c.sqlType}`).join(',\n');
  return `DROP TABLE IF EXISTS ${schema}.${table};\nCREATE TABLE ${schema}.${table} (\n${cols}\n);`;
}

/** The primary key and planner statistics, once the rows are in: building the index once is ~20% faster than keeping it up per row. */
export function finishTableSql(schema = SAMPLE_SCHEMA, table = SAMPLE_TABLE): string {
  return `ALTER TABLE ${schema}.${table} ADD PRIMARY KEY (order_id);\nANALYZE ${schema}.${table};`;
}

/**
 * Inserts order ids `from`..`to` (inclusive). Pseudo-random but deterministic: multiplicative hashing of the id
 * picks the customer, product, price and time; notes cycle through the troublesome cases.
 */
export function insertRowsSql(from: number, to: number, schema = SAMPLE_SCHEMA, table = SAMPLE_TABLE): string {
  return `INSERT INTO ${schema}.${table}
SELECT i,
  (${sqlArray(CUSTOMERS)})[1 + (i * 40503) % ${CUSTOMERS.length}],
  (${sqlArray(COUNTRIES)})[1 + (i * 7) % ${COUNTRIES.length}],
  (${sqlArray(PRODUCTS)})[1 + (i * 2654435761) % ${PRODUCTS.length}],
  q,
  p,
  q * p,
  timestamptz '2024-01-01 00:00:00+00' + ((i * 7919) % 63072000) * interval '1 second' + (i % 1000) * interval '1 millisecond',
  (${sqlArray(STATUSES)})[1 + (i * 13) % ${STATUSES.length}],
  CASE i % 8
    WHEN 0 THEN NULL
    WHEN 1 THEN 'Leave at the door, ring twice'
    WHEN 2 THEN 'Gift wrap: "Happy birthday!"'
    WHEN 3 THEN E'Call first\\nthen deliver to the back entrance'
    WHEN 4 THEN 'Größe M, Farbe: grün — 🎁'
    WHEN 5 THEN 'repeat order of #' || (i - 5) || ', same address'
    WHEN 6 THEN NULL
    ELSE 'priority ' || (i % 3) || '; "fragile"; 配送希望日: 平日'
  END
FROM (
  SELECT i, (1 + (i * 31) % 20)::integer AS q, (((i * 97) % 99900) / 100.0 + 1)::numeric(12,2) AS p
  FROM generate_series(${from}::bigint, ${to}::bigint) AS i
) s;`;
}
