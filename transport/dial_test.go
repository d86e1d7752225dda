package transport

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/schema"
)

// newTestTransport builds a Transport resolving through srv (when given)
// with short timeouts; edit adjusts the config first.
func newTestTransport(t *testing.T, srv *dnsServer, edit func(*Config)) *Transport {
	t.Helper()
	c := DefaultConfig()
	if srv != nil {
		c.DNSResolver = srv.addr
	}
	c.DialTimeout, c.HandshakeTimeout, c.ReadTimeout = 5*time.Second, 5*time.Second, 5*time.Second
	if edit != nil {
		edit(&c)
	}
	tr, err := New(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func allowPrivate(c *Config) { c.AllowPrivate = true }

// listen returns a loopback TCP listener that accepts and counts connections.
func listen(t *testing.T, ip string) (port string, accepted func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	count := make(chan int, 1)
	count <- 0
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n := <-count
			count <- n + 1
			c.Close()
		}
	}()
	_, port, _ = net.SplitHostPort(ln.Addr().String())
	return port, func() int { n := <-count; count <- n; return n }
}

func TestDialGuard(t *testing.T) {
	srv := startDNS(t, testZone())
	port, accepted := listen(t, "127.0.0.1")
	tr := newTestTransport(t, srv, nil)

	tests := []struct {
		host    string
		wantDNS bool // whether the refusal needed a lookup
	}{
		{"relay.test", true},    // 127.0.0.1 and ::1
		{"v6.test", true},       // AAAA ::ffff:127.0.0.1
		{"ten.test", true},      // 10.0.0.1
		{"home.test", true},     // 192.168.1.1
		{"metadata.test", true}, // 169.254.169.254
		{"ula.test", true},      // fd00::1
		{"mixed.test", true},    // one public and one private answer: all refused
		{"127.0.0.1", false},    // literals need no lookup
		{"::ffff:127.0.0.1", false},
		{"10.0.0.1", false},
		{"localhost", false}, // names that cannot be public, refused unasked
		{"relay.localhost", false},
		{"router.lan", false},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			ctx, timings := WithTimings(context.Background())
			conn, err := tr.DialContext(ctx, "tcp", net.JoinHostPort(tt.host, port))
			if err == nil {
				conn.Close()
				t.Fatal("dial succeeded, want ErrPrivateAddress")
			}
			if !errors.Is(err, ErrPrivateAddress) || !IsRefused(err) {
				t.Fatalf("err = %v, want ErrPrivateAddress", err)
			}
			if !strings.Contains(err.Error(), strings.Trim(tt.host, "[]")) {
				t.Errorf("error %q does not name the host", err)
			}
			tm := timings()
			if tm.Connect != 0 || tm.Addr.IsValid() {
				t.Errorf("a connect was attempted: %+v", tm)
			}
			if (tm.DNS > 0) != tt.wantDNS {
				t.Errorf("DNS phase %v, want a lookup: %v", tm.DNS, tt.wantDNS)
			}
		})
	}
	if n := accepted(); n != 0 {
		t.Errorf("the listener saw %d connections, want 0", n)
	}
	for _, name := range []string{"localhost", "relay.localhost", "router.lan"} {
		if srv.asked(name) {
			t.Errorf("%s was looked up", name)
		}
	}
}

func TestDialAllowPrivate(t *testing.T) {
	srv := startDNS(t, testZone())
	port, accepted := listen(t, "127.0.0.1")
	tr := newTestTransport(t, srv, allowPrivate)
	for i, host := range []string{"relay.test", "127.0.0.1", "v6.test"} {
		ctx, timings := WithTimings(context.Background())
		conn, err := tr.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
		if err != nil {
			t.Fatalf("dial %s: %v", host, err)
		}
		conn.Close()
		tm := timings()
		if tm.Addr.Unmap() != netip.MustParseAddr("127.0.0.1") || tm.Connect <= 0 {
			t.Errorf("dial %s: timings %+v", host, tm)
		}
		if got := accepted(); got > i+1 {
			t.Errorf("accepted %d connections after %d dials", got, i+1)
		}
	}
}

func TestDialPublicPassesGuard(t *testing.T) {
	// Never dial a public address from a test: check the guard's verdict
	// on the resolved answer only.
	srv := startDNS(t, testZone())
	tr := newTestTransport(t, srv, nil)
	addrs, err := tr.resolve(context.Background(), "public.test")
	if err != nil || len(addrs) != 1 || addrs[0] != netip.MustParseAddr("1.2.3.4") {
		t.Fatalf("resolve(public.test) = %v, %v", addrs, err)
	}
	if err := tr.controlGuard("tcp4", "1.2.3.4:443", nil); err != nil {
		t.Errorf("controlGuard(public) = %v", err)
	}
	if err := tr.controlGuard("tcp4", "127.0.0.1:443", nil); !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("controlGuard(loopback) = %v, want ErrPrivateAddress", err)
	}
	if err := tr.controlGuard("tcp6", "[::ffff:10.0.0.1]:443", nil); !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("controlGuard(mapped) = %v, want ErrPrivateAddress", err)
	}
}

func TestDialErrors(t *testing.T) {
	srv := startDNS(t, testZone())
	tr := newTestTransport(t, srv, allowPrivate)
	ctx := context.Background()
	onion := "2jsnlhfnelig5acq6iacydmzdbdmg7xwunm4xl6qwbvzacw4lwrjmlyd.onion"

	_, err := tr.DialContext(ctx, "tcp", onion+":80")
	if !errors.Is(err, ErrNetworkDisabled) || !IsRefused(err) {
		t.Errorf("onion with tor off: err = %v, want ErrNetworkDisabled", err)
	}
	for _, n := range []string{"relay.i2p", "abc.loki"} {
		if _, err := tr.DialContext(ctx, "tcp", n+":80"); !errors.Is(err, ErrNetworkDisabled) {
			t.Errorf("%s: err = %v, want ErrNetworkDisabled", n, err)
		}
	}
	if srv.asked(onion) || srv.asked("relay.i2p") || srv.asked("abc.loki") {
		t.Errorf("an overlay name leaked to DNS: %v", srv.queries())
	}
	if tr.NetworkEnabled(schema.Tor) || !tr.NetworkEnabled(schema.Clearnet) {
		t.Error("NetworkEnabled disagrees with the config")
	}

	_, err = tr.DialContext(ctx, "tcp", "nxdomain.test:80")
	var de *net.DNSError
	if !errors.As(err, &de) || !de.IsNotFound || IsRefused(err) {
		t.Errorf("nxdomain: err = %v, want a not-found *net.DNSError", err)
	}
	if _, err := tr.DialContext(ctx, "udp", "relay.test:53"); err == nil {
		t.Error("udp dial accepted")
	}
	if _, err := tr.DialContext(ctx, "tcp", "relay.test"); err == nil {
		t.Error("address without port accepted")
	}
	if _, err := tr.DialContext(ctx, "tcp6", "127.0.0.1:80"); err == nil || !strings.Contains(err.Error(), "no tcp6 address") {
		t.Errorf("tcp6 to an IPv4 literal: err = %v", err)
	}
}
