package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/bigbrotr/bigbrotr/schema"
)

// cursorEntry is the newest change alerted on.
type cursorEntry struct {
	ID int64 `json:"id"`
}

// Paging of the stored changes: pollPage per read, and at most pollMax
// per poll (a node back from a long outage alerts on the newest, not on
// a week of history).
const (
	pollPage = 200
	pollMax  = 5000
)

// poll alerts on the changes stored after the cursor, oldest first, and
// moves the cursor past them. The first poll of a store only sets the
// cursor: history is not news. Ids are handed out in commit order when one
// process writes changes (the monitor's writer is one goroutine); with
// several monitors on one PostgreSQL database a change committed late
// under a lower id than one already read is missed, which is why the
// documentation asks for alerts on one node of a shared database.
func (s *Service) poll(ctx context.Context) error {
	st, err := s.store.GetState(ctx, ServiceName, StateCursor, "changes")
	first := errors.Is(err, schema.ErrNotFound)
	if err != nil && !first {
		return err
	}
	var cur cursorEntry
	if !first {
		_ = json.Unmarshal(st.Value, &cur)
	}
	var fresh []schema.Change
	before := int64(0)
	for len(fresh) < pollMax {
		page, err := s.store.Changes(ctx, schema.ChangeQuery{Before: before, Limit: pollPage})
		if err != nil {
			return err
		}
		older := false
		for _, c := range page {
			if c.ID <= cur.ID {
				older = true
				break
			}
			fresh = append(fresh, c)
		}
		if first || older || len(page) < pollPage {
			break
		}
		before = page[len(page)-1].ID
	}
	if len(fresh) == 0 {
		if first {
			return s.saveCursor(ctx, 0)
		}
		return nil
	}
	newest := fresh[0].ID
	if !first {
		slices.Reverse(fresh)
		s.handleChanges(ctx, fresh)
	}
	return s.saveCursor(ctx, newest)
}

func (s *Service) saveCursor(ctx context.Context, id int64) error {
	b, _ := json.Marshal(cursorEntry{ID: id})
	if err := s.store.PutState(ctx, []schema.State{{Service: ServiceName, Type: StateCursor, Key: "changes", Value: b}}); err != nil {
		return fmt.Errorf("save the changes cursor: %w", err)
	}
	return nil
}
