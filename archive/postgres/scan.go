package postgres

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
)

// Waiting out in-flight writers. PostgreSQL draws event.seq (nextval, at
// insert) long before the inserting transaction commits, and concurrent
// batches commit in any order: a reader could see seq 51 committed while 50
// is still in flight, move its cursor to 51, and never see 50. So a scan
// only reads up to a bound H that it first makes final:
//
//  1. H = event_seq's last_value. Any seq <= H was drawn before this read.
//  2. List the transactions holding RowExclusiveLock on event. A statement
//     takes that lock before it evaluates the seq default, and keeps it
//     until its transaction ends, so whoever drew a seq <= H and has not
//     ended yet is on the list (it cannot have started after step 1).
//  3. Poll until none of them holds the lock any more (committed or rolled
//     back), then read (after, H] by seq.
//
// New writers are neither blocked nor waited for: they draw seqs above H.
// Only transactions that wrote to event are waited for (a long transaction
// elsewhere in the cluster does not hold the scan back, unlike a
// snapshot-xmin bound), and only the ones in flight at step 2, so the wait
// is at most one save batch. Alternatives weighed: an advisory lock taken
// shared by every save and exclusive by the scan would stall ingest while
// the scan waits; assigning seq after commit would rewrite every row.
// The sequence must be CACHE 1 (see the schema): a session cache would
// hand out values <= H after step 2.
const ()

// Polling interval while writers finish: short first (a batch usually
// commits within milliseconds), then backing off.
const (
	pgSettleFirst = 2 * time.Millisecond
	pgSettleMax   = 100 * time.Millisecond
)

// ScanArchived reads events in seq order once no in-flight write can still
// commit a seq at or below the page's bound; see scan.go for the contract.
func (s *pgStore) ScanArchived(ctx context.Context, after uint64, kinds []int, limit int,
	fn func(seq uint64, ev *nostr.Event) error) (uint64, error) {
	high, err := s.settledSeq(ctx)
	if err != nil {
		return after, pgErr(ctx, "scan archived events", err)
	}
	if high <= 0 || uint64(high) <= after {
		return after, ctx.Err()
	}
	ks, none := backend.ScanKinds(kinds)
	if none {
		return uint64(high), nil
	}
	var kindArg any // NULL: every kind
	if ks != nil {
		kindArg = ks
	}
	var limitArg any // NULL: no limit
	if limit > 0 {
		limitArg = int64(limit)
	}
	rows, err := s.pool.Query(ctx, stmts.Scan, int64(after), high, kindArg, limitArg)
	if err != nil {
		return after, pgErr(ctx, "scan archived events", err)
	}
	defer rows.Close()
	next, n := after, 0
	for rows.Next() {
		seq, ev, err := pgScanRow(rows)
		if err != nil {
			return next, err
		}
		if err := fn(seq, ev); err != nil {
			return next, err
		}
		next, n = seq, n+1
		// Rows already buffered would keep flowing after a cancel.
		if err := ctx.Err(); err != nil {
			return next, err
		}
	}
	if err := rows.Err(); err != nil {
		return next, pgErr(ctx, "scan archived events", err)
	}
	if limit > 0 && n == limit {
		return next, nil
	}
	return uint64(high), nil
}

// settledSeq returns a bound H such that every event with seq <= H is
// committed or will never be (steps 1-3 above).
func (s *pgStore) settledSeq(ctx context.Context) (int64, error) {
	var high int64
	if err := s.pool.QueryRow(ctx, stmts.SeqHigh).Scan(&high); err != nil {
		return 0, fmt.Errorf("read event_seq: %w", err)
	}
	if high == 0 {
		return 0, nil
	}
	var writers []string
	if err := s.pool.QueryRow(ctx, stmts.EventWriters, nil).Scan(&writers); err != nil {
		return 0, fmt.Errorf("list writers: %w", err)
	}
	for delay := pgSettleFirst; len(writers) > 0; delay = min(2*delay, pgSettleMax) {
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return 0, fmt.Errorf("wait for %d writers: %w", len(writers), ctx.Err())
		case <-t.C:
		}
		if err := s.pool.QueryRow(ctx, stmts.EventWriters, writers).Scan(&writers); err != nil {
			return 0, fmt.Errorf("wait for writers: %w", err)
		}
	}
	return high, nil
}

func pgScanRow(rows backend.RowScanner) (uint64, *nostr.Event, error) {
	var (
		seq, createdAt             int64
		kind                       int32
		id, pubkey, tags, cont, sg []byte
	)
	if err := rows.Scan(&seq, &id, &pubkey, &createdAt, &kind, &tags, &cont, &sg); err != nil {
		return 0, nil, fmt.Errorf("scan archived events: %w", err)
	}
	ev := &nostr.Event{
		ID:        hex.EncodeToString(id),
		PubKey:    hex.EncodeToString(pubkey),
		CreatedAt: nostr.Timestamp(createdAt),
		Kind:      int(kind),
		Content:   string(cont),
	}
	if tags != nil {
		var err error
		if ev.Tags, err = backend.ParseTagsJSON(tags); err != nil {
			return 0, nil, fmt.Errorf("scan archived events: decode tags of %s: %w", ev.ID, err)
		}
	}
	if sg != nil {
		ev.Sig = hex.EncodeToString(sg)
	}
	return uint64(seq), ev, nil
}
