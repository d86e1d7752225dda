package node

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/internal/apitest"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
	"github.com/bigbrotr/bigbrotr/web"
)

// TestMonitorAgreementOnTestnet: five other monitors (keys of the test)
// publish 30166 and 10166 to a testnet relay named in monitor.peers, with
// deliberate disagreements: honest A, B and C, a lying L (it reports a
// relay the others saw go down as up, stays silent on one they see up, and
// states a round trip a hundred times theirs) and U, which never published
// a 10166. The node fetches them from the peer and serves agreement
// figures and flags equal to the ones worked out by hand below.
func TestMonitorAgreementOnTestnet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a testnet")
	}
	ctx := context.Background()
	keys := map[string]string{}
	pub := map[string]string{}
	for _, name := range []string{"A", "B", "C", "L", "U"} {
		keys[name] = nostr.GeneratePrivateKey()
		pub[name], _ = nostr.GetPublicKey(keys[name])
	}
	now := time.Now()
	report := func(mon, relay string, ago time.Duration, open int64) *nostr.Event {
		tags := nostr.Tags{{"d", relay}}
		if open > 0 {
			tags = append(tags, nostr.Tag{"rtt-open", strconv.FormatInt(open, 10)})
		}
		ev := signed(t, keys[mon], 30166, now.Add(-ago).Unix(), tags, "")
		return &ev
	}
	var evs []*nostr.Event
	profiles := []testnet.Profile{testnet.Healthy, testnet.Healthy, testnet.Healthy, testnet.Healthy, testnet.Healthy}
	// The peers' reports are on the peer relay before the node starts, so
	// nothing is broadcast there while the node subscribes.
	tnn := startTestnetNodeAfter(t, profiles, 31, func(cfg *Config, relays []schema.Relay) {
		mc := &cfg.Monitor.Config
		cfg.Monitor.Enabled, mc.Interval = true, 2*time.Second
		mc.Timeout, mc.OverlayTimeout = 3*time.Second+raceSlowdown, 3*time.Second+raceSlowdown
		mc.WriteProbe = !raceEnabled
		mc.Peers = []string{relays[0].URL.String()}
	}, func(tn *testnet.Network, relays []schema.Relay) {
		r1, r2, r3, r4 := relays[1].URL.String(), relays[2].URL.String(), relays[3].URL.String(), relays[4].URL.String()
		for _, m := range []string{"A", "B", "C", "L"} {
			ev := signed(t, keys[m], 10166, now.Add(-time.Hour).Unix(), nostr.Tags{{"frequency", "3600"}}, "")
			evs = append(evs, &ev)
		}
		evs = append(evs,
			// r1: up for all; L's round trip is far off.
			report("A", r1, 10*time.Minute, 50), report("B", r1, 10*time.Minute, 55), report("C", r1, 10*time.Minute, 60), report("L", r1, 10*time.Minute, 5000),
			// r2: A, B and C last reached it 2h ago (over 1.25 × 1h: down now); L says up.
			report("A", r2, 2*time.Hour, 40), report("B", r2, 2*time.Hour, 40), report("C", r2, 2*time.Hour, 40), report("L", r2, 5*time.Minute, 40),
			// r3: up for A, B and C (C 70 min ago, within 1.25 × 1h); L's 2h-old report says down.
			report("A", r3, 10*time.Minute, 30), report("B", r3, 10*time.Minute, 30), report("C", r3, 70*time.Minute, 30), report("L", r3, 2*time.Hour, 30),
			// r4: A, B and U (no 10166: 1h assumed) see it up.
			report("A", r4, 5*time.Minute, 100), report("B", r4, 5*time.Minute, 120), report("U", r4, 30*time.Minute, 110),
		)
		if err := tn.Publish(ctx, relays[0].URL.String(), evs...); err != nil {
			t.Fatal(err)
		}
	})
	n, relays := tnn, tnn.relays
	r1, r2, r3, r4 := relays[1].URL.String(), relays[2].URL.String(), relays[3].URL.String(), relays[4].URL.String()

	// The figures are computed once a minute: ask only when the peer's
	// events are archived and the node has its own verdict on every relay.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		got, err := n.Store().CountEvents(ctx, nostr.Filter{Kinds: []int{30166, 10166}, Authors: []string{pub["A"], pub["B"], pub["C"], pub["L"], pub["U"]}})
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, r := range relays[1:] {
			if hist, _ := n.Store().SnapshotHistory(ctx, r.URL, "rtt", now.Add(-time.Hour)); len(hist) > 0 {
				checked++
			}
		}
		if got == int64(len(evs)) && checked == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 2m: %d of %d peer events archived, %d of 4 relays checked", got, len(evs), checked)
		}
		time.Sleep(200 * time.Millisecond)
	}

	v := apitest.New(t, web.OpenAPI())
	do := apitest.Server(n.base)
	name := map[string]string{}
	for k, p := range pub {
		name[p] = k
	}
	for _, c := range []struct {
		relay string
		want  string
	}{
		// ! disagrees with the quorum, * a dissenting monitor, ? no 10166.
		{r1, "count 4 reachable 4 majority reachable agreement 1.00 quorum true open 57 own reachable agrees true reports [A:up B:up C:up L:up*[open]]"},
		{r2, "count 4 reachable 1 majority unreachable agreement 0.75 quorum true open 40 own reachable agrees false reports [A:down B:down C:down L:up!*]"},
		{r3, "count 4 reachable 3 majority reachable agreement 0.75 quorum true open 30 own reachable agrees true reports [A:up B:up C:up L:down!*]"},
		{r4, "count 3 reachable 3 majority reachable agreement 1.00 quorum true open 110 own reachable agrees true reports [A:up B:up U:up?]"},
	} {
		code, body := v.Check(t, do, "/api/v1/relays/"+url.PathEscape(c.relay), true)
		var d web.RelayDetail
		if code != 200 || json.Unmarshal(body, &d) != nil || d.Monitors == nil {
			t.Fatalf("%s: %d %s", c.relay, code, body)
		}
		m := d.Monitors
		var reps []string
		for _, p := range m.Reports {
			s := name[p.PubKey] + ":down"
			if p.Reachable {
				s = name[p.PubKey] + ":up"
			}
			if p.Disagrees {
				s += "!"
			}
			if p.Dissenting {
				s += "*"
			}
			if !p.Announced {
				s += "?"
			}
			if len(p.Outliers) > 0 {
				s += fmt.Sprint(p.Outliers)
			}
			reps = append(reps, s)
		}
		slices.Sort(reps)
		agrees := "-"
		if m.OwnAgrees != nil {
			agrees = strconv.FormatBool(*m.OwnAgrees)
		}
		got := fmt.Sprintf("count %d reachable %d majority %s agreement %.2f quorum %v open %v own %s agrees %s reports %v",
			m.Count, m.Reachable, m.Majority, deref(m.Agreement), m.Quorum, deref(m.RTTOpenMedian), m.Own, agrees, reps)
		if got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.relay, got, c.want)
		}
	}

	code, body := v.Check(t, do, "/api/v1/monitors", true)
	var l web.MonitorList
	if code != 200 || json.Unmarshal(body, &l) != nil {
		t.Fatalf("monitors: %d %s", code, body)
	}
	var got []string
	for _, m := range l.Monitors {
		freq := "-"
		if m.Frequency != nil {
			freq = strconv.FormatFloat(*m.Frequency, 'f', 0, 64)
		}
		got = append(got, fmt.Sprintf("%s relays %d judged %d disagreed %d agreement %.2f freq %s dissenting %v",
			name[m.PubKey], m.Relays, m.Judged, m.Disagreed, deref(m.Agreement), freq, m.Dissenting))
	}
	slices.Sort(got)
	want := []string{
		"A relays 4 judged 4 disagreed 0 agreement 1.00 freq 3600 dissenting false",
		"B relays 4 judged 4 disagreed 0 agreement 1.00 freq 3600 dissenting false",
		"C relays 3 judged 3 disagreed 0 agreement 1.00 freq 3600 dissenting false",
		"L relays 3 judged 3 disagreed 2 agreement 0.33 freq 3600 dissenting true",
		"U relays 1 judged 1 disagreed 0 agreement 1.00 freq - dissenting false",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("monitors:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The relay page shows the same.
	res, page := getPage(t, n.base+"/relay?url="+url.QueryEscape(r2))
	if res != 200 || !strings.Contains(page, `id="monitors-reachable">1 of 4`) || !strings.Contains(page, `<span class="state state-failing">disagrees</span>`) {
		t.Errorf("relay page of r2: %d", res)
	}
}

// getPage fetches one page of the node's status site.
func getPage(t *testing.T, target string) (int, string) {
	t.Helper()
	res, err := http.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
