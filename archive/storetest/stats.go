package storetest

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
)

var relayC = schema.MustRelayURL("wss://c.example.com")

// testStats: the statistics count what was archived, in both modes, and
// follow the archive after each refresh.
func testStats(t *testing.T, open Opener) {
	for _, mode := range []archive.Mode{archive.Full, archive.Lil} {
		t.Run(string(mode), func(t *testing.T) { testStatsMode(t, mode, open) })
	}
}

func testStatsMode(t *testing.T, mode archive.Mode, open Opener) {
	s := open(t, mode)
	ctx := context.Background()
	if st, err := s.Stats(ctx); err != nil || !st.RefreshedAt.IsZero() || st.Events.Events != 0 {
		t.Fatalf("Stats before any refresh = %+v, %v; want zero", st, err)
	}
	refresh := func() archive.Stats {
		t.Helper()
		before := time.Now().Add(-time.Second)
		if _, err := s.RefreshStats(ctx); err != nil {
			t.Fatalf("RefreshStats: %v", err)
		}
		st, err := s.Stats(ctx)
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		if st.RefreshedAt.Before(before) || st.RefreshedAt.After(time.Now().Add(time.Second)) {
			t.Errorf("RefreshedAt = %v, want about now", st.RefreshedAt)
		}
		return st
	}
	if st := refresh(); st.Events.Events != 0 || len(st.Kinds)+len(st.Daily)+len(st.Relays) != 0 {
		t.Errorf("stats of an empty archive = %+v", st)
	}

	addRelays(t, s, relayA, relayB, relayC)
	now := time.Now().Unix()
	const day = 86400
	k1, k2 := newKey(t), newKey(t)
	evs := []*nostr.Event{
		k1.sign(t, 1, now-60, nil, "a"),                            // last hour
		k1.sign(t, 1, now-2*3600, nil, "b"),                        // last day
		k2.sign(t, 7, now-3*day, nil, "c"),                         // last week
		k2.sign(t, 0, now-20*day, nil, "{}"),                       // last month, replaceable
		k1.sign(t, 30023, now-90*day, nostr.Tags{{"d", "x"}}, "d"), // addressable
		k2.sign(t, 20001, now-90*day, nil, "e"),                    // ephemeral range (stored when saved directly)
		k1.sign(t, 45000, now-90*day, nil, "f"),                    // no NIP-01 range
		k2.sign(t, 1, -day-1, nil, "before 1970"),                  // day -2
		k2.sign(t, 1, 300_000_000_000, nil, "far"),                 // beyond year 9999: no day
	}
	var batch []schema.Sighting
	for i, ev := range evs {
		batch = append(batch, schema.Sighting{Event: ev, Relay: relayA, SeenAt: at(int64(i))})
		if i%2 == 0 {
			batch = append(batch, schema.Sighting{Event: ev, Relay: relayB, SeenAt: at(100 + int64(i))})
		}
	}
	if _, err := s.SaveEvents(ctx, batch); err != nil {
		t.Fatalf("SaveEvents: %v", err)
	}
	nip11 := func(software, version string, nips string) string {
		return fmt.Sprintf(`{"info":{"name":"n","software":%q,"supported_nips":%s,"version":%q},"success":true}`, software, nips, version)
	}
	long := strings.Repeat("s", 5000)
	saveSnaps(t, s,
		snap(relayA, "nip11", nip11("git+https://x/strfry", "1.0", `[1,11,42]`), 1),
		snap(relayA, "nip11", nip11("git+https://x/khatru", "0.19", `[1,11,45]`), 5), // newest wins
		snap(relayB, "nip11", nip11("git+https://x/khatru", "0.19", `[1,"45",1.5,"x",-2]`), 1),
		snap(relayC, "nip11", nip11(long, "", `"not a list"`), 1),
		snap(relayA, "geo", `{"country":"DE","success":true}`, 1),
		snap(relayB, "geo", `{"country":"DE","success":true}`, 1),
		snap(relayC, "geo", `{"success":true}`, 1),
		snap(schema.MustRelayURL("wss://not-validated.example.com"), "geo", `{"country":"FR","success":true}`, 1),
	)

	st := refresh()
	want := archive.EventStats{
		Events: 9, Pubkeys: 2, Kinds: 6, Oldest: -day - 1, Newest: 300_000_000_000,
		Regular: 5, Replaceable: 1, Ephemeral: 1, Addressable: 1,
		LastHour: 2, LastDay: 3, LastWeek: 4, LastMonth: 5,
	}
	got := st.Events
	if got.ArchiveHead == 0 {
		t.Error("ArchiveHead = 0 after saving events")
	}
	got.ArchiveHead = 0
	if got != want {
		t.Errorf("Events = %+v\nwant     %+v", got, want)
	}
	wantKinds := []archive.KindCount{{Kind: 0, Events: 1, Pubkeys: 1}, {Kind: 1, Events: 4, Pubkeys: 2}, {Kind: 7, Events: 1, Pubkeys: 1},
		{Kind: 20001, Events: 1, Pubkeys: 1}, {Kind: 30023, Events: 1, Pubkeys: 1}, {Kind: 45000, Events: 1, Pubkeys: 1}}
	if !reflect.DeepEqual(st.Kinds, wantKinds) {
		t.Errorf("Kinds = %+v, want %+v", st.Kinds, wantKinds)
	}
	if want := wantDaily(evs); !reflect.DeepEqual(st.Daily, want) {
		t.Errorf("Daily = %+v\nwant    %+v", st.Daily, want)
	}
	wantRelays := []archive.RelayEvents{
		{URL: relayA.String(), Events: 9, FirstSeen: at(0), LastSeen: at(8)},
		{URL: relayB.String(), Events: 5, FirstSeen: at(100), LastSeen: at(108)},
	}
	if !reflect.DeepEqual(st.Relays, wantRelays) {
		t.Errorf("Relays = %+v, want %+v", st.Relays, wantRelays)
	}
	wantSoftware := []archive.SoftwareCount{
		{Software: "git+https://x/khatru", Version: "0.19", Relays: 2},
		{Software: strings.Repeat("s", 200), Version: "unknown", Relays: 1},
	}
	if !reflect.DeepEqual(st.Software, wantSoftware) {
		t.Errorf("Software = %+v, want %+v", st.Software, wantSoftware)
	}
	wantNIPs := []archive.NIPCount{{NIP: 1, Relays: 2}, {NIP: 11, Relays: 1}, {NIP: 45, Relays: 2}}
	if !reflect.DeepEqual(st.NIPs, wantNIPs) {
		t.Errorf("NIPs = %+v, want %+v", st.NIPs, wantNIPs)
	}
	if want := []archive.CountryCount{{Country: "DE", Relays: 2}}; !reflect.DeepEqual(st.Countries, want) {
		t.Errorf("Countries = %+v, want %+v", st.Countries, want)
	}
	kinds, err := s.RelayKinds(ctx, relayB)
	if want := []archive.KindCount{{Kind: 1, Events: 2}, {Kind: 7, Events: 1}, {Kind: 30023, Events: 1}, {Kind: 45000, Events: 1}}; err != nil || !reflect.DeepEqual(kinds, want) {
		t.Errorf("RelayKinds(%s) = %+v, %v; want %+v", relayB, kinds, err, want)
	}
	if kinds, err := s.RelayKinds(ctx, relayC); err != nil || len(kinds) != 0 {
		t.Errorf("RelayKinds of a relay with no events = %+v, %v", kinds, err)
	}

	// Statistics move only on refresh, and the archive head tells what
	// was archived since.
	head := st.Events.ArchiveHead
	save(t, s, k1.sign(t, 1, now-30, nil, "new"), k2.sign(t, 1, now-31, nil, "newer"))
	if again, err := s.Stats(ctx); err != nil || again.Events.Events != 9 {
		t.Errorf("Stats before the next refresh = %d events, %v; want the old 9", again.Events.Events, err)
	}
	if n, h, err := s.CountArchived(ctx, head); err != nil || n != 2 || h <= head {
		t.Errorf("CountArchived(%d) = %d, %d, %v; want 2 events past the head", head, n, h, err)
	}
	if st := refresh(); st.Events.Events != 11 || st.Events.LastHour != 4 {
		t.Errorf("after the second refresh: %d events, %d in the last hour; want 11, 4", st.Events.Events, st.Events.LastHour)
	}
}

