package node

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jackc/pgx/v5"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/internal/pgtest"
)

// dialFrom connects from another loopback address, which the relay counts
// as another client IP.
func dialFrom(t *testing.T, url, ip string) *client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	hc := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		t.Fatalf("dial %s from %s: %v", url, ip, err)
	}
	c.SetReadLimit(64 << 20)
	t.Cleanup(func() { c.CloseNow() })
	return &client{t: t, c: c}
}

// lockEvents makes every archive query wait: another session holds an
// exclusive lock on the events table until the returned func is called.
func lockEvents(t *testing.T, url string) (unlock func()) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err == nil {
		_, err = tx.Exec(ctx, "LOCK TABLE event IN ACCESS EXCLUSIVE MODE")
	}
	if err != nil {
		conn.Close(ctx)
		t.Fatal(err)
	}
	var once sync.Once
	unlock = func() {
		once.Do(func() {
			_ = tx.Rollback(ctx)
			conn.Close(ctx)
		})
	}
	t.Cleanup(unlock)
	return unlock
}

// Queries running at once on one connection are capped; a REQ reusing a
// subscription id cancels the old query (and takes its slot) first.
func TestQueriesPerConnectionCapped(t *testing.T) {
	url := pgtest.NewDatabase(t)
	tn := startNode(t, func(c *Config) {
		c.Database.URL = url
		c.Relay.MaxQueriesPerConnection = 2
	})
	c := dial(t, tn.URL())
	now := time.Now().Unix()
	c.mustPublish(signed(t, tn.writerSK, 1, now, nil, "note"), signed(t, tn.writerSK, 7, now, nil, "+"))
	unlock := lockEvents(t, url)

	c.send("REQ", "a", nostr.Filter{Kinds: []int{1}})
	c.send("REQ", "b", nostr.Filter{Kinds: []int{1}})
	if _, closed := c.req("c", nostr.Filter{Kinds: []int{1}}); !hasPrefix(closed, "rate-limited") {
		t.Fatalf("third query on the connection: CLOSED %q, want rate-limited:", closed)
	}
	if _, closed := c.count("n", nostr.Filter{Kinds: []int{1}}); !hasPrefix(closed, "rate-limited") {
		t.Fatalf("COUNT over the cap: CLOSED %q, want rate-limited:", closed)
	}
	// "a" again, for kind 7: its old query (kind 1) is cancelled first, so
	// the new one fits and nothing of the old one ever arrives.
	c.send("REQ", "a", nostr.Filter{Kinds: []int{7}})
	// The node reads a connection's messages in order and replaces "a"
	// before it reads the next one: a COUNT refused for the cap (new "a"
	// and "b") proves the old query is gone before the table is unlocked,
	// where unlocking first could let it finish before the REQ is read.
	if _, closed := c.count("fence-a", nostr.Filter{Kinds: []int{1}}); !hasPrefix(closed, "rate-limited") {
		t.Fatalf("COUNT after replacing a: CLOSED %q, want rate-limited:", closed)
	}
	unlock()
	eose := map[string]int{}
	for eose["a"] == 0 || eose["b"] == 0 {
		m := c.expect("EVENT", "EOSE", "CLOSED")
		label, sub := str(t, m[0]), str(t, m[1])
		switch label {
		case "CLOSED":
			t.Fatalf("subscription %s closed: %s", sub, str(t, m[2]))
		case "EOSE":
			eose[sub]++
		case "EVENT":
			var ev nostr.Event
			json.Unmarshal(m[2], &ev)
			if sub == "a" && ev.Kind != 7 {
				t.Fatalf("replaced subscription a still delivered a kind %d", ev.Kind)
			}
		}
	}
	// A fence: anything still coming for the replaced query would be
	// queued before this EOSE.
	evs, closed := c.req("fence", nostr.Filter{Kinds: []int{7}})
	if closed != "" || len(evs) != 1 {
		t.Fatalf("after the cap: %d events, CLOSED %q", len(evs), closed)
	}
	if eose["a"] != 1 {
		t.Fatalf("subscription a: %d EOSE, want 1", eose["a"])
	}
}

// Queries running at once from one IP are capped over all its
// connections, so that one address cannot hold every database connection;
// another IP is still served.
func TestQueriesPerIPCapped(t *testing.T) {
	url := pgtest.NewDatabase(t)
	tn := startNode(t, func(c *Config) {
		c.Database.URL = url
		c.Relay.MaxQueriesPerIP = 2
	})
	w := dial(t, tn.URL())
	w.mustPublish(signed(t, tn.writerSK, 1, time.Now().Unix(), nil, "note"))
	unlock := lockEvents(t, url)
	a, b := dial(t, tn.URL()), dial(t, tn.URL())
	// A connection's messages are read in order: the refusal of an
	// empty-id COUNT, which takes no slot, fences each REQ.
	for _, c := range []*client{a, b} {
		c.send("REQ", "s", nostr.Filter{Kinds: []int{1}})
		if _, closed := c.count("", nostr.Filter{}); !hasPrefix(closed, "invalid") {
			t.Fatalf("fence: CLOSED %q", closed)
		}
	}
	if _, closed := b.count("n", nostr.Filter{Kinds: []int{1}}); !hasPrefix(closed, "rate-limited") || !strings.Contains(closed, "your IP") {
		t.Fatalf("third query from the IP on another connection: CLOSED %q, want rate-limited: ... your IP", closed)
	}
	other := dialFrom(t, tn.URL(), "127.0.0.2")
	other.send("COUNT", "o", nostr.Filter{Kinds: []int{1}})
	unlock()
	if m := other.expect("COUNT", "CLOSED"); str(t, m[0]) != "COUNT" || !strings.Contains(string(m[2]), `"count":1`) {
		t.Fatalf("another IP's COUNT: %s", m)
	}
	for _, c := range []*client{a, b} {
		if m := c.expect("EVENT"); len(m) < 3 {
			t.Fatalf("short EVENT %v", m)
		}
		c.expect("EOSE")
	}
	// The slots are given back at the end of the queries.
	if n, closed := a.count("again", nostr.Filter{Kinds: []int{1}}); closed != "" || n != 1 {
		t.Fatalf("after the queries ended: %d, CLOSED %q", n, closed)
	}
}

