package transport

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"
	socks5 "github.com/things-go/go-socks5"
)

const testOnion = "2jsnlhfnelig5acq6iacydmzdbdmg7xwunm4xl6qwbvzacw4lwrjmlyd.onion"

// fakeTor is a SOCKS5 proxy on loopback that sends every connection to
// target, whatever the requested name, and records the names it was given.
type fakeTor struct {
	mu    sync.Mutex
	names []string
}

func (f *fakeTor) Resolve(ctx context.Context, name string) (context.Context, net.IP, error) {
	f.mu.Lock()
	f.names = append(f.names, name)
	f.mu.Unlock()
	return ctx, net.IPv4(127, 0, 0, 1), nil
}

func (f *fakeTor) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.names...)
}

func startSOCKS(t *testing.T, target string, opts ...socks5.Option) (string, *fakeTor) {
	t.Helper()
	f := &fakeTor{}
	var d net.Dialer
	opts = append(opts, socks5.WithResolver(f), socks5.WithDial(func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, target)
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = socks5.NewServer(opts...).Serve(ln) }()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String(), f
}

// TestSOCKSRoutesOnion runs without allow_private: the proxy is local, but
// the guard only applies to clearnet destinations, never to an overlay.
func TestSOCKSRoutesOnion(t *testing.T) {
	relayPort := startRelay(t, signedEvent(t, "over tor"))
	proxyAddr, tor := startSOCKS(t, "127.0.0.1:"+relayPort)
	srv := startDNS(t, testZone())
	tr := newTestTransport(t, srv, func(c *Config) { c.Tor = ProxyConfig{Enabled: true, Proxy: "socks5://" + proxyAddr} })
	ctx := context.Background()

	// NIP-11 over the proxy, as the monitor's probe will fetch it.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+testOnion+"/", nil)
	req.Header.Set("Accept", "application/nostr+json")
	resp, err := tr.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "transport test relay") {
		t.Fatalf("NIP-11 over the proxy: %d %q", resp.StatusCode, body)
	}
	c, err := tr.Dial(ctx, "ws://relay."+testOnion)
	if err != nil {
		t.Fatal(err)
	}
	defer c.WS.CloseNow()
	if c.Timings.DNS != 0 || c.Timings.Connect <= 0 || c.Timings.Addr.IsValid() {
		t.Errorf("overlay timings: %+v", c.Timings)
	}
	if err := c.WS.Write(ctx, websocket.MessageText, []byte(`["REQ","s",{}]`)); err != nil {
		t.Fatal(err)
	}
	if _, b, err := c.WS.Read(ctx); err != nil || !strings.HasPrefix(string(b), `["EVENT","s",`) {
		t.Fatalf("REQ over the proxy: %q, %v", b, err)
	}

	names := tor.seen()
	if len(names) != 2 || names[0] != testOnion || names[1] != "relay."+testOnion {
		t.Errorf("the proxy was given %v, want the onion names unresolved", names)
	}
	if len(srv.queries()) != 0 {
		t.Errorf("onion names leaked to DNS: %v", srv.queries())
	}
	// Other overlays stay off.
	if _, err := tr.DialContext(ctx, "tcp", "relay.i2p:80"); !errors.Is(err, ErrNetworkDisabled) {
		t.Errorf("i2p: err = %v, want ErrNetworkDisabled", err)
	}
}

func TestSOCKSAuth(t *testing.T) {
	relayPort := startRelay(t)
	proxyAddr, _ := startSOCKS(t, "127.0.0.1:"+relayPort, socks5.WithCredential(socks5.StaticCredentials{"bigbrotr": "s3cret"}))
	ctx := context.Background()
	for _, tt := range []struct {
		proxy string
		ok    bool
	}{
		{"socks5://bigbrotr:s3cret@" + proxyAddr, true},
		{"socks5://bigbrotr:wrong@" + proxyAddr, false},
		{"socks5://" + proxyAddr, false},
	} {
		tr := newTestTransport(t, nil, func(c *Config) { c.Tor = ProxyConfig{Enabled: true, Proxy: tt.proxy} })
		conn, err := tr.DialContext(ctx, "tcp", testOnion+":80")
		if conn != nil {
			conn.Close()
		}
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want success %v", tt.proxy, err, tt.ok)
		}
	}
}

func TestSOCKSProxyDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more
	tr := newTestTransport(t, nil, func(c *Config) { c.I2P = ProxyConfig{Enabled: true, Proxy: "socks5://" + addr} })
	_, err = tr.DialContext(context.Background(), "tcp", "relay.i2p:80")
	if err == nil || IsRefused(err) {
		t.Fatalf("err = %v, want a connection error that is not a policy refusal", err)
	}
}
