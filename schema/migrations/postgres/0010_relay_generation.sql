-- A counter of relay insertions, so a loop's lease fill runs only when it
-- can find something. Released migrations are never edited: change the
-- schema in a new file.
--
-- The fill (an anti-join reading every relay) gives relays without a
-- relay_lease row for a loop a row. In steady state nothing is missing,
-- yet every node ran it every tick. Each node now remembers, per loop, the
-- generation its last fill saw and fills again only once it has moved.
-- The trigger bumps the one row in the inserting transaction, so inserts
-- take the row lock in turn and a generation visible to a reader means
-- every insert counted at or below it has committed: a fill started after
-- reading n sees all of them, whichever node inserted them.
CREATE TABLE relay_generation (
    one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
    n   BIGINT NOT NULL
);
INSERT INTO relay_generation (one, n) VALUES (true, 0);

-- Per statement, and only when it inserted something: the validator's
-- promotions re-insert known relays (ON CONFLICT DO NOTHING) without
-- taking the lock.
CREATE FUNCTION relay_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM added) THEN
        UPDATE relay_generation SET n = n + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER relay_generation_bump AFTER INSERT ON relay
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION relay_generation_bump();
