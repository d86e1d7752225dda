package node

import (
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/internal/pgtest"
)

// TestReadReplicaNode runs a node on a real primary with a streaming hot
// standby in database.read_urls. Which server answered a REQ or COUNT is
// proven by data only one of them has: with the standby's replay paused,
// an event published afterwards is on the primary alone. The status page
// and API are proven by the replica read counter, which only marked reads
// move. Then the standby restarts: REQ and COUNT keep answering (from the
// primary), and go back to the standby once it is healthy again.
func TestReadReplicaNode(t *testing.T) {
	r := pgtest.StartReplicated(t)
	primaryURL, standbyURL := r.NewDatabase(t)
	db := pgtest.DatabaseName(standbyURL)
	tn := startNode(t, func(c *Config) {
		c.Database.URL = primaryURL
		c.Database.ReadURLs = []string{standbyURL}
		c.Database.ReadCheckInterval = 100 * time.Millisecond
		c.Database.ReadMaxLag = time.Minute
		c.Finder.Enabled, c.Validator.Enabled, c.Monitor.Enabled, c.Synchronizer.Enabled = false, false, false, false
	})
	c := dial(t, tn.URL())
	f := nostr.Filter{Kinds: []int{1}}
	now := time.Now().Unix()
	publish := func(content string) {
		t.Helper()
		c.mustPublish(signed(t, tn.writerSK, 1, now, nil, content))
	}
	served := func(string) string {
		t.Helper()
		var got []string
		for _, ev := range c.query(f) { // fails on CLOSED
			got = append(got, ev.Content)
		}
		sort.Strings(got)
		return strings.Join(got, ",")
	}
	counted := func(id string) int64 {
		t.Helper()
		n, closed := c.count(id, f)
		if closed != "" {
			t.Fatalf("COUNT %s closed: %q", id, closed)
		}
		return n
	}
	pause := func() { r.StandbyQuery(t, db, "SELECT pg_wal_replay_pause()") }
	resume := func() { r.StandbyQuery(t, db, "SELECT pg_wal_replay_resume()"); r.WaitReplayed(t) }
	healthy := func(want string) { t.Helper(); waitMetric(t, tn, `bigbrotr_store_replica_healthy{replica="0"}`, want) }

	publish("a")
	r.WaitReplayed(t)
	healthy("1")
	pause()
	publish("b")
	if got := served("paused"); got != "a" {
		t.Fatalf("REQ = %q, want a: not served by the paused standby", got)
	}
	if n := counted("pausedcount"); n != 1 {
		t.Fatalf("COUNT = %d, want 1 (the standby's)", n)
	}
	before := metricOf(t, tn, `bigbrotr_store_replica_reads_total{target="0"}`)
	for _, path := range []string{"/api/v1/overview", "/api/v1/relays", "/"} {
		resp, err := http.Get("http://" + tn.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
	}
	if after := metricOf(t, tn, `bigbrotr_store_replica_reads_total{target="0"}`); after < before+3 {
		t.Fatalf("the status page and API read the standby %v times, want at least 3", after-before)
	}
	resume()

	r.StopStandby(t)
	if got := served("down"); got != "a,b" {
		t.Fatalf("REQ with the standby down = %q, want a,b from the primary", got)
	}
	healthy("0")
	publish("c")
	if n := counted("downcount"); n != 3 {
		t.Fatalf("COUNT with the standby down = %d, want 3", n)
	}

	r.StartStandby(t)
	r.WaitReplayed(t)
	healthy("1")
	pause()
	publish("d")
	if got := served("back"); got != "a,b,c" {
		t.Fatalf("REQ after the restart = %q, want a,b,c: reads did not return to the standby", got)
	}
	resume()
	if got := served("caughtup"); got != "a,b,c,d" {
		t.Fatalf("REQ once caught up = %q, want a,b,c,d", got)
	}
}

// metricOf reads one sample from the node's /metrics (0 when absent).
func metricOf(t *testing.T, tn *testNode, series string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + tn.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// waitMetric waits for a series to read want (the replica checks run every
// 100ms; the bound only stops a broken test).
func waitMetric(t *testing.T, tn *testNode, series, want string) {
	t.Helper()
	w, _ := strconv.ParseFloat(want, 64)
	deadline := time.Now().Add(30 * time.Second)
	for metricOf(t, tn, series) != w {
		if time.Now().After(deadline) {
			t.Fatalf("%s never became %s", series, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