// REQ and COUNT are limited per IP; another IP keeps its own budget.
func TestQueryRatePerIP(t *testing.T) {
	tn := startNode(t, func(c *Config) {
		c.Relay.QueryRatePerIP = 0.001 // no refill within the test
		c.Relay.QueryBurstPerIP = 3
	})
	c := dial(t, tn.URL())
	f := nostr.Filter{Kinds: []int{1}}
	for i := range 3 {
		if _, closed := c.req(fmt.Sprint("r", i), f); closed != "" {
			t.Fatalf("REQ %d of the burst: CLOSED %q", i, closed)
		}
	}
	if _, closed := c.req("over", f); !hasPrefix(closed, "rate-limited") {
		t.Fatalf("REQ past the burst: CLOSED %q, want rate-limited:", closed)
	}
	if _, closed := c.count("over", f); !hasPrefix(closed, "rate-limited") {
		t.Fatalf("COUNT past the burst: CLOSED %q, want rate-limited:", closed)
	}
	// Another connection from the same IP shares the budget.
	if _, closed := dial(t, tn.URL()).req("x", f); !hasPrefix(closed, "rate-limited") {
		t.Fatalf("same IP, new connection: CLOSED %q, want rate-limited:", closed)
	}
	if _, closed := dialFrom(t, tn.URL(), "127.0.0.2").req("x", f); closed != "" {
		t.Fatalf("another IP: CLOSED %q", closed)
	}
}

// While connections from one IP flood REQs and COUNTs, a client from
// another IP gets complete, correct answers, and the flood is refused with
// CLOSED "rate-limited:" or "blocked:" rather than queued without bound.
func TestFloodDoesNotStarveOthers(t *testing.T) {
	tn := startNode(t, func(c *Config) {
		c.Relay.QueryRatePerIP = 50
		c.Relay.QueryBurstPerIP = 50
		c.Relay.MaxQueriesPerConnection = 2
	})
	w := dial(t, tn.URL())
	now := time.Now().Unix()
	var want []string
	for i := range 20 {
		ev := signed(t, tn.writerSK, 1, now-int64(i), nostr.Tags{{"t", "flood"}}, fmt.Sprint("note ", i))
		w.mustPublish(ev)
		want = append(want, ev.ID)
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var wg sync.WaitGroup
	var mu sync.Mutex
	refusals := map[string]int{}
	for range 8 {
		fc, err := dialErr(tn.URL())
		if err != nil {
			t.Fatal(err)
		}
		defer fc.CloseNow()
		wg.Go(func() { // reader: counts refusals
			for {
				_, b, err := fc.Read(ctx)
				if err != nil {
					return
				}
				if strings.HasPrefix(string(b), `["CLOSED"`) {
					var m []string
					json.Unmarshal(b, &m)
					if len(m) == 3 {
						mu.Lock()
						refusals[m[2][:strings.IndexByte(m[2], ':')+1]]++
						mu.Unlock()
					}
				}
			}
		})
		wg.Go(func() { // writer: as fast as the socket takes them
			for i := 0; ctx.Err() == nil; i++ {
				msg := fmt.Sprintf(`["REQ","f%d",{"limit":500}]`, i)
				if i%2 == 1 {
					msg = fmt.Sprintf(`["COUNT","c%d",{"kinds":[1]}]`, i)
				}
				if fc.Write(ctx, websocket.MessageText, []byte(msg)) != nil {
					return
				}
			}
		})
	}

	other := dialFrom(t, tn.URL(), "127.0.0.2")
	for i := range 5 {
		evs, closed := other.req(fmt.Sprint("o", i), nostr.Filter{Tags: nostr.TagMap{"t": {"flood"}}, Limit: 100})
		if closed != "" {
			t.Fatalf("other client's REQ %d closed during the flood: %s", i, closed)
		}
		if got := strings.Join(ids(evs), ","); got != strings.Join(want, ",") {
			t.Fatalf("other client's REQ %d during the flood: %d events, want the 20 stored newest first", i, len(evs))
		}
		if n, closed := other.count(fmt.Sprint("oc", i), nostr.Filter{Tags: nostr.TagMap{"t": {"flood"}}}); closed != "" || n != 20 {
			t.Fatalf("other client's COUNT during the flood: %d (CLOSED %q), want 20", n, closed)
		}
	}
	stop()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if refusals["rate-limited:"]+refusals["blocked:"] == 0 {
		t.Fatalf("the flood was never refused: %v", refusals)
	}
	t.Logf("flood refusals: %v", refusals)
}
