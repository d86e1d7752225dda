-- Relay leases as rows, timed by the database's clock.
-- Released migrations are never edited: change the schema in a new file.
--
-- Leases were JSON documents in service_state (type 'lease'), compared
-- against each node's own clock: nodes sharing this database had to keep
-- their clocks in step, and nothing indexed "due and not leased". Here a
-- lease is one row per (loop, relay). The node fills in a row the first
-- time it finds a relay without one, so every statement that hands relays
-- out reads relay_lease_due in order and locks the rows it takes
-- (FOR UPDATE SKIP LOCKED). expires_at and done_at are set from now()
-- only: -infinity means never leased, never finished.
CREATE TABLE relay_lease (
    loop       TEXT COLLATE "C" NOT NULL,
    relay      TEXT COLLATE "C" NOT NULL REFERENCES relay (url) ON DELETE CASCADE,
    holder     TEXT COLLATE "C" NOT NULL DEFAULT '',
    expires_at TIMESTAMPTZ NOT NULL DEFAULT '-infinity',
    done_at    TIMESTAMPTZ NOT NULL DEFAULT '-infinity',
    PRIMARY KEY (loop, relay)
) WITH (fillfactor = 70);
-- "Due and not leased", finished longest ago first, then by URL: one loop,
-- a range on done_at read in order; expires_at is checked on the row,
-- which the lock visits anyway. Leaving holder and expires_at out of every
-- index, with room left on each page, makes taking, renewing and giving
-- back a lease a HOT update: no new index entries for the scans to skip.
CREATE INDEX relay_lease_due ON relay_lease (loop, done_at, relay);

-- The old leases last minutes at most and hold nothing that outlives them:
-- dropping them makes every relay due once, which is what a fresh node sees.
DELETE FROM service_state WHERE type = 'lease';
