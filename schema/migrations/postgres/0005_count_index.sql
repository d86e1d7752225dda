-- COUNT at index speed. Every filter but ids skips deleted and superseded
-- events, and every filter skips expired ones: flags on the event row, so
-- with the indexes of 0001 each counted row was read from the heap (a
-- sequential scan for a COUNT of a common kind). The kind and author
-- indexes now hold the served rows only and carry expires_at, so a COUNT
-- over kinds or authors(+kinds), with since/until, is an index-only scan.
-- REQ walks the same indexes (its conditions imply the predicate); ids use
-- the primary key, which still holds every row. Version 0004 is taken by
-- other work: versions may skip numbers.
DROP INDEX event_kind;
CREATE INDEX event_kind ON event (kind, created_at DESC) INCLUDE (expires_at)
    WHERE NOT deleted AND NOT superseded;
DROP INDEX event_pubkey_kind;
CREATE INDEX event_pubkey_kind ON event (pubkey, kind, created_at DESC) INCLUDE (expires_at)
    WHERE NOT deleted AND NOT superseded;
