-- State changes of relays and their daily uptime counts (issue 15).
-- Released migrations are never edited: change the schema in a new file.
--
-- A change is written once, when a check sees it; id orders them (newest
-- first is id DESC) and pages through them. Changes of a relay that is
-- dropped go with it.
CREATE TABLE relay_change (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    relay   TEXT COLLATE "C" NOT NULL REFERENCES relay (url) ON DELETE CASCADE,
    at      BIGINT NOT NULL, -- unix seconds, as relay_metadata.generated_at
    kind    TEXT COLLATE "C" NOT NULL,
    detail  JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX relay_change_relay ON relay_change (relay, id DESC);
-- Pruning by age (changes.retention).
CREATE INDEX relay_change_at ON relay_change (at);

-- One row per relay and UTC day: checks made and checks that reached it.
CREATE TABLE relay_uptime_day (
    relay     TEXT COLLATE "C" NOT NULL REFERENCES relay (url) ON DELETE CASCADE,
    day       BIGINT NOT NULL, -- the UTC midnight, unix seconds
    checks    INTEGER NOT NULL,
    reachable INTEGER NOT NULL,
    PRIMARY KEY (relay, day)
);
CREATE INDEX relay_uptime_day_day ON relay_uptime_day (day);
