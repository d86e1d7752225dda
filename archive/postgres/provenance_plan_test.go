package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/archive/postgres"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/schema"
)

// TestPostgresProvenancePlans: the relay page's first-seen list walks
// event_relay_relay (migration 0008) rather than every sighting, and an
// event's relays are found by its id, also once the statements are cached
// and planned generically.
func TestPostgresProvenancePlans(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	var w planWatch
	s, err := postgres.OpenPostgresTuned(ctx, archive.Options{URL: url, Mode: archive.Full}, w.tune)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	relays := []schema.RelayURL{schema.MustRelayURL("wss://a.example.com"), schema.MustRelayURL("wss://b.example.com"),
		schema.MustRelayURL("wss://c.example.com"), schema.MustRelayURL("wss://d.example.com")}
	evs := mixCorpus(20000, 9)
	for off := 0; off < len(evs); off += 1000 {
		var sights []schema.Sighting
		for i, ev := range evs[off : off+1000] {
			// Every event on two relays, a second apart.
			r := (off + i) % len(relays)
			at := time.Unix(1_700_000_000+int64(off+i), 0)
			sights = append(sights, schema.Sighting{Event: ev, Relay: relays[r], SeenAt: at},
				schema.Sighting{Event: ev, Relay: relays[(r+1)%len(relays)], SeenAt: at.Add(time.Second)})
		}
		if _, err := s.SaveEvents(ctx, sights); err != nil {
			t.Fatal(err)
		}
	}
	pgtest.Exec(t, pgtest.DatabaseName(url), "CHECKPOINT")
	pgtest.Exec(t, pgtest.DatabaseName(url), "VACUUM ANALYZE event, event_relay, relay_ref")

	for _, c := range []struct {
		name string
		run  func() error
		want string
		not  string
	}{
		{"first seen", func() error {
			_, err := s.FirstSeenOn(ctx, relays[1], archive.SeenCursor{}, 50)
			return err
		}, "event_relay_relay", "Seq Scan on event_relay "},
		{"first seen, next page", func() error {
			_, err := s.FirstSeenOn(ctx, relays[2], archive.SeenCursor{SeenAt: 1_700_010_000, Seq: 10_000}, 50)
			return err
		}, "event_relay_relay", "Seq Scan on event_relay "},
		{"event relays", func() error {
			_, err := s.EventRelays(ctx, evs[12345].ID)
			return err
		}, "event_pkey", "Seq Scan"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for i := range 10 {
				w.reset()
				if err := c.run(); err != nil {
					t.Fatalf("execution %d: %v", i+1, err)
				}
			}
			plan := w.last(t)
			t.Logf("10th execution: %s", strings.SplitN(plan, "  plan:", 2)[0])
			if !strings.Contains(plan, c.want) || strings.Contains(plan, c.not) {
				t.Errorf("10th execution is not driven by %s:\n%s", c.want, plan)
			}
		})
	}
}
