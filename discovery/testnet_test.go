package discovery

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
	"github.com/bigbrotr/bigbrotr/transport"
)

// startTestnet runs a 300-relay network with 5% of the relays in the seed
// file. Flapping relays stay up for the test's duration: whether a relay that
// is down when probed gets promoted is the backoff's business, tested apart.
func startTestnet(t *testing.T) *testnet.Network {
	t.Helper()
	if testing.Short() {
		t.Skip("300-relay testnet")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n, err := testnet.Start(ctx, testnet.Options{
		Relays: 300, Seed: 4, SeedRelays: 15, FlapUp: time.Hour, FlapDown: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	return n
}

func testnetTransport(t *testing.T, n *testnet.Network, allowPrivate bool) *transport.Transport {
	t.Helper()
	cfg := transport.DefaultConfig()
	cfg.AllowPrivate = allowPrivate
	n.Manifest().Reach(&cfg, n.Dir(), 10*time.Second)
	cfg.ReadTimeout = 5 * time.Second
	tr, err := transport.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

type loops struct {
	seeder    *Seeder
	finder    *Finder
	validator *Validator
}

func newLoops(t *testing.T, n *testnet.Network, st archive.Store, tr *transport.Transport, reg prometheus.Registerer) loops {
	t.Helper()
	o := Options{Options: loop.Options{Registerer: reg}}
	sd, err := NewSeeder(SeederConfig{File: filepath.Join(n.Dir(), n.Manifest().SeedFile)}, st, o)
	if err != nil {
		t.Fatal(err)
	}
	fc := DefaultFinderConfig()
	fc.Concurrency, fc.RelayTimeout = 50, 30*time.Second
	f, err := NewFinder(fc, st, tr, o)
	if err != nil {
		t.Fatal(err)
	}
	vc := DefaultValidatorConfig()
	vc.Concurrency, vc.Timeout = 50, 10*time.Second
	v, err := NewValidator(vc, st, tr, o)
	if err != nil {
		t.Fatal(err)
	}
	return loops{sd, f, v}
}

// TestTestnetDiscovery is issue 4's acceptance test: seeded with 5% of a
// 300-relay testnet, after the seeds are validated, three finder+validator cycles discover exactly the
// relays the manifest says are reachable through relay lists, and promote
// exactly those of them that speak Nostr (auth-required and paid included;
// echo, HTTP-only, closed and broken-TLS excluded). The only other
// candidates are the dead URLs planted in relay lists.
func TestTestnetDiscovery(t *testing.T) {
	n := startTestnet(t)
	m := n.Manifest()
	ctx := context.Background()
	s := openStore(t)
	l := newLoops(t, n, s, testnetTransport(t, n, true), prometheus.NewRegistry())
	if _, err := l.seeder.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	// Node start: the seeds are validated (the first validator cycle has
	// nothing else to do); then three finder+validator cycles.
	if _, err := l.validator.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	for cycle := 1; cycle <= 3; cycle++ {
		fs, err := l.finder.RunOnce(ctx)
		if err != nil {
			t.Fatalf("cycle %d: finder: %v", cycle, err)
		}
		vs, err := l.validator.RunOnce(ctx)
		if err != nil {
			t.Fatalf("cycle %d: validator: %v", cycle, err)
		}
		t.Logf("cycle %d: finder found %d, added %d, relays %d (%d failed), events %d, rejects %v; validator %+v",
			cycle, fs.Found, fs.Added, fs.RelaysAsked, fs.RelayFailures, fs.EventsFetched, fs.Rejected, vs)
	}

	var wantPromoted []string
	for _, u := range m.Discovery.Relays {
		if r, _ := m.Relay(u); r.Valid {
			wantPromoted = append(wantPromoted, u)
		}
	}
	slices.Sort(wantPromoted)
	promoted := relayURLs(t, s)
	if !slices.Equal(promoted, wantPromoted) {
		t.Errorf("promoted %d relays, want %d:\n  extra   %v\n  missing %v", len(promoted), len(wantPromoted),
			minus(promoted, wantPromoted), minus(wantPromoted, promoted))
	}

	dead := map[string]bool{}
	for raw, e := range m.URLs {
		if e.Kind == testnet.URLDead {
			if u, err := schema.ParseRelayURL(raw); err == nil {
				dead[u.String()] = true
			}
		}
	}
	found := append(promoted, keys(candidates(t, s))...)
	var discovered []string
	for _, u := range found {
		if !dead[u] {
			discovered = append(discovered, u)
		}
	}
	slices.Sort(discovered)
	want := slices.Clone(m.Discovery.Relays)
	slices.Sort(want)
	if !slices.Equal(discovered, want) {
		t.Errorf("discovered %d relays, want %d:\n  extra   %v\n  missing %v", len(discovered), len(want),
			minus(discovered, want), minus(want, discovered))
	}
	for _, u := range discovered {
		if r, ok := m.Relay(u); ok && (r.Dark || r.HintOnly) {
			t.Errorf("found %s, which only a forged list or a hint in an unrequested kind names", u)
		}
	}
	// The equalities above only prove something if the reachable set holds
	// relays of both verdicts; the fixed seed makes sure it does.
	reachable := map[testnet.Profile]int{}
	for _, u := range want {
		r, _ := m.Relay(u)
		reachable[r.Profile]++
	}
	for _, p := range []testnet.Profile{testnet.AuthRead, testnet.AuthAll, testnet.Paid, testnet.Echo, testnet.HTTPOnly, testnet.Closed} {
		if reachable[p] == 0 {
			t.Errorf("no reachable %s relay in this network: pick another seed", p)
		}
	}
}

// TestTestnetRefusesPrivate: with allow_private off, the testnet's
// loopback relays are refused at dial time: no relay sees a connection, and
// the refusals are counted.
func TestTestnetRefusesPrivate(t *testing.T) {
	n := startTestnet(t)
	ctx := context.Background()
	s := openStore(t)
	l := newLoops(t, n, s, testnetTransport(t, n, false), prometheus.NewRegistry())
	n.ResetStats()
	if _, err := l.seeder.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	vs, err := l.validator.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.finder.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	seeds := len(n.Manifest().Seeds)
	if vs.Reasons[ReasonRefused] != seeds || len(relayURLs(t, s)) != 0 {
		t.Errorf("validator %+v: want all %d seeds refused and none promoted", vs, seeds)
	}
	for url, st := range n.AllStats() {
		if st.Connections != 0 {
			t.Errorf("%s saw %d connections", url, st.Connections)
		}
	}
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
