package synchronizer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/schema"
)

// cursor is a relay's persisted sync position. Every event with created_at
// in [since, Next) is archived. While a window [Next, Top] is being walked
// (newest first), filters before Filter are done for the whole window and
// filter Filter is done above Mark: events in (Mark, Top] are archived.
type cursor struct {
	Next   int64 `json:"next"`
	Top    int64 `json:"top,omitempty"`
	Mark   int64 `json:"mark,omitempty"`
	Filter int   `json:"filter,omitempty"`
	// Cap is the most events the relay ever returned for one REQ: a page
	// smaller than both it and the limit is complete.
	Cap int `json:"cap,omitempty"`
	// Neg is NIP-77 support: 0 unknown, 1 answered NEG-OPEN, -1 refused.
	Neg int `json:"neg,omitempty"`
	// Filters is a hash of the relay's filters: a change restarts the
	// relay from since, since the old position says nothing about them.
	Filters string `json:"filters"`
	// Day is when the relay's current quota day started (unix seconds) and
	// DayEvents the valid events fetched from it since: past
	// relay_daily_events, it is not synced until the day is over.
	Day       int64 `json:"day,omitempty"`
	DayEvents int64 `json:"day_events,omitempty"`
	// Exhausted counts the relay's last runs in a row that ended on their
	// budget; Flagged is set from flagAfter of them, for the status page
	// and the API, which read this state.
	Exhausted int  `json:"exhausted,omitempty"`
	Flagged   bool `json:"flagged,omitempty"`
}

func (c cursor) walking() bool { return c.Top != 0 }

func filtersHash(fs []nostr.Filter) string {
	b, _ := json.Marshal(fs)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

func (s *Syncer) loadCursor(ctx context.Context, url string, fs []nostr.Filter) (cursor, error) {
	fresh := cursor{Next: s.cfg.Since, Filters: filtersHash(fs)}
	st, err := s.store.GetState(ctx, ServiceName, StateCursor, url)
	if errors.Is(err, schema.ErrNotFound) {
		return fresh, nil
	}
	if err != nil {
		return cursor{}, fmt.Errorf("cursor of %s: %w", url, err)
	}
	var c cursor
	if err := json.Unmarshal(st.Value, &c); err != nil || c.Filters != fresh.Filters {
		// Unreadable or for other filters: start over, keeping what was
		// learnt about the relay itself.
		fresh.Cap, fresh.Neg = c.Cap, c.Neg
		fresh.Day, fresh.DayEvents, fresh.Exhausted, fresh.Flagged = c.Day, c.DayEvents, c.Exhausted, c.Flagged
		return fresh, nil
	}
	return c, nil
}

func (c cursor) state(url string) *schema.State {
	b, _ := json.Marshal(c)
	return &schema.State{Service: ServiceName, Type: StateCursor, Key: url, Value: b}
}

// RelayState is what the synchronizer stores about a relay, as the status
// page and the API show it.
type RelayState struct {
	// Archived is the time every event before which is archived.
	Archived time.Time
	// Flagged: the relay's last runs in a row (ExhaustedRuns) all ended
	// on their budget.
	Flagged       bool
	ExhaustedRuns int
	// DayStart and DayEvents are the relay's current quota day and the
	// valid events fetched from it since.
	DayStart  time.Time
	DayEvents int64
}

// DecodeRelayState reads the value stored under ServiceName, StateCursor.
func DecodeRelayState(v []byte) (RelayState, error) {
	var c cursor
	if err := json.Unmarshal(v, &c); err != nil {
		return RelayState{}, fmt.Errorf("synchronizer state: %w", err)
	}
	return RelayState{Archived: time.Unix(c.Next, 0).UTC(), Flagged: c.flagged(), ExhaustedRuns: c.Exhausted,
		DayStart: time.Unix(c.Day, 0).UTC(), DayEvents: c.DayEvents}, nil
}
