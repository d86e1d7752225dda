package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

// liteWrite holds the write path's statements. They are prepared once on
// the single writer connection and rebound to each batch's transaction,
// which database/sql does without preparing again.
type liteWrite struct {
	selSeq, insEvent, insTag, insSighting          *sql.Stmt
	current, supersede                             *sql.Stmt
	deletedByID, deletedUntil                      *sql.Stmt
	addDelID, markDelID, addDelAddress, markDelAdd *sql.Stmt
}

func (s *liteStore) prepareWrite(ctx context.Context) (*liteWrite, error) {
	w := &liteWrite{}
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&w.selSeq, stmts.SeqOfID},
		{&w.insEvent, stmts.InsertEvent},
		{&w.insTag, stmts.InsertTag},
		{&w.insSighting, stmts.InsertProvenance},
		{&w.current, stmts.CurrentHead},
		{&w.supersede, stmts.MarkSuperseded},
		{&w.deletedByID, stmts.DeletedByID},
		{&w.deletedUntil, stmts.DeletedUntil},
		{&w.addDelID, stmts.InsertDeletionID},
		{&w.markDelID, stmts.DeleteByID},
		{&w.addDelAddress, stmts.UpsertDeletionAddress},
		{&w.markDelAdd, stmts.DeleteByAddress},
	} {
		st, err := s.write.PrepareContext(ctx, p.query)
		if err != nil {
			w.close()
			return nil, fmt.Errorf("prepare %q: %w", p.query, err)
		}
		*p.dst = st
	}
	return w, nil
}

func (w *liteWrite) all() []**sql.Stmt {
	return []**sql.Stmt{&w.selSeq, &w.insEvent, &w.insTag, &w.insSighting, &w.current, &w.supersede,
		&w.deletedByID, &w.deletedUntil, &w.addDelID, &w.markDelID, &w.addDelAddress, &w.markDelAdd}
}

func (w *liteWrite) close() {
	for _, st := range w.all() {
		if *st != nil {
			(*st).Close()
		}
	}
}

// bind returns the statements rebound to tx.
func (w *liteWrite) bind(ctx context.Context, tx *sql.Tx) *liteWrite {
	b := &liteWrite{}
	src, dst := w.all(), b.all()
	for i := range src {
		*dst[i] = tx.StmtContext(ctx, *src[i])
	}
	return b
}

// liteBatch is one SaveEvents transaction.
type liteBatch struct {
	ctx context.Context
	w   *liteWrite // bound to the transaction
}

func (s *liteStore) SaveEvents(ctx context.Context, batch []schema.Sighting) (schema.SaveResult, error) {
	return s.saveEvents(ctx, batch, nil)
}

// SaveEach is SaveEvents reporting which sightings' events it inserted.
func (s *liteStore) SaveEach(ctx context.Context, batch []schema.Sighting) (schema.SaveResult, []bool, error) {
	each := make([]bool, len(batch))
	res, err := s.saveEvents(ctx, batch, each)
	if err != nil {
		return res, nil, err
	}
	return res, each, nil
}

// saveEvents sets each[i] (when each is not nil) when batch[i]'s event was
// inserted by this call.
func (s *liteStore) saveEvents(ctx context.Context, batch []schema.Sighting, each []bool) (schema.SaveResult, error) {
	var res schema.SaveResult
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if len(batch) == 0 {
		return res, nil
	}
	defer s.metrics.Observe(backend.ShapeSave, time.Now())

	// Validation and JSON encoding happen before the write lock is taken.
	rows := make([]backend.EventRow, len(batch))
	reasons := make([]string, len(batch))
	for i, sg := range batch {
		rows[i], reasons[i] = backend.NewEventRow(sg.Event, s.keep)
	}
	now := time.Now()

	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return schema.SaveResult{}, liteErr(ctx, "save events", err)
	}
	defer tx.Rollback()
	// Statements run under a context that is never cancelled: the driver
	// would start a watcher goroutine per statement otherwise. Cancellation
	// is checked between events instead, and the transaction (begun with
	// ctx) rolls back when ctx ends.
	stmtCtx := context.WithoutCancel(ctx)
	b := &liteBatch{ctx: stmtCtx, w: s.writeStmts.bind(stmtCtx, tx)}
	for i, sg := range batch {
		if err := ctx.Err(); err != nil {
			return schema.SaveResult{}, err
		}
		if reasons[i] != "" {
			res.Rejected++
			continue
		}
		seq, inserted, err := b.saveEvent(&rows[i])
		if err != nil {
			return schema.SaveResult{}, liteErr(ctx, "save event "+sg.Event.ID, err)
		}
		if inserted {
			res.Inserted++
			if each != nil {
				each[i] = true
			}
		} else {
			res.Duplicates++
		}
		if sg.Relay.IsZero() {
			continue
		}
		seen := sg.SeenAt
		if seen.IsZero() {
			seen = now
		}
		r, err := b.w.insSighting.ExecContext(stmtCtx, seq, sg.Relay, seen.Unix())
		if err != nil {
			return schema.SaveResult{}, liteErr(ctx, "save sighting on "+sg.Relay.String(), err)
		}
		if n, _ := r.RowsAffected(); n > 0 {
			res.Sightings++
		}
	}
	if err := tx.Commit(); err != nil {
		return schema.SaveResult{}, liteErr(ctx, "commit events", err)
	}
	s.metrics.CountSaved(res)
	if res.Rejected > 0 {
		byReason := map[string]int{}
		for _, r := range reasons {
			if r != "" {
				byReason[r]++
			}
		}
		s.metrics.CountRejected(byReason)
	}
	return res, nil
}

