package backend

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/bigbrotr/bigbrotr/schema"
)

// The state-change and uptime rows are written by both backends alike:
// times as unix seconds, the detail as JSON, days as their UTC midnight.

// maxChangesPage bounds one Changes read whatever the caller asks.
const maxChangesPage = 1000

// ChangeLimit is the LIMIT of a Changes read.
func ChangeLimit(q schema.ChangeQuery) int {
	if q.Limit <= 0 || q.Limit > maxChangesPage {
		return maxChangesPage
	}
	return q.Limit
}

// ChangeBefore is the id bound of a Changes read (none: the largest id).
func ChangeBefore(q schema.ChangeQuery) int64 {
	if q.Before <= 0 {
		return 1<<63 - 1
	}
	return q.Before
}

// ChangeDetail is the stored JSON of a change's detail.
func ChangeDetail(c schema.Change) (string, error) {
	b, err := json.Marshal(c.Detail)
	if err != nil {
		return "", fmt.Errorf("change of %s: %w", c.Relay, err)
	}
	return string(b), nil
}

// ScanChange fills a change from its stored columns.
func ScanChange(id int64, relay schema.RelayURL, at int64, kind, detail string) (schema.Change, error) {
	c := schema.Change{ID: id, Relay: relay, At: time.Unix(at, 0).UTC(), Kind: kind}
	if err := json.Unmarshal([]byte(detail), &c.Detail); err != nil {
		return schema.Change{}, fmt.Errorf("stored change %d of %s: %w", id, relay, err)
	}
	return c, nil
}

// DayUnix is the UTC midnight of t's day, in unix seconds: the key of a
// relay_uptime_day row.
func DayUnix(t time.Time) int64 {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()
}
