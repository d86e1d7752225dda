package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
)

// Opener returns a fresh, empty, migrated store in the given mode and
// registers its Close with t.Cleanup.
type Opener func(t *testing.T, mode archive.Mode) archive.Store

// SightingsReader is implemented by every backend: it reads back the
// provenance SaveEvents recorded, so the suite can check that the first
// seen_at is kept. It is not part of archive.Store because no loop needs it.
type SightingsReader interface {
	// Sightings maps each relay URL the event was seen on to its first
	// recorded seen_at. An unknown id gives an empty map and no error.
	Sightings(ctx context.Context, id string) (map[string]time.Time, error)
}

// Run runs the whole suite. Event behaviour runs in both modes; relays,
// candidates, snapshots and state run in full mode only, as mode does not
// touch them.
func Run(t *testing.T, open func(t *testing.T, mode archive.Mode) archive.Store) {
	for _, mode := range []archive.Mode{archive.Full, archive.Lil} {
		t.Run(string(mode), func(t *testing.T) {
			o := Opener(open)
			t.Run("Mode", func(t *testing.T) {
				if got := o(t, mode).Mode(); got != mode {
					t.Fatalf("Mode() = %q, want %q", got, mode)
				}
			})
			for _, c := range eventTests {
				t.Run(c.name, func(t *testing.T) { c.run(t, mode, o) })
			}
		})
	}
	o := Opener(open)
	for _, c := range []struct {
		name string
		run  func(*testing.T, Opener)
	}{
		{"Relays", testRelays},
		{"Candidates", testCandidates},
		{"Promote", testPromote},
		{"Snapshots", testSnapshots},
		{"Reports", testReports},
		{"Stats", testStats},
		{"State", testState},
		{"ScanPaging", testScanPaging},
		{"ScanConcurrent", testScanConcurrent},
		{"Leases", testLeases},
		{"LeasesConcurrent", testLeasesConcurrent},
		{"LeasesExpire", testLeasesExpire},
		{"Changes", testChanges},
		{"Uptime", testUptime},
		{"PruneChanges", testPruneChanges},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, o) })
	}
}

// eventTests run once per mode.
var eventTests = []struct {
	name string
	run  func(*testing.T, archive.Mode, Opener)
}{
	{"Save", testSave},
	{"StorageRules", testStorageRules},
	{"LongAndNULTags", testLongAndNULTags},
	{"DigestedAddresses", testDigestedAddresses},
	{"OddCharacters", testOddCharacters},
	{"ShortTags", testShortTags},
	{"Query", testQuery},
	{"QueryEdges", testQueryEdges},
	{"Replaceable", testReplaceable},
	{"Addressable", testAddressable},
	{"DeleteByID", testDeleteByID},
	{"DeleteByAddress", testDeleteByAddress},
	{"Expiration", testExpiration},
	{"Cancellation", testCancellation},
	{"Concurrent", testConcurrent},
	{"Scan", testScan},
	{"ServableKeys", testServableKeys},
	{"Provenance", testProvenance},
}

// base is the fixed clock of the suite: every created_at is relative to it.
const base int64 = 1_700_000_000

func ts(v int64) *nostr.Timestamp {
	x := nostr.Timestamp(v)
	return &x
}

// key is one author.
type key struct{ sk, pk string }

func newKey(t testing.TB) key {
	t.Helper()
	sk := nostr.GeneratePrivateKey()
	pk, err := nostr.GetPublicKey(sk)
	if err != nil {
		t.Fatal(err)
	}
	return key{sk, pk}
}

// sign builds and signs one event.
func (k key) sign(t testing.TB, kind int, createdAt int64, tags nostr.Tags, content string) *nostr.Event {
	t.Helper()
	if tags == nil {
		tags = nostr.Tags{}
	}
	ev := &nostr.Event{Kind: kind, CreatedAt: nostr.Timestamp(createdAt), Tags: tags, Content: content}
	if err := ev.Sign(k.sk); err != nil {
		t.Fatal(err)
	}
	return ev
}

