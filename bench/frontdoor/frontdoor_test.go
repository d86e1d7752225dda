package frontdoor

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
)

// BenchmarkFrontDoor is issue 13's front-door benchmark: it prints the
// table and reports the headline ratios. Nothing asserts on speed.
func BenchmarkFrontDoor(b *testing.B) {
	cfg := knobs(b)
	r := prepare(b, cfg)
	for range b.N {
		r.execute(b)
		r.finish(b)
	}
	b.StopTimer()
	r.print(os.Stdout, loadAverage())
	r.report(b)
}

// report sends the headline figures to the benchmark's output.
func (r *run) report(b *testing.B) {
	figs := r.figures()
	lookup := func(name string) *figure {
		for i := range figs {
			if figs[i].name == name {
				return &figs[i]
			}
		}
		return nil
	}
	if f := lookup("EVENT ingest, accepted/s"); f != nil {
		if v, ok := f.ratio(oursPG, stockTune); ok {
			b.ReportMetric(v, "ingest-pg/tuned")
		}
		if v, ok := f.ratio(oursEmb, stockTune); ok {
			b.ReportMetric(v, "ingest-emb/tuned")
		}
	}
	// The worst p50 and p99 ratio over the shapes at the edge concurrencies.
	worst := 0.0
	for _, s := range r.shapes {
		for _, n := range edgeConns(r.cfg.conns) {
			for _, p := range []string{"p50", "p99"} {
				if f := lookup(s.name + " " + p + " @" + strconv.Itoa(n) + ", ms"); f != nil {
					if v, ok := f.ratio(oursPG, stockTune); ok {
						worst = max(worst, v)
					}
				}
			}
		}
	}
	b.ReportMetric(worst, "worst-query-pg/tuned")
	if t := r.get(oursEmb); t != nil {
		b.ReportMetric(float64(t.rss)/(1<<20), "emb-peak-RSS-MB")
	}
	if f := lookup("bytes on disk per event"); f != nil {
		if v, ok := f.ratio(oursPG, stockTune); ok {
			b.ReportMetric(v, "bytes-pg/tuned")
		}
	}
	failures := 0
	for _, t := range r.targets {
		for _, byConns := range t.lat {
			for _, c := range byConns {
				failures += c.failures
			}
		}
	}
	b.ReportMetric(float64(failures), "wrong-answers")
}

// TestFrontDoorTiny runs the whole benchmark on 6,000 events and 20
// queries per shape, so that `make test` proves it works: every relay
// loads, our node (both stores) accepts every event and answers every
// query as the model says, and an answer cut short is caught.
func TestFrontDoorTiny(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four relays")
	}
	cfg := knobs(t)
	cfg.events, cfg.queries, cfg.rounds = minEvents, 20, 2
	r := prepare(t, cfg)
	r.execute(t)

	// The model check must catch a short answer: drop the last event of
	// every answer of one shape on our node and expect every query failed.
	if tg := r.get(oursPG); tg != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		conns := r.open(t, ctx, tg, 2)
		defer closeAll(conns)
		r.cfg.breakCut = true
		s := r.shapes[6] // scrape: every answer holds events
		c := &cell{}
		r.runQueries(ctx, conns, s, r.queries[s.name], c)
		r.cfg.breakCut = false
		if c.failures != len(r.queries[s.name]) {
			t.Errorf("answers cut short: %d of %d flagged by the model check", c.failures, len(r.queries[s.name]))
		}
	}

	r.finish(t)
	var table strings.Builder
	r.print(&table, loadAverage())
	t.Log(table.String())
	for _, tg := range r.targets {
		if tg.pub.accepted == 0 || tg.bytes == 0 || tg.rss == 0 {
			t.Errorf("%s: accepted %d events, %d bytes on disk, peak RSS %d: every figure must be measured",
				tg.name, tg.pub.accepted, tg.bytes, tg.rss)
		}
		if tg.name != oursPG && tg.name != oursEmb {
			continue // stock's answers are reported, not asserted
		}
		if tg.pub.accepted != len(r.events) {
			t.Errorf("%s accepted %d of %d events: %v %q", tg.name, tg.pub.accepted, len(r.events), tg.pub.rejected, tg.pub.example)
		}
		for _, s := range r.shapes {
			for _, n := range r.cfg.conns {
				c := tg.lat[s.name][n]
				if c == nil || len(c.lat) != cfg.queries {
					t.Errorf("%s: %s @%d: not every query ran", tg.name, s.name, n)
				} else if c.failures > 0 {
					t.Errorf("%s: %s @%d: %d wrong answers, first: %s", tg.name, s.name, n, c.failures, c.first)
				}
			}
		}
	}
}

