package node

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nbd-wtf/go-nostr"
	"github.com/prometheus/client_golang/prometheus"
)

// TestNewFailsCleanly makes New fail at each step after the key: the
// listeners (before the store opens) and the monitor's GeoIP databases
// (after it). New must return the cause, no Node, and leave nothing open:
// the listen address is free again and the embedded store is closed (SQLite
// removes its -wal file on the last clean close).
func TestNewFailsCleanly(t *testing.T) {
	t.Setenv(EnvPrivateKey, nostr.GeneratePrivateKey())
	t.Setenv(EnvDatabaseURL, "")
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	notGeoIP := filepath.Join(t.TempDir(), "city.mmdb")
	if err := os.WriteFile(notGeoIP, []byte(strings.Repeat("x", 4096)), 0o600); err != nil {
		t.Fatal(err)
	}
	free := freeAddr(t)
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
		opened bool // the store was opened before the failure
	}{
		{"listen taken", func(c *Config) { c.Node.Listen = taken.Addr().String() }, "node.listen", false},
		{"listen port invalid", func(c *Config) { c.Node.Listen = "127.0.0.1:99999" }, "node.listen", false},
		{"metrics taken", func(c *Config) { c.Node.Listen = free; c.Metrics.Listen = taken.Addr().String() }, "metrics.listen", false},
		{"geoip not a database", func(c *Config) { c.Node.Listen = free; c.Monitor.GeoIPCity = notGeoIP }, "geoip City database", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Default()
			cfg.Node.DataDir = filepath.Join(t.TempDir(), "data")
			cfg.Metrics.Listen = ""
			tt.mutate(&cfg)
			n, err := New(context.Background(), Options{Config: cfg, Registry: prometheus.NewRegistry()})
			if err == nil || n != nil {
				t.Fatalf("New: node %v, err %v; want nil and an error", n, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not name %q", err, tt.want)
			}
			db := filepath.Join(cfg.Node.DataDir, "bigbrotr.db")
			if _, err := os.Stat(db); (err == nil) != tt.opened {
				t.Fatalf("store opened = %v, want %v", err == nil, tt.opened)
			}
			if _, err := os.Stat(db + "-wal"); err == nil {
				t.Fatal("the embedded store was left open (bigbrotr.db-wal remains)")
			}
			// The relay listener bound before the failure is released.
			if cfg.Node.Listen == free {
				l, err := net.Listen("tcp", free)
				if err != nil {
					t.Fatalf("listen address still held: %v", err)
				}
				l.Close()
			}
		})
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
