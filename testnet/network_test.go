package testnet

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nbd-wtf/go-nostr"
)

func TestConnectionCounting(t *testing.T) {
	n := startNet(t, Options{Relays: 6, Seed: 2, Mix: map[Profile]float64{Healthy: 1},
		NetworkMix: map[NetworkName]float64{Clearnet: 1}, BadTLS: -1})
	m := n.Manifest()
	a, b := m.Relays[0].URL, m.Relays[1].URL
	n.ResetStats()
	ctx := testCtx(t)
	w := mustWire(ctx, t, n, a)
	_, _, _ = w.req(ctx, "x", nostr.Filter{Limit: 1})
	nip11Get(ctx, t, n, a)
	got, err := n.Stats(a)
	if err != nil {
		t.Fatal(err)
	}
	// The upgrade response, the EOSE and the NIP-11 document at least.
	if got.BytesSent < int64(len(`["EOSE","x"]`))+200 {
		t.Errorf("bytes sent %d: the relay's answers were not counted", got.BytesSent)
	}
	// The WebSocket, and the NIP-11 request's connection unless the
	// server closed it already.
	open := got.Open
	if open < 1 || got.Longest <= 0 {
		t.Errorf("open %d, longest %v: want the WebSocket open and its age", got.Open, got.Longest)
	}
	got.BytesSent, got.Open, got.Longest = 0, 0, 0
	if want := (Stats{Connections: 2, WebSockets: 1, NIP11: 1, HTTP: 2}); got != want {
		t.Errorf("stats %+v, want %+v", got, want)
	}
	if c := n.Connections(b); c != 0 {
		t.Errorf("untouched relay counted %d connections", c)
	}
	total := int64(0)
	for _, s := range n.AllStats() {
		total += s.Connections
	}
	if total != 2 {
		t.Errorf("all relays: %d connections", total)
	}
	if _, err := n.Stats("wss://nowhere.testnet"); !errors.Is(err, ErrUnknownRelay) {
		t.Errorf("unknown relay: %v", err)
	}
	_ = w.c.CloseNow()
	for deadline := time.Now().Add(10 * time.Second); n.mustStats(t, a).Open >= open && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if s := n.mustStats(t, a); s.Open >= open || s.Longest <= 0 {
		t.Errorf("after the WebSocket closed: open %d (was %d), longest %v", s.Open, open, s.Longest)
	}
	n.ResetStats()
	if s, _ := n.Stats(a); s.Open != 0 {
		s.Open, s.Longest = 0, 0 // the NIP-11 client's idle keep-alive connection
		if s != (Stats{}) {
			t.Errorf("after reset: %+v", s)
		}
	} else if s != (Stats{}) {
		t.Errorf("after reset: %+v", s)
	}
}

