package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

// pgSaveAttempts bounds retries of a batch that lost a deadlock or
// serialization race; the whole transaction is replayed.
const pgSaveAttempts = 3

// SaveEvents writes a batch in one transaction: shared advisory locks on
// the authors and a read of the replaceable heads it touches, the events
// through one INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING,
// their tag rows through COPY, provenance and the head row locks in one
// round trip, then the head moves (postgres_replace.go says why the heads
// are locked last). The ids of relay URLs and tag values (see pgDict) are
// resolved first: from memory, or one round trip committed on its own.
// NIP-09 requests in the batch are applied right after in a second, short
// transaction (see pgLockBuckets for why).
func (s *pgStore) SaveEvents(ctx context.Context, batch []schema.Sighting) (schema.SaveResult, error) {
	res, _, err := s.saveEvents(ctx, batch)
	return res, err
}

// SaveEach is SaveEvents reporting which sightings' events it inserted.
func (s *pgStore) SaveEach(ctx context.Context, batch []schema.Sighting) (schema.SaveResult, []bool, error) {
	res, seqs, err := s.saveEvents(ctx, batch)
	if err != nil {
		return res, nil, err
	}
	return res, insertedOf(batch, func(id []byte) bool { _, ok := seqs[string(id)]; return ok }), nil
}

// saveEvents is SaveEvents returning the seq of each event it inserted, by
// binary id.
func (s *pgStore) saveEvents(ctx context.Context, batch []schema.Sighting) (schema.SaveResult, map[string]int64, error) {
	start := time.Now()
	b := pgNewBatch(batch, s.keep)
	res := schema.SaveResult{Rejected: b.rejected}
	s.metrics.CountRejected(b.reasons)
	if len(b.rows) == 0 {
		return res, nil, ctx.Err()
	}
	relays, err := s.relays.resolve(ctx, s.pool, b.relays(), relayURLsArg)
	if err != nil {
		return schema.SaveResult{}, nil, pgErr(ctx, "save events", err)
	}
	tagIDs, err := s.tagIDs.resolve(ctx, s.pool, b.keys(), tagKeysArg)
	if err != nil {
		return schema.SaveResult{}, nil, pgErr(ctx, "save events", err)
	}
	var seqs map[string]int64
	err = s.retry(ctx, func(tx pgx.Tx) error {
		var sightings int
		var err error
		seqs, sightings, err = s.saveTx(ctx, tx, b, relays, tagIDs)
		res.Inserted, res.Duplicates, res.Sightings = len(seqs), b.valid-len(seqs), sightings
		return err
	})
	if err != nil {
		return schema.SaveResult{}, nil, pgErr(ctx, "save events", err)
	}
	if requesters := b.buckets(func(r *backend.EventRow) bool { return r.Kind == 5 }); len(requesters) > 0 {
		err := s.retry(ctx, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, stmts.LockRequesters, requesters, true); err != nil {
				return fmt.Errorf("lock requesters: %w", err)
			}
			var pipe pgx.Batch
			pgQueueDeletions(&pipe, b)
			return tx.SendBatch(ctx, &pipe).Close()
		})
		if err != nil {
			return schema.SaveResult{}, nil, pgErr(ctx, "apply deletion requests", err)
		}
	}
	s.metrics.Observe(backend.ShapeSave, start)
	s.metrics.CountSaved(res)
	return res, seqs, nil
}

// retry runs fn in a transaction, again when it loses a deadlock or
// serialization race.
func (s *pgStore) retry(ctx context.Context, fn func(pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := pgx.BeginFunc(ctx, s.pool, fn)
		if err == nil || attempt == pgSaveAttempts || !pgRetryable(err) {
			return err
		}
	}
}

// pgRetryable: deadlocks and serialization failures are resolved by
// running the transaction again.
func pgRetryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

