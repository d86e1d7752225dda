package discovery

import (
	"context"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/fiatjaf/khatru"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/internal/testdns"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/transport"
)

// The archive's store is what the node hands the discovery loops, as is.
var (
	_ CandidateStore = archive.Store(nil)
	_ FinderStore    = archive.Store(nil)
	_ ValidatorStore = archive.Store(nil)
)

// relayOpts shape a test relay's behaviour.
type relayOpts struct {
	authRequired bool // REQ gets CLOSED "auth-required:"
	challenge    bool // sends an AUTH challenge on connect
	cap          int  // at most this many events per REQ (0: the filter's limit)
}

// newRelay serves events from a khatru relay on loopback and returns its
// ws:// URL.
func newRelay(t *testing.T, events []*nostr.Event, o relayOpts) string {
	t.Helper()
	kh := khatru.NewRelay()
	kh.QueryEvents = append(kh.QueryEvents, func(_ context.Context, f nostr.Filter) (chan *nostr.Event, error) {
		var out []*nostr.Event
		for _, ev := range events {
			if f.Matches(ev) {
				out = append(out, ev)
			}
		}
		slices.SortFunc(out, func(a, b *nostr.Event) int {
			if a.CreatedAt != b.CreatedAt {
				return int(b.CreatedAt - a.CreatedAt)
			}
			return strings.Compare(a.ID, b.ID)
		})
		limit := f.Limit
		if o.cap > 0 && (limit == 0 || limit > o.cap) {
			limit = o.cap
		}
		if limit > 0 && len(out) > limit {
			out = out[:limit]
		}
		ch := make(chan *nostr.Event, len(out))
		for _, ev := range out {
			ch <- ev
		}
		close(ch)
		return ch, nil
	})
	if o.authRequired {
		kh.RejectFilter = append(kh.RejectFilter, func(context.Context, nostr.Filter) (bool, string) {
			return true, "auth-required: sign in first"
		})
	}
	if o.challenge {
		kh.OnConnect = append(kh.OnConnect, khatru.RequestAuth)
	}
	return serve(t, kh)
}

// serve runs h over TLS on loopback and returns its relay URL. The host is
// example.com (in the certificate of every httptest TLS server), which
// newTransport resolves to 127.0.0.1: a loopback IP literal is not a relay
// URL schema.ParseRelayURL accepts.
func serve(t *testing.T, h http.Handler) string {
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	return exampleURL(srv)
}

func exampleURL(srv *httptest.Server) string {
	return "wss://example.com:" + strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)
}

// newEcho is a WebSocket that sends back every message: not a relay.
func newEcho(t *testing.T) string {
	return serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, b, err := c.Read(r.Context())
			if err != nil || c.Write(r.Context(), typ, b) != nil {
				return
			}
		}
	}))
}

// newSilent upgrades and then never says anything.
func newSilent(t *testing.T) string {
	return serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			if _, _, err := c.Read(r.Context()); err != nil {
				return
			}
		}
	}))
}

// newJunk answers every message with JSON that is no NIP-01 message.
func newJunk(t *testing.T) string {
	return serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			if _, _, err := c.Read(r.Context()); err != nil {
				return
			}
			_ = c.Write(r.Context(), websocket.MessageText, []byte(`{"hello":"world"}`))
		}
	}))
}

// newHTTPOnly answers everything, upgrades included, with a web page.
func newHTTPOnly(t *testing.T) string {
	return serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>hi</html>"))
	}))
}

// deadURL is a loopback port nothing listens on.
func deadURL(t *testing.T) string {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	u := exampleURL(srv)
	srv.Close()
	return u
}

// testCA writes the certificate every httptest TLS server presents, for
// transport's extra_ca_file.
func testCA(t *testing.T) string {
	t.Helper()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func newTransport(t *testing.T, allowPrivate bool) *transport.Transport {
	t.Helper()
	cfg := transport.DefaultConfig()
	cfg.AllowPrivate = allowPrivate
	cfg.ReadTimeout = 5 * time.Second
	cfg.DNSResolver, cfg.ExtraCAFile = testdns.Example(t), testCA(t)
	tr, err := transport.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// openStore opens the embedded archive in a temporary directory.
func openStore(t *testing.T) archive.Store {
	t.Helper()
	s, err := archive.Open(context.Background(), archive.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// candidates lists every candidate of the store by URL.
func candidates(t *testing.T, s archive.Store) map[string]schema.Candidate {
	t.Helper()
	out := map[string]schema.Candidate{}
	for _, n := range schema.Networks {
		cs, err := s.DueCandidates(context.Background(), n, time.Now().AddDate(100, 0, 0), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			out[c.URL.String()] = c
		}
	}
	return out
}

// relayURLs lists the validated relays.
func relayURLs(t *testing.T, s archive.Store) []string {
	t.Helper()
	rs, err := s.Relays(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, r.URL.String())
	}
	slices.Sort(out)
	return out
}

var testKey = nostr.GeneratePrivateKey()

// signed builds and signs an event.
func signed(t *testing.T, kind int, created int64, tags nostr.Tags, content string) *nostr.Event {
	t.Helper()
	ev := &nostr.Event{Kind: kind, CreatedAt: nostr.Timestamp(created), Tags: tags, Content: content}
	if ev.Tags == nil {
		ev.Tags = nostr.Tags{}
	}
	if err := ev.Sign(testKey); err != nil {
		t.Fatal(err)
	}
	return ev
}

func keys[V any](m map[string]V) []string { return sortedKeys(m) }
