package synchronizer

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiatjaf/khatru"
	"github.com/nbd-wtf/go-nostr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/transport"
)

// TestDailyQuota syncs a relay holding more than its daily quota: the
// first run stops on the quota, the next is deferred until the relay's
// day is over (on an injected clock), and the day after it resumes from
// its cursor until everything is archived.
func TestDailyQuota(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sk := nostr.GeneratePrivateKey()
	base := time.Now().Add(-time.Hour).Unix()
	var evs []*nostr.Event
	for i := range 250 {
		evs = append(evs, signedAt(t, sk, base-int64(i), i))
	}
	kh := khatru.NewRelay()
	kh.QueryEvents = append(kh.QueryEvents, func(_ context.Context, f nostr.Filter) (chan *nostr.Event, error) {
		ch := make(chan *nostr.Event, len(evs))
		for _, ev := range evs { // newest first
			if f.Matches(ev) && (f.Limit == 0 || len(ch) < f.Limit) {
				ch <- ev
			}
		}
		close(ch)
		return ch, nil
	})
	hs := httptest.NewServer(kh)
	t.Cleanup(hs.Close)
	url, err := schema.ParseRelayURLWith("ws"+strings.TrimPrefix(hs.URL, "http"), schema.ParseOptions{AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	st, err := archive.Open(ctx, archive.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.AddRelays(ctx, []schema.Relay{{URL: url, Network: schema.Clearnet, DiscoveredAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	tcfg := transport.DefaultConfig()
	tcfg.AllowPrivate = true
	tr, err := transport.New(tcfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var offset atomic.Int64
	cfg := testConfig()
	cfg.Since = base - 1000
	cfg.Limit, cfg.Client.ReqEvents = 50, 100
	cfg.RelayDailyEvents = 100
	s, err := New(cfg, st, tr, Options{Options: loop.Options{Registerer: prometheus.NewRegistry(), Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }}})
	if err != nil {
		t.Fatal(err)
	}
	archived := func() int64 {
		n, err := st.CountEvents(ctx, nostr.Filter{Authors: []string{evs[0].PubKey}})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	first, err := s.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got1 := archived()
	if first.Exhausted != 1 || got1 < 90 || got1 >= int64(len(evs)) {
		t.Fatalf("first day: %+v, %d archived; want the run cut at the quota (100 fetched, page boundaries fetched twice)", first, got1)
	}
	offset.Add(int64(time.Hour))
	second, err := s.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if second.Throttled != 1 || archived() != got1 {
		t.Fatalf("an hour later: %+v, %d archived; want it deferred", second, archived())
	}
	for day := 1; archived() < int64(len(evs)); day++ {
		if day > 3 {
			t.Fatalf("%d of %d archived after %d days", archived(), len(evs), day)
		}
		offset.Add(int64(quotaDay))
		if _, err := s.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