func (s *pgStore) saveTx(ctx context.Context, tx pgx.Tx, b *pgBatch, relays map[string]int32,
	tagIDs map[string]int64) (seqs map[string]int64, sightings int, err error) {
	// Start: the authors' shared locks and an unlocked read of the heads
	// (see postgres_replace.go), one round trip.
	authors := b.buckets(func(*backend.EventRow) bool { return true })
	nHeads, hPubkeys, hKinds, hDs, hIDs, hAts := headKeys(b)
	var start pgx.Batch
	start.Queue(stmts.LockRequesters, authors, false)
	heads := map[pgKey]pgVersion{}
	if nHeads > 0 {
		start.Queue(stmts.Heads, hPubkeys, hKinds, hDs).Query(func(rows pgx.Rows) error { return scanHeads(rows, heads) })
	}
	if err := tx.SendBatch(ctx, &start).Close(); err != nil {
		return nil, 0, fmt.Errorf("lock authors and read replaceable heads: %w", err)
	}
	plan := pgPlanHeads(b, heads)
	dels := b.deletions()

	n := len(b.rows)
	var (
		ids, pubkeys, sigs  = make([][]byte, n), make([][]byte, n), make([][]byte, n)
		createdAts          = make([]int64, n)
		kinds               = make([]int32, n)
		tags, dTag          = make([]*string, n), make([]*string, n)
		contents            = make([][]byte, n)
		expires             = make([]*int64, n)
		superseded, deleted = make([]bool, n), make([]bool, n)
		extraD              = make([]*string, n)
	)
	for i := range b.rows {
		r := &b.rows[i]
		ids[i], pubkeys[i], sigs[i] = r.ID, r.Pubkey, r.Sig
		createdAts[i], kinds[i] = r.CreatedAt, r.Kind
		tags[i], contents[i], dTag[i], expires[i] = r.TagsJSON, r.Content, r.DTag, r.ExpiresAt
		superseded[i], deleted[i], extraD[i] = plan.superseded[i], dels.hides(r), pgExtraD(r)
	}
	rows, err := tx.Query(ctx, stmts.InsertEvents, ids, pubkeys, createdAts, kinds, tags, contents, sigs,
		dTag, expires, superseded, deleted, extraD)
	if err != nil {
		return nil, 0, fmt.Errorf("insert events: %w", err)
	}
	seqs = make(map[string]int64, n) // id -> seq of the events this batch inserted
	var (
		id  []byte
		seq int64
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &seq}, func() error { seqs[string(id)] = seq; return nil })
	if err != nil {
		return nil, 0, fmt.Errorf("insert events: %w", err)
	}
	if err := copyTags(ctx, tx, b, seqs, tagIDs); err != nil {
		return nil, 0, err
	}

	// End: provenance, then the head locks, one round trip; then the head
	// moves, decided under those locks, with the commit right behind.
	var end pgx.Batch
	if len(b.sightings) > 0 {
		var (
			sightIDs [][]byte
			sightSeq []*int64 // nil: stored before this batch
			relayIDs []int32
			seenAts  []int64
		)
		for _, st := range b.sightings {
			var known *int64
			if seq, ok := seqs[string(st.id)]; ok {
				known = &seq
			}
			sightIDs, sightSeq = append(sightIDs, st.id), append(sightSeq, known)
			relayIDs, seenAts = append(relayIDs, relays[st.relay]), append(seenAts, st.seenAt)
		}
		// Only events stored before this batch are looked up by id
		// (COALESCE runs the subquery for those rows alone); they are all
		// there by now, a concurrent batch's included: the insert above
		// waited for any it conflicted with.
		provenance := end.Queue(stmts.InsertProvenance, sightIDs, sightSeq, relayIDs, seenAts)
		provenance.Exec(func(ct pgconn.CommandTag) error { sightings = int(ct.RowsAffected()); return nil })
	}
	locked := map[pgKey]pgVersion{}
	if nHeads > 0 {
		end.Queue(stmts.CreateHeads, hPubkeys, hKinds, hDs, hIDs, hAts)
		end.Queue(stmts.LockHeads, hPubkeys, hKinds, hDs).Query(func(rows pgx.Rows) error { return scanHeads(rows, locked) })
	}
	if err := tx.SendBatch(ctx, &end).Close(); err != nil {
		return nil, 0, fmt.Errorf("insert provenance and lock replaceable heads: %w", err)
	}
	if nHeads == 0 {
		return seqs, sightings, nil
	}
	final := pgPlanHeads(b, locked)
	var moves pgx.Batch
	final.queue(&moves)
	if lost := final.lostSince(plan, b, seqs); len(lost) > 0 {
		moves.Queue(stmts.MarkSuperseded, lost)
	}
	if moves.Len() > 0 {
		if err := tx.SendBatch(ctx, &moves).Close(); err != nil {
			return nil, 0, fmt.Errorf("update replacements: %w", err)
		}
	}
	return seqs, sightings, nil
}

