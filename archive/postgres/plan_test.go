package postgres_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/archive/postgres"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/schema"
)

// planWatch collects the plans auto_explain sends as NOTICEs for every
// statement the store's (single) connection runs.
type planWatch struct {
	mu    sync.Mutex
	plans []string
}

func (w *planWatch) tune(cfg *pgxpool.Config) {
	// One connection: pgx's statement cache, and PostgreSQL's choice of
	// a generic plan after five executions, are per connection.
	cfg.MaxConns = 1
	cfg.ConnConfig.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		if strings.HasPrefix(n.Message, "duration:") {
			w.mu.Lock()
			w.plans = append(w.plans, n.Message)
			w.mu.Unlock()
		}
	}
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, `LOAD 'auto_explain';
			SET auto_explain.log_min_duration = 0;
			SET auto_explain.log_level = notice;
			SET auto_explain.log_nested_statements = on`)
		return err
	}
}

func (w *planWatch) last(t *testing.T) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.plans) == 0 {
		t.Fatal("auto_explain sent no plan")
	}
	return w.plans[len(w.plans)-1]
}

func (w *planWatch) reset() {
	w.mu.Lock()
	w.plans = nil
	w.mu.Unlock()
}

// TestPostgresPlansStableAfterCaching runs every filter shape ten times
// through the store on one connection and checks the plan of the tenth
// execution: pgx caches each statement, and PostgreSQL may switch a cached
// statement to a generic plan (made without the values) after five
// executions. For tag filters with several values that plan walked
// event_created over the whole table (208 ms instead of 0.56 ms at 50k
// events); every shape must keep a plan driven by its index.
//
// Why the statements stay cached rather than being planned per execution
// (pgx.QueryExecModeExec, or plan_cache_mode=force_custom_plan): once tag
// filters are driven by the tag index for any number of values, the
// generic plans are as good as the custom ones, and planning every time
// costs more than it saves. Measured on 50k mixCorpus events, 300
// executions per mode, interleaved, p50: ids 0.30 ms per-execution vs
// 0.24 ms cached, authors+kinds 3.4 vs 1.5, kinds+since 1.0 vs 0.64,
// #e (5 values) 0.63 vs 0.26, #p+kinds 0.65 vs 0.35, scrape 14.7 vs 13.1.
func TestPostgresPlansStableAfterCaching(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	var w planWatch
	s, err := postgres.OpenPostgresTuned(ctx, archive.Options{URL: url, Mode: archive.Full}, w.tune)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	evs := mixCorpus(20000, 7)
	for off := 0; off < len(evs); off += 1000 {
		sights := make([]schema.Sighting, 0, 1000)
		for _, ev := range evs[off : off+1000] {
			sights = append(sights, schema.Sighting{Event: ev, SeenAt: time.Unix(1_700_000_000, 0)})
		}
		if _, err := s.SaveEvents(ctx, sights); err != nil {
			t.Fatal(err)
		}
	}
	// A settled archive, as autovacuum leaves it: statistics, and a
	// visibility map that lets index-only scans skip the heap. The
	// CHECKPOINT first: the store commits asynchronously, and VACUUM does
	// not mark a page all-visible before the commits of its rows are on
	// disk (a VACUUM right after the load marked 67% of the pages).
	pgtest.Exec(t, pgtest.DatabaseName(url), "CHECKPOINT")
	pgtest.Exec(t, pgtest.DatabaseName(url), "VACUUM ANALYZE event")

	var notes, reposts, authors []string
	var article *nostr.Event
	for _, ev := range evs {
		switch {
		case ev.Kind == 1 && len(notes) < 5:
			notes = append(notes, ev.ID)
			authors = append(authors, ev.PubKey)
		case ev.Kind == 30023 && article == nil:
			article = ev
		}
	}
	for _, ev := range evs[len(evs)-200:] {
		if ev.Kind == 7 && len(reposts) < 5 {
			reposts = append(reposts, ev.Tags.Find("e")[1])
		}
	}
	p := evs[len(evs)/2].Tags.Find("p")[1]
	since := nostr.Timestamp(1_700_000_000 + len(evs) - 500)
	until := nostr.Timestamp(1_700_000_000 + 5000)
	tests := []struct {
		name   string
		filter nostr.Filter
		count  bool
		want   []string // indexes the plan may be driven by (one at least)
	}{
		{"ids", nostr.Filter{IDs: notes}, false, []string{"event_pkey"}},
		{"authors+kinds", nostr.Filter{Authors: authors, Kinds: []int{1, 7}, Limit: 50}, false, []string{"event_pubkey_kind"}},
		{"kinds+since", nostr.Filter{Kinds: []int{1}, Since: &since, Limit: 100}, false, []string{"event_kind", "event_created"}},
		{"#e 5 values", nostr.Filter{Tags: nostr.TagMap{"e": reposts}, Limit: 100}, false, []string{"event_tag_lookup"}},
		{"#p+kinds", nostr.Filter{Kinds: []int{1, 7}, Tags: nostr.TagMap{"p": {p}}, Limit: 100}, false, []string{"event_tag_lookup"}},
		{"#d", nostr.Filter{Kinds: []int{30023}, Authors: []string{article.PubKey}, Tags: nostr.TagMap{"d": {article.Tags.GetD()}}}, false, []string{"event_address", "event_d_current"}},
		{"scrape", nostr.Filter{Until: &until, Limit: 500}, false, []string{"event_created"}},
		// COUNT reads the index alone (PostgreSQL migration 0005).
		{"count kinds", nostr.Filter{Kinds: []int{1}}, true, []string{"Index Only Scan using event_kind"}},
		{"count kinds+since", nostr.Filter{Kinds: []int{1, 7}, Since: &since}, true, []string{"Index Only Scan using event_kind", "event_created"}},
		{"count authors+kinds", nostr.Filter{Authors: authors, Kinds: []int{1}}, true, []string{"Index Only Scan using event_pubkey_kind"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range 10 {
				w.reset()
				var err error
				if tt.count {
					_, err = s.CountEvents(ctx, tt.filter)
				} else {
					err = s.QueryEvents(ctx, tt.filter, func(*nostr.Event) error { return nil })
				}
				if err != nil {
					t.Fatalf("execution %d: %v", i+1, err)
				}
			}
			plan := w.last(t)
			t.Logf("10th execution: %s", strings.SplitN(plan, "  plan:", 2)[0])
			uses := false
			for _, idx := range tt.want {
				uses = uses || strings.Contains(plan, " "+idx+" ") || strings.Contains(idx, " ") && strings.Contains(plan, idx+" ")
			}
			if !uses || strings.Contains(plan, "Seq Scan on event ") {
				t.Errorf("10th execution is not driven by %v:\n%s", tt.want, plan)
			}
			if !slices.Contains(tt.want, "event_created") && strings.Contains(plan, "event_created") {
				t.Errorf("10th execution walks event_created:\n%s", plan)
			}
		})
	}
}
