package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"
	"github.com/prometheus/client_golang/prometheus"
)

// testNode is a node on 127.0.0.1:0 with a temp data dir, a known node key
// and one configured writer.
type testNode struct {
	*Node
	nodeSK   string
	writerSK string
	cancel   context.CancelFunc
	done     chan error
}

func startNode(t *testing.T, mutate func(*Config)) *testNode {
	t.Helper()
	return startNodeWith(t, mutate, Options{})
}

// startNodeWith starts a node with o's test hooks.
func startNodeWith(t *testing.T, mutate func(*Config), o Options) *testNode {
	t.Helper()
	dir := t.TempDir()
	t.Setenv(EnvPrivateKey, "")
	t.Setenv(EnvDatabaseURL, "")
	nodeSK, writerSK := nostr.GeneratePrivateKey(), nostr.GeneratePrivateKey()
	keyFile := filepath.Join(dir, "node.nsec")
	if err := os.WriteFile(keyFile, []byte(nodeSK), 0o600); err != nil {
		t.Fatal(err)
	}
	writerPK, _ := nostr.GetPublicKey(writerSK)

	cfg := Default()
	cfg.Node.Listen = "127.0.0.1:0"
	cfg.Node.DataDir = filepath.Join(dir, "data")
	cfg.Node.PrivateKeyFile = keyFile
	cfg.Metrics.Listen = "127.0.0.1:0"
	cfg.Relay.Writers = []string{writerPK}
	// Not the built-in public list: a test node never dials out.
	cfg.Seeder.File = "none"
	if mutate != nil {
		mutate(&cfg)
	}
	if p := cfg.validate(); len(p) > 0 {
		t.Fatalf("test config invalid: %v", p)
	}
	ctx, cancel := context.WithCancel(context.Background())
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: level}))
	o.Config, o.Logger, o.Registry, o.Version = cfg, log, prometheus.NewRegistry(), "test"
	n, err := New(ctx, o)
	if err != nil {
		cancel()
		t.Fatalf("start node: %v", err)
	}
	tn := &testNode{Node: n, nodeSK: nodeSK, writerSK: writerSK, cancel: cancel, done: make(chan error, 1)}
	go func() { tn.done <- n.Run(ctx) }()
	t.Cleanup(func() { tn.stop(t) })
	return tn
}

func (tn *testNode) stop(t *testing.T) {
	tn.cancel()
	select {
	case err, ok := <-tn.done:
		if ok && err != nil {
			t.Errorf("node run: %v", err)
		}
		close(tn.done)
	case <-time.After(20 * time.Second):
		t.Error("node did not stop within 20s")
	}
}

// testWriter sends logs to t.Log, dropping them once the test has ended.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	defer func() { _ = recover() }()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// signed builds and signs an event.
func signed(t *testing.T, sk string, kind int, createdAt int64, tags nostr.Tags, content string) nostr.Event {
	t.Helper()
	if tags == nil {
		tags = nostr.Tags{}
	}
	ev := nostr.Event{Kind: kind, CreatedAt: nostr.Timestamp(createdAt), Tags: tags, Content: content}
	if err := ev.Sign(sk); err != nil {
		t.Fatal(err)
	}
	return ev
}

// client is a raw NIP-01 client over coder/websocket, so tests see every
// message exactly as the relay sent it.
type client struct {
	t         *testing.T
	c         *websocket.Conn
	challenge string
	notices   []string
	queries   int
	closed    map[string]bool // subscriptions this client CLOSEd
}

// readTimeout bounds waits for what must arrive; generous, since -race on a
// loaded 2-core machine slows a 10k-tag save several-fold.
const readTimeout = 30 * time.Second

func dial(t *testing.T, url string) *client {
	t.Helper()
	c, err := dialErr(url)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	cl := &client{t: t, c: c}
	t.Cleanup(func() { c.CloseNow() })
	return cl
}

func dialErr(url string) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(64 << 20)
	return c, nil
}

func (c *client) sendRaw(s string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	if err := c.c.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *client) send(msg ...any) {
	c.t.Helper()
	b, err := json.Marshal(msg)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(string(b))
}

// next reads one message; AUTH challenges and NOTICEs are recorded and
// skipped unless asked for.
func (c *client) next(want ...string) ([]json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	for {
		_, b, err := c.c.Read(ctx)
		if err != nil {
			return nil, err
		}
		var arr []json.RawMessage
		if err := json.Unmarshal(b, &arr); err != nil || len(arr) == 0 {
			return nil, errors.New("relay sent a non-array message: " + string(b))
		}
		var label string
		json.Unmarshal(arr[0], &label)
		switch {
		case label == "AUTH":
			json.Unmarshal(arr[1], &c.challenge)
			if !contains(want, "AUTH") {
				continue
			}
		case label == "NOTICE" && !contains(want, "NOTICE"):
			var s string
			json.Unmarshal(arr[1], &s)
			c.notices = append(c.notices, s)
			continue
		}
		if label == "EVENT" && len(arr) > 1 {
			var sub string
			json.Unmarshal(arr[1], &sub)
			if c.closed[sub] {
				continue // a live event that crossed our CLOSE
			}
		}
		if len(want) > 0 && !contains(want, label) {
			return nil, errors.New("unexpected message " + string(b))
		}
		return arr, nil
	}
}