// copyTags writes the index rows of the newly inserted events. COPY is the
// cheapest way in; no conflict is possible since each event is new. Rows
// go in index order: consecutive inserts land on the same btree pages,
// which measured 1.7-4x faster than arrival order.
func copyTags(ctx context.Context, tx pgx.Tx, b *pgBatch, seqs map[string]int64, tagIDs map[string]int64) error {
	type tagRow struct {
		tagID, createdAt, seq int64
		kind                  int32
	}
	var rows []tagRow
	for i := range b.rows {
		r := &b.rows[i]
		seq, ok := seqs[string(r.ID)]
		if !ok {
			continue
		}
		for _, k := range b.tagKeys[i] {
			id, ok := tagIDs[k]
			if !ok {
				return fmt.Errorf("copy tags: no tag_value id for %x", k)
			}
			rows = append(rows, tagRow{id, r.CreatedAt, seq, r.Kind})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	slices.SortFunc(rows, func(x, y tagRow) int {
		if x.tagID != y.tagID {
			return cmp.Compare(x.tagID, y.tagID)
		}
		if x.createdAt != y.createdAt {
			return cmp.Compare(y.createdAt, x.createdAt) // created_at DESC
		}
		return cmp.Compare(x.seq, y.seq)
	})
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(rows) {
			return nil, nil
		}
		r := rows[i]
		i++
		return []any{r.createdAt, r.seq, r.tagID, r.kind}, nil
	})
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"event_tag"}, []string{"created_at", "event_seq", "tag_id", "kind"}, src)
	if err != nil {
		return fmt.Errorf("copy tags: %w", err)
	}
	return nil
}

// pgExtraD returns an addressable event's distinct d values after the
// first (its address's), which a "#d" filter matches too (see
// pgAddressPlan), as a PostgreSQL array literal: the column goes through
// unnest, which cannot take a ragged 2-D array. nil for nearly every event.
func pgExtraD(r *backend.EventRow) *string {
	if r.DTag == nil || !nostr.IsAddressableKind(int(r.Kind)) {
		return nil
	}
	var b strings.Builder
	for _, t := range r.Tags {
		if t.Name != "d" {
			continue
		}
		d := pgAddressD(t.Value) // r.dTag is in stored form already
		if d == *r.DTag {
			continue
		}
		if b.Len() == 0 {
			b.WriteByte('{')
		} else {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for j := 0; j < len(d); j++ {
			if c := d[j]; c == '"' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(d[j])
		}
		b.WriteByte('"')
	}
	if b.Len() == 0 {
		return nil
	}
	b.WriteByte('}')
	lit := b.String()
	return &lit
}

// insertedOf turns the set of ids a batch inserted into SaveEach's
// per-sighting answer: only an id's first sighting counts as inserted.
func insertedOf(batch []schema.Sighting, isNew func(id []byte) bool) []bool {
	each := make([]bool, len(batch))
	claimed := map[string]bool{}
	for i, s := range batch {
		if s.Event == nil {
			continue
		}
		id, ok := backend.DecodeID(s.Event.ID)
		if !ok || claimed[string(id)] || !isNew(id) {
			continue
		}
		claimed[string(id)] = true
		each[i] = true
	}
	return each
}
