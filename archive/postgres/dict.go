package postgres

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"
)

// pgDict is a dictionary table (relay_ref, tag_value): values that many
// rows repeat, stored once and referred to by a small id. Rows are never
// updated or deleted, so an id read once stays valid, and ids are cached
// in memory; only committed rows are cached.
type pgDict[ID int32 | int64] struct {
	table, col, typ string // e.g. relay_ref, url, text
	max             int    // cache entries before it starts over
	mu              sync.Mutex
	ids             map[string]ID
}

func newPgDict[ID int32 | int64](table, col, typ string, max int) *pgDict[ID] {
	return &pgDict[ID]{table: table, col: col, typ: typ, max: max}
}

// resolve returns the id of every value in vals (distinct), creating the
// missing rows in their own implicit transaction: committed before the
// save that uses them, so a save that fails and retries never holds the
// id of a row that was rolled back. arg turns values into the statement
// parameter (a []string or [][]byte for the column's array type).
func (d *pgDict[ID]) resolve(ctx context.Context, pool pgBatchSender, vals []string, arg func([]string) any) (map[string]ID, error) {
	out := make(map[string]ID, len(vals))
	var missing []string
	d.mu.Lock()
	for _, v := range vals {
		if id, ok := d.ids[v]; ok {
			out[v] = id
		} else {
			missing = append(missing, v)
		}
	}
	d.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	// Inserted in one global order: two saves creating the same values
	// then wait on each other in that order, never in a cycle.
	slices.Sort(missing)
	// The insert skips values that exist (rather than counting on ON
	// CONFLICT alone) so that the identity sequence only advances for new
	// ones; ON CONFLICT covers a concurrent insert of the same value. The
	// select is a later statement, so it sees rows such a race committed.
	var pipe pgx.Batch
	param := arg(missing)
	pipe.Queue(`INSERT INTO `+d.table+` (`+d.col+`)
		SELECT u FROM unnest($1::`+d.typ+`[]) AS u
		WHERE NOT EXISTS (SELECT 1 FROM `+d.table+` x WHERE x.`+d.col+` = u)
		ON CONFLICT (`+d.col+`) DO NOTHING`, param)
	var (
		val []byte
		id  ID
	)
	pipe.Queue(`SELECT `+d.col+`, id FROM `+d.table+` WHERE `+d.col+` = ANY($1::`+d.typ+`[])`, param).Query(func(rows pgx.Rows) error {
		_, err := pgx.ForEachRow(rows, []any{&val, &id}, func() error { out[string(val)] = id; return nil })
		return err
	})
	if err := pool.SendBatch(ctx, &pipe).Close(); err != nil {
		return nil, fmt.Errorf("%s ids: %w", d.table, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ids == nil || len(d.ids)+len(missing) > d.max {
		d.ids = make(map[string]ID, len(missing))
	}
	for _, v := range missing {
		id, ok := out[v]
		if !ok {
			return nil, fmt.Errorf("%s ids: no row for %q", d.table, v)
		}
		d.ids[v] = id
	}
	return out, nil
}

// pgBatchSender is what resolve needs of a pool.
type pgBatchSender interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Cache bounds. A node archives from thousands of relays, so the relay
// bound only guards against a flood of one-off URLs. Tag values are
// heavy-headed (a few thousand popular pubkeys carry most p tags), and a
// miss costs an index probe, so the bound trades memory (~100 bytes an
// entry) for probes on the long tail.
const (
	pgRelayRefCacheMax = 100_000
	pgTagValueCacheMax = 200_000
)

func relayURLsArg(v []string) any { return v }

func tagKeysArg(v []string) any {
	out := make([][]byte, len(v))
	for i, s := range v {
		out[i] = []byte(s)
	}
	return out
}
