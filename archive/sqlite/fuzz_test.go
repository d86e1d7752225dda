package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

// FuzzSQLiteFilter compiles arbitrary filters and runs them against a
// small store: every filter must compile to SQL SQLite accepts, with one
// argument per placeholder, and never panic.
func FuzzSQLiteFilter(f *testing.F) {
	ctx := context.Background()
	st, err := Open(ctx, backend.Options{DataDir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	s := st
	sk := nostr.GeneratePrivateKey()
	ev := &nostr.Event{Kind: 30000, CreatedAt: 10, Tags: nostr.Tags{{"d", "x"}, {"t", "a"}}}
	ev.Sign(sk)
	if _, err := s.SaveEvents(ctx, []schema.Sighting{{Event: ev}}); err != nil {
		f.Fatal(err)
	}
	f.Add(ev.ID, ev.PubKey, 30000, "t", "a", "d", "x", int64(0), int64(100), 5, false)
	f.Add("", "", -1, "", "", "tt", "", int64(-5), int64(-10), 0, true)
	f.Add("abc", strings.ToUpper(ev.PubKey), 1<<40, "T", "\x00", "é", "'", int64(1<<62), int64(-1<<62), -3, false)
	f.Fuzz(func(t *testing.T, id, author string, kind int, tag1, val1, tag2, val2 string, since, until int64, limit int, lz bool) {
		sinceTS, untilTS := nostr.Timestamp(since), nostr.Timestamp(until)
		filter := nostr.Filter{
			IDs: []string{id}, Authors: []string{author}, Kinds: []int{kind},
			Tags:  nostr.TagMap{tag1: {val1}, tag2: {val1, val2}},
			Since: &sinceTS, Until: &untilTS, Limit: limit, LimitZero: lz,
		}
		for _, f := range []nostr.Filter{filter, {Tags: filter.Tags, Limit: limit}, {Kinds: filter.Kinds, Since: &sinceTS}} {
			for _, count := range []bool{false, true} {
				q, err := liteCompile(f, false, count, backend.Visibility{Now: 1})
				if err != nil {
					t.Fatal(err)
				}
				if q.empty {
					continue
				}
				if n := strings.Count(q.sql, "?"); n != len(q.args) {
					t.Fatalf("%s: %d placeholders, %d args", q.sql, n, len(q.args))
				}
			}
			if err := s.QueryEvents(ctx, f, func(*nostr.Event) error { return nil }); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if _, err := s.CountEvents(ctx, f); err != nil {
				t.Fatalf("count %s: %v", f, err)
			}
		}
	})
}
