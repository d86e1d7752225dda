package synchronizer

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/testnet"
)

// sightingsReader is implemented by both archive backends.
type sightingsReader interface {
	Sightings(ctx context.Context, id string) (map[string]time.Time, error)
}

// expectation is the ground truth after a sync: for every relay, the ids it
// serves; complete relays must be archived exactly, partial ones (relays
// that drop connections, flap or ration requests) only as a subset.
type expectation struct {
	ids      map[string]map[string]bool // relay -> valid ids it serves
	complete map[string]bool            // relays that must be archived exactly
	invalid  []string                   // ids that must never be archived
}

func expect(m *testnet.Manifest, injected map[string][]*nostr.Event) expectation {
	e := expectation{ids: map[string]map[string]bool{}, complete: map[string]bool{}}
	for _, r := range m.Relays {
		if !r.Valid {
			continue
		}
		set := map[string]bool{}
		for _, id := range r.EventIDs {
			set[id] = true
		}
		for _, ev := range injected[r.URL] {
			set[ev.ID] = true
		}
		e.ids[r.URL] = set
		switch r.Profile {
		case testnet.AuthRead, testnet.AuthAll:
			e.complete[r.URL] = true // the synchronizer authenticates
		default:
			e.complete[r.URL] = r.Readable
		}
		e.invalid = append(e.invalid, r.InvalidEventIDs...)
		e.invalid = append(e.invalid, r.FutureEventIDs...)
		e.invalid = append(e.invalid, r.HugeEventIDs...)
	}
	return e
}

// check compares the archive with the expectation: set equality by id over
// complete relays, provenance equality on complete relays, provenance
// within the truth elsewhere, and no invalid event.
func (e expectation) check(t *testing.T, ctx context.Context, st archive.Store, n *testnet.Network) {
	t.Helper()
	sr := st.(sightingsReader)
	want := map[string]map[string]bool{} // id -> relays that must have it
	may := map[string]map[string]bool{}  // id -> relays that may have it
	for url, ids := range e.ids {
		for id := range ids {
			if may[id] == nil {
				may[id] = map[string]bool{}
			}
			may[id][url] = true
			if e.complete[url] {
				if want[id] == nil {
					want[id] = map[string]bool{}
				}
				want[id][url] = true
			}
		}
	}
	stored := map[string]bool{}
	if err := st.QueryEvents(ctx, nostr.Filter{}, func(ev *nostr.Event) error {
		stored[ev.ID] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	bad := 0
	report := func(format string, args ...any) {
		if bad++; bad <= 20 {
			t.Errorf(format, args...)
		}
	}
	for id := range stored {
		if may[id] == nil {
			report("archived %s, which no relay serves as valid", id)
		}
	}
	for id, relays := range may {
		seen, err := sr.Sightings(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for url := range want[id] {
			if _, ok := seen[url]; !ok {
				report("event %s of %s (%s) missing", id, url, profileOf(url))
			}
		}
		for url := range seen {
			if !relays[url] {
				report("event %s attributed to %s, which does not serve it", id, url)
			}
		}
	}
	for _, id := range e.invalid {
		if seen, _ := sr.Sightings(ctx, id); len(seen) > 0 || stored[id] {
			report("invalid event %s archived", id)
		}
	}
	if bad > 20 {
		t.Errorf("... %d problems in all", bad)
	}
}

var profiles = map[string]testnet.Profile{}

func profileOf(url string) testnet.Profile { return profiles[url] }

func TestSyncTestnet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 100-relay testnet")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	n, err := testnet.Start(ctx, testnet.Options{Relays: 100, Seed: 6, CapK: 50,
		SlowDelay: 300 * time.Millisecond, FlapUp: time.Second, FlapDown: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	m := n.Manifest()
	for _, r := range m.Relays {
		profiles[r.URL] = r.Profile
	}
	injected := inject(t, ctx, n, m)

	st := openStore(t, ctx, t.TempDir(), m)
	defer st.Close()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel()}))
	tr := transportFor(t, m, n.Dir())
	reg := prometheus.NewRegistry()
	// Two nodes share the work through leases.
	var nodes [2]*Syncer
	cfg := testConfig()
	cfg.EndLag = 0 // so that the incremental cycle below need not wait a minute
	for i := range nodes {
		s, err := New(cfg, st, tr, Options{Options: loop.Options{Logger: logger, Registerer: reg, Holder: fmt.Sprintf("node-%d", i)}, Signer: keySigner(nostr.GeneratePrivateKey())})
		if err != nil {
			t.Fatal(err)
		}
		nodes[i] = s
	}
	var (
		stats [2]Stats
		errs  [2]error
		wg    sync.WaitGroup
	)
	for i, s := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stats[i], errs[i] = s.RunOnce(ctx)
		}()
	}
	wg.Wait()
	valid := 0
	for _, r := range m.Relays {
		if r.Valid {
			valid++
		}
	}
	for i := range nodes {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		t.Logf("node %d: %+v", i, stats[i])
	}
	if got := stats[0].Relays + stats[0].Failed + stats[1].Relays + stats[1].Failed; got != valid {
		t.Errorf("relays handled = %d, want each of the %d relays exactly once", got, valid)
	}
	if stats[0].Relays == 0 || stats[1].Relays == 0 {
		t.Errorf("one node did all the work: %d and %d relays", stats[0].Relays, stats[1].Relays)
	}
	rejected := stats[0].Rejects[ReasonInvalidSig] + stats[0].Rejects[ReasonInvalidID] +
		stats[1].Rejects[ReasonInvalidSig] + stats[1].Rejects[ReasonInvalidID]
	if rejected == 0 {
		t.Error("no invalid event rejected: the bad-events relays were not read")
	}
	expect(m, injected).check(t, ctx, st, n)

	// The next cycle fetches only what is new behind the cursors.
	healthy := m.ByProfile(testnet.Healthy)[0].URL
	time.Sleep(1100 * time.Millisecond) // past the second the cursors stopped at
	fresh := burst(genKeys(1), []int{1}, 5, time.Now().Unix(), 0, "fresh")
	if err := publish(ctx, n, healthy, fresh); err != nil {
		t.Fatal(err)
	}
	injected[healthy] = append(injected[healthy], fresh...)
	next, err := nodes[0].RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if next.Inserted != len(fresh) {
		t.Errorf("second cycle inserted %d events, want the %d new ones", next.Inserted, len(fresh))
	}
	if next.Valid > 200 {
		t.Errorf("second cycle fetched %d valid events: cursors were not used", next.Valid)
	}
	expect(m, injected).check(t, ctx, st, n)
}

