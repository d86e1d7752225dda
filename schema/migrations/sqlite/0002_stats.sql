-- bigbrotr embedded store, schema version 2: statistics.
-- Released migrations are never edited: change the schema in a new file.
--
-- SQLite has no materialized views: these tables hold the same rows as the
-- PostgreSQL store's stats_* views (see that migration for their meaning)
-- and are rewritten by the stats loop. The queries that fill them live in
-- archive/sqlite_stats.go; each refresh replaces every table in one
-- transaction, so readers see either the old or the new statistics.

CREATE TABLE stats_event (
    singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
    refreshed_at INTEGER NOT NULL,
    events       INTEGER NOT NULL,
    pubkeys      INTEGER NOT NULL,
    kinds        INTEGER NOT NULL,
    oldest       INTEGER,
    newest       INTEGER,
    regular      INTEGER NOT NULL,
    replaceable  INTEGER NOT NULL,
    ephemeral    INTEGER NOT NULL,
    addressable  INTEGER NOT NULL,
    last_hour    INTEGER NOT NULL,
    last_day     INTEGER NOT NULL,
    last_week    INTEGER NOT NULL,
    last_month   INTEGER NOT NULL,
    archive_head INTEGER NOT NULL
);

CREATE TABLE stats_kind (
    kind    INTEGER PRIMARY KEY,
    events  INTEGER NOT NULL,
    pubkeys INTEGER NOT NULL
);

CREATE TABLE stats_daily (
    day     INTEGER PRIMARY KEY,
    events  INTEGER NOT NULL,
    pubkeys INTEGER NOT NULL,
    kinds   INTEGER NOT NULL
);

CREATE TABLE stats_relay (
    relay_url  TEXT PRIMARY KEY,
    events     INTEGER NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE stats_relay_kind (
    relay_url TEXT NOT NULL,
    kind      INTEGER NOT NULL,
    events    INTEGER NOT NULL,
    PRIMARY KEY (relay_url, kind)
) WITHOUT ROWID;

CREATE TABLE stats_software (
    software TEXT NOT NULL,
    version  TEXT NOT NULL,
    relays   INTEGER NOT NULL,
    PRIMARY KEY (software, version)
) WITHOUT ROWID;

CREATE TABLE stats_nip (
    nip    INTEGER PRIMARY KEY,
    relays INTEGER NOT NULL
);

CREATE TABLE stats_country (
    country TEXT PRIMARY KEY,
    relays  INTEGER NOT NULL
) WITHOUT ROWID;
