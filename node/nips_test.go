package node

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/apitest"
	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
	"github.com/bigbrotr/bigbrotr/web"
)

// TestNIPFilterOnTestnet: the monitor checks a healthy relay and one that
// claims NIPs 45, 50 and 77 but refuses them; ?nip= then lists only relays
// whose claim survived the tests, ?claimed_nip= every claimant, and the
// relay and statistics show the disproved claims.
func TestNIPFilterOnTestnet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a testnet")
	}
	ctx := context.Background()
	tnn := startTestnetNode(t, []testnet.Profile{testnet.Healthy, testnet.FakeNIPs}, 41, func(cfg *Config, _ []schema.Relay) {
		mc := &cfg.Monitor.Config
		cfg.Monitor.Enabled, mc.Interval = true, 2*time.Second
		mc.Timeout, mc.OverlayTimeout = 3*time.Second+raceSlowdown, 3*time.Second+raceSlowdown
		mc.WriteProbe = !raceEnabled
	})
	healthy, fake := tnn.relays[0].URL.String(), tnn.relays[1].URL.String()
	deadline := time.Now().Add(2 * time.Minute)
	for _, r := range tnn.relays {
		for {
			hist, err := tnn.Store().SnapshotHistory(ctx, r.URL, string(probe.CheckNIPs), time.Now().Add(-time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if len(hist) > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no NIP check of %s within 2m", r.URL)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	v := apitest.New(t, web.OpenAPI())
	do := apitest.Server(tnn.base)
	list := func(query string) []string {
		t.Helper()
		code, body := v.Check(t, do, "/api/v1/relays?"+query, true)
		var p web.RelayPage
		if code != 200 || json.Unmarshal(body, &p) != nil {
			t.Fatalf("%s: %d %s", query, code, body)
		}
		var out []string
		for _, r := range p.Relays {
			out = append(out, r.URL)
		}
		slices.Sort(out)
		return out
	}
	both := []string{healthy, fake}
	slices.Sort(both)
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"nip=50", nil},
		{"claimed_nip=50", []string{fake}},
		{"nip=45", []string{healthy}},
		{"claimed_nip=45", both},
		{"nip=11", both},
	} {
		if got := list(c.query); !slices.Equal(got, c.want) {
			t.Errorf("?%s = %v, want %v", c.query, got, c.want)
		}
	}
	var d web.RelayDetail
	if _, body := v.Check(t, do, "/api/v1/relays/"+url.PathEscape(fake), true); json.Unmarshal(body, &d) != nil ||
		!slices.Equal(d.DisprovedNIPs, []int{45, 50, 77}) || !slices.Contains(d.NIPs, 50) {
		t.Errorf("fake relay: claimed %v, disproved %v", d.NIPs, d.DisprovedNIPs)
	}
	var st web.Stats
	if _, body := v.Check(t, do, "/api/v1/stats", true); json.Unmarshal(body, &st) != nil {
		t.Fatal("stats")
	}
	for _, want := range []web.NIPStat{
		{NIP: 45, Relays: 1, Claimed: 2, Verified: 1, Disproved: 1},
		{NIP: 50, Relays: 0, Claimed: 1, Verified: 0, Disproved: 1},
	} {
		if i := slices.IndexFunc(st.NIPs, func(s web.NIPStat) bool { return s.NIP == want.NIP }); i < 0 || st.NIPs[i] != want {
			t.Errorf("stats NIP %d: %+v, want %+v", want.NIP, st.NIPs, want)
		}
	}
}