// TestModelCheck: the model accepts exactly the right answers.
func TestModelCheck(t *testing.T) {
	ts := nostr.Timestamp(1000)
	ev := func(id string, at nostr.Timestamp, kind int, tags ...nostr.Tag) *nostr.Event {
		return &nostr.Event{ID: id, PubKey: "pk", CreatedAt: at, Kind: kind, Tags: tags, Sig: "sig-" + id}
	}
	events := []*nostr.Event{
		ev("a", ts+3, 1), ev("b", ts+2, 1), ev("c", ts+1, 1), ev("d", ts+1, 1), ev("e", ts, 1),
		ev("p1", ts, 0), ev("p2", ts+5, 0), // p1 superseded
		ev("x", ts+4, 7, nostr.Tag{"e", "a"}),
	}
	m := newModel(events)
	byID := func(ids ...string) []*nostr.Event {
		var out []*nostr.Event
		for _, id := range ids {
			for _, e := range events {
				if e.ID == id {
					c := *e
					out = append(out, &c)
				}
			}
		}
		return out
	}
	stripped := byID("a", "b", "c")
	stripped[1].Sig = ""
	kind1 := nostr.Filter{Kinds: []int{1}, Limit: 3}
	tests := []struct {
		name string
		f    nostr.Filter
		got  []*nostr.Event
		ok   bool
	}{
		{"exact", kind1, byID("a", "b", "c"), true},
		{"either of a tie at the limit", kind1, byID("a", "b", "d"), true},
		{"short", kind1, byID("a", "b"), false},
		{"long", kind1, byID("a", "b", "c", "d"), false},
		{"older instead of newer", kind1, byID("a", "c", "d"), false},
		{"duplicate", kind1, byID("a", "b", "b"), false},
		{"altered event", kind1, stripped, false},
		{"wrong kind", kind1, byID("a", "b", "x"), false},
		{"latest replaceable only", nostr.Filter{Kinds: []int{0}, Limit: 10}, byID("p2"), true},
		{"superseded version served", nostr.Filter{Kinds: []int{0}, Limit: 10}, byID("p2", "p1"), false},
		{"tag", nostr.Filter{Tags: nostr.TagMap{"e": {"a", "zz"}}, Limit: 10}, byID("x"), true},
		{"tag, nothing", nostr.Filter{Tags: nostr.TagMap{"e": {"a"}}, Limit: 10}, nil, false},
		{"since", nostr.Filter{Kinds: []int{1}, Since: &ts, Limit: 2}, byID("a", "b"), true},
		{"scrape until", nostr.Filter{Until: ptr(ts + 1), Limit: 2}, byID("c", "d"), true},
		{"scrape until, one of the tie", nostr.Filter{Until: ptr(ts + 1), Limit: 1}, byID("d"), true},
		{"scrape until, too new", nostr.Filter{Until: ptr(ts + 1), Limit: 1}, byID("b"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			why := m.check(m.answer(tt.f), tt.got)
			if (why == "") != tt.ok {
				t.Errorf("check = %q, want ok=%v", why, tt.ok)
			}
		})
	}
	if n := m.count(nostr.Filter{Kinds: []int{1}, Limit: 2}); n != 5 {
		t.Errorf("count kind 1 = %d, want 5 (COUNT has no limit)", n)
	}
	if n := m.count(nostr.Filter{Kinds: []int{0}}); n != 1 {
		t.Errorf("count kind 0 = %d, want 1 (the superseded version is gone)", n)
	}
	q := query{count: 5}
	if m.verify(q, nil, 4, true) == "" || m.verify(q, nil, 5, true) != "" {
		t.Error("COUNT check does not compare the count")
	}
}

func ptr[T any](v T) *T { return &v }
