package sqlite

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
)

// ScanArchived walks the rowid (seq) from after, see scan.go. The single
// writer commits rows in seq order, so every row at or below the largest
// committed seq is final once that seq is visible: no wait is needed.
func (s *liteStore) ScanArchived(ctx context.Context, after uint64, kinds []int, limit int,
	fn func(seq uint64, ev *nostr.Event) error) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return after, err
	}
	var high int64
	if err := s.read.QueryRowContext(ctx, stmts.SeqHigh).Scan(&high); err != nil {
		return after, liteErr(ctx, "scan archived events", err)
	}
	if high <= 0 || uint64(high) <= after {
		return after, nil
	}
	ks, none := backend.ScanKinds(kinds)
	if none {
		return uint64(high), nil
	}
	rows, err := s.read.QueryContext(ctx, liteScanSQL(ks, limit), int64(after), high)
	if err != nil {
		return after, liteErr(ctx, "scan archived events", err)
	}
	defer rows.Close()
	next, n := after, 0
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			return next, err
		}
		seq, ev, err := liteScanRow(rows)
		if err != nil {
			return next, err
		}
		if err := fn(seq, ev); err != nil {
			return next, err
		}
		next, n = seq, n+1
	}
	if err := rows.Err(); err != nil {
		return next, liteErr(ctx, "scan archived events", err)
	}
	if limit > 0 && n == limit {
		return next, nil
	}
	return uint64(high), nil
}

// liteScanSQL selects ($1, $2] in seq order. Kinds are inlined (they are
// integers) and written +kind so the planner keeps walking the rowid from
// the cursor instead of sorting a kind index's rows: the walk stops after
// limit matches, and the returned position moves past whatever it read.
// Lil rows hold NULL tags, content and sig, so one statement serves both.
func liteScanSQL(kinds []int32, limit int) string {
	var b strings.Builder
	b.WriteString(stmts.Scan)
	if len(kinds) > 0 {
		b.WriteString(" AND +kind IN (")
		for i, k := range kinds {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(int(k)))
		}
		b.WriteByte(')')
	}
	b.WriteString(" ORDER BY seq")
	if limit > 0 {
		b.WriteString(" LIMIT " + strconv.Itoa(limit))
	}
	return b.String()
}

func liteScanRow(rows backend.RowScanner) (uint64, *nostr.Event, error) {
	var (
		seq                            int64
		id, pubkey, tags, content, sig []byte
		ev                             nostr.Event
	)
	if err := rows.Scan(&seq, &id, &pubkey, &ev.CreatedAt, &ev.Kind, &tags, &content, &sig); err != nil {
		return 0, nil, fmt.Errorf("scan archived events: %w", err)
	}
	ev.ID, ev.PubKey = hex.EncodeToString(id), hex.EncodeToString(pubkey)
	ev.Tags = nostr.Tags{}
	if len(tags) > 0 {
		if err := json.Unmarshal(tags, &ev.Tags); err != nil {
			return 0, nil, fmt.Errorf("scan archived events: decode tags of %s: %w", ev.ID, err)
		}
	}
	ev.Content = string(content)
	if len(sig) > 0 {
		ev.Sig = hex.EncodeToString(sig)
	}
	return uint64(seq), &ev, nil
}