// saveEvent inserts one event unless its id is stored already, and applies
// replacement and deletion bookkeeping.
func (b *liteBatch) saveEvent(r *backend.EventRow) (seq int64, inserted bool, err error) {
	ctx, w := b.ctx, b.w
	err = w.selSeq.QueryRowContext(ctx, r.ID).Scan(&seq)
	if err == nil {
		return seq, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, err
	}

	deleted := false
	if r.Kind != 5 { // deleting a deletion request has no effect
		if deleted, err = b.deletedBefore(r); err != nil {
			return 0, false, err
		}
	}
	superseded := false
	if r.DTag != nil {
		var (
			curSeq, curAt int64
			curID         []byte
		)
		err := w.current.QueryRowContext(ctx, r.Pubkey, r.Kind, *r.DTag).Scan(&curSeq, &curAt, &curID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return 0, false, err
		case r.CreatedAt > curAt || r.CreatedAt == curAt && bytes.Compare(r.ID, curID) < 0:
			// NIP-01: the newest wins, and on a tie the lowest id.
			if _, err := w.supersede.ExecContext(ctx, curSeq); err != nil {
				return 0, false, err
			}
		default:
			superseded = true
		}
	}

	var tags, content, sig, dTag, expires any
	if r.TagsJSON != nil {
		tags = *r.TagsJSON
	}
	if r.Content != nil {
		content = r.Content // a BLOB: TEXT would not promise to keep NUL
	}
	if r.Sig != nil {
		sig = r.Sig
	}
	if r.DTag != nil {
		dTag = *r.DTag
	}
	if r.ExpiresAt != nil {
		expires = *r.ExpiresAt
	}
	res, err := w.insEvent.ExecContext(ctx, r.ID, r.Pubkey, r.CreatedAt, r.Kind, tags, content, sig,
		dTag, expires, liteBool(superseded), liteBool(deleted))
	if err != nil {
		return 0, false, err
	}
	if seq, err = res.LastInsertId(); err != nil {
		return 0, false, err
	}
	if len(r.Tags) > 0 {
		insTag := w.insTag
		for _, t := range r.Tags {
			if _, err := insTag.ExecContext(ctx, t.Name, backend.TagIndexValue(t.Value), r.CreatedAt, seq); err != nil {
				return 0, false, err
			}
		}
	}
	if r.Kind == 5 {
		if err := b.applyDeletion(r); err != nil {
			return 0, false, err
		}
	}
	return seq, true, nil
}

// deletedBefore reports whether a NIP-09 request already stored hides the
// event: by id from its author, or by its address at or after created_at.
func (b *liteBatch) deletedBefore(r *backend.EventRow) (bool, error) {
	var n int
	if err := b.w.deletedByID.QueryRowContext(b.ctx, r.ID, r.Pubkey).Scan(&n); err != nil || n > 0 {
		return n > 0, err
	}
	if r.DTag == nil {
		return false, nil
	}
	var until int64
	err := b.w.deletedUntil.QueryRowContext(b.ctx, r.CreatedAt-1, r.Pubkey, r.Kind, *r.DTag).Scan(&until)
	return until >= r.CreatedAt, err
}

// applyDeletion records a kind 5's targets and hides those already stored.
func (b *liteBatch) applyDeletion(r *backend.EventRow) error {
	ctx, w := b.ctx, b.w
	for _, id := range r.DelIDs {
		if _, err := w.addDelID.ExecContext(ctx, id, r.Pubkey); err != nil {
			return err
		}
		if _, err := w.markDelID.ExecContext(ctx, id, r.Pubkey); err != nil {
			return err
		}
	}
	for _, a := range r.DelAddrs {
		if _, err := w.addDelAddress.ExecContext(ctx, r.Pubkey, a.Kind, a.D, r.CreatedAt); err != nil {
			return err
		}
		if _, err := w.markDelAdd.ExecContext(ctx, r.Pubkey, a.Kind, a.D, r.CreatedAt); err != nil {
			return err
		}
	}
	return nil
}

func liteBool(b bool) int {
	if b {
		return 1
	}
	return 0
}

// liteErr wraps a database error with what was being done; when ctx ended,
// the context's error is what callers see (SQLite reports an interrupt).
func liteErr(ctx context.Context, what string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%s: %w (%v)", what, cerr, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
