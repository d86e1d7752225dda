package discovery

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/schema"
)

// scanCursor is the archive scan's position in archival order: every event
// the store archived with a seq up to Seq has been mined.
type scanCursor struct {
	Seq uint64 `json:"seq"`
}

// scanKey is the key of the archive scan cursor.
const scanKey = "archive"

// scan mines archived events for relay URLs in the order the store
// archived them (FinderStore.ScanArchived), from the saved position on.
// Each event is read once whatever its created_at: one the synchronizer
// archives today with a created_at of years ago comes after everything
// archived before it. Superseded and expired events are mined too; events
// their author deleted are not. A lil store keeps no tags or content, so
// scanning it finds nothing (the relay-list phase still works).
//
// Pages of scan_page events are mined, their URLs flushed as candidates,
// then the position saved, so a cut cycle resumes after the last page it
// finished. The scan runs until a page comes back short: it has caught up.
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
	var kinds []int
	if len(f.cfg.ScanKinds) > 0 {
		kinds = f.cfg.ScanKinds
	}
	for {
		n := 0
		next, err := f.store.ScanArchived(ctx, cur.Seq, kinds, f.cfg.ScanPage, func(_ uint64, ev *nostr.Event) error {
			f.collect(ExtractURLs(ev))
			n++
			return nil
		})
		f.count(func(st *FinderStats, _ map[string]int) { st.EventsScanned += n })
		if err != nil {
			return fmt.Errorf("finder: scan archive after seq %d: %w", cur.Seq, err)
		}
		if err := f.flush(ctx); err != nil {
			return err
		}
		prev := cur.Seq
		if next > cur.Seq {
			cur.Seq = next
			v, _ := json.Marshal(cur)
			if err := f.store.PutState(ctx, []schema.State{{Service: ServiceFinder, Type: StateScan, Key: scanKey, Value: v}}); err != nil {
				return fmt.Errorf("finder: save scan cursor: %w", err)
			}
		}
		if n < f.cfg.ScanPage || next <= prev { // caught up (or a store not moving on)
			return nil
		}
	}
}
