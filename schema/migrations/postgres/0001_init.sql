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
-- sig are NULL in lil mode. tags is JSON, not JSONB: it is only read back
-- whole, and JSON keeps the compact text we write, while JSONB is larger,
-- costs a parse on every insert and a re-serialization on every read; the
-- JSON operators work on it all the same. content is BYTEA, the UTF-8
-- bytes of the event's content: NIP-01 lets content hold U+0000, which
-- TEXT cannot, and the bytes come back exactly, so the served event still
-- hashes to its id.
-- Nothing searches content in SQL. The three flags below are what serving
-- needs and are kept current by SaveEvents, so a query only filters rows:
--   superseded: a newer version of the replaceable/addressable address
--               exists (served by id only);
--   deleted:    hidden by a NIP-09 request of its author;
--   expires_at: NIP-40 expiration, NULL when the event never expires.
-- fillfactor leaves room on each page so that hiding a deleted event is a
-- HOT update (no new index entries). Marking a version superseded is not
-- (it leaves event_kind_current), but only versions that were current are
-- ever marked, a few percent of events.
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
    -- Fixed-width columns first, widest first: no alignment padding.
    created_at BIGINT  NOT NULL,
    seq        BIGINT  NOT NULL DEFAULT nextval('event_seq'),
    expires_at BIGINT,
    kind       INTEGER NOT NULL,
    superseded BOOLEAN NOT NULL DEFAULT false,
    deleted    BOOLEAN NOT NULL DEFAULT false,
    id         BYTEA   NOT NULL PRIMARY KEY,
    pubkey     BYTEA   NOT NULL,
    sig        BYTEA,
    -- Address of replaceable ('') and addressable (first d tag, '' when
    -- none) kinds, NULL for every other kind: the key is (pubkey, kind, d_tag).
    d_tag      TEXT COLLATE "C",
    tags       JSON,
    content    BYTEA
) WITH (fillfactor = 95);
ALTER SEQUENCE event_seq OWNED BY event.seq;

-- Indexes, one per query shape the relay serves; each is in NIP-01 order
-- (created_at DESC) after its equality columns, so a single-key query
-- walks it newest first and stops at the limit. The id tie-break is not in
-- the key: rows of one created_at are sorted by id on the way out (an
-- incremental sort of a handful of rows), which keeps 33 bytes per event
-- out of each of these indexes.
--   ids:             the primary key
--   scan, since/until: event_created
--   authors(+kinds):   event_pubkey_kind (authors alone sorts one author's rows)
--   kinds(+since):     event_kind
CREATE INDEX event_created ON event (created_at DESC);
CREATE INDEX event_pubkey_kind ON event (pubkey, kind, created_at DESC);
CREATE INDEX event_kind ON event (kind, created_at DESC);
-- The current versions of replaceable and addressable events (a small
-- fraction of them: profiles, follow lists and NIP-66 reports are mostly
-- history), so that a kinds filter on such a kind reads what it serves
-- rather than walking event_kind past every superseded version.
CREATE INDEX event_kind_current ON event (kind, created_at DESC)
    WHERE d_tag IS NOT NULL AND NOT superseded;
-- Archival order for ScanArchived, and how event_tag and event_relay rows
-- (which carry the 8-byte seq, not the 32-byte id) find their event. seq
-- only grows, so ingest appends at the index's right edge.
CREATE UNIQUE INDEX event_archived ON event (seq);
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
-- every mention ever archived. This btree is keyed (tag, created_at DESC),
-- so "#e/#p/#d = X ORDER BY created_at DESC LIMIT n" is an index range
-- scan that stops after n rows. kind is in the key so "#p + kinds" and
-- "#d on 30166" filter inside the index without visiting the event. Ingest
-- stays cheap: rows go in by COPY, only for newly inserted events, with
-- one index and no unique check.
--
-- This table is most of the archive (several rows per event, each stored
-- twice: heap and index), so its rows are all fixed-width, 28 bytes: the
-- tag value by its tag_value id and the event by its seq (event_archived),
-- not 34 and 32 bytes of value and id. Values repeat heavily (half the
-- rows are p tags naming a few thousand popular pubkeys), so the
-- dictionary costs far less than it saves.
CREATE TABLE event_tag (
    created_at BIGINT  NOT NULL,
    event_seq  BIGINT  NOT NULL,
    tag_id     BIGINT  NOT NULL,
    kind       INTEGER NOT NULL
) WITH (autovacuum_vacuum_insert_scale_factor = 0.02);
CREATE INDEX event_tag_lookup ON event_tag (tag_id, created_at DESC, event_seq, kind);

-- The distinct (tag name, value) pairs event_tag refers to; rows are never
-- deleted, so an id, once read, stays valid (SaveEvents caches them).
-- key packs name and value into one BYTEA, compared with memcmp (no
-- collation) and half the width for ids and pubkeys: the tag name's ASCII
-- letter, then either 0x00 and the 32 decoded bytes of a 64-character
-- lower-case hex value (e, p, most a/q targets), or the value's UTF-8
-- bytes. Tag values never contain NUL (the storage rules reject such
-- events), so the two forms cannot collide.
CREATE TABLE tag_value (
    id  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key BYTEA  NOT NULL UNIQUE
);

-- Relay URLs that provenance refers to, by a small id: an event is
-- typically seen on many relays, so event_relay rows stay narrow. Any URL
-- a sighting names gets a row (validated or not); rows are never deleted,
-- so an id, once read, stays valid.
CREATE TABLE relay_ref (
    id  INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url TEXT    COLLATE "C" NOT NULL UNIQUE
);

-- Provenance: which relay an event was seen on, and when first
-- (ON CONFLICT DO NOTHING keeps the first seen_at).
CREATE TABLE event_relay (
    event_seq BIGINT  NOT NULL,
    seen_at   BIGINT  NOT NULL,
    relay_id  INTEGER NOT NULL,
    PRIMARY KEY (event_seq, relay_id)
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
