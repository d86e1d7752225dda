package discovery

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
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
	f, err := NewFinder(cfg, st, newTransport(t, true), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func addRelay(t *testing.T, s archive.Store, url string) {
	t.Helper()
	if _, err := s.AddRelays(context.Background(), []archive.Relay{{URL: url, Network: schema.Clearnet}}); err != nil {
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

	s, st := openStore(t)
	url := newRelay(t, events, relayOpts{cap: 2})
	addRelay(t, s, url)
	addRelay(t, s, newRelay(t, nil, relayOpts{authRequired: true}))
	addRelay(t, s, deadURL(t))
	cfg := finderConfig()
	cfg.Relays, cfg.RelayPage = true, 2
	f := newFinder(t, cfg, st, nil)
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
	cursors, _ := st.ListState(context.Background(), ServiceFinder, StateRelay)
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
	s, st := openStore(t)
	addRelay(t, s, newRelay(t, events, relayOpts{}))
	cfg := finderConfig()
	cfg.Relays, cfg.RelayPage, cfg.RelayMaxEvents = true, 2, 2
	f := newFinder(t, cfg, st, nil)
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

// TestFinderScansArchive: archived events of any kind are mined, a window
// larger than scan_page is split, the cursor advances, an event archived
// late within scan_overlap is still found, and a far-future event does not
// drag the cursor ahead.
func TestFinderScansArchive(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	s, st := openStore(t)
	save := func(evs ...*nostr.Event) {
		t.Helper()
		var b []archive.Sighting
		for _, ev := range evs {
			b = append(b, archive.Sighting{Event: ev, SeenAt: now})
		}
		if _, err := s.SaveEvents(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	var evs []*nostr.Event
	for i := range 7 {
		evs = append(evs, signed(t, 1, now.Add(-time.Duration(i)*time.Hour).Unix(),
			nostr.Tags{{"p", strings.Repeat("c", 64), "wss://hint" + string(rune('a'+i)) + ".example"}}, "note"))
	}
	evs = append(evs, signed(t, 2, now.AddDate(20, 0, 0).Unix(), nil, "wss://future.example"))
	save(evs...)
	cfg := finderConfig()
	cfg.Scan, cfg.ScanPage, cfg.ScanOverlap = true, 2, time.Hour
	f := newFinder(t, cfg, st, func() time.Time { return now })
	stats, err := f.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(candidates(t, s)) != 7 || stats.EventsScanned != 7 {
		t.Fatalf("candidates %v, scanned %d; want the 7 hints and not the future event", keys(candidates(t, s)), stats.EventsScanned)
	}
	states, _ := st.ListState(ctx, ServiceFinder, StateScan)
	var cur scanCursor
	if len(states) == 1 {
		_ = json.Unmarshal(states[0].Value, &cur)
	}
	if cur.Next != now.Unix() {
		t.Errorf("cursor %+v, want next = the scan's now %d", cur, now.Unix())
	}
	// Archived late: one inside the overlap, one older than it.
	save(signed(t, 2, now.Add(-30*time.Minute).Unix(), nil, "wss://late.example"),
		signed(t, 2, now.Add(-3*time.Hour).Unix(), nil, "wss://toolate.example"))
	now = now.Add(time.Minute)
	if _, err := f.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got := candidates(t, s)
	if _, ok := got["wss://late.example"]; !ok {
		t.Error("event archived late within scan_overlap was missed")
	}
	if _, ok := got["wss://toolate.example"]; ok {
		t.Error("event older than the overlap found: the test no longer shows the documented gap")
	}
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

	s, st := openStore(t)
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
	f := newFinder(t, cfg, st, func() time.Time { return now })
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
	f2 := newFinder(t, cfg, st, nil)
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