// direct wraps events as sightings without provenance (node writes).
func direct(evs ...*nostr.Event) []schema.Sighting {
	out := make([]schema.Sighting, len(evs))
	for i, ev := range evs {
		out[i] = schema.Sighting{Event: ev}
	}
	return out
}

func save(t testing.TB, s archive.Store, evs ...*nostr.Event) schema.SaveResult {
	t.Helper()
	res, err := s.SaveEvents(context.Background(), direct(evs...))
	if err != nil {
		t.Fatalf("SaveEvents: %v", err)
	}
	return res
}

func query(t testing.TB, s archive.Store, f nostr.Filter) []*nostr.Event {
	t.Helper()
	var out []*nostr.Event
	err := s.QueryEvents(context.Background(), f, func(ev *nostr.Event) error {
		out = append(out, ev)
		return nil
	})
	if err != nil {
		t.Fatalf("QueryEvents(%s): %v", f, err)
	}
	return out
}

func count(t testing.TB, s archive.Store, f nostr.Filter) int64 {
	t.Helper()
	n, err := s.CountEvents(context.Background(), f)
	if err != nil {
		t.Fatalf("CountEvents(%s): %v", f, err)
	}
	return n
}

// order sorts events as NIP-01 serves them: newest first, ties by lowest id.
func order(evs []*nostr.Event) []*nostr.Event {
	out := slices.Clone(evs)
	slices.SortFunc(out, func(a, b *nostr.Event) int {
		if a.CreatedAt != b.CreatedAt {
			if a.CreatedAt > b.CreatedAt {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

func ids(evs []*nostr.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.ID
	}
	return out
}

// wantIDs fails unless got holds exactly the ids of want, in that order.
func wantIDs(t testing.TB, what string, got, want []*nostr.Event) {
	t.Helper()
	g, w := ids(got), ids(want)
	if !slices.Equal(g, w) {
		t.Errorf("%s:\n got  %s\n want %s", what, short(g), short(w))
	}
}

func short(ids []string) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		if len(id) > 8 {
			id = id[:8]
		}
		s[i] = id
	}
	return "[" + strings.Join(s, " ") + "]"
}

// checkEvents fails unless got holds the events of want, in that order,
// each as the mode serves it.
func checkEvents(t testing.TB, mode archive.Mode, what string, got, want []*nostr.Event) {
	t.Helper()
	wantIDs(t, what, got, want)
	if len(got) == len(want) {
		for i := range got {
			checkEvent(t, mode, got[i], want[i])
		}
	}
}

// checkEvent compares a served event with the one saved, field by field,
// as the mode allows.
func checkEvent(t testing.TB, mode archive.Mode, got, want *nostr.Event) {
	t.Helper()
	if got.ID != want.ID || got.PubKey != want.PubKey || got.CreatedAt != want.CreatedAt || got.Kind != want.Kind {
		t.Errorf("event %s: got id/pubkey/created_at/kind %s/%s/%d/%d, want %s/%s/%d/%d", want.ID,
			got.ID, got.PubKey, got.CreatedAt, got.Kind, want.ID, want.PubKey, want.CreatedAt, want.Kind)
		return
	}
	if mode == archive.Lil {
		if len(got.Tags) != 0 || got.Content != "" || got.Sig != "" {
			t.Errorf("lil event %s: tags %v content %q sig %q, want all empty", want.ID, got.Tags, got.Content, got.Sig)
		}
		return
	}
	if got.Content != want.Content || got.Sig != want.Sig || !tagsEqual(got.Tags, want.Tags) {
		t.Errorf("event %s: got tags %v content %q sig %s, want tags %v content %q sig %s", want.ID,
			got.Tags, got.Content, got.Sig, want.Tags, want.Content, want.Sig)
	}
	if !got.CheckID() {
		t.Errorf("event %s: served event no longer hashes to its id", want.ID)
	}
	if ok, err := got.CheckSignature(); !ok || err != nil {
		t.Errorf("event %s: served event does not verify: %v", want.ID, err)
	}
}

func tagsEqual(a, b nostr.Tags) bool {
	return slices.EqualFunc(a, b, func(x, y nostr.Tag) bool { return slices.Equal(x, y) })
}
