package node

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
)

// TestStatsLoopPrunesChanges: a stats cycle deletes the changes past
// [changes] retention and the uptime days past the 90 the bars show.
func TestStatsLoopPrunesChanges(t *testing.T) {
	ctx := context.Background()
	store, err := archive.Open(ctx, archive.Options{DataDir: t.TempDir(), Mode: archive.Full})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	relay := schema.MustRelayURL("wss://relay.example.com")
	if _, err := store.AddRelays(ctx, []schema.Relay{{URL: relay, Network: schema.Clearnet}}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	day := 24 * time.Hour
	if _, err := store.SaveChanges(ctx, []schema.Change{{Relay: relay, At: now.Add(-400 * day), Kind: schema.ChangeDown},
		{Relay: relay, At: now.Add(-day), Kind: schema.ChangeUp}}); err != nil {
		t.Fatal(err)
	}
	if err := store.AddUptime(ctx, []schema.DayUptime{{Relay: relay, Day: now.Add(-100 * day), Checks: 1},
		{Relay: relay, Day: now, Checks: 1, Reachable: 1}}); err != nil {
		t.Fatal(err)
	}
	cfg := Default()
	l, err := newStatsLoop(cfg.Stats, store, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	l.changesRetention = cfg.Changes.Retention
	if err := l.Once(ctx); err != nil {
		t.Fatal(err)
	}
	cs, err := store.Changes(ctx, schema.ChangeQuery{})
	if err != nil || len(cs) != 1 || cs[0].Kind != schema.ChangeUp {
		t.Errorf("changes left: %+v, %v; want the recent up only", cs, err)
	}
	days, err := store.Uptime(ctx, nil, now.Add(-200*day))
	if err != nil || len(days) != 1 || days[0].Reachable != 1 {
		t.Errorf("uptime days left: %+v, %v; want today's only", days, err)
	}
}
