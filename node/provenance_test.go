package node

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/apitest"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
	"github.com/bigbrotr/bigbrotr/web"
)

// TestProvenanceMatchesManifest: a node synchronizes a small testnet of
// healthy relays (they share some events); the provenance API then lists,
// for sampled events, exactly the relays the manifest says serve them, and
// each relay's first-seen list holds only events that relay serves.
func TestProvenanceMatchesManifest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a testnet")
	}
	ctx := context.Background()
	tnn := startHealthyTestnet(t, 4, 23, func(cfg *Config, _ []schema.Relay) {
		cfg.Synchronizer.Enabled, cfg.Synchronizer.EndLag = true, 0
	})
	n, relays, m := tnn, tnn.relays, tnn.net.Manifest()
	serves := map[string][]string{} // event id -> relays serving it
	for _, r := range m.Relays {
		u := schema.MustRelayURL(r.URL)
		for _, id := range r.EventIDs {
			serves[id] = append(serves[id], u.String())
		}
	}
	deadline := time.Now().Add(2 * time.Minute)
	// Healthy relays are archived whole; wait until the archive holds as
	// many sightings as the manifest has (a wrong relay list never gets
	// there, or fails the comparison below).
	want := 0
	for _, rs := range serves {
		want += len(rs)
	}
	for {
		got := 0
		for id := range serves {
			seen, err := n.Store().EventRelays(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			got += len(seen)
		}
		if got >= want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d sightings archived after 2m", got, want)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Sample: every event served by more than one relay, and as many
	// served by one.
	var shared, single []string
	for id, rs := range serves {
		if len(rs) > 1 {
			shared = append(shared, id)
		} else {
			single = append(single, id)
		}
	}
	slices.Sort(shared)
	slices.Sort(single)
	if len(shared) == 0 || len(shared) == len(serves) && func() bool {
		for _, rs := range serves {
			if len(rs) < len(relays) {
				return false
			}
		}
		return true
	}() {
		t.Fatal("the testnet's relays share no event, or all of them: the sample cannot tell relays apart")
	}
	sample := append(shared, single[:min(len(single), len(shared))]...)
	spread := map[int]int{}
	for _, rs := range serves {
		spread[len(rs)]++
	}
	t.Logf("%d events, %d on several relays, %d sampled; events by relay count %v", len(serves), len(shared), len(sample), spread)
	v := apitest.New(t, web.OpenAPI())
	do := apitest.Server(n.base)
	for _, id := range sample {
		code, body := v.Check(t, do, "/api/v1/events/"+id+"/relays", true)
		var p web.EventProvenance
		if code != 200 || json.Unmarshal(body, &p) != nil {
			t.Errorf("event %s: %d %s", id, code, body)
			continue
		}
		var got []string
		for _, r := range p.Relays {
			got = append(got, r.URL)
		}
		slices.Sort(got)
		want := slices.Clone(serves[id])
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("event %s: provenance %v, manifest %v", id, got, want)
		}
	}
	// Every event a relay delivered first is one it serves, and each
	// served event is first seen somewhere.
	first := map[string]bool{}
	for _, r := range relays {
		mine := map[string]bool{}
		for _, id := range m.Relays[slices.IndexFunc(m.Relays, func(x testnet.RelayInfo) bool { return x.URL == r.URL.String() })].EventIDs {
			mine[id] = true
		}
		after := ""
		for {
			target := "/api/v1/relays/" + url.PathEscape(r.URL.String()) + "/first-seen?limit=500"
			if after != "" {
				target += "&after=" + after
			}
			code, body := v.Check(t, do, target, true)
			var p web.FirstSeenPage
			if code != 200 || json.Unmarshal(body, &p) != nil {
				t.Fatalf("first-seen of %s: %d %s", r.URL, code, body)
			}
			for _, e := range p.Events {
				if !mine[e.ID] {
					t.Errorf("%s lists %s as first seen there; the manifest says it does not serve it", r.URL, e.ID)
				}
				first[e.ID] = true
			}
			if p.Next == nil {
				break
			}
			after = *p.Next
		}
	}
	for id := range serves {
		if !first[id] {
			t.Errorf("event %s is first seen on no relay", id)
		}
	}
}
