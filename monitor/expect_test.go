package monitor_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"testing"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
)

// tagValues lists the values of the tags named name.
func tagValues(ev *nostr.Event, name string) []string {
	var out []string
	for _, t := range ev.Tags {
		if len(t) >= 2 && t[0] == name {
			out = append(out, t[1])
		}
	}
	return out
}

// label reports whether ev has ["l", v, ns] with its ["L", ns].
func label(ev *nostr.Event, v, ns string) bool {
	hasL, hasl := false, false
	for _, t := range ev.Tags {
		hasL = hasL || len(t) == 2 && t[0] == "L" && t[1] == ns
		hasl = hasl || len(t) == 3 && t[0] == "l" && t[1] == v && t[2] == ns
	}
	return hasL && hasl
}

// reachable is what the manifest says a monitor should find reachable:
// the relay speaks Nostr over a WebSocket whose TLS verifies.
func reachable(r testnet.RelayInfo) bool { return r.SpeaksNostr }

// check30166 holds one cycle's 30166 events against the manifest: one per
// reachable relay and none for the others, each with the tags the
// relay's profile implies.
func check30166(t *testing.T, m *testnet.Manifest, events []*nostr.Event, pubkey string, writeProbe bool) {
	t.Helper()
	byD := map[string]*nostr.Event{}
	for _, ev := range events {
		if ev.Kind != 30166 || ev.PubKey != pubkey {
			t.Errorf("event %s: kind %d by %s", ev.ID, ev.Kind, ev.PubKey)
			continue
		}
		if ok, err := ev.CheckSignature(); !ok {
			t.Errorf("event %s: bad signature: %v", ev.ID, err)
		}
		d := ev.Tags.GetD()
		if byD[d] != nil {
			t.Errorf("two 30166 for %s", d)
		}
		byD[d] = ev
	}
	want := 0
	for _, r := range m.Relays {
		u, err := schema.ParseRelayURL(r.URL)
		if err != nil {
			t.Fatal(err)
		}
		ev := byD[u.String()]
		delete(byD, u.String())
		if !reachable(r) {
			if ev != nil {
				t.Errorf("%s (%s, %s): unreachable but got a 30166", r.URL, r.Profile, r.Network)
			}
			continue
		}
		want++
		if ev == nil {
			t.Errorf("%s (%s, %s): reachable but no 30166", r.URL, r.Profile, r.Network)
			continue
		}
		checkRelayEvent(t, r, ev, writeProbe)
	}
	for d := range byD {
		t.Errorf("30166 for %s, which is not in the manifest", d)
	}
	t.Logf("%d relays, %d reachable, %d events", len(m.Relays), want, len(events))
}

func checkRelayEvent(t *testing.T, r testnet.RelayInfo, ev *nostr.Event, writeProbe bool) {
	t.Helper()
	errorf := func(format string, args ...any) {
		t.Helper()
		t.Errorf("%s (%s, %s): "+format, append([]any{r.URL, r.Profile, r.Network}, args...)...)
	}
	if n := tagValues(ev, "n"); !slices.Equal(n, []string{string(r.Network)}) {
		errorf("n = %v", n)
	}
	if len(tagValues(ev, "rtt-open")) != 1 {
		errorf("no rtt-open")
	}
	for _, name := range []string{"rtt-open", "rtt-read", "rtt-write"} {
		for _, v := range tagValues(ev, name) {
			if _, err := strconv.Atoi(v); err != nil {
				errorf("%s = %q, want an integer string", name, v)
			}
		}
	}
	R := tagValues(ev, "R")
	need := func(k string) {
		if !slices.Contains(R, k) {
			errorf("R = %v, want %q", R, k)
		}
	}
	// T: AUTH to read and to write is private storage, whether the write
	// proved its own AUTH on a connection of its own or (that connection
	// failing) rode on the read's. The other types hang on the write's
	// outcome, which a loaded machine can time out; TestRelayTypes has them.
	if r.Profile == testnet.AuthAll && writeProbe {
		if T := tagValues(ev, "T"); !slices.Contains(T, "PrivateStorage") {
			errorf("T = %v, want PrivateStorage", T)
		}
	}
	switch r.Profile {
	case testnet.AuthRead, testnet.AuthAll:
		need("auth")
	case testnet.AuthWrite:
		if writeProbe {
			need("auth")
		}
	case testnet.Paid:
		need("payment")
	case testnet.Healthy:
		need("!auth")
		need("!payment")
		if writeProbe {
			need("!writes")
		}
	}
	if r.NIP11Status == "ok" {
		var want bytes.Buffer
		if err := json.Compact(&want, r.NIP11); err != nil {
			t.Fatal(err)
		}
		if ev.Content != want.String() {
			errorf("content = %.80q..., want the NIP-11 document", ev.Content)
		}
		var doc struct {
			NIPs []int `json:"supported_nips"`
		}
		_ = json.Unmarshal(r.NIP11, &doc)
		var wantN []string
		for _, n := range doc.NIPs {
			if r.Profile == testnet.FakeNIPs && (n == 45 || n == 50 || n == 77) {
				continue // claimed, refused: not published
			}
			wantN = append(wantN, strconv.Itoa(n))
		}
		if N := tagValues(ev, "N"); !slices.Equal(N, wantN) {
			errorf("N = %v, want %v", N, wantN)
		}
		if !label(ev, "en", "ISO-639-1") {
			errorf("no language label: %v", ev.Tags)
		}
	} else {
		if ev.Content != "" {
			errorf("content = %.80q, want \"\" (NIP-11 %s)", ev.Content, r.NIP11Status)
		}
		if N := tagValues(ev, "N"); len(N) > 0 {
			errorf("N = %v without a NIP-11 document", N)
		}
	}
	g := tagValues(ev, "g")
	if r.Network != testnet.Clearnet || r.Geo == nil {
		if len(g) > 0 {
			errorf("g = %v on an overlay relay", g)
		}
		return
	}
	geo := r.Geo
	if want := probe.Geohash(geo.Latitude, geo.Longitude, 9); !slices.Equal(g, []string{want}) {
		errorf("g = %v, want %s", g, want)
	}
	for _, l := range [][2]string{{geo.Country, "ISO-3166-1"}, {geo.TimeZone, "IANA-tz"},
		{strconv.FormatUint(uint64(geo.ASN), 10), "IANA-asn"}} {
		if !label(ev, l[0], l[1]) {
			errorf("no label %v in %v", l, ev.Tags)
		}
	}
}
