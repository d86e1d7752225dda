-- bigbrotr embedded store, schema version 1.
-- Released migrations are never edited: change the schema in a new file.
--
-- Times are unix seconds. Event ids, pubkeys and signatures are raw bytes
-- (BLOB), so the byte order of id equals the lexical order of its lower-case
-- hex, which NIP-01 tie-breaks use.

-- Validated relays only; candidates live in service_state.
CREATE TABLE relay (
    url           TEXT PRIMARY KEY,
    network       TEXT NOT NULL,
    discovered_at INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per event ever archived, hidden ones included.
-- seq is the rowid: secondary indexes and the tag index point at 8 bytes
-- instead of a 32-byte id. It is also the archival order that
-- Store.ScanArchived pages through: with one writer, a new row takes
-- max(seq)+1 and commits before any later one, and seq is never reused
-- because events are never deleted (should pruning ever delete the
-- newest rows, seq must become AUTOINCREMENT).
CREATE TABLE event (
    seq        INTEGER PRIMARY KEY,
    id         BLOB NOT NULL UNIQUE,
    pubkey     BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    kind       INTEGER NOT NULL,
    tags       TEXT,             -- JSON array; NULL in lil mode
    content    BLOB,             -- UTF-8 bytes, NUL included; NULL in lil mode
    sig        BLOB,             -- NULL in lil mode
    -- Address of replaceable ('' ) and addressable (first d tag) kinds,
    -- NULL for every other kind: the replacement key is (pubkey, kind, d_tag).
    d_tag      TEXT,
    expires_at INTEGER,          -- NIP-40, NULL when the event never expires
    superseded INTEGER NOT NULL DEFAULT 0, -- a newer version of its address exists
    deleted    INTEGER NOT NULL DEFAULT 0  -- hidden by a NIP-09 request of its author
);
-- Scrape (empty filter) and since/until scans, already in NIP-01 order.
CREATE INDEX event_created ON event (created_at DESC, id);
CREATE INDEX event_pubkey ON event (pubkey, created_at DESC);
CREATE INDEX event_pubkey_kind ON event (pubkey, kind, created_at DESC);
CREATE INDEX event_kind ON event (kind, created_at DESC);
-- At most one current version per address; finds it on every save.
CREATE UNIQUE INDEX event_current ON event (pubkey, kind, d_tag)
    WHERE d_tag IS NOT NULL AND superseded = 0;
-- Every version of an address, for NIP-09 `a` deletions.
CREATE INDEX event_address ON event (pubkey, kind, d_tag, created_at)
    WHERE d_tag IS NOT NULL;
CREATE INDEX event_expires ON event (expires_at) WHERE expires_at IS NOT NULL;

-- The #x index: one row per tag with a single-letter name, first value
-- only (capped at MaxTagValue by the storage rules). created_at is copied
-- here so a single-value tag query walks the index newest first and stops
-- at the limit. No foreign key: it would need a second index on event_seq
-- to cascade, and events are only ever removed together with their tags.
CREATE TABLE event_tag (
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    event_seq  INTEGER NOT NULL,
    PRIMARY KEY (name, value, created_at DESC, event_seq)
) WITHOUT ROWID;

-- Provenance: where an event was seen, and when first.
CREATE TABLE event_relay (
    event_seq INTEGER NOT NULL REFERENCES event (seq) ON DELETE CASCADE,
    relay_url TEXT NOT NULL,
    seen_at   INTEGER NOT NULL,
    PRIMARY KEY (event_seq, relay_url)
) WITHOUT ROWID;

-- NIP-09 requests by id, remembered so a target arriving later is hidden.
-- Only the author of the target may delete it, hence pubkey in the key.
CREATE TABLE deletion_id (
    target BLOB NOT NULL,
    pubkey BLOB NOT NULL,
    PRIMARY KEY (target, pubkey)
) WITHOUT ROWID;

-- NIP-09 requests by address: versions created at or before `until` are hidden.
CREATE TABLE deletion_address (
    pubkey BLOB NOT NULL,
    kind   INTEGER NOT NULL,
    d_tag  TEXT NOT NULL,
    until  INTEGER NOT NULL,
    PRIMARY KEY (pubkey, kind, d_tag)
) WITHOUT ROWID;

-- Content-addressed check results: id is the SHA-256 of data (canonical JSON).
CREATE TABLE metadata (
    id   BLOB NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (id, type)
);

-- The time series of snapshots. The key order answers "latest per type".
CREATE TABLE relay_metadata (
    relay_url     TEXT NOT NULL,
    metadata_type TEXT NOT NULL,
    generated_at  INTEGER NOT NULL,
    metadata_id   BLOB NOT NULL,
    PRIMARY KEY (relay_url, metadata_type, generated_at),
    FOREIGN KEY (metadata_id, metadata_type) REFERENCES metadata (id, type) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX relay_metadata_generated ON relay_metadata (generated_at);
CREATE INDEX relay_metadata_metadata ON relay_metadata (metadata_id, metadata_type);

-- Loops' persisted state. Validator candidates are rows with
-- service='validator', type='candidate', key=url and value
-- {"network","failures","added_at","last_attempt"} (last_attempt 0: never).
CREATE TABLE service_state (
    service TEXT NOT NULL,
    type    TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (service, type, key)
) WITHOUT ROWID;
-- DueCandidates: one network, fewest failures, oldest attempt, by URL.
CREATE INDEX service_state_candidate ON service_state (
    json_extract(value, '$.network'),
    json_extract(value, '$.failures'),
    json_extract(value, '$.last_attempt'),
    key
) WHERE service = 'validator' AND type = 'candidate';
