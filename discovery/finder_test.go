package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/schema"
)

func finderConfig() FinderConfig {
	c := DefaultFinderConfig()
	c.RelayTimeout = 5 * time.Second
	c.Scan, c.Relays = false, false
	return c
}

func newFinder(t *testing.T, cfg FinderConfig, st FinderStore, now func() time.Time) *Finder {
	t.Helper()
	f, err := NewFinder(cfg, st, newTransport(t, true), Options{Options: loop.Options{Now: now}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func addRelay(t *testing.T, s archive.Store, url string) {
	t.Helper()
	if _, err := s.AddRelays(context.Background(), []schema.Relay{{URL: schema.MustRelayURL(url), Network: schema.Clearnet}}); err != nil {
		t.Fatal(err)
	}
}

// TestFinderAsksRelays: relay lists are fetched from validated relays over
// REQ with pagination past a relay's cap, verified, archived and mined; a
// forged list is not; the per-relay cursor makes the next cycle incremental.
func TestFinderAsksRelays(t *testing.T) {
	base := time.Now().Add(-time.Hour).Unix()
	events := []*nostr.Event{
		signed(t, 10002, base-1, nostr.Tags{{"r", "wss://r1.example"}, {"r", "wss://r2.example", "read"}}, ""),
		signed(t, 3, base-2, nostr.Tags{{"p", strings.Repeat("a", 64), "wss://hint3.example"}}, `{"wss://map.example":{"read":true,"write":true}}`),
		signed(t, 2, base-3, nil, "wss://rec.example"),
		signed(t, 30166, base-4, nostr.Tags{{"d", "wss://monitored.example"}}, ""),
		signed(t, 10002, base-5, nostr.Tags{{"r", "wss://r3.example"}}, ""),
		signed(t, 10002, base-6, nostr.Tags{{"r", "https://not-a-relay.example"}}, ""),
		signed(t, 1, base-7, nostr.Tags{{"e", strings.Repeat("b", 64), "wss://kind1hint.example"}}, "not asked for"),
	}
	forged := signed(t, 10002, base-8, nostr.Tags{{"r", "wss://forged.example"}}, "")
	forged.Tags = append(forged.Tags, nostr.Tag{"r", "wss://forged2.example"}) // breaks the id
	events = append(events, forged)

	s := openStore(t)
	url := newRelay(t, events, relayOpts{cap: 2})
	addRelay(t, s, url)
	addRelay(t, s, newRelay(t, nil, relayOpts{authRequired: true}))
	addRelay(t, s, deadURL(t))
	cfg := finderConfig()
	cfg.Relays, cfg.RelayPage = true, 2
	f := newFinder(t, cfg, s, nil)
	stats, err := f.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"wss://hint3.example", "wss://map.example", "wss://monitored.example", "wss://r1.example",
		"wss://r2.example", "wss://r3.example", "wss://rec.example",
	}
	if got := keys(candidates(t, s)); !slices.Equal(got, want) {
		t.Errorf("candidates %v, want %v", got, want)
	}
	if stats.Added != len(want) || stats.EventsFetched != 6 || stats.RelaysAsked != 3 || stats.RelayFailures != 2 {
		t.Errorf("stats %+v", stats)
	}
	if stats.Rejected[ReasonBadEvent] != 1 || stats.Rejected["invalid_scheme"] != 1 {
		t.Errorf("rejects %v", stats.Rejected)
	}
	var ids []string
	for _, ev := range events[:6] {
		ids = append(ids, ev.ID)
	}
	// By id, since superseded replaceable versions are only served that way.
	n, err := s.CountEvents(context.Background(), nostr.Filter{IDs: ids})
	if err != nil || n != 6 {
		t.Errorf("archived %d events (%v), want the 6 verified ones", n, err)
	}
	cursors, _ := s.ListState(context.Background(), ServiceFinder, StateRelay)
	if len(cursors) != 1 || cursors[0].Key != url {
		t.Fatalf("cursors %+v, want one for the readable relay only", cursors)
	}
	var cur relayCursor
	_ = json.Unmarshal(cursors[0].Value, &cur)
	if cur.Until != 0 || cur.Since < time.Now().Add(-clockSkew-time.Minute).Unix() {
		t.Errorf("cursor %+v: want a finished walk with since near now", cur)
	}
	stats, err = f.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stats.EventsFetched != 0 || stats.Added != 0 {
		t.Errorf("second cycle fetched %d events, added %d: the cursor should skip old lists", stats.EventsFetched, stats.Added)
	}
}

// TestFinderResumesLongWalk: relay_max_events cuts a walk; the next cycle
// continues below where it stopped instead of starting over.
func TestFinderResumesLongWalk(t *testing.T) {
	base := time.Now().Add(-time.Hour).Unix()
	var events []*nostr.Event
	for i := range 6 {
		events = append(events, signed(t, 2, base-int64(i), nil, "wss://r"+string(rune('a'+i))+".example"))
	}
	s := openStore(t)
	addRelay(t, s, newRelay(t, events, relayOpts{}))
	cfg := finderConfig()
	cfg.Relays, cfg.RelayPage, cfg.RelayMaxEvents = true, 2, 2
	f := newFinder(t, cfg, s, nil)
	total := 0
	for cycle := 0; cycle < 4; cycle++ {
		stats, err := f.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		total += stats.EventsFetched
	}
	if got := len(candidates(t, s)); got != 6 || total != 6 {
		t.Errorf("%d candidates after 4 capped cycles, %d events fetched; want all 6, each fetched about once", got, total)
	}
}

// TestFinderScansArchive: archived events of any kind are mined in pages,
// in archival order, once each; the position advances; events archived
// late are found whatever their created_at (within the old two-hour
// overlap, older than it, years old, or dated in the future); events their
// author deleted are not mined.
func TestFinderScansArchive(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	s := openStore(t)
	save := func(evs ...*nostr.Event) {
		t.Helper()
		var b []schema.Sighting
		for _, ev := range evs {
			b = append(b, schema.Sighting{Event: ev, SeenAt: now})
		}
		if _, err := s.SaveEvents(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	hint := func(kind int, at time.Time, host string) *nostr.Event {
		return signed(t, kind, at.Unix(), nostr.Tags{{"p", strings.Repeat("c", 64), "wss://" + host}}, "note")
	}
	var evs []*nostr.Event
	for i := range 7 {
		evs = append(evs, hint(1, now.Add(-time.Duration(i)*time.Hour), "hint"+string(rune('a'+i))+".example"))
	}
	evs = append(evs, signed(t, 2, now.AddDate(20, 0, 0).Unix(), nil, "wss://future.example"))
	save(evs...)
	cfg := finderConfig()
	cfg.Scan, cfg.ScanPage = true, 2
	f := newFinder(t, cfg, s, func() time.Time { return now })
	stats, err := f.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(candidates(t, s)) != 8 || stats.EventsScanned != 8 {
		t.Fatalf("candidates %v, scanned %d; want the 8 hints", keys(candidates(t, s)), stats.EventsScanned)
	}
	if cur := scanPosition(t, s); cur.Seq != 8 {
		t.Errorf("position %+v after 8 events, want seq 8", cur)
	}

	// Archived late: created inside the old scan_overlap, older than it, and
	// years ago (a synchronizer backfilling a relay's history).
	deleted := hint(1, now.Add(-time.Hour), "deleted.example")
	save(hint(1, now.Add(-30*time.Minute), "late.example"),
		hint(1, now.Add(-3*time.Hour), "toolate.example"),
		hint(3, now.AddDate(-5, 0, 0), "backfilled.example"),
		deleted, signed(t, 5, now.Unix(), nostr.Tags{{"e", deleted.ID}}, ""))
	now = now.Add(time.Minute)
	if stats, err = f.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got := candidates(t, s)
	for _, u := range []string{"wss://late.example", "wss://toolate.example", "wss://backfilled.example"} {
		if _, ok := got[u]; !ok {
			t.Errorf("%s, archived late, was missed", u)
		}
	}
	if _, ok := got["wss://deleted.example"]; ok {
		t.Error("a hint in an event its author deleted was mined")
	}
	if stats.EventsScanned != 4 {
		t.Errorf("second cycle scanned %d events, want the 4 new ones that are not deleted", stats.EventsScanned)
	}
	if stats, _ = f.RunOnce(ctx); stats.EventsScanned != 0 {
		t.Errorf("third cycle scanned %d events, want none", stats.EventsScanned)
	}
}

// TestFinderScanKinds: scan_kinds limits what is mined, and the position
// still moves past events of other kinds.
func TestFinderScanKinds(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	at := time.Now().Unix()
	var b []schema.Sighting
	for i, kind := range []int{1, 2, 1, 1, 2, 1} {
		b = append(b, schema.Sighting{Event: signed(t, kind, at-int64(i), nil, fmt.Sprintf("wss://k%d-%d.example", kind, i))})
	}
	if _, err := s.SaveEvents(ctx, b); err != nil {
		t.Fatal(err)
	}
	cfg := finderConfig()
	cfg.Scan, cfg.ScanPage, cfg.ScanKinds = true, 1, []int{2}
	stats, err := newFinder(t, cfg, s, nil).RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(candidates(t, s)); stats.EventsScanned != 2 || !slices.Equal(got, []string{"wss://k2-1.example", "wss://k2-4.example"}) {
		t.Errorf("scanned %d, candidates %v; want the two kind 2 events", stats.EventsScanned, got)
	}
	if cur := scanPosition(t, s); cur.Seq != 6 {
		t.Errorf("position %+v, want seq 6: past the kind 1 events too", cur)
	}
}

// TestFinderScanResumes: the position is saved after each page, so a scan
// cut by a failing store resumes after the last page it finished.
func TestFinderScanResumes(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	at := time.Now().Unix()
	var b []schema.Sighting
	for i := range 5 {
		b = append(b, schema.Sighting{Event: signed(t, 2, at-int64(i), nil, fmt.Sprintf("wss://r%d.example", i))})
	}
	if _, err := s.SaveEvents(ctx, b); err != nil {
		t.Fatal(err)
	}
	cfg := finderConfig()
	cfg.Scan, cfg.ScanPage = true, 2
	flaky := &failingScan{FinderStore: s, failAt: 2}
	if _, err := newFinder(t, cfg, flaky, nil).RunOnce(ctx); err == nil {
		t.Fatal("RunOnce with a failing store: no error")
	}
	if cur := scanPosition(t, s); cur.Seq != 2 || len(candidates(t, s)) != 2 {
		t.Fatalf("after a cut scan: position %+v, %d candidates; want the first page (seq 2) kept", cur, len(candidates(t, s)))
	}
	stats, err := newFinder(t, cfg, s, nil).RunOnce(ctx)
	if err != nil || stats.EventsScanned != 3 || len(candidates(t, s)) != 5 {
		t.Errorf("resumed scan: %v, scanned %d, %d candidates; want the 3 remaining events", err, stats.EventsScanned, len(candidates(t, s)))
	}
}

// TestFinderScanLil: a lil archive keeps no tags or content, so the scan
// reads its events and finds no hints (documented, not a failure).
func TestFinderScanLil(t *testing.T) {
	ctx := context.Background()
	s, err := archive.Open(ctx, archive.Options{DataDir: t.TempDir(), Mode: archive.Lil})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ev := signed(t, 10002, time.Now().Unix(), nostr.Tags{{"r", "wss://lil.example"}}, "")
	if _, err := s.SaveEvents(ctx, []schema.Sighting{{Event: ev}}); err != nil {
		t.Fatal(err)
	}
	cfg := finderConfig()
	cfg.Scan = true
	stats, err := newFinder(t, cfg, s, nil).RunOnce(ctx)
	if err != nil || stats.EventsScanned != 1 || len(candidates(t, s)) != 0 {
		t.Errorf("lil scan: %v, scanned %d, candidates %v; want 1 event read and no hints", err, stats.EventsScanned, keys(candidates(t, s)))
	}
}

// failingScan fails the call to ScanArchived numbered failAt (from 1).
type failingScan struct {
	FinderStore
	failAt, calls int
}

func (f *failingScan) ScanArchived(ctx context.Context, after uint64, kinds []int, limit int, fn func(uint64, *nostr.Event) error) (uint64, error) {
	if f.calls++; f.calls == f.failAt {
		return after, errors.New("store down")
	}
	return f.FinderStore.ScanArchived(ctx, after, kinds, limit, fn)
}

func scanPosition(t *testing.T, st FinderStore) scanCursor {
	t.Helper()
	states, err := st.ListState(context.Background(), ServiceFinder, StateScan)
	if err != nil {
		t.Fatal(err)
	}
	var cur scanCursor
	if len(states) == 1 {
		_ = json.Unmarshal(states[0].Value, &cur)
	}
	return cur
}

func TestFinderSources(t *testing.T) {
	var hits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{"data":{"relays":[{"url":"wss://s1.example"},{"url":"wss://s2.example/"},{"url":"nope"}]}}`))
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"wss://k1.example":{},"wss://k2.example":{}}`))
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusBadGateway) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`["wss://big.example","` + strings.Repeat("x", 2000) + `"]`))
	})
	mux.HandleFunc("/notjson", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`<html>`)) })
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://10.0.0.1/relays", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	s := openStore(t)
	cfg := finderConfig()
	cfg.SourceMaxBytes = 1000
	cfg.Sources = []SourceConfig{
		{URL: srv.URL + "/ok", Path: "$.data.relays[*].url"},
		{URL: srv.URL + "/fail", Path: "$[*]"},
		{URL: srv.URL + "/big", Path: "$[*]"},
		{URL: srv.URL + "/notjson", Path: "$[*]"},
		{URL: srv.URL + "/keys", Path: "$.*~"},
	}
	now := time.Now()
	f := newFinder(t, cfg, s, func() time.Time { return now })
	stats, err := f.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"wss://k1.example", "wss://k2.example", "wss://s1.example", "wss://s2.example"}
	if got := keys(candidates(t, s)); !slices.Equal(got, want) {
		t.Errorf("candidates %v, want %v", got, want)
	}
	if stats.SourcesFetched != 2 || stats.SourceFailures != 3 || stats.Rejected["invalid_scheme"] != 1 {
		t.Errorf("stats %+v", stats)
	}
	// Within the cooldown the good sources are skipped, the failed retried.
	now = now.Add(time.Hour)
	stats, _ = f.RunOnce(context.Background())
	if stats.SourcesSkipped != 2 || stats.SourceFailures != 3 || hits.Load() != 1 {
		t.Errorf("second cycle %+v, hits %d", stats, hits.Load())
	}
	now = now.Add(cfg.SourceCooldown)
	if stats, _ = f.RunOnce(context.Background()); stats.SourcesFetched != 2 || hits.Load() != 2 {
		t.Errorf("after cooldown %+v, hits %d", stats, hits.Load())
	}

	// A redirect to a private address is refused through the transport guard.
	cfg.Sources = []SourceConfig{{URL: srv.URL + "/redirect", Path: "$[*]"}}
	f2 := newFinder(t, cfg, s, nil)
	if stats, _ := f2.RunOnce(context.Background()); stats.SourceFailures != 1 {
		t.Errorf("redirect to 10.0.0.1: %+v, want a failed source", stats)
	}
}

