-- State changes of relays and their daily uptime counts (see
-- postgres/0007_relay_change.sql). at is unix seconds, day is the day's
-- midnight in unix seconds (UTC).
CREATE TABLE relay_change (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    relay   TEXT NOT NULL REFERENCES relay (url) ON DELETE CASCADE,
    at      INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX relay_change_relay ON relay_change (relay, id DESC);
-- Pruning by age (changes.retention).
CREATE INDEX relay_change_at ON relay_change (at);

CREATE TABLE relay_uptime_day (
    relay     TEXT NOT NULL REFERENCES relay (url) ON DELETE CASCADE,
    day       INTEGER NOT NULL,
    checks    INTEGER NOT NULL,
    reachable INTEGER NOT NULL,
    PRIMARY KEY (relay, day)
) WITHOUT ROWID;
CREATE INDEX relay_uptime_day_day ON relay_uptime_day (day);
