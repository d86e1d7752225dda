package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
)

// TestSQLitePlans pins the index each query shape the relay serves runs
// on: a plan change that falls back to a table scan fails here, long
// before a node with millions of events notices.
func TestSQLitePlans(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, backend.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := st
	id, id2 := strings.Repeat("a", 64), strings.Repeat("b", 64)
	since := nostr.Timestamp(5)
	for _, tt := range []struct {
		f    nostr.Filter
		want string // the first plan line
	}{
		{nostr.Filter{IDs: []string{id, id2}}, "SEARCH e USING INDEX sqlite_autoindex_event_1 (id=?)"},
		{nostr.Filter{Authors: []string{id}, Limit: 10}, "SEARCH e USING INDEX event_pubkey (pubkey=?)"},
		{nostr.Filter{Authors: []string{id}, Kinds: []int{1}, Limit: 10}, "SEARCH e USING INDEX event_pubkey_kind (pubkey=? AND kind=?)"},
		{nostr.Filter{Kinds: []int{1}, Since: &since, Limit: 10}, "SEARCH e USING INDEX event_kind (kind=? AND created_at>?)"},
		{nostr.Filter{Kinds: []int{5}, Tags: nostr.TagMap{"e": {id}}}, "SEARCH t USING PRIMARY KEY (name=? AND value=?)"},
		{nostr.Filter{Tags: nostr.TagMap{"t": {"x"}, "p": {id, id2}}, Limit: 10}, "SEARCH t USING PRIMARY KEY (name=? AND value=?)"},
		{nostr.Filter{Tags: nostr.TagMap{"p": {id, id2}}, Limit: 10}, "SEARCH e USING INTEGER PRIMARY KEY (rowid=?)"},
		{nostr.Filter{Authors: []string{id}, Kinds: []int{30023}, Tags: nostr.TagMap{"d": {"x"}}}, "SEARCH e USING INDEX event_pubkey_kind (pubkey=? AND kind=?)"},
		{nostr.Filter{Limit: 10}, "SCAN e USING INDEX event_created"},
		// One branch per kind (or author and kind), each bounded by the
		// limit on its index, merged.
		{nostr.Filter{Kinds: []int{1, 7}, Since: &since, Limit: 10}, "MERGE (UNION ALL)"},
		{nostr.Filter{Authors: []string{id, id2}, Kinds: []int{1, 7}, Limit: 10}, "MERGE (UNION ALL)"},
		{nostr.Filter{Since: &since, Limit: 10}, "SEARCH e USING INDEX event_created (created_at>?)"},
	} {
		plan := litePlan(t, s, tt.f, false)
		all := strings.Join(plan, "; ")
		merged := len(plan) > 0 && plan[0] == "MERGE (UNION ALL)"
		// A merge sorts each branch's at most limit rows; nothing else
		// may sort every match.
		sortsAll := !merged && tt.f.Limit > 0 && tt.f.Authors == nil && len(tt.f.Tags) == 0 &&
			strings.Contains(all, "TEMP B-TREE FOR ORDER BY")
		if len(plan) == 0 || plan[0] != tt.want || strings.Contains(all, "AUTOMATIC") || sortsAll ||
			merged && (strings.Contains(all, "SCAN e") || !strings.Contains(all, "SEARCH e USING INDEX event_")) {
			t.Errorf("%s:\n plan %s\n want first %s", tt.f, all, tt.want)
		}
	}
}

// TestSQLiteCountPlans: COUNT over kinds or authors(+kinds) reads a
// covering index of the served rows (SQLite migration 0003), never the table.
func TestSQLiteCountPlans(t *testing.T) {
	st, err := Open(context.Background(), backend.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := st
	id := strings.Repeat("a", 64)
	since := nostr.Timestamp(5)
	for _, tt := range []struct {
		f    nostr.Filter
		want string
	}{
		{nostr.Filter{Kinds: []int{1}}, "SEARCH e USING COVERING INDEX event_kind (kind=?)"},
		{nostr.Filter{Kinds: []int{1, 7}, Since: &since}, "SEARCH e USING COVERING INDEX event_kind (kind=? AND created_at>?)"},
		{nostr.Filter{Authors: []string{id}, Kinds: []int{1}}, "SEARCH e USING COVERING INDEX event_pubkey_kind (pubkey=? AND kind=?)"},
	} {
		if plan := strings.Join(litePlan(t, s, tt.f, true), "; "); plan != tt.want {
			t.Errorf("COUNT %s:\n plan %s\n want %s", tt.f, plan, tt.want)
		}
	}
}

func litePlan(t *testing.T, s *liteStore, f nostr.Filter, count bool) []string {
	t.Helper()
	q, err := liteCompile(f, false, count, backend.Visibility{})
	if err != nil {
		t.Fatal(err)
	}
	return liteExplain(t, s, q.sql, q.args...)
}

// liteExplain returns the detail lines of EXPLAIN QUERY PLAN for sql.
func liteExplain(t *testing.T, s *liteStore, sql string, args ...any) []string {
	t.Helper()
	rows, err := s.read.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return plan
}

// TestSQLiteKeysPlans pins the NIP-77 keys plan (liteKeysCompile): a page
// walks an index of its ids, authors or kinds, or event_created from the
// page's start, never the whole table. (Without statistics, as here,
// SQLite prefers event_kind to event_pubkey_kind for authors and kinds.)
func TestSQLiteKeysPlans(t *testing.T) {
	st, err := Open(context.Background(), backend.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	id, id2 := strings.Repeat("a", 64), strings.Repeat("b", 64)
	since := nostr.Timestamp(5)
	after := &backend.EventKey{CreatedAt: 7}
	for _, tt := range []struct {
		f    nostr.Filter
		p    backend.KeyPage
		want string // the first plan line
	}{
		{nostr.Filter{IDs: []string{id, id2}}, backend.KeyPage{Limit: 10}, "SEARCH e USING INDEX sqlite_autoindex_event_1 (id=?)"},
		{nostr.Filter{Authors: []string{id}, Kinds: []int{1}}, backend.KeyPage{Limit: 10, After: after}, "SEARCH e USING INDEX event_kind (kind=? AND created_at>?)"},
		{nostr.Filter{Kinds: []int{1}, Since: &since}, backend.KeyPage{Limit: 10, MaxSeq: 100}, "SEARCH e USING INDEX event_kind (kind=? AND created_at>?)"},
		{nostr.Filter{Tags: nostr.TagMap{"p": {id}}}, backend.KeyPage{Limit: 10, After: after}, "SEARCH e USING INDEX event_created (created_at>?)"},
		{nostr.Filter{}, backend.KeyPage{Limit: 10, After: after}, "SEARCH e USING INDEX event_created (created_at>?)"},
	} {
		q, err := liteKeysCompile(tt.f, tt.p, true)
		if err != nil {
			t.Fatal(err)
		}
		plan := liteExplain(t, st, q.sql, q.args...)
		all := strings.Join(plan, "; ")
		t.Logf("%s %+v: %s", tt.f, tt.p, all)
		if len(plan) == 0 || plan[0] != tt.want || strings.Contains(all, "AUTOMATIC") || strings.Contains(all, "SCAN e") {
			t.Errorf("keys %s:\n plan %s\n want first %s", tt.f, all, tt.want)
		}
	}
}