func TestFinderConfigValidate(t *testing.T) {
	if err := DefaultFinderConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	c := DefaultFinderConfig()
	c.Interval, c.ScanPage, c.RelayKinds = 0, 0, nil
	c.Sources = []SourceConfig{{URL: "ftp://x", Path: "$["}, {URL: "https://ok.example/", Path: "$[*]"}, {URL: "https://ok.example/", Path: "$"}}
	err := c.Validate()
	for _, key := range []string{
		"finder.interval:", "finder.scan_page:", "finder.relay_kinds:", "finder.sources[0].url:", "finder.sources[0].path:", "finder.sources[2].url:",
	} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error %v does not name %s", err, key)
		}
	}
}

// TestFinderBoundaryTie: more relay lists at one second than the relay
// returns at once; the walk gathers that second apart and finds them all.
func TestFinderBoundaryTie(t *testing.T) {
	at := time.Now().Add(-time.Hour).Unix()
	var events []*nostr.Event
	for i, kind := range RelayListKinds {
		events = append(events, signed(t, kind, at, nostr.Tags{{"r", "wss://tie" + string(rune('a'+i)) + ".example"},
			{"d", "wss://tie" + string(rune('a'+i)) + ".example"}}, ""))
	}
	events = append(events, signed(t, 10002, at-5, nostr.Tags{{"r", "wss://older.example"}}, ""))
	s := openStore(t)
	addRelay(t, s, newRelay(t, events, relayOpts{cap: 2}))
	cfg := finderConfig()
	cfg.Relays, cfg.RelayPage = true, 2
	f := newFinder(t, cfg, s, nil)
	stats, err := f.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stats.EventsFetched != len(events) || stats.RelayFailures != 0 {
		t.Errorf("fetched %d events (%d failures), want %d", stats.EventsFetched, stats.RelayFailures, len(events))
	}
}

