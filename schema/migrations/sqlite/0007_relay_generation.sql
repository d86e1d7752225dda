-- A counter of relay insertions (see postgres/0010_relay_generation.sql):
-- a loop's lease fill runs only once it has moved since the loop's last
-- fill. SQLite triggers are per row; INSERT OR IGNORE of a known relay
-- inserts nothing and fires nothing.
CREATE TABLE relay_generation (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    n   INTEGER NOT NULL
);
INSERT INTO relay_generation (one, n) VALUES (1, 0);
CREATE TRIGGER relay_generation_bump AFTER INSERT ON relay
BEGIN
    UPDATE relay_generation SET n = n + 1;
END;
