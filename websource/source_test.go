package websource

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/archive/syncer"
	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/web"
)

func snapshotOf(t *testing.T, relay schema.RelayURL, o probe.Outcome, at time.Time) schema.Snapshot {
	t.Helper()
	data, id, err := schema.Canonical(o)
	if err != nil {
		t.Fatal(err)
	}
	return schema.Snapshot{Relay: relay, Type: string(o.Check()), ID: id, Data: data, GeneratedAt: at}
}

// TestWebSourceReadsMonitorSnapshots: the status page reads the monitor's
// snapshots as the monitor stores them (schema.Canonical of probe
// outcomes), so a change of their shape fails here, not on a live page.
func TestWebSourceReadsMonitorSnapshots(t *testing.T) {
	ctx := context.Background()
	store, err := archive.Open(ctx, archive.Options{DataDir: t.TempDir(), Mode: archive.Full, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	now := time.Now().Truncate(time.Second)
	up, down, old := schema.MustRelayURL("wss://up.example.com"), schema.MustRelayURL("wss://down.example.com"), schema.MustRelayURL("wss://stale.example.com")
	if _, err := store.AddRelays(ctx, []schema.Relay{
		{URL: up, Network: schema.Clearnet, DiscoveredAt: now}, {URL: down, Network: schema.Clearnet, DiscoveredAt: now},
		{URL: old, Network: schema.Clearnet, DiscoveredAt: now},
	}); err != nil {
		t.Fatal(err)
	}
	reached := &probe.RTTOutcome{Status: probe.Status{Success: true},
		Open:  probe.Phase{Success: true, Duration: 42 * time.Millisecond},
		Read:  &probe.Phase{Success: true, Duration: 17 * time.Millisecond},
		Write: &probe.Phase{Success: false, Reason: probe.ReasonRefused}}
	refused := &probe.RTTOutcome{Status: probe.Status{Reason: probe.ReasonRefused}, Open: probe.Phase{Reason: probe.ReasonRefused}}
	lat, lon := 52.5, 13.4
	notAfter := now.Add(30 * 24 * time.Hour).Unix()
	snaps := []schema.Snapshot{
		snapshotOf(t, up, refused, now.Add(-2*time.Hour)),
		snapshotOf(t, up, reached, now.Add(-time.Minute)),
		snapshotOf(t, up, &probe.NIP11Outcome{Status: probe.Status{Success: true},
			Info: &probe.NIP11Info{Name: "Up", Software: "git+https://x/strfry", Version: "1.0", SupportedNIPs: []int{1, 11, 45}}}, now),
		snapshotOf(t, up, &probe.NIPsOutcome{Status: probe.Status{Success: true}, Claimed: []int{1, 11, 45}, Verified: []int{45}}, now),
		snapshotOf(t, up, &probe.GeoOutcome{Status: probe.Status{Success: true}, Country: "DE", City: "Berlin", Lat: &lat, Lon: &lon, TimeZone: "Europe/Berlin", Geohash: "u33"}, now),
		snapshotOf(t, up, &probe.NetOutcome{Status: probe.Status{Success: true}, ASN: 64500, ASOrg: "Example"}, now),
		snapshotOf(t, up, &probe.SSLOutcome{Status: probe.Status{Success: true}, Valid: true, Issuer: "CA", SubjectCN: "up.example.com", NotAfter: notAfter, Version: "TLS 1.3"}, now),
		snapshotOf(t, down, refused, now.Add(-time.Minute)),
		snapshotOf(t, old, reached, now.Add(-5*time.Hour)), // reached, but longer ago than two intervals
	}
	if _, err := store.SaveSnapshots(ctx, snaps); err != nil {
		t.Fatal(err)
	}
	k := nostr.GeneratePrivateKey()
	var batch []schema.Sighting
	for i := range 3 {
		ev := &nostr.Event{Kind: 1, CreatedAt: nostr.Timestamp(now.Unix() - int64(i)), Tags: nostr.Tags{}, Content: "x"}
		if err := ev.Sign(k); err != nil {
			t.Fatal(err)
		}
		batch = append(batch, schema.Sighting{Event: ev, Relay: up, SeenAt: now})
	}
	if _, err := store.SaveEvents(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if _, err := store.RefreshStats(ctx); err != nil {
		t.Fatal(err)
	}

	// Online as the node derives it for an hourly monitor: two intervals
	// and a check's budget.
	ws := New(Options{Store: store, Online: 2*time.Hour + 5*time.Minute})
	relays, err := ws.Relays(ctx)
	if err != nil || len(relays) != 3 {
		t.Fatalf("Relays = %d, %v", len(relays), err)
	}
	byURL := map[string]web.Relay{}
	for _, r := range relays {
		byURL[r.URL] = r
	}
	u := byURL[up.String()]
	if !u.Online || u.RTT.Open == nil || *u.RTT.Open != 42 || u.RTT.Read == nil || *u.RTT.Read != 17 || u.RTT.Write != nil ||
		u.Software != "git+https://x/strfry" || u.Version != "1.0" || len(u.NIPs) != 3 || len(u.VerifiedNIPs) != 1 ||
		u.Country != "DE" || u.ASN != 64500 || u.SSLExpires == nil || u.SSLExpires.Unix() != notAfter || u.Events != 3 {
		t.Errorf("up relay = %+v", u)
	}
	if d := byURL[down.String()]; d.Online || d.RTT.Open != nil || d.LastChecked == nil {
		t.Errorf("refused relay = %+v, want offline, checked, no RTT", d)
	}
	if o := byURL[old.String()]; o.Online {
		t.Errorf("a relay last reached 5h ago with a 1h interval is shown online")
	}

	d, err := ws.Relay(ctx, up.String()+"/", now.Add(-24*time.Hour)) // normalized lookup
	if err != nil {
		t.Fatal(err)
	}
	if len(d.History) != 2 || d.History[0].Online || d.History[0].Reason != string(probe.ReasonRefused) || !d.History[1].Online ||
		d.Uptime == nil || *d.Uptime != 0.5 || d.Geo == nil || *d.Geo.Lat != lat || d.SSL == nil || !d.SSL.Valid || len(d.NIP11) == 0 ||
		len(d.Kinds) != 1 || d.Kinds[0].Events != 3 || d.Events != 3 {
		t.Errorf("detail = %+v", d)
	}
	if d.Sync != nil {
		t.Errorf("sync state %+v for a relay never synced", d.Sync)
	}
	// The synchronizer's record of the relay, as it stores it.
	if err := store.PutState(ctx, []schema.State{{Service: syncer.ServiceName, Type: syncer.StateCursor, Key: up.String(),
		Value: json.RawMessage(`{"next":1800000000,"filters":"x","day":1799990000,"day_events":42,"exhausted":3,"flagged":true}`)}}); err != nil {
		t.Fatal(err)
	}
	if d, err = ws.Relay(ctx, up.String(), now.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if s := d.Sync; s == nil || !s.Flagged || s.ExhaustedRuns != 3 || s.DayEvents != 42 || s.Archived.Unix() != 1800000000 || s.DayStart.Unix() != 1799990000 {
		t.Errorf("sync state = %+v", d.Sync)
	}
	if _, err := ws.Relay(ctx, "wss://nope.example.com", now); err == nil {
		t.Error("an unknown relay was found")
	}

	// The ingest sampler: the refresh's count, then what came after it.
	clock := now
	ws.now = func() time.Time { return clock }
	ov, err := ws.Overview(ctx)
	if err != nil || ov.Events.Archived == nil || *ov.Events.Archived != 3 || ov.Events.Rate != nil {
		t.Fatalf("first overview: %+v, %v; want 3 archived, no rate yet", ov.Events, err)
	}
	var more []schema.Sighting
	for i := range 10 {
		ev := &nostr.Event{Kind: 7, CreatedAt: nostr.Timestamp(now.Unix() - 100 - int64(i)), Tags: nostr.Tags{}, Content: "+"}
		if err := ev.Sign(k); err != nil {
			t.Fatal(err)
		}
		more = append(more, schema.Sighting{Event: ev, Relay: down, SeenAt: now})
	}
	if _, err := store.SaveEvents(ctx, more); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(10 * time.Second)
	ov, err = ws.Overview(ctx)
	if err != nil || *ov.Events.Archived != 13 || ov.Events.Rate == nil || *ov.Events.Rate != 1 {
		t.Errorf("second overview: archived %v rate %v, %v; want 13 and 1/s", deref(ov.Events.Archived), deref(ov.Events.Rate), err)
	}
	if _, err := store.RefreshStats(ctx); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(10 * time.Second)
	if ov, err = ws.Overview(ctx); err != nil || *ov.Events.Archived != 13 || *ov.Events.Rate != 0.5 {
		t.Errorf("after a refresh: archived %v rate %v, %v; want 13 and 0.5/s", deref(ov.Events.Archived), deref(ov.Events.Rate), err)
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