// wantDaily is the daily counts of evs by UTC day, for days of years 1-9999.
func wantDaily(evs []*nostr.Event) []archive.DayCount {
	type agg struct{ events, pubkeys, kinds map[string]bool }
	days := map[int64]*agg{}
	for _, ev := range evs {
		sec := int64(ev.CreatedAt)
		if sec < -62135596800 || sec > 253402300799 {
			continue
		}
		d := sec / 86400
		if sec%86400 < 0 {
			d--
		}
		a := days[d]
		if a == nil {
			a = &agg{map[string]bool{}, map[string]bool{}, map[string]bool{}}
			days[d] = a
		}
		a.events[ev.ID], a.pubkeys[ev.PubKey], a.kinds[fmt.Sprint(ev.Kind)] = true, true, true
	}
	var out []archive.DayCount
	for _, d := range slices.Sorted(maps.Keys(days)) {
		a := days[d]
		out = append(out, archive.DayCount{Day: time.Unix(d*86400, 0).UTC(),
			Events: int64(len(a.events)), Pubkeys: int64(len(a.pubkeys)), Kinds: int64(len(a.kinds))})
	}
	return out
}

func saveSnaps(t testing.TB, s archive.Store, snaps ...schema.Snapshot) {
	t.Helper()
	if _, err := s.SaveSnapshots(context.Background(), snaps); err != nil {
		t.Fatalf("SaveSnapshots: %v", err)
	}
}

