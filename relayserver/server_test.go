package relayserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
)

// testServer is a Server over an embedded archive behind httptest: the
// relay front without the rest of the node.
type testServer struct {
	*Server
	url    string
	writer string // a configured writer's secret key
}

func startServer(t *testing.T, mutate func(*Config)) *testServer {
	t.Helper()
	ctx := context.Background()
	store, err := archive.Open(ctx, archive.Options{DataDir: t.TempDir(), Mode: archive.Full, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	group, err := archive.NewWriter(store, archive.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	writerSK := nostr.GeneratePrivateKey()
	writerPK, _ := nostr.GetPublicKey(writerSK)
	cfg := DefaultConfig()
	cfg.Writers = []string{writerPK}
	if mutate != nil {
		mutate(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("test config: %v", err)
	}
	nodePK, _ := nostr.GetPublicKey(nostr.GeneratePrivateKey())
	site := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "status page") })
	srv, err := New(Options{Config: cfg, Store: store, Writer: group, PubKey: nodePK, Site: site,
		Info: Info{Name: "front", Version: "test", Mode: archive.Full}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		srv.CloseConnections()
		_ = group.Close(context.Background())
		_ = store.Close()
	})
	return &testServer{Server: srv, url: "ws" + strings.TrimPrefix(ts.URL, "http"), writer: writerSK}
}

type wsClient struct {
	t *testing.T
	c *websocket.Conn
}

func (s *testServer) dial(t *testing.T) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, s.url, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.SetReadLimit(16 << 20)
	t.Cleanup(func() { c.CloseNow() })
	return &wsClient{t: t, c: c}
}

