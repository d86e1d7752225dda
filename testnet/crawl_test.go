package testnet

import (
	"context"
	"slices"
	"testing"

	"github.com/nbd-wtf/go-nostr"
)

// fetchAll reads every event matching f from url over the wire, paginating
// with until (capped relays need it), and returns nil unless every page
// ended with EOSE.
func fetchAll(ctx context.Context, t *testing.T, n *Network, url string, f nostr.Filter) []*nostr.Event {
	w, err := dialWire(ctx, t, n, url)
	if err != nil {
		return nil
	}
	defer w.c.CloseNow()
	seen := map[string]bool{}
	var out []*nostr.Event
	for page := 0; page < 100; page++ {
		f.Limit = 500
		evs, end, err := w.req(ctx, "p"+itoa(page), f)
		if err != nil || end.label != "EOSE" {
			return nil
		}
		fresh := 0
		for _, ev := range evs {
			if !seen[ev.ID] {
				seen[ev.ID] = true
				out = append(out, ev)
				fresh++
			}
			if f.Until == nil || ev.CreatedAt < *f.Until {
				ts := ev.CreatedAt
				f.Until = &ts
			}
		}
		if fresh == 0 {
			return out
		}
	}
	return out
}

// crawl is an independent, over-the-wire discovery crawler: it must agree
// with the manifest's precomputed Discovery.
func crawl(ctx context.Context, t *testing.T, n *Network, hints bool) []string {
	m := n.Manifest()
	seen := map[string]bool{}
	queue := slices.Clone(m.Seeds)
	for _, s := range queue {
		seen[s] = true
	}
	var found []string
	for len(queue) > 0 {
		url := queue[0]
		queue = queue[1:]
		found = append(found, url)
		f := nostr.Filter{Kinds: []int{2, 3, 10002}}
		if hints {
			f = nostr.Filter{}
		}
		for _, ev := range fetchAll(ctx, t, n, url, f) {
			if ok, _ := ev.CheckSignature(); !ok || !ev.CheckID() {
				continue
			}
			for _, u := range extractURLs(ev, hints) {
				e, ok := m.URLs[u]
				if !ok || e.Kind != URLRelay {
					continue
				}
				if e.Canonical != "" {
					u = e.Canonical
				}
				if !seen[u] {
					seen[u] = true
					queue = append(queue, u)
				}
			}
		}
	}
	slices.Sort(found)
	return found
}

func TestDiscoveryMatchesWire(t *testing.T) {
	n := startNet(t, Options{Relays: 50, Seed: 21, SlowDelay: 50e6, FlapUp: 50e6, FlapDown: 50e6})
	m := n.Manifest()
	ctx := testCtx(t)
	for _, tc := range []struct {
		name  string
		hints bool
		want  []string
	}{{"lists", false, m.Discovery.Relays}, {"with hints", true, m.Discovery.WithHints}} {
		t.Run(tc.name, func(t *testing.T) {
			got := crawl(ctx, t, n, tc.hints)
			if !slices.Equal(got, tc.want) {
				t.Errorf("wire crawl found %d relays, manifest says %d\n got %v\nwant %v", len(got), len(tc.want), got, tc.want)
			}
		})
	}
	// Invariants of the ground truth itself.
	disc := map[string]bool{}
	for _, u := range m.Discovery.WithHints {
		disc[u] = true
	}
	dark, hintOnly := 0, 0
	for _, r := range m.Relays {
		if r.HintOnly {
			if slices.Contains(m.Discovery.Relays, r.URL) {
				t.Errorf("hint-only relay %s found through relay lists", r.URL)
			}
			if slices.Contains(m.Discovery.WithHints, r.URL) {
				hintOnly++
			}
		}
		if r.Dark {
			dark++
			if disc[r.URL] {
				t.Errorf("dark relay %s discovered", r.URL)
			}
		}
		if r.Seed && !slices.Contains(m.Discovery.Relays, r.URL) {
			t.Errorf("seed %s missing from discovery", r.URL)
		}
	}
	if dark == 0 || hintOnly == 0 || len(m.Discovery.Relays) < len(m.Relays)/2 || len(m.Discovery.Rejected) == 0 {
		t.Errorf("degenerate network: %d dark, %d hint-only found, %d discovered, %d rejected URLs",
			dark, hintOnly, len(m.Discovery.Relays), len(m.Discovery.Rejected))
	}
}
