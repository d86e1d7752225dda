-- name: seq-of-id
SELECT seq FROM event WHERE id = ?;

-- name: insert-event
INSERT INTO event (id, pubkey, created_at, kind, tags, content, sig, d_tag, expires_at, superseded, deleted)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: insert-tag
INSERT OR IGNORE INTO event_tag (name, value, created_at, event_seq) VALUES (?, ?, ?, ?);

-- name: insert-provenance
INSERT OR IGNORE INTO event_relay (event_seq, relay_url, seen_at) VALUES (?, ?, ?);

-- name: current-head
SELECT seq, created_at, id FROM event WHERE pubkey = ? AND kind = ? AND d_tag = ? AND superseded = 0;

-- name: mark-superseded
UPDATE event SET superseded = 1 WHERE seq = ?;

-- name: deleted-by-id
SELECT count(*) FROM deletion_id WHERE target = ? AND pubkey = ?;

-- name: deleted-until
SELECT coalesce(max(until), ?) FROM deletion_address WHERE pubkey = ? AND kind = ? AND d_tag = ?;

-- name: insert-deletion-id
INSERT OR IGNORE INTO deletion_id (target, pubkey) VALUES (?, ?);

-- name: delete-by-id
UPDATE event SET deleted = 1 WHERE id = ? AND pubkey = ? AND kind <> 5 AND deleted = 0;

-- name: upsert-deletion-address
INSERT INTO deletion_address (pubkey, kind, d_tag, until) VALUES (?, ?, ?, ?)
			ON CONFLICT (pubkey, kind, d_tag) DO UPDATE SET until = max(until, excluded.until);

-- name: delete-by-address
UPDATE event SET deleted = 1
			WHERE pubkey = ? AND kind = ? AND d_tag = ? AND created_at <= ? AND deleted = 0;
