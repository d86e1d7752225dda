-- Relay leases as rows (see postgres/0006_relay_lease.sql). The embedded
-- store has one node and one writer, so its own clock times them: unix
-- milliseconds, 0 meaning never leased, never finished.
CREATE TABLE relay_lease (
    loop       TEXT NOT NULL,
    relay      TEXT NOT NULL REFERENCES relay (url) ON DELETE CASCADE,
    holder     TEXT NOT NULL DEFAULT '',
    expires_at INTEGER NOT NULL DEFAULT 0,
    done_at    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (loop, relay)
) WITHOUT ROWID;
CREATE INDEX relay_lease_due ON relay_lease (loop, done_at, relay, expires_at);

-- The old leases last minutes at most: dropping them makes every relay due once.
DELETE FROM service_state WHERE type = 'lease';