// TestFinderHostileRelay: a relay that drips NOTICEs and never ends a REQ
// costs the finder one first_answer, not its relay_timeout.
func TestFinderHostileRelay(t *testing.T) {
	url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		go func() {
			for {
				if _, _, err := c.Read(r.Context()); err != nil {
					return
				}
			}
		}()
		for r.Context().Err() == nil {
			if c.Write(r.Context(), websocket.MessageText, []byte(`["NOTICE","busy"]`)) != nil {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}))
	s := openStore(t)
	addRelay(t, s, url)
	cfg := finderConfig()
	cfg.Relays, cfg.RelayTimeout = true, time.Hour
	cfg.Client.FirstAnswer = 200 * time.Millisecond
	f := newFinder(t, cfg, s, nil)
	stats, err := f.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stats.RelayFailures != 1 {
		t.Errorf("stats %+v: want the relay counted as failed", stats)
	}
}

// TestFinderLimitIgnored: a relay answering every REQ with more events
// than its limit is cut at the limit, counted, and still read to the end.
func TestFinderLimitIgnored(t *testing.T) {
	base := time.Now().Add(-time.Hour).Unix()
	var events []*nostr.Event
	for i := range 6 {
		events = append(events, signed(t, 10002, base-int64(i), nostr.Tags{{"r", "wss://over" + string(rune('a'+i)) + ".example"}}, ""))
	}
	url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			_, b, err := c.Read(r.Context())
			if err != nil {
				return
			}
			var req []json.RawMessage
			var sub string
			var f nostr.Filter
			if json.Unmarshal(b, &req) != nil || len(req) < 3 || json.Unmarshal(req[1], &sub) != nil || json.Unmarshal(req[2], &f) != nil {
				continue
			}
			for _, ev := range events {
				if ev.CreatedAt >= *f.Since && ev.CreatedAt <= *f.Until { // every match, whatever the limit
					msg, _ := json.Marshal([]any{"EVENT", sub, ev})
					_ = c.Write(r.Context(), websocket.MessageText, msg)
				}
			}
			_ = c.Write(r.Context(), websocket.MessageText, []byte(`["EOSE","`+sub+`"]`))
		}
	}))
	s := openStore(t)
	addRelay(t, s, url)
	cfg := finderConfig()
	cfg.Relays, cfg.RelayPage = true, 2
	f := newFinder(t, cfg, s, nil)
	stats, err := f.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stats.EventsFetched != len(events) || stats.Rejected[ReasonOverLimit] == 0 || stats.RelayFailures != 0 {
		t.Errorf("stats %+v: want all %d events, over_limit counted", stats, len(events))
	}
}
