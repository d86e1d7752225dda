-- bigbrotr PostgreSQL store, schema version 2: statistics and pruning.
-- Released migrations are never edited: change the schema in a new file.
--
-- The seed's statistics as materialized views, refreshed by the stats loop
-- with REFRESH MATERIALIZED VIEW CONCURRENTLY (each has the unique index
-- that needs), so readers never wait for a refresh. They are created WITH
-- NO DATA: on an existing large archive this migration stays instant, and
-- the first refresh (not concurrent, as PostgreSQL requires) fills them.
--
-- Event statistics count every archived row, hidden ones (deleted,
-- superseded, expired) included: they describe the archive, not what the
-- relay serves. Days are unix days (floor(created_at / 86400)); events
-- dated outside years 1-9999 are left out of the daily counts only.
--
-- Relay statistics read the monitor's snapshots: nip11 ({"info": NIP-11
-- document as parsed}) and geo ({"country": ISO 3166-1 alpha-2}), newest
-- per relay. Text from relays is cut to 200 characters so that a hostile
-- document cannot overflow a unique index.

-- Orphan metadata cleanup looks snapshots up by document.
CREATE INDEX relay_metadata_metadata ON relay_metadata (metadata_id, metadata_type);

CREATE MATERIALIZED VIEW stats_event AS
SELECT 1 AS singleton,
       extract(epoch FROM now())::bigint AS refreshed_at,
       count(*) AS events,
       count(DISTINCT pubkey) AS pubkeys,
       count(DISTINCT kind) AS kinds,
       min(created_at) AS oldest,
       max(created_at) AS newest,
       count(*) FILTER (WHERE kind IN (1, 2) OR kind BETWEEN 4 AND 44 OR kind BETWEEN 1000 AND 9999) AS regular,
       count(*) FILTER (WHERE kind IN (0, 3) OR kind BETWEEN 10000 AND 19999) AS replaceable,
       count(*) FILTER (WHERE kind BETWEEN 20000 AND 29999) AS ephemeral,
       count(*) FILTER (WHERE kind BETWEEN 30000 AND 39999) AS addressable,
       count(*) FILTER (WHERE created_at >= extract(epoch FROM now())::bigint - 3600) AS last_hour,
       count(*) FILTER (WHERE created_at >= extract(epoch FROM now())::bigint - 86400) AS last_day,
       count(*) FILTER (WHERE created_at >= extract(epoch FROM now())::bigint - 7 * 86400) AS last_week,
       count(*) FILTER (WHERE created_at >= extract(epoch FROM now())::bigint - 30 * 86400) AS last_month,
       coalesce(max(seq), 0) AS archive_head
FROM event
WITH NO DATA;
CREATE UNIQUE INDEX stats_event_key ON stats_event (singleton);

CREATE MATERIALIZED VIEW stats_kind AS
SELECT kind, count(*) AS events, count(DISTINCT pubkey) AS pubkeys
FROM event GROUP BY kind
WITH NO DATA;
CREATE UNIQUE INDEX stats_kind_key ON stats_kind (kind);

CREATE MATERIALIZED VIEW stats_daily AS
SELECT (created_at - ((created_at % 86400) + 86400) % 86400) / 86400 AS day,
       count(*) AS events, count(DISTINCT pubkey) AS pubkeys, count(DISTINCT kind) AS kinds
FROM event
WHERE created_at BETWEEN -62135596800 AND 253402300799 -- years 1 to 9999
GROUP BY 1
WITH NO DATA;
CREATE UNIQUE INDEX stats_daily_key ON stats_daily (day);

-- Provenance per relay: events seen there, first and last sighting.
-- Grouped by the narrow relay id first, named after.
CREATE MATERIALIZED VIEW stats_relay AS
SELECT r.url AS relay_url, s.events, s.first_seen, s.last_seen
FROM (SELECT relay_id, count(*) AS events, min(seen_at) AS first_seen, max(seen_at) AS last_seen
      FROM event_relay GROUP BY relay_id) s
JOIN relay_ref r ON r.id = s.relay_id
WITH NO DATA;
CREATE UNIQUE INDEX stats_relay_key ON stats_relay (relay_url);

CREATE MATERIALIZED VIEW stats_relay_kind AS
SELECT r.url AS relay_url, s.kind, s.events
FROM (SELECT er.relay_id, e.kind, count(*) AS events
      FROM event_relay er JOIN event e ON e.seq = er.event_seq
      GROUP BY er.relay_id, e.kind) s
JOIN relay_ref r ON r.id = s.relay_id
WITH NO DATA;
CREATE UNIQUE INDEX stats_relay_kind_key ON stats_relay_kind (relay_url, kind);

CREATE MATERIALIZED VIEW stats_software AS
SELECT left(coalesce(nullif(l.data->'info'->>'software', ''), 'unknown'), 200) AS software,
       left(coalesce(nullif(l.data->'info'->>'version', ''), 'unknown'), 200) AS version,
       count(*) AS relays
FROM relay r CROSS JOIN LATERAL (
    SELECT m.data FROM relay_metadata rm
    JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
    WHERE rm.relay_url = r.url AND rm.metadata_type = 'nip11'
    ORDER BY rm.generated_at DESC LIMIT 1) l
GROUP BY 1, 2
WITH NO DATA;
CREATE UNIQUE INDEX stats_software_key ON stats_software (software, version);

CREATE MATERIALIZED VIEW stats_nip AS
SELECT n.nip::integer AS nip, count(*) AS relays
FROM relay r CROSS JOIN LATERAL (
    SELECT m.data FROM relay_metadata rm
    JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
    WHERE rm.relay_url = r.url AND rm.metadata_type = 'nip11'
    ORDER BY rm.generated_at DESC LIMIT 1) l
CROSS JOIN LATERAL (
    SELECT DISTINCT v FROM json_array_elements_text(
        CASE WHEN json_typeof(l.data->'info'->'supported_nips') = 'array'
             THEN l.data->'info'->'supported_nips' ELSE '[]'::json END) AS a(v)
    WHERE v ~ '^[0-9]{1,6}$') n(nip)
GROUP BY 1
WITH NO DATA;
CREATE UNIQUE INDEX stats_nip_key ON stats_nip (nip);

CREATE MATERIALIZED VIEW stats_country AS
SELECT left(l.data->>'country', 8) AS country, count(*) AS relays
FROM relay r CROSS JOIN LATERAL (
    SELECT m.data FROM relay_metadata rm
    JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
    WHERE rm.relay_url = r.url AND rm.metadata_type = 'geo'
    ORDER BY rm.generated_at DESC LIMIT 1) l
WHERE coalesce(l.data->>'country', '') <> ''
GROUP BY 1
WITH NO DATA;
CREATE UNIQUE INDEX stats_country_key ON stats_country (country);
