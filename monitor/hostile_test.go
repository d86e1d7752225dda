package monitor_test

import (
	"context"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/testdns"
	"github.com/bigbrotr/bigbrotr/monitor"
	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/nodekey"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/transport"
)

// slowloris answers every request, WebSocket upgrades included, with
// response headers that never end, one byte at a time.
func slowloris(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	msg := "HTTP/1.1 200 OK\r\nX-Slow: "
	for i := 0; ; i++ {
		b := byte('a')
		if i < len(msg) {
			b = msg[i]
		}
		if _, err := conn.Write([]byte{b}); err != nil || i > 600 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSlowlorisContained: a relay that trickles its HTTP answers costs the
// cycle one check timeout, not the transport's 30s read timeout, and is
// recorded as unreachable by timeout.
func TestSlowlorisContained(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(slowloris))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	tcfg := transport.DefaultConfig()
	tcfg.AllowPrivate, tcfg.DNSResolver, tcfg.ExtraCAFile = true, testdns.Example(t), ca
	tcfg.ReadTimeout, tcfg.HandshakeTimeout = 30*time.Second, 30*time.Second
	tr, err := transport.New(tcfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	u := schema.MustRelayURL(fmt.Sprintf("wss://slowloris.example.com:%s", port))
	s := openStore(t)
	if _, err := s.AddRelays(context.Background(), []schema.Relay{{URL: u, Network: schema.Clearnet, DiscoveredAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	cfg := monitor.DefaultConfig()
	cfg.Timeout, cfg.Retries = time.Second, 2
	c := &collector{}
	m, err := monitor.New(cfg, s, tr, monitor.Options{Signer: nodekey.Signer(testKey), Publish: c.publish})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	start := time.Now()
	st, err := m.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Containment, not speed: far below the transport's 30s budgets.
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("cycle took %v: the slowloris relay stalled it past its 1s check timeout", took)
	}
	if st.Unreachable[probe.ReasonTimeout] != 1 || len(c.byKind(monitor.KindRelayDiscovery)) != 0 {
		t.Errorf("unreachable = %v, 30166 events = %d; want one timeout and no event", st.Unreachable, len(c.byKind(monitor.KindRelayDiscovery)))
	}
}