// testReports: the newest snapshots of every relay, a relay's history, and
// pruning by age that keeps each relay's last known state.
func testReports(t *testing.T, open Opener) {
	s := open(t, archive.Full)
	ctx := context.Background()
	addRelays(t, s, relayA, relayB, relayC)
	up, down := `{"open":{"ms":5,"success":true},"success":true}`, `{"open":{"success":false},"reason":"refused","success":false}`
	info := `{"info":{"name":"a"},"success":true}`
	saveSnaps(t, s,
		snap(relayA, "rtt", up, 10), snap(relayA, "rtt", down, 20), snap(relayA, "rtt", up, 30),
		snap(relayA, "nip11", info, 10),
		snap(relayB, "rtt", down, 15),
		snap(schema.MustRelayURL("wss://not-validated.example.com"), "rtt", up, 40),
	)
	latest, err := s.LatestSnapshotsAll(ctx, []string{"rtt", "nip11", "ssl"})
	if err != nil {
		t.Fatal(err)
	}
	wantLatest := []schema.Snapshot{snap(relayA, "rtt", up, 30), snap(relayA, "nip11", info, 10), snap(relayB, "rtt", down, 15)}
	checkSnaps(t, "LatestSnapshotsAll", latest, wantLatest)

	hist, err := s.SnapshotHistory(ctx, relayA, "rtt", at(20))
	if err != nil {
		t.Fatal(err)
	}
	checkSnaps(t, "SnapshotHistory", hist, []schema.Snapshot{snap(relayA, "rtt", down, 20), snap(relayA, "rtt", up, 30)})

	// Before 25: relayA's rtt at 10 and 20 go (30 is newer), its nip11 at
	// 10 stays (the newest of its type), as does relayB's only rtt. The
	// down document is still used by relayB; nothing is orphaned yet.
	res, err := s.PruneSnapshots(ctx, at(25))
	if err != nil || res != (archive.PruneResult{Snapshots: 2}) {
		t.Errorf("PruneSnapshots = %+v, %v; want 2 snapshots, 0 documents", res, err)
	}
	if hist, _ = s.SnapshotHistory(ctx, relayA, "rtt", at(0)); len(hist) != 1 {
		t.Errorf("relayA keeps %d rtt snapshots after pruning, want 1", len(hist))
	}
	// relayB's newer rtt leaves the down document without a snapshot.
	saveSnaps(t, s, snap(relayB, "rtt", up, 50))
	res, err = s.PruneSnapshots(ctx, at(100))
	if err != nil || res != (archive.PruneResult{Snapshots: 1, Metadata: 1}) {
		t.Errorf("second PruneSnapshots = %+v, %v; want 1 snapshot, 1 document", res, err)
	}
	latest, err = s.LatestSnapshotsAll(ctx, []string{"rtt", "nip11"})
	if err != nil {
		t.Fatal(err)
	}
	checkSnaps(t, "LatestSnapshotsAll after pruning", latest,
		[]schema.Snapshot{snap(relayA, "rtt", up, 30), snap(relayA, "nip11", info, 10), snap(relayB, "rtt", up, 50)})
	// A document pruned away can be stored again.
	saveSnaps(t, s, snap(relayC, "rtt", down, 60))
	if got, err := s.LatestSnapshots(ctx, relayC); err != nil || len(got) != 1 || !jsonEqual(t, got[0].Data, []byte(down)) {
		t.Errorf("LatestSnapshots after re-saving a pruned document = %+v, %v", got, err)
	}
}

func checkSnaps(t *testing.T, what string, got, want []schema.Snapshot) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d snapshots, want %d", what, len(got), len(want))
		return
	}
	for i, g := range got {
		w := want[i]
		if g.Relay != w.Relay || g.Type != w.Type || g.ID != w.ID || !g.GeneratedAt.Equal(w.GeneratedAt) || !jsonEqual(t, g.Data, w.Data) {
			t.Errorf("%s[%d] = %s %s %d %s, want %s %s %d %s", what, i,
				g.Relay, g.Type, g.GeneratedAt.Unix(), g.Data, w.Relay, w.Type, w.GeneratedAt.Unix(), w.Data)
		}
	}
}