func (c *client) expect(want ...string) []json.RawMessage {
	c.t.Helper()
	m, err := c.next(want...)
	if err != nil {
		c.t.Fatalf("waiting for %v: %v", want, err)
	}
	return m
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func str(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("not a string: %s", raw)
	}
	return s
}

// publishRaw sends an EVENT as raw JSON and returns the OK's fields.
func (c *client) publishRaw(id, rawEvent string) (bool, string) {
	c.t.Helper()
	c.sendRaw(`["EVENT",` + rawEvent + `]`)
	m := c.expect("OK")
	if got := str(c.t, m[1]); got != id {
		c.t.Fatalf("OK for %s, want %s", got, id)
	}
	var ok bool
	json.Unmarshal(m[2], &ok)
	return ok, str(c.t, m[3])
}

func (c *client) publish(ev nostr.Event) (bool, string) {
	c.t.Helper()
	return c.publishRaw(ev.ID, ev.String())
}

func (c *client) mustPublish(evs ...nostr.Event) {
	c.t.Helper()
	for _, ev := range evs {
		if ok, msg := c.publish(ev); !ok {
			c.t.Fatalf("publish %s refused: %s", ev.ID, msg)
		}
	}
}

// reqRaw subscribes and collects stored events until EOSE or CLOSED.
func (c *client) reqRaw(id string, filters ...any) (events []json.RawMessage, closed string) {
	c.t.Helper()
	c.send(append([]any{"REQ", id}, filters...)...)
	for {
		m := c.expect("EVENT", "EOSE", "CLOSED")
		switch str(c.t, m[0]) {
		case "EVENT":
			if got := str(c.t, m[1]); got != id {
				c.t.Fatalf("EVENT for subscription %q, want %q", got, id)
			}
			events = append(events, m[2])
		case "EOSE":
			return events, ""
		case "CLOSED":
			return events, str(c.t, m[2])
		}
	}
}

func (c *client) req(id string, filters ...any) ([]nostr.Event, string) {
	c.t.Helper()
	raws, closed := c.reqRaw(id, filters...)
	out := make([]nostr.Event, len(raws))
	for i, r := range raws {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			c.t.Fatalf("bad event %s: %v", r, err)
		}
	}
	return out, closed
}

// query runs a REQ and closes it, failing on CLOSED. Each query has its own
// subscription id: khatru handles every message in its own goroutine, so a
// CLOSE of "q" could otherwise land on the next REQ "q".
func (c *client) query(filters ...any) []nostr.Event {
	c.t.Helper()
	c.queries++
	id := fmt.Sprintf("q%d", c.queries)
	evs, closed := c.req(id, filters...)
	if closed != "" {
		c.t.Fatalf("REQ %v closed: %s", filters, closed)
	}
	c.send("CLOSE", id)
	if c.closed == nil {
		c.closed = map[string]bool{}
	}
	c.closed[id] = true
	return evs
}

func (c *client) count(id string, filter any) (int64, string) {
	c.t.Helper()
	c.send("COUNT", id, filter)
	m := c.expect("COUNT", "CLOSED")
	if str(c.t, m[0]) == "CLOSED" {
		return -1, str(c.t, m[2])
	}
	var res struct {
		Count int64 `json:"count"`
	}
	if err := json.Unmarshal(m[2], &res); err != nil {
		c.t.Fatalf("bad COUNT %s", m[2])
	}
	return res.Count, ""
}

// auth answers the relay's challenge as sk, optionally tampering with the
// AUTH event first; it returns the OK.
func (c *client) auth(url, sk string, tamper func(*nostr.Event)) (bool, string) {
	c.t.Helper()
	if c.challenge == "" {
		if _, err := c.next("AUTH"); err != nil {
			c.t.Fatalf("no AUTH challenge: %v", err)
		}
	}
	ev := nostr.Event{Kind: 22242, CreatedAt: nostr.Now(), Tags: nostr.Tags{{"relay", url}, {"challenge", c.challenge}}}
	if tamper != nil {
		tamper(&ev)
	}
	if err := ev.Sign(sk); err != nil {
		c.t.Fatal(err)
	}
	c.send("AUTH", ev)
	m := c.expect("OK")
	var ok bool
	json.Unmarshal(m[2], &ok)
	return ok, str(c.t, m[3])
}

func ids(evs []nostr.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func hasPrefix(msg, prefix string) bool { return strings.HasPrefix(msg, prefix+":") }
