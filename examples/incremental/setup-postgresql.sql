-- The source side of examples/incremental, in the sales database (PostgreSQL): the orders, the watermark table
-- with its first watermark, and the procedure that stores a new one.
CREATE SCHEMA IF NOT EXISTS sales;
CREATE TABLE sales.orders (
    id bigint PRIMARY KEY,
    customer text NOT NULL,
    amount numeric(18, 6) NOT NULL,
    modified_at timestamptz(6) NOT NULL
);
CREATE TABLE sales.watermarks (
    table_name text PRIMARY KEY,
    watermark_value timestamptz(6) NOT NULL,
    last_id bigint
);
INSERT INTO sales.watermarks VALUES ('orders', '1900-01-01 00:00:00+00', NULL);
CREATE PROCEDURE sales.update_watermark(p_table_name text, p_watermark timestamptz, p_last_id bigint) LANGUAGE sql AS $$
    UPDATE sales.watermarks SET watermark_value = p_watermark, last_id = p_last_id WHERE table_name = p_table_name
$$;
