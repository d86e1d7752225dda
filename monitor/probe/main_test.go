package probe

import (
	"context"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/internal/testdns"
	"github.com/bigbrotr/bigbrotr/nodekey"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
	"github.com/bigbrotr/bigbrotr/transport"
)

// The shared testnet: every profile a probe must tell apart, pinned by
// index so tests find them by profile.
var netSpecs = []testnet.Spec{
	{Profile: testnet.Healthy, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.Slow, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.AuthRead, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.AuthWrite, Network: testnet.Clearnet, TLS: testnet.TLSValid}, // index 3: has a CNAME alias
	{Profile: testnet.AuthAll, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.Paid, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.RestrictedWrites, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.Echo, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.HTTPOnly, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.Closed, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.NIP11Missing, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.NIP11Invalid, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.NIP11WrongType, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.NIP11Huge, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.NIP11Redirect, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.FakeNIPs, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.RateLimited, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.Capped, Network: testnet.Clearnet, TLS: testnet.TLSExpired},
	{Profile: testnet.Capped, Network: testnet.Clearnet, TLS: testnet.TLSSelfSigned},
	{Profile: testnet.Capped, Network: testnet.Clearnet, TLS: testnet.TLSWrongHost},
	{Profile: testnet.Healthy, Network: testnet.Tor},
	{Profile: testnet.Healthy, Network: testnet.I2P},
	// More healthy clearnet relays: the testnet makes one of them dual-stack.
	{Profile: testnet.Healthy, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.Healthy, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.Healthy, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.Healthy, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.Healthy, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.Healthy, Network: testnet.Clearnet, TLS: testnet.TLSValid},
}

var (
	netOnce   sync.Once
	sharedNet *testnet.Network
	netErr    error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedNet != nil {
		sharedNet.Close()
	}
	os.Exit(code)
}

// testNet starts the shared testnet on first use.
func testNet(t *testing.T) *testnet.Network {
	t.Helper()
	netOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		sharedNet, netErr = testnet.Start(ctx, testnet.Options{
			Relays: len(netSpecs), Specs: netSpecs, Seed: 66, BadTLS: -1,
			SlowDelay: 300 * time.Millisecond, FlapUp: time.Hour,
		})
	})
	if netErr != nil {
		t.Fatalf("testnet: %v", netErr)
	}
	return sharedNet
}

// relayOf returns the manifest entry of the i-th relay of profile p.
func relayOf(t *testing.T, n *testnet.Network, p testnet.Profile, nw testnet.NetworkName, i int) testnet.RelayInfo {
	t.Helper()
	var seen int
	for _, r := range n.Manifest().ByProfile(p) {
		if r.Network == nw {
			if seen == i {
				return r
			}
			seen++
		}
	}
	t.Fatalf("no %s relay #%d with profile %s", nw, i, p)
	return testnet.RelayInfo{}
}

var (
	trMu    sync.Mutex
	netTrs  = map[*testnet.Network]*transport.Transport{}
	testKey = strings.Repeat("07", 32)
)

// netTransport dials the testnet like a node configured for it.
func netTransport(t *testing.T, n *testnet.Network) *transport.Transport {
	t.Helper()
	trMu.Lock()
	defer trMu.Unlock()
	if tr := netTrs[n]; tr != nil {
		return tr
	}
	cfg := transport.DefaultConfig()
	cfg.AllowPrivate = true
	n.Manifest().Reach(&cfg, n.Dir(), 5*time.Second)
	cfg.ReadTimeout = 5 * time.Second
	cfg.DialTimeout, cfg.HandshakeTimeout = 5*time.Second, 5*time.Second
	tr, err := transport.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	netTrs[n] = tr
	return tr
}

// testSigner signs with a fixed secret key: the node key of the tests.
func testSigner(testing.TB) nostr.Signer { return nodekey.Signer(testKey) }

// netTarget is a Target for a testnet relay, with the test key and AUTH on.
func netTarget(t *testing.T, n *testnet.Network, url string) Target {
	t.Helper()
	u, err := schema.ParseRelayURL(url)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return Target{URL: u, Transport: netTransport(t, n), Signer: testSigner(t), Auth: true}
}

func probeCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// Local servers: httptest TLS servers reached as <name>.example.com (their
// certificate covers *.example.com) through testdns, which answers
// 127.0.0.1 for every name under example.com.

// localRelay serves h over TLS and returns a Target for it, named name.
func localRelay(t *testing.T, name string, h http.Handler) Target {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	u, err := schema.ParseRelayURL(fmt.Sprintf("wss://%s.example.com:%s", name, port))
	if err != nil {
		t.Fatal(err)
	}
	return Target{URL: u, Transport: localTransport(t, caFile), Signer: testSigner(t), Auth: true}
}

// localTransport resolves through the local DNS and trusts caFile ("" for
// the system roots only).
func localTransport(t *testing.T, caFile string) *transport.Transport {
	t.Helper()
	cfg := transport.DefaultConfig()
	cfg.AllowPrivate = true
	cfg.DNSResolver = testdns.Example(t)
	cfg.ExtraCAFile = caFile
	cfg.ReadTimeout, cfg.DialTimeout, cfg.HandshakeTimeout = 5*time.Second, 5*time.Second, 5*time.Second
	tr, err := transport.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}