func (n *Network) mustStats(t *testing.T, url string) Stats {
	t.Helper()
	s, err := n.Stats(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// freePort finds a port below the ephemeral range whose five service
// ports are free on 127.0.0.1, so nothing else grabs them between runs.
func freePort(t *testing.T) int {
	t.Helper()
	rng := subRNG(int64(os.Getpid()), t.Name())
	for range 100 {
		p := 20000 + rng.IntN(12000)
		ok := true
		for k := range 5 {
			ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", itoa(p+k)))
			if err != nil {
				ok = false
				break
			}
			ln.Close()
		}
		if ok {
			return p
		}
	}
	t.Fatal("no free port")
	return 0
}

// TestFixedPortLeavesNodeAddress: in fixed-port mode (the CLI's) nothing of
// the testnet takes 127.0.0.1:Port, TCP or UDP, so a node on its default
// address runs beside it; node.toml's node gets 127.0.0.1:Port+4.
func TestFixedPortLeavesNodeAddress(t *testing.T) {
	port := freePort(t)
	n := startNet(t, Options{Relays: 10, Seed: 3, Port: port, Octet: 92})
	m := n.Manifest()
	addr := net.JoinHostPort("127.0.0.1", itoa(port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("TCP %s taken by the testnet: %v", addr, err)
	}
	ln.Close()
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatalf("UDP %s taken by the testnet: %v", addr, err)
	}
	pc.Close()
	if want := net.JoinHostPort("127.0.0.1", itoa(port+4)); m.NodeListen != want || strings.HasPrefix(m.DNS, "127.0.0.1:") {
		t.Errorf("node %s (want %s), DNS %s", m.NodeListen, want, m.DNS)
	}
}

func TestDeterministic(t *testing.T) {
	port := freePort(t)
	run := func(seed int64) []byte {
		dir := t.TempDir()
		n, err := Start(context.Background(), Options{Relays: 40, Seed: seed, Port: port, Octet: 91, OutDir: dir})
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
		defer n.Close()
		b, err := os.ReadFile(n.ManifestPath())
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	first, second, other := run(8), run(8), run(9)
	if !bytes.Equal(first, second) {
		t.Errorf("same seed and port gave different manifests")
	}
	if bytes.Equal(first, other) {
		t.Errorf("different seeds gave the same manifest")
	}
}

func TestOutputFiles(t *testing.T) {
	n := startNet(t, Options{Relays: 12, Seed: 6})
	m := n.Manifest()
	var cfg struct {
		Node struct {
			DataDir string `toml:"data_dir"`
			Listen  string
		}
		Database struct{ URL string }
		Network  struct {
			AllowPrivate   bool   `toml:"allow_private"`
			DNSResolver    string `toml:"dns_resolver"`
			ExtraCAFile    string `toml:"extra_ca_file"`
			Tor, I2P, Loki struct {
				Enabled bool
				Proxy   string
			}
		}
		Seeder  struct{ File string }
		Monitor struct {
			GeoIPCity string `toml:"geoip_city"`
			GeoIPASN  string `toml:"geoip_asn"`
		}
	}
	md, err := toml.DecodeFile(filepath.Join(n.Dir(), FileNodeConfig), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		t.Errorf("unexpected keys %v", u)
	}
	nc := cfg.Network
	if !nc.AllowPrivate || nc.DNSResolver != n.DNSAddr() || nc.Tor.Proxy != m.Proxies[Tor] ||
		nc.I2P.Proxy != m.Proxies[I2P] || nc.Loki.Proxy != m.Proxies[Loki] || cfg.Node.Listen == "" ||
		!nc.Tor.Enabled || !nc.I2P.Enabled || !nc.Loki.Enabled {
		t.Errorf("network config %+v", cfg)
	}
	geo := []string{filepath.Join(n.Dir(), FileGeoCity), filepath.Join(n.Dir(), FileGeoASN)}
	if cfg.Monitor.GeoIPCity != geo[0] || cfg.Monitor.GeoIPASN != geo[1] {
		t.Errorf("monitor GeoIP paths %+v, want %v", cfg.Monitor, geo)
	}
	for _, f := range append(geo, nc.ExtraCAFile, cfg.Seeder.File) {
		if !filepath.IsAbs(f) {
			t.Errorf("%s is not absolute", f)
		}
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
	}
	ca, _ := os.ReadFile(nc.ExtraCAFile)
	if !bytes.Equal(ca, n.CAPEM()) {
		t.Errorf("ca.pem differs from the CA")
	}
	seeds, _ := os.ReadFile(cfg.Seeder.File)
	var lines []string
	for _, l := range strings.Split(string(seeds), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 || !sameSet(lines, m.Seeds) {
		t.Errorf("seed file %v, manifest %v", lines, m.Seeds)
	}
	back, err := ReadManifest(n.ManifestPath())
	if err != nil || len(back.Relays) != len(m.Relays) {
		t.Errorf("ReadManifest: %v", err)
	}
}

func TestOptionsValidation(t *testing.T) {
	bad := []Options{
		{Relays: -1},
		{Relays: 2, Specs: make([]Spec, 3)},
		{Relays: 2, Specs: []Spec{{Profile: "nope"}}},
		{Relays: 2, Specs: []Spec{{Network: "mars"}}},
		{Relays: 2, Mix: map[Profile]float64{Healthy: 0}},
		{Relays: 2, Port: 70000},
	}
	for i, o := range bad {
		if _, err := Start(context.Background(), o); !errors.Is(err, ErrOptions) {
			t.Errorf("case %d: err %v, want ErrOptions", i, err)
		}
	}
}

// TestBusyExcludesKeepAlive: a keep-alive connection idling between
// requests is the client's choice, so it does not count as held.
func TestBusyExcludesKeepAlive(t *testing.T) {
	n := startNet(t, Options{Relays: 2, Seed: 3, Mix: map[Profile]float64{Healthy: 1},
		NetworkMix: map[NetworkName]float64{Clearnet: 1}, BadTLS: -1})
	a := n.Manifest().Relays[0].URL
	ctx := testCtx(t)
	began := time.Now()
	nip11Get(ctx, t, n, a)
	took := time.Since(began)
	// Idle for four times the request: counted, the idle time would make
	// the connection's busy stretch longer than the request plus half that.
	pause := max(300*time.Millisecond, 4*took)
	time.Sleep(pause)
	s := n.mustStats(t, a)
	if s.Open != 1 || s.Longest <= 0 || s.Longest > took+pause/2 {
		t.Errorf("after one NIP-11 request (%v) on a connection kept alive %v: open %d, longest %v; want 1 open, busy within the request",
			took, pause, s.Open, s.Longest)
	}
}
