-- name: seq-high
SELECT coalesce(max(seq), 0) FROM event;

-- name: scan
SELECT seq, id, pubkey, created_at, kind, tags, content, sig FROM event
		WHERE seq > ? AND seq <= ? AND deleted = 0;
