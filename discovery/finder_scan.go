package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nbd-wtf/go-nostr"
)

// scanCursor is the archive scan's position: every archived event with
// created_at < Next has been scanned.
type scanCursor struct {
	Next int64 `json:"next"`
}

// scanKey is the key of the archive scan cursor.
const scanKey = "archive"

// maxSecondEvents bounds one query for a single second that holds more than
// a page of events; beyond it the rest of that second is skipped.
const maxSecondEvents = 100000

// scan reads archived events incrementally by created_at and mines them for
// relay URLs. The store has no "archived since" order, so the cursor is a
// created_at position: each cycle scans [Next - scan_overlap, now + skew].
//
// Backdated events (archived after the scan passed their created_at) are
// covered three ways: the overlap re-reads recent history each cycle, which
// catches events arriving late by up to scan_overlap; relay lists asked from
// relays by the finder itself are mined as they arrive, whatever their age;
// and everything else older than the overlap is missed by this scan. An
// insertion-ordered store query would close that gap (see the package doc).
//
// A window is split in halves until each half holds fewer than scan_page
// events, and halves are scanned oldest first with the cursor saved after
// each, so a cut cycle resumes where it stopped. Events dated in the future
// are left for the cycle that reaches their time, so a bogus far-future
// event cannot drag the cursor past everything real.
func (f *Finder) scan(ctx context.Context) error {
	states, err := f.store.ListState(ctx, ServiceFinder, StateScan)
	if err != nil {
		return fmt.Errorf("finder: load scan cursor: %w", err)
	}
	var cur scanCursor
	for _, s := range states {
		if s.Key == scanKey {
			_ = json.Unmarshal(s.Value, &cur) // a corrupt cursor restarts from zero
		}
	}
	from := max(0, cur.Next-int64(f.cfg.ScanOverlap.Seconds()))
	now := f.d.now()
	to := now.Add(clockSkew).Unix()
	if from > to {
		return nil
	}
	s := scanner{f: f, next: cur.Next, limit: now.Unix()}
	return s.window(ctx, from, to)
}

type scanner struct {
	f     *Finder
	next  int64 // cursor to save; only moves forward
	limit int64 // the cursor never passes the scan's start: [now, now+skew] is read again next cycle
}

func (s *scanner) window(ctx context.Context, a, b int64) error {
	evs, err := s.query(ctx, a, b, s.f.cfg.ScanPage)
	if err != nil {
		return err
	}
	if len(evs) >= s.f.cfg.ScanPage {
		if a < b {
			mid := a + (b-a)/2
			if err := s.window(ctx, a, mid); err != nil {
				return err
			}
			return s.window(ctx, mid+1, b)
		}
		if evs, err = s.query(ctx, a, b, maxSecondEvents); err != nil {
			return err
		}
	}
	for _, ev := range evs {
		s.f.collect(ExtractURLs(ev))
	}
	s.f.count(func(st *FinderStats, _ map[string]int) { st.EventsScanned += len(evs) })
	if err := s.f.flush(ctx); err != nil {
		return err
	}
	next := min(b+1, s.limit)
	if next <= s.next {
		return nil
	}
	s.next = next
	v, _ := json.Marshal(scanCursor{Next: s.next})
	if err := s.f.store.PutState(ctx, []State{{Service: ServiceFinder, Type: StateScan, Key: scanKey, Value: v}}); err != nil {
		return fmt.Errorf("finder: save scan cursor: %w", err)
	}
	return nil
}

var errPageFull = errors.New("page full")

func (s *scanner) query(ctx context.Context, a, b int64, limit int) ([]*nostr.Event, error) {
	since, until := nostr.Timestamp(a), nostr.Timestamp(b)
	filter := nostr.Filter{Since: &since, Until: &until, Limit: limit}
	if len(s.f.cfg.ScanKinds) > 0 {
		// An empty but non-nil list would match nothing (NIP-01 filter rules).
		filter.Kinds = s.f.cfg.ScanKinds
	}
	var out []*nostr.Event
	err := s.f.store.QueryEvents(ctx, filter, func(ev *nostr.Event) error {
		out = append(out, ev)
		if len(out) > limit {
			return errPageFull // a store ignoring the limit must not exhaust memory
		}
		return nil
	})
	if err != nil && !errors.Is(err, errPageFull) {
		return nil, fmt.Errorf("finder: scan archive [%d, %d]: %w", a, b, err)
	}
	return out, nil
}
