package syncer

import (
	"context"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/transport"
)

func TestNewAndEmptyCycle(t *testing.T) {
	ctx := context.Background()
	tr, err := transport.New(transport.DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(DefaultConfig(), nil, tr, Options{}); err == nil {
		t.Error("New without a store: want error")
	}
	bad := DefaultConfig()
	bad.Limit = 0
	if _, err := New(bad, nil, tr, Options{}); err == nil {
		t.Error("New with an invalid config: want error")
	}
	st, err := archive.Open(ctx, archive.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reg := prometheus.NewRegistry()
	s, err := New(DefaultConfig(), st, tr, Options{Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Once(ctx); err != nil {
		t.Fatalf("Once on an empty archive: %v", err)
	}
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"bigbrotr_sync_events_rejected_total": false, "bigbrotr_sync_relays_total": false,
		"bigbrotr_loop_cycles_total": false}
	for _, f := range fams {
		if _, ok := want[f.GetName()]; ok {
			want[f.GetName()] = true
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "relay" || l.GetName() == "url" {
					t.Errorf("%s has a per-relay label", f.GetName())
				}
			}
		}
	}
	for name, seen := range want {
		if !seen {
			t.Errorf("metric %s not registered", name)
		}
	}
}

func TestBackoffAndSigCache(t *testing.T) {
	s := &Syncer{cfg: DefaultConfig()}
	for n, want := range map[int]string{1: "1s", 2: "2s", 3: "4s", 6: "30s", 40: "30s"} {
		if got := s.backoff(n).String(); got != want {
			t.Errorf("backoff(%d) = %s, want %s", n, got, want)
		}
	}
	k := keyOf
	if k("ab", "c") == k("a", "bc") {
		t.Error("the key binds the concatenation, not the pair")
	}
	c := newSigCache(sigCacheWays) // one set: every pair competes for its slots
	for _, p := range []string{"a", "b", "c", "d", "f", "g", "h", "i"} {
		c.add(k(p, "s"+p))
	}
	c.add(k("a", "sa")) // known: takes no slot
	if !c.has(k("a", "sa")) || !c.has(k("i", "si")) || c.has(k("a", "other")) || c.has(k("z", "sz")) {
		t.Error("cache lookups wrong")
	}
	c.add(k("e", "se")) // the set is full: the oldest pair, a, makes room
	if c.has(k("a", "sa")) || !c.has(k("b", "sb")) || !c.has(k("e", "se")) {
		t.Error("a full set did not replace its oldest pair")
	}

	// At half load the table keeps nearly every pair: sets rarely overflow.
	big := newSigCache(1 << 12)
	for i := range 1 << 11 {
		big.add(k(strconv.Itoa(i), "s"))
	}
	kept := 0
	for i := range 1 << 11 {
		if big.has(k(strconv.Itoa(i), "s")) {
			kept++
		}
	}
	if kept < (1<<11)*98/100 {
		t.Errorf("kept %d of %d pairs at half load", kept, 1<<11)
	}
	if len(big.slots) != 1<<12 {
		t.Errorf("%d slots, want %d: the table must not grow", len(big.slots), 1<<12)
	}
}