func (c *wsClient) send(msg ...any) {
	c.t.Helper()
	b, _ := json.Marshal(msg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.c.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// next returns the next message other than AUTH and NOTICE; the test
// goroutine's form of read.
func (c *wsClient) next() (string, []json.RawMessage) {
	c.t.Helper()
	label, rest, err := c.read()
	if err != nil {
		c.t.Fatal(err)
	}
	return label, rest
}

func (c *wsClient) read() (string, []json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		_, b, err := c.c.Read(ctx)
		if err != nil {
			return "", nil, fmt.Errorf("read: %w", err)
		}
		var arr []json.RawMessage
		if json.Unmarshal(b, &arr) != nil || len(arr) == 0 {
			return "", nil, fmt.Errorf("not a relay message: %s", b)
		}
		var label string
		_ = json.Unmarshal(arr[0], &label)
		if label != "AUTH" && label != "NOTICE" {
			return label, arr[1:], nil
		}
	}
}

// write is send for goroutines other than the test's.
func (c *wsClient) write(msg ...any) error {
	b, _ := json.Marshal(msg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return c.c.Write(ctx, websocket.MessageText, b)
}

func (s *testServer) signed(t *testing.T, kind int, content string) nostr.Event {
	t.Helper()
	ev := nostr.Event{Kind: kind, CreatedAt: nostr.Now(), Tags: nostr.Tags{}, Content: content}
	if err := ev.Sign(s.writer); err != nil {
		t.Fatal(err)
	}
	return ev
}

// TestFrontServesStoredAndLiveEvents: a writer's EVENT is stored and OKed,
// REQ answers it and ends with EOSE, the open subscription receives what
// is published afterwards (over WebSocket and through Publish), COUNT
// counts, and CLOSE stops delivery.
func TestFrontServesStoredAndLiveEvents(t *testing.T) {
	s := startServer(t, nil)
	w, r := s.dial(t), s.dial(t)
	first := s.signed(t, 1, "first")
	w.send("EVENT", first)
	if label, rest := w.next(); label != "OK" || string(rest[1]) != "true" {
		t.Fatalf("EVENT from a writer: %s %s", label, rest)
	}
	r.send("REQ", "s", nostr.Filter{Kinds: []int{1}})
	if label, rest := r.next(); label != "EVENT" || !strings.Contains(string(rest[1]), first.ID) {
		t.Fatalf("stored event: %s %s", label, rest)
	}
	if label, _ := r.next(); label != "EOSE" {
		t.Fatalf("after the stored events: %s, want EOSE", label)
	}
	live := s.signed(t, 1, "live")
	if err := s.Publish(context.Background(), &live); err != nil {
		t.Fatal(err)
	}
	if label, rest := r.next(); label != "EVENT" || !strings.Contains(string(rest[1]), live.ID) {
		t.Fatalf("live event: %s %s", label, rest)
	}
	r.send("COUNT", "c", nostr.Filter{Kinds: []int{1}})
	if label, rest := r.next(); label != "COUNT" || !strings.Contains(string(rest[1]), `"count":2`) {
		t.Fatalf("COUNT: %s %s", label, rest)
	}
	r.send("CLOSE", "s")
	after := s.signed(t, 1, "after close")
	if err := s.Publish(context.Background(), &after); err != nil {
		t.Fatal(err)
	}
	r.send("COUNT", "c2", nostr.Filter{Kinds: []int{1}})
	if label, rest := r.next(); label != "COUNT" || !strings.Contains(string(rest[1]), `"count":3`) {
		t.Fatalf("after CLOSE the next message is %s %s, want the COUNT (no live event)", label, rest)
	}
	if err := s.Publish(context.Background(), &nostr.Event{Kind: 1}); !errors.Is(err, ErrNotSigned) {
		t.Fatalf("Publish of an unsigned event: %v, want ErrNotSigned", err)
	}
}

// TestFrontRoutesTheURL: NIP-11 by Accept header, everything else to the
// site, CORS on both.
func TestFrontRoutesTheURL(t *testing.T) {
	s := startServer(t, func(c *Config) { c.MaxSubscriptions = 7 })
	base := "http" + strings.TrimPrefix(s.url, "ws")
	req, _ := http.NewRequest(http.MethodGet, base, nil)
	req.Header.Set("Accept", "application/nostr+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var doc infoDoc
	err = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if err != nil || doc.Name != "front" || doc.Limitation.MaxSubscriptions != 7 || doc.Self != doc.PubKey || doc.PubKey == "" ||
		resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("NIP-11: %+v, %v, CORS %q", doc, err, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	resp, err = http.Get(base + "/anything")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "status page" {
		t.Fatalf("a plain GET reached %q, want the site", body)
	}
}

// TestFrontConcurrentClients runs subscribers, counters and publishers at
// once: every subscriber sees every event published after its EOSE, in
// full. Its value is under -race.
func TestFrontConcurrentClients(t *testing.T) {
	s := startServer(t, nil)
	const subscribers, publishers, each = 4, 2, 10
	var evs [publishers][]nostr.Event
	for p := range publishers {
		for i := range each {
			evs[p] = append(evs[p], s.signed(t, 7, fmt.Sprintf("%d/%d", p, i)))
		}
	}
	subs := make([]*wsClient, subscribers)
	for i := range subs {
		subs[i] = s.dial(t)
		subs[i].send("REQ", fmt.Sprintf("live%d", i), nostr.Filter{Kinds: []int{7}})
		if label, _ := subs[i].next(); label != "EOSE" {
			t.Fatalf("subscriber %d: %s, want EOSE", i, label)
		}
	}
	errs := make(chan error, subscribers+publishers)
	var wg sync.WaitGroup
	for i, c := range subs {
		wg.Go(func() {
			seen := map[string]bool{}
			for len(seen) < publishers*each {
				label, rest, err := c.read()
				if err != nil || label != "EVENT" {
					errs <- fmt.Errorf("subscriber %d after %d events: %s %v", i, len(seen), label, err)
					return
				}
				var ev nostr.Event
				_ = json.Unmarshal(rest[1], &ev)
				seen[ev.ID] = true
			}
		})
	}
	for p := range publishers {
		w := s.dial(t)
		wg.Go(func() {
			for _, ev := range evs[p] {
				if err := w.write("EVENT", ev); err != nil {
					errs <- err
					return
				}
				if label, rest, err := w.read(); err != nil || label != "OK" || string(rest[1]) != "true" {
					errs <- fmt.Errorf("publisher %d: %s %s %v", p, label, rest, err)
					return
				}
				if err := w.write("COUNT", "n", nostr.Filter{Kinds: []int{7}}); err != nil {
					errs <- err
					return
				}
				if label, _, err := w.read(); err != nil || label != "COUNT" {
					errs <- fmt.Errorf("publisher %d: %s %v, want COUNT", p, label, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
