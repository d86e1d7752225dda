-- bigbrotr PostgreSQL store, schema version 1.
-- Released migrations are never edited: change the schema in a new file.
--
-- Text keys are COLLATE "C": byte order (as the embedded store sorts) and
-- memcmp comparisons, whatever the database's default locale.
-- Times are unix seconds (BIGINT). Ids, pubkeys and signatures are raw
-- bytes: BYTEA compares like memcmp, so ordering by id is the lexical order
-- of its lower-case hex, which NIP-01 tie-breaks use.
--
-- No foreign keys on the ingest path: an FK from event_relay or event_tag
-- would cost a lookup and a row lock on the referenced row for every row
-- written, and nothing here deletes events or relays.

-- Store-wide settings fixed when the database is created (the mode).
CREATE TABLE store_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Validated relays only; candidates live in service_state.
CREATE TABLE relay (
    url           TEXT COLLATE "C" PRIMARY KEY,
    network       TEXT NOT NULL,
    discovered_at BIGINT NOT NULL
);
CREATE INDEX relay_network ON relay (network, url);

-- One row per event ever archived, hidden ones included. tags, content and
-- sig are NULL in lil mode. content is BYTEA, the UTF-8 bytes of the
-- event's content: NIP-01 lets content hold U+0000, which TEXT cannot, and
-- the bytes come back exactly, so the served event still hashes to its id.
-- Nothing searches content in SQL. The three flags below are what serving
-- needs and are kept current by SaveEvents, so a query only filters rows:
--   superseded: a newer version of the replaceable/addressable address
--               exists (served by id only);
--   deleted:    hidden by a NIP-09 request of its author;
--   expires_at: NIP-40 expiration, NULL when the event never expires.
-- fillfactor leaves room on each page so that flipping a flag on an old
-- version is a HOT update (no new index entries).
--
-- seq is the archival order: drawn from event_seq when the row is first
-- inserted, never reused (gaps from duplicates and rollbacks are fine),
-- and what Store.ScanArchived pages through, so a reader sees events
-- archived long after their created_at. CACHE 1 is required, not a tuning
-- choice: ScanArchived relies on every value up to the sequence's
-- last_value having been drawn already by a transaction that holds its
-- write lock on event (see archive/postgres_scan.go); a per-session cache
-- would hand out a lower value later.
CREATE SEQUENCE event_seq AS BIGINT CACHE 1;
CREATE TABLE event (
    id         BYTEA   NOT NULL PRIMARY KEY,
    pubkey     BYTEA   NOT NULL,
    created_at BIGINT  NOT NULL,
    kind       INTEGER NOT NULL,
    tags       JSONB,
    content    BYTEA,
    sig        BYTEA,
    -- Address of replaceable ('') and addressable (first d tag, '' when
    -- none) kinds, NULL for every other kind: the key is (pubkey, kind, d_tag).
    d_tag      TEXT COLLATE "C",
    expires_at BIGINT,
    superseded BOOLEAN NOT NULL DEFAULT false,
    deleted    BOOLEAN NOT NULL DEFAULT false,
    seq        BIGINT  NOT NULL DEFAULT nextval('event_seq')
) WITH (fillfactor = 95);
ALTER SEQUENCE event_seq OWNED BY event.seq;

