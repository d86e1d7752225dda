package synchronizer

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/relayclient"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
	"github.com/bigbrotr/bigbrotr/transport"
)

// The archive's store is what the node hands the synchronizer, as is.
var _ Store = archive.Store(nil)

// transportFor reaches a testnet from its manifest: its DNS, CA and proxies.
func transportFor(t testing.TB, m *testnet.Manifest, dir string) *transport.Transport {
	t.Helper()
	cfg := transport.DefaultConfig()
	cfg.AllowPrivate = true
	m.Reach(&cfg, dir, 5*time.Second)
	cfg.ReadTimeout = 5 * time.Second
	cfg.HandshakeTimeout = 5 * time.Second
	tr, err := transport.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// testConfig is a fast configuration for testnets.
func testConfig() Config {
	c := DefaultConfig()
	c.Interval = time.Second
	c.Limit = 100
	c.Concurrency = 24
	c.Client.FirstAnswer, c.Client.Idle = 5*time.Second, 5*time.Second
	c.BackoffBase = 100 * time.Millisecond
	c.BackoffMax = time.Second
	c.Retries = 4
	c.BatchSize = 200
	return c
}

func keySigner(sk string) Signer {
	return func(_ context.Context, ev *nostr.Event) error { return ev.Sign(sk) }
}

// openStore opens the embedded archive in dir and registers the relays
// a validator would have promoted.
func openStore(t testing.TB, ctx context.Context, dir string, m *testnet.Manifest) archive.Store {
	t.Helper()
	st, err := archive.Open(ctx, archive.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var rels []schema.Relay
	for _, r := range m.Relays {
		if r.Valid {
			n, _ := schema.ParseNetwork(string(r.Network))
			rels = append(rels, schema.Relay{URL: schema.MustRelayURL(r.URL), Network: n, DiscoveredAt: time.Unix(m.BaseTime, 0)})
		}
	}
	if _, err := st.AddRelays(ctx, rels); err != nil {
		t.Fatal(err)
	}
	return st
}

// publish writes events to a relay over its WebSocket and waits for OK.
func publish(ctx context.Context, n *testnet.Network, url string, evs []*nostr.Event) error {
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: n.HTTPClient()})
	if err != nil {
		return err
	}
	defer ws.CloseNow()
	ws.SetReadLimit(1 << 22)
	for _, ev := range evs {
		b, _ := nostr.EventEnvelope{Event: *ev}.MarshalJSON()
		if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
			return err
		}
		for {
			_, msg, err := ws.Read(ctx)
			if err != nil {
				return err
			}
			m, err := relayclient.Parse(msg)
			if err == nil && m.Label == "OK" && m.EventID == ev.ID {
				if !m.OK {
					return fmt.Errorf("%s refused %s: %s", url, ev.ID, m.Text)
				}
				break
			}
		}
	}
	return nil
}

// burst makes count events signed by keys (round robin) with kinds (round
// robin), all at created_at ts, or spread one per step seconds below ts.
func burst(keys []string, kinds []int, count int, ts int64, step int64, tag string) []*nostr.Event {
	out := make([]*nostr.Event, count)
	for i := range out {
		ev := &nostr.Event{Kind: kinds[i%len(kinds)], CreatedAt: nostr.Timestamp(ts - int64(i)*step),
			Tags: nostr.Tags{}, Content: fmt.Sprintf("%s %d", tag, i)}
		if err := ev.Sign(keys[i%len(keys)]); err != nil {
			panic(err)
		}
		out[i] = ev
	}
	return out
}

func genKeys(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = nostr.GeneratePrivateKey()
	}
	return out
}

// logLevel is Warn, or Debug with SYNCER_TEST_LOG=1.
func logLevel() slog.Level {
	if os.Getenv("SYNCER_TEST_LOG") != "" {
		return slog.LevelDebug
	}
	return slog.LevelWarn
}