// inject gives a capped relay (K=50) a long history and a second with 80
// events of four kinds (more than it returns at once), and a healthy relay
// 150 events of one author and kind in one second (more than the REQ
// limit of 100): only negentropy reaches all of them.
func inject(t *testing.T, ctx context.Context, n *testnet.Network, m *testnet.Manifest) map[string][]*nostr.Event {
	t.Helper()
	out := map[string][]*nostr.Event{}
	base := m.BaseTime - 3600
	pick := func(p testnet.Profile) string {
		for _, r := range m.ByProfile(p) {
			if r.Valid && r.Network == testnet.Clearnet {
				return r.URL
			}
		}
		t.Fatalf("no clearnet %s relay", p)
		return ""
	}
	capped, healthy := pick(testnet.Capped), pick(testnet.Healthy)
	keys := genKeys(4)
	out[capped] = append(burst(keys, []int{1}, 300, base, 7, "history"),
		burst(keys, []int{1, 7, 1111, 30023}, 80, base-5000, 0, "crowded second")...)
	for i, ev := range out[capped] {
		if ev.Kind == 30023 {
			ev.Tags = nostr.Tags{{"d", "slug-" + string(rune('a'+i%26)) + ev.Content}}
			if err := ev.Sign(keys[i%len(keys)]); err != nil {
				t.Fatal(err)
			}
		}
	}
	out[healthy] = burst(keys[:1], []int{1}, 150, base-100, 0, "one author one second")
	for url, evs := range out {
		if err := publish(ctx, n, url, evs); err != nil {
			t.Fatal(err)
		}
	}
	slices.SortFunc(out[capped], func(a, b *nostr.Event) int { return int(b.CreatedAt - a.CreatedAt) })
	return out
}
