package changes

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/schema"
)

// TestTrackerStoresAndHandsOn runs checks through the tracker over a real
// embedded archive: the changes are stored once, handed on once, counted,
// and every check counts towards its day's uptime.
func TestTrackerStoresAndHandsOn(t *testing.T) {
	ctx := context.Background()
	store, err := archive.Open(ctx, archive.Options{DataDir: t.TempDir(), Mode: archive.Full})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	a, b := schema.MustRelayURL("wss://a.example.com"), schema.MustRelayURL("wss://b.example.com")
	if _, err := store.AddRelays(ctx, []schema.Relay{{URL: a, Network: schema.Clearnet}, {URL: b, Network: schema.Clearnet}}); err != nil {
		t.Fatal(err)
	}
	var handed []schema.Change
	reg := prometheus.NewRegistry()
	tr, err := NewTracker(store, Rules{DownAfter: 2, ExpiryWarning: time.Hour}, nil, reg,
		func(_ context.Context, cs []schema.Change) { handed = append(handed, cs...) })
	if err != nil {
		t.Fatal(err)
	}
	check := func(i int, aUp, bUp bool) {
		t.Helper()
		at := t0.Add(time.Duration(i) * time.Hour)
		var snaps []schema.Snapshot
		for _, r := range []struct {
			u  schema.RelayURL
			up bool
		}{{a, aUp}, {b, bUp}} {
			o := &probe.RTTOutcome{Status: probe.Status{Success: r.up}}
			if !r.up {
				o.Reason = probe.Reason("refused")
			}
			s := snap(t, r.u, probe.CheckRTT, o)
			s.GeneratedAt = at
			snaps = append(snaps, s)
		}
		if err := tr.Observed(ctx, snaps); err != nil {
			t.Fatal(err)
		}
	}
	check(0, true, true)
	check(1, false, true)
	check(2, false, true)
	check(3, false, true)
	check(4, true, true)
	stored, err := store.Changes(ctx, schema.ChangeQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 2 || stored[0].Kind != schema.ChangeUp || stored[1].Kind != schema.ChangeDown ||
		stored[1].Relay != a || !stored[1].At.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("stored %+v; want a down at the second failure, then up", stored)
	}
	if len(handed) != 2 || handed[0].Kind != schema.ChangeDown || handed[1].Kind != schema.ChangeUp {
		t.Fatalf("handed on %+v", handed)
	}
	if got := counter(t, reg, "bigbrotr_changes_total", schema.ChangeDown); got != 1 {
		t.Errorf("bigbrotr_changes_total{kind=down} = %v", got)
	}
	days, err := store.Uptime(ctx, []schema.RelayURL{a}, t0)
	if err != nil || len(days) != 1 || days[0].Checks != 5 || days[0].Reachable != 2 {
		t.Fatalf("uptime of a: %+v, %v", days, err)
	}
	// A state this binary cannot read starts the relay afresh.
	if err := store.PutState(ctx, []schema.State{{Service: ServiceName, Type: StateTracked, Key: a.String(), Value: []byte(`"x"`)}}); err != nil {
		t.Fatal(err)
	}
	check(5, true, true)
	if st, err := store.GetState(ctx, ServiceName, StateTracked, a.String()); err != nil || string(st.Value) == `"x"` {
		t.Errorf("unreadable state kept: %s %v", st.Value, err)
	}
}

func counter(t *testing.T, reg *prometheus.Registry, name, kind string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" && l.GetValue() == kind {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{kind=%q}", name, kind)
	return 0
}
