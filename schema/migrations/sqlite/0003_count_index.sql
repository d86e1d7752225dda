-- COUNT at index speed (see postgres/0005): the kind and author indexes
-- hold the served rows only (not deleted, not superseded) and carry
-- expires_at, so a COUNT over kinds or authors(+kinds) reads the index
-- alone. Versions 0003 and 0004 are PostgreSQL's or other work's: versions
-- may skip numbers.
DROP INDEX event_kind;
CREATE INDEX event_kind ON event (kind, created_at DESC, expires_at)
    WHERE deleted = 0 AND superseded = 0;
DROP INDEX event_pubkey_kind;
CREATE INDEX event_pubkey_kind ON event (pubkey, kind, created_at DESC, expires_at)
    WHERE deleted = 0 AND superseded = 0;