-- Indexes, one per query shape the relay serves; each is in NIP-01 order
-- (created_at DESC, id ASC) after its equality columns, so a single-key
-- query walks it newest first and stops at the limit.
--   ids:             the primary key
--   scan, since/until: event_created
--   authors(+kinds):   event_pubkey_kind (authors alone sorts one author's rows)
--   kinds(+since):     event_kind
CREATE INDEX event_created ON event (created_at DESC, id);
CREATE INDEX event_pubkey_kind ON event (pubkey, kind, created_at DESC, id);
CREATE INDEX event_kind ON event (kind, created_at DESC, id);
-- Archival order for ScanArchived: seq only grows, so ingest appends at
-- the index's right edge.
CREATE INDEX event_archived ON event (seq);
-- Every version of an address, for NIP-09 `a` deletions (small: replaceable
-- and addressable kinds only).
CREATE INDEX event_address ON event (pubkey, kind, d_tag, created_at)
    WHERE d_tag IS NOT NULL;

-- The #x index. One row per (event, single-letter tag name, first value),
-- values capped at MaxTagValue bytes by the storage rules.
--
-- Why a btree table and not the seed's TEXT[] + GIN: a GIN index answers
-- "#p = X" with a bitmap of every matching row, which must then all be
-- fetched and sorted before LIMIT applies; for a popular pubkey that is
-- every mention ever archived. This btree is keyed (key, created_at DESC,
-- event_id), so "#e/#p/#d = X ORDER BY created_at DESC, id LIMIT n" is an
-- index range scan that stops after n rows. kind is the last key column so
-- "#p + kinds" and "#d on 30166" filter inside the index without visiting
-- the event. Ingest stays cheap: rows go in by COPY, only for newly
-- inserted events, with one index and no unique check.
--
-- key packs name and value into one BYTEA, compared with memcmp (no
-- collation) and half the width for ids and pubkeys: the tag name's ASCII
-- letter, then either 0x00 and the 32 decoded bytes of a 64-character
-- lower-case hex value (e, p, most a/q targets), or the value's UTF-8
-- bytes. Tag values never contain NUL (the storage rules reject such
-- events), so the two forms cannot collide.
CREATE TABLE event_tag (
    key        BYTEA   NOT NULL,
    created_at BIGINT  NOT NULL,
    event_id   BYTEA   NOT NULL,
    kind       INTEGER NOT NULL
) WITH (autovacuum_vacuum_insert_scale_factor = 0.02);
CREATE INDEX event_tag_lookup ON event_tag (key, created_at DESC, event_id, kind);

-- Provenance: which relay an event was seen on, and when first
-- (ON CONFLICT DO NOTHING keeps the first seen_at).
CREATE TABLE event_relay (
    event_id  BYTEA  NOT NULL,
    relay_url TEXT   COLLATE "C" NOT NULL,
    seen_at   BIGINT NOT NULL,
    PRIMARY KEY (event_id, relay_url)
);

-- The current version of each replaceable/addressable address. SaveEvents
-- reads and updates it (under per-author advisory locks) to set
-- event.superseded; NIP-01 tie-break: newest created_at, then lowest id.
CREATE TABLE replaceable_head (
    pubkey     BYTEA   NOT NULL,
    kind       INTEGER NOT NULL,
    d_tag      TEXT    COLLATE "C" NOT NULL,
    event_id   BYTEA   NOT NULL,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (pubkey, kind, d_tag)
);

-- NIP-09 requests by id, remembered so a target arriving later is stored
-- hidden. Only the author of the target may delete it, hence pubkey.
CREATE TABLE deletion_id (
    target BYTEA NOT NULL,
    pubkey BYTEA NOT NULL,
    PRIMARY KEY (target, pubkey)
);

-- NIP-09 requests by address: versions created at or before `until` are
-- hidden (the newest request of an author for an address wins).
CREATE TABLE deletion_address (
    pubkey BYTEA   NOT NULL,
    kind   INTEGER NOT NULL,
    d_tag  TEXT    COLLATE "C" NOT NULL,
    until  BIGINT  NOT NULL,
    PRIMARY KEY (pubkey, kind, d_tag)
);

-- Content-addressed check results: id is the SHA-256 of data in canonical
-- form, computed by the application. data is JSON, not JSONB, so it comes
-- back byte for byte and still hashes to id (JSONB would reorder keys and
-- add spaces); the JSON operators work on it all the same.
CREATE TABLE metadata (
    id   BYTEA NOT NULL,
    type TEXT  NOT NULL,
    data JSON  NOT NULL,
    PRIMARY KEY (id, type)
);

-- The time series of snapshots. The key leads with (relay, type) so the
-- newest snapshot of each type is an index lookup.
CREATE TABLE relay_metadata (
    relay_url     TEXT   COLLATE "C" NOT NULL,
    metadata_type TEXT   COLLATE "C" NOT NULL,
    generated_at  BIGINT NOT NULL,
    metadata_id   BYTEA  NOT NULL,
    PRIMARY KEY (relay_url, metadata_type, generated_at)
);
CREATE INDEX relay_metadata_generated ON relay_metadata (generated_at DESC);

-- Loop state: cursors, checkpoints and the validator's candidates
-- (service 'validator', type 'candidate', key = relay URL, value
-- {network, failures, added_at, last_attempt}).
CREATE TABLE service_state (
    service TEXT  COLLATE "C" NOT NULL,
    type    TEXT  COLLATE "C" NOT NULL,
    key     TEXT  COLLATE "C" NOT NULL,
    value   JSONB NOT NULL,
    PRIMARY KEY (service, type, key)
);
-- DueCandidates: one network, not attempted since T, fewest failures first,
-- then oldest attempt.
CREATE INDEX service_state_candidates ON service_state (
    (value->>'network'),
    ((value->>'failures')::integer),
    ((value->>'last_attempt')::bigint),
    key
) WHERE service = 'validator' AND type = 'candidate';

-- lz4 compresses content and tags faster than the default pglz; servers
-- built without it keep pglz.
DO $$
BEGIN
    ALTER TABLE event ALTER COLUMN content SET COMPRESSION lz4;
    ALTER TABLE event ALTER COLUMN tags SET COMPRESSION lz4;
    ALTER TABLE metadata ALTER COLUMN data SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    NULL;
END
$$;
