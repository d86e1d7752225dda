package archive

import (
	"context"
	"database/sql"
	"time"

	"github.com/bigbrotr/bigbrotr/schema"
)

// Leases live in service_state (service = the loop's name, type "lease",
// key = relay URL) as {"holder": h, "expires": unix ms, "done": unix ms}: a free
// relay has expires in the past (0 once released), and done is when the
// loop last finished it. Keeping them there needs no table of their own and
// leaves relays without a lease row implicitly free. Times are unix
// milliseconds, so that a relay done in the second a cycle starts is told
// apart from one done before it.

const liteLeaseFree = `SELECT r.url, r.network, r.discovered_at FROM relay r
	LEFT JOIN service_state s ON s.service = ? AND s.type = 'lease' AND s.key = r.url
	WHERE coalesce(json_extract(s.value, '$.expires'), 0) < ?
	  AND coalesce(json_extract(s.value, '$.done'), 0) < ?`

// LeaseRelays: SQLite has one writer, so the select and the upsert in one
// write transaction are atomic against every other caller.
func (s *liteStore) LeaseRelays(ctx context.Context, loop, holder string, networks []schema.Network, n int, ttl time.Duration, doneBefore time.Time) ([]schema.Relay, error) {
	if n <= 0 {
		return nil, ctx.Err()
	}
	now := time.Now()
	q := liteLeaseFree
	args := []any{loop, now.UnixMilli(), doneBefore.UnixMilli()}
	if len(networks) > 0 {
		q += " AND r.network IN (" + liteMarks(len(networks)) + ")"
		for _, nw := range networks {
			args = append(args, string(nw))
		}
	}
	q += " ORDER BY coalesce(json_extract(s.value, '$.done'), 0), r.url LIMIT ?"
	args = append(args, n)
	var out []schema.Relay
	err := s.liteTx(ctx, "lease relays", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var (
				r  schema.Relay
				at int64
			)
			if err := rows.Scan(&r.URL, &r.Network, &at); err != nil {
				rows.Close()
				return err
			}
			r.DiscoveredAt = time.Unix(at, 0)
			out = append(out, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		_, err = liteExecEach(ctx, tx, `INSERT INTO service_state (service, type, key, value)
			VALUES (?, 'lease', ?, json_object('holder', ?, 'expires', ?, 'done', 0))
			ON CONFLICT (service, type, key) DO UPDATE SET
			value = json_set(value, '$.holder', excluded.value ->> '$.holder', '$.expires', excluded.value ->> '$.expires')`,
			out, func(r schema.Relay) []any { return []any{loop, r.URL, holder, now.Add(ttl).UnixMilli()} })
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *liteStore) RenewLeases(ctx context.Context, loop, holder string, urls []schema.RelayURL, ttl time.Duration) error {
	exp := time.Now().Add(ttl).UnixMilli()
	return s.liteTx(ctx, "renew leases", func(tx *sql.Tx) error {
		_, err := liteExecEach(ctx, tx, `UPDATE service_state SET value = json_set(value, '$.expires', ?)
			WHERE service = ? AND type = 'lease' AND key = ? AND value ->> '$.holder' = ?`,
			urls, func(u schema.RelayURL) []any { return []any{exp, loop, u, holder} })
		return err
	})
}

func (s *liteStore) ReleaseLeases(ctx context.Context, loop, holder string, urls []schema.RelayURL, done bool) error {
	q := `UPDATE service_state SET value = json_set(value, '$.holder', '', '$.expires', 0)
		WHERE service = ? AND type = 'lease' AND key = ? AND value ->> '$.holder' = ?`
	now := time.Now().UnixMilli()
	if done {
		q = `UPDATE service_state SET value = json_set(value, '$.holder', '', '$.expires', 0, '$.done', ?)
		WHERE service = ? AND type = 'lease' AND key = ? AND value ->> '$.holder' = ?`
	}
	return s.liteTx(ctx, "release leases", func(tx *sql.Tx) error {
		_, err := liteExecEach(ctx, tx, q, urls, func(u schema.RelayURL) []any {
			if done {
				return []any{now, loop, u, holder}
			}
			return []any{loop, u, holder}
		})
		return err
	})
}
