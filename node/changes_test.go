package node

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
	"github.com/bigbrotr/bigbrotr/web"
)

// changesNet is a node monitoring healthy relays of a testnet every second.
type changesNet struct {
	tn     *testnet.Network
	node   *Node
	relays []string // the monitored relays, healthy clearnet ones
	base   string   // the node's HTTP base URL
	done   chan error
}

// startChangesNet starts a testnet of healthy clearnet relays and a node
// that monitors the first want of them (rtt and nip11 only, no write probe:
// fast, and the relays' stores stay as they are). prep, when set, runs
// before the node starts, with the relays it will monitor.
func startChangesNet(t *testing.T, ctx context.Context, want int, mutate func(*Config), prep func(tn *testnet.Network, relays []string)) *changesNet {
	t.Helper()
	tn, err := testnet.Start(ctx, testnet.Options{Relays: want + 1, Seed: 15, OutDir: t.TempDir(),
		Mix: map[testnet.Profile]float64{testnet.Healthy: 1}, NetworkMix: map[testnet.NetworkName]float64{testnet.Clearnet: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tn.Close)
	cfg, err := LoadConfig(filepath.Join(tn.Dir(), testnet.FileNodeConfig))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Node.Listen, cfg.Metrics.Listen, cfg.Node.DataDir = "127.0.0.1:0", "", t.TempDir()
	cfg.Seeder.Enabled, cfg.Finder.Enabled, cfg.Validator.Enabled = false, false, false
	cfg.Synchronizer.Enabled, cfg.Stats.Enabled = false, false
	cfg.Monitor.Interval, cfg.Monitor.WriteProbe, cfg.Monitor.Checks = time.Second, false, []string{"rtt", "nip11"}
	cfg.Monitor.Timeout, cfg.Monitor.Retries = 5*time.Second, 0
	cfg.Changes.DownAfter = 2
	if mutate != nil {
		mutate(&cfg)
	}
	var relays []string
	var add []schema.Relay
	for _, r := range tn.Manifest().Relays {
		if len(add) < want && r.Profile == testnet.Healthy && r.Network == testnet.Clearnet {
			u, err := schema.ParseRelayURLWith(r.URL, schema.ParseOptions{AllowPrivate: true})
			if err != nil {
				t.Fatal(err)
			}
			add = append(add, schema.Relay{URL: u, Network: schema.Clearnet})
			relays = append(relays, u.String())
		}
	}
	if len(add) < want {
		t.Fatalf("testnet has %d healthy clearnet relays, want %d", len(add), want)
	}
	if prep != nil {
		prep(tn, relays)
	}
	t.Setenv(EnvPrivateKey, "")
	t.Setenv(EnvDatabaseURL, "")
	n, err := New(ctx, Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	cn := &changesNet{tn: tn, node: n, relays: relays, base: "http://" + n.Addr(), done: make(chan error, 1)}
	if _, err := n.Store().AddRelays(ctx, add); err != nil {
		t.Fatal(err)
	}
	go func() { cn.done <- n.Run(ctx) }()
	t.Cleanup(func() {
		select {
		case <-cn.done:
		case <-time.After(30 * time.Second):
			t.Error("node did not stop")
		}
	})
	return cn
}

// changes reads the relay's changes from the API, oldest first.
func (cn *changesNet) changes(t *testing.T, relay string) []web.Change {
	t.Helper()
	res, err := http.Get(cn.base + "/api/v1/relays/" + url.PathEscape(relay) + "/changes")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p web.ChangePage
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil || res.StatusCode != 200 {
		t.Fatalf("changes of %s: %d %v", relay, res.StatusCode, err)
	}
	out := make([]web.Change, len(p.Changes))
	for i, c := range p.Changes {
		out[len(out)-1-i] = c
	}
	return out
}

func kindsOf(cs []web.Change) string {
	var k []string
	for _, c := range cs {
		k = append(k, c.Kind)
	}
	return strings.Join(k, ",")
}

// waitKinds polls the relay's changes until their kinds, oldest first,
// are want.
func (cn *changesNet) waitKinds(t *testing.T, relay, want string) []web.Change {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		cs := cn.changes(t, relay)
		got := kindsOf(cs)
		if got == want {
			return cs
		}
		if !strings.HasPrefix(want, got) || time.Now().After(deadline) {
			t.Fatalf("changes of %s: %q, want %q", relay, got, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitChecked waits until the monitor has tracked the relay once (its
// baseline), so that a stop is seen as a change.
func (cn *changesNet) waitChecked(t *testing.T, ctx context.Context, relay string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := cn.node.Store().GetState(ctx, "changes", "tracked", relay); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("relay %s never checked", relay)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestStoppedRelayShowsDownAndUp: a testnet relay stopped and restarted
// is reported down (after two failed checks) and up again, in the changes
// API, in both Atom feeds and on the relay page, with its uptime counted.
func TestStoppedRelayShowsDownAndUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cn := startChangesNet(t, ctx, 2, nil, nil)
	relay, other := cn.relays[0], cn.relays[1]
	cn.waitChecked(t, ctx, relay)
	if got := cn.changes(t, relay); len(got) != 0 {
		t.Fatalf("changes before the stop: %+v", got)
	}
	if err := cn.tn.StopRelay(relay); err != nil {
		t.Fatal(err)
	}
	down := cn.waitKinds(t, relay, "down")[0]
	if down.Detail.Checks != 2 || down.Detail.Reason == "" || !strings.HasPrefix(down.Summary, "unreachable for 2 checks in a row") {
		t.Errorf("down change %+v", down)
	}
	if err := cn.tn.StartRelay(ctx, relay); err != nil {
		t.Fatal(err)
	}
	cs := cn.waitKinds(t, relay, "down,up")
	if !cs[1].At.After(cs[0].At) || cs[1].ID <= cs[0].ID {
		t.Errorf("up %+v not after down %+v", cs[1], cs[0])
	}
	if got := cn.changes(t, other); len(got) != 0 {
		t.Errorf("the relay left running changed: %+v", got)
	}

	for _, feedURL := range []string{"/feeds/relay.atom?url=" + url.QueryEscape(relay), "/feeds/changes.atom"} {
		res, err := http.Get(cn.base + feedURL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var feed struct {
			Entries []struct {
				Title    string `xml:"title"`
				Category struct {
					Term string `xml:"term,attr"`
				} `xml:"category"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal(body, &feed); err != nil || res.StatusCode != 200 {
			t.Fatalf("%s: %d %v", feedURL, res.StatusCode, err)
		}
		var terms []string
		for _, e := range feed.Entries {
			if !strings.HasPrefix(e.Title, relay+": ") {
				t.Errorf("%s: entry %q of another relay", feedURL, e.Title)
			}
			terms = append(terms, e.Category.Term)
		}
		if strings.Join(terms, ",") != "up,down" {
			t.Errorf("%s: entries %v, want up then down", feedURL, terms)
		}
	}

	res, err := http.Get(cn.base + "/relay?url=" + url.QueryEscape(relay))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{"<td>reachable again</td>", "<td>unreachable for 2 checks in a row", `class="uptime-bar"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("relay page lacks %q", want)
		}
	}
	days, err := cn.node.Store().Uptime(ctx, []schema.RelayURL{schema.MustRelayURL(relay)}, time.Now().Add(-48*time.Hour))
	if err != nil || len(days) == 0 {
		t.Fatalf("uptime %v %v", days, err)
	}
	var checks, reach int
	for _, d := range days {
		checks, reach = checks+d.Checks, reach+d.Reachable
	}
	if reach == 0 || checks-reach < 2 {
		t.Errorf("uptime counts %d of %d checks reachable; want at least two failures and a success", reach, checks)
	}
}
