-- name: lease-due
SELECT r.url, r.network, r.discovered_at FROM relay_lease l JOIN relay r ON r.url = l.relay
	WHERE l.loop = ? AND l.done_at <= ? AND l.expires_at <= ?;

-- name: lease-fill
INSERT OR IGNORE INTO relay_lease (loop, relay)
	SELECT ?, r.url FROM relay r
	WHERE NOT EXISTS (SELECT 1 FROM relay_lease l WHERE l.loop = ? AND l.relay = r.url);

-- name: lease-take
UPDATE relay_lease SET holder = ?, expires_at = ? WHERE loop = ? AND relay = ?;

-- name: renew-leases
UPDATE relay_lease SET expires_at = ? WHERE loop = ? AND relay = ? AND holder = ?;

-- name: release-leases
UPDATE relay_lease SET holder = '', expires_at = 0 WHERE loop = ? AND relay = ? AND holder = ?;

-- name: release-leases-done
UPDATE relay_lease SET holder = '', expires_at = 0, done_at = ? WHERE loop = ? AND relay = ? AND holder = ?;

-- name: relay-generation
SELECT n FROM relay_generation;
