-- The warehouse side of examples/incremental, in the warehouse database (MariaDB): the orders loaded so far.
-- DATETIME(6) holds the source's timestamps in UTC with their microseconds.
CREATE TABLE orders (
    id BIGINT PRIMARY KEY,
    customer VARCHAR(200) NOT NULL,
    amount DECIMAL(18, 6) NOT NULL,
    modified_at DATETIME(6) NOT NULL
);
