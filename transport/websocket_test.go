package transport

import (
	"context"
	"errors"
	"net"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/fiatjaf/khatru"
	"github.com/nbd-wtf/go-nostr"
)

// startRelay serves a khatru relay holding events on loopback and returns
// its port.
func startRelay(t *testing.T, events ...*nostr.Event) string {
	t.Helper()
	relay := khatru.NewRelay()
	relay.Info.Name = "transport test relay"
	relay.Info.PubKey = strings.Repeat("ab", 32)
	relay.QueryEvents = append(relay.QueryEvents, func(ctx context.Context, f nostr.Filter) (chan *nostr.Event, error) {
		ch := make(chan *nostr.Event, len(events))
		for _, ev := range events {
			if f.Matches(ev) {
				ch <- ev
			}
		}
		close(ch)
		return ch, nil
	})
	s := httptest.NewServer(relay)
	t.Cleanup(s.Close)
	_, port, _ := net.SplitHostPort(s.Listener.Addr().String())
	return port
}

func signedEvent(t *testing.T, content string) *nostr.Event {
	t.Helper()
	ev := &nostr.Event{Kind: 1, CreatedAt: nostr.Now(), Content: content, Tags: nostr.Tags{}}
	if err := ev.Sign(nostr.GeneratePrivateKey()); err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestDialRelayREQ(t *testing.T) {
	ev := signedEvent(t, "hello")
	port := startRelay(t, ev)
	srv := startDNS(t, testZone())
	tr := newTestTransport(t, srv, allowPrivate)
	ctx := context.Background()

	c, err := tr.Dial(ctx, "ws://relay.test:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tm := c.Timings
	if tm.DNS <= 0 || tm.Connect <= 0 || tm.Upgrade <= 0 || tm.Total < tm.DNS+tm.Connect+tm.Upgrade {
		t.Errorf("timings not populated: %+v", tm)
	}
	if tm.TLS != 0 {
		t.Errorf("TLS phase %v on ws://", tm.TLS)
	}
	if tm.Addr != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("Addr = %v, want 127.0.0.1 (IPv4 first)", tm.Addr)
	}
	if c.Header == nil || c.URL != "ws://relay.test:"+port {
		t.Errorf("conn metadata: header %v url %q", c.Header, c.URL)
	}

	if err := c.WS.Write(ctx, websocket.MessageText, []byte(`["REQ","t1",{"kinds":[1]}]`)); err != nil {
		t.Fatal(err)
	}
	if _, b, err := c.WS.Read(ctx); err != nil || !strings.HasPrefix(string(b), `["EVENT","t1",`) || !strings.Contains(string(b), ev.ID) {
		t.Fatalf("first message %q, %v; want the stored event", b, err)
	}
	if _, b, err := c.WS.Read(ctx); err != nil || strings.TrimSpace(string(b)) != `["EOSE","t1"]` {
		t.Fatalf("second message %q, %v; want EOSE", b, err)
	}
}

func TestDialWebSocketReadLimit(t *testing.T) {
	big := signedEvent(t, strings.Repeat("x", 4000))
	port := startRelay(t, big)
	tr := newTestTransport(t, nil, func(c *Config) {
		c.AllowPrivate = true
		c.MaxMessageBytes = 1024
	})
	ctx := context.Background()
	c, err := tr.Dial(ctx, "ws://127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer c.WS.CloseNow()
	if c.Timings.DNS != 0 {
		t.Errorf("DNS phase %v for an IP literal", c.Timings.DNS)
	}
	if err := c.WS.Write(ctx, websocket.MessageText, []byte(`["REQ","big",{}]`)); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.WS.Read(ctx)
	if !errors.Is(err, ErrMessageTooBig) {
		t.Fatalf("err = %v, want ErrMessageTooBig", err)
	}

	// The same message fits under the default limit.
	tr = newTestTransport(t, nil, allowPrivate)
	ws, _, err := tr.DialWebSocket(ctx, "ws://127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := ws.Write(ctx, websocket.MessageText, []byte(`["REQ","big",{}]`)); err != nil {
		t.Fatal(err)
	}
	if _, b, err := ws.Read(ctx); err != nil || !strings.Contains(string(b), big.ID) {
		t.Fatalf("read %d bytes, %v", len(b), err)
	}
}

func TestDialWebSocketRefused(t *testing.T) {
	port := startRelay(t)
	srv := startDNS(t, testZone())
	tr := newTestTransport(t, srv, nil)
	ctx := context.Background()
	for _, u := range []string{"ws://127.0.0.1:" + port, "ws://relay.test:" + port, "ws://[::ffff:127.0.0.1]:" + port} {
		_, tm, err := tr.DialWebSocket(ctx, u)
		if !errors.Is(err, ErrPrivateAddress) {
			t.Errorf("%s: err = %v, want ErrPrivateAddress", u, err)
		}
		if tm.Connect != 0 {
			t.Errorf("%s: a connect was attempted (%v)", u, tm.Connect)
		}
	}
	for _, u := range []string{"http://relay.test", "wss://", "::"} {
		if _, _, err := tr.DialWebSocket(ctx, u); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
}
