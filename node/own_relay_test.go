package node

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiatjaf/khatru"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
)

// ownRelay is a plain-WebSocket khatru relay on ws://127.0.0.1:PORT, the
// way an operator runs one next to the node, serving a few events and
// counting every TCP connection made to it.
type ownRelay struct {
	url    string
	events []*nostr.Event
	conns  atomic.Int64
}

func startOwnRelay(t *testing.T) *ownRelay {
	t.Helper()
	r := &ownRelay{}
	sk := nostr.GeneratePrivateKey()
	for i := range 3 {
		ev := &nostr.Event{Kind: 1, CreatedAt: nostr.Timestamp(time.Now().Add(-time.Hour).Unix() + int64(i)), Tags: nostr.Tags{}, Content: "own relay note"}
		if err := ev.Sign(sk); err != nil {
			t.Fatal(err)
		}
		r.events = append(r.events, ev)
	}
	kh := khatru.NewRelay()
	kh.QueryEvents = append(kh.QueryEvents, func(_ context.Context, f nostr.Filter) (chan *nostr.Event, error) {
		ch := make(chan *nostr.Event, len(r.events))
		for _, ev := range r.events {
			if f.Matches(ev) {
				ch <- ev
			}
		}
		close(ch)
		return ch, nil
	})
	srv := httptest.NewUnstartedServer(kh)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			r.conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	r.url = "ws" + strings.TrimPrefix(srv.URL, "http")
	return r
}

// ownRelayConfig is a node config whose seed file names only url.
func ownRelayConfig(t *testing.T, url string, allowPrivate bool) Config {
	t.Helper()
	dir := t.TempDir()
	t.Setenv(EnvPrivateKey, nostr.GeneratePrivateKey())
	t.Setenv(EnvDatabaseURL, "")
	seeds := filepath.Join(dir, "seeds.txt")
	if err := os.WriteFile(seeds, []byte(url+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Default()
	cfg.Node.DataDir = filepath.Join(dir, "data")
	cfg.Seeder.File = seeds
	cfg.Network.AllowPrivate = allowPrivate
	// The write probe's event makes the khatru relay broadcast, which reads
	// its listener list without a lock (see raceEnabled).
	cfg.Monitor.WriteProbe = !raceEnabled
	if p := cfg.validate(); len(p) > 0 {
		t.Fatalf("config: %v", p)
	}
	return cfg
}

func openTestStore(t *testing.T, cfg Config) archive.Store {
	t.Helper()
	s, err := archive.Open(context.Background(), archive.Options{DataDir: cfg.Node.DataDir})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testLogger(t *testing.T) *slog.Logger {
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: level}))
}

// TestOwnRelayAllowPrivate: with network.allow_private an operator's plain
// ws://127.0.0.1:PORT relay goes the whole way: seeded as it is written
// (ws:// kept), validated, monitored (its 30166 names it in d) and synced.
func TestOwnRelayAllowPrivate(t *testing.T) {
	r := startOwnRelay(t)
	cfg := ownRelayConfig(t, r.url+"/", true)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	log := testLogger(t)
	for _, loop := range []string{LoopSeeder, LoopValidator, LoopMonitor, LoopSynchronizer} {
		if err := RunLoop(ctx, cfg, log, loop, true); err != nil {
			t.Fatalf("%s --once: %v", loop, err)
		}
	}
	s := openTestStore(t, cfg)
	defer s.Close()
	relays, err := s.Relays(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(relays) != 1 || relays[0].URL.String() != r.url || relays[0].Network != schema.Clearnet {
		t.Fatalf("validated relays = %+v, want only %s", relays, r.url)
	}
	var got []*nostr.Event
	if err := s.QueryEvents(ctx, nostr.Filter{Kinds: []int{30166}, Tags: nostr.TagMap{"d": {r.url}}}, func(ev *nostr.Event) error {
		got = append(got, ev)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("30166 events with d = %s: %d, want 1", r.url, len(got))
	}
	for _, ev := range r.events {
		n, err := s.CountEvents(ctx, nostr.Filter{IDs: []string{ev.ID}})
		if err != nil || n != 1 {
			t.Fatalf("event %s of the own relay not synced: %d, %v", ev.ID, n, err)
		}
	}
	if r.conns.Load() == 0 {
		t.Fatal("the relay counted no connection")
	}
}

// TestOwnRelayPublicOnly: without allow_private the same seed is rejected by
// the URL model, and a private relay already stored (by an earlier run with
// allow_private) is never contacted by the validator, the monitor or the
// synchronizer.
func TestOwnRelayPublicOnly(t *testing.T) {
	r := startOwnRelay(t)
	cfg := ownRelayConfig(t, r.url, false)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	log := testLogger(t)
	if err := RunLoop(ctx, cfg, log, LoopSeeder, true); err != nil {
		t.Fatalf("seeder: %v", err)
	}
	s := openTestStore(t, cfg)
	due, err := s.DueCandidates(ctx, schema.Clearnet, time.Now(), 10)
	if err != nil || len(due) != 0 {
		s.Close()
		t.Fatalf("seeded candidates = %+v, %v; want none", due, err)
	}
	// As if stored by an earlier run with allow_private = true.
	u, err := schema.ParseRelayURLWith(r.url, schema.ParseOptions{AllowPrivate: true})
	if err == nil {
		_, err = s.AddCandidates(ctx, []schema.Candidate{{URL: u, Network: schema.Clearnet}})
	}
	if err == nil {
		_, err = s.AddRelays(ctx, []schema.Relay{{URL: u, Network: schema.Clearnet, DiscoveredAt: time.Now()}})
	}
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, loop := range []string{LoopValidator, LoopMonitor, LoopSynchronizer} {
		// Errors are the refusals themselves; what matters is the count.
		if err := RunLoop(ctx, cfg, log, loop, true); err != nil {
			t.Logf("%s --once: %v", loop, err)
		}
	}
	if n := r.conns.Load(); n != 0 {
		t.Fatalf("the relay was contacted %d times with allow_private = false", n)
	}
}
