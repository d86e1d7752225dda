package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStartupFailures starts `bigbrotr node` (and `config check`) on
// configurations that cannot start: each must end with one line naming the
// cause, the documented exit code, no panic, and the embedded store closed
// (SQLite removes its -wal file on the last clean close, so a leftover one
// means the store was left open).
func TestStartupFailures(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	busy := taken.Addr().String()

	notGeoIP := filepath.Join(t.TempDir(), "GeoLite2-City.mmdb")
	if err := os.WriteFile(notGeoIP, []byte(strings.Repeat("not a maxmind database\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	geoDir := t.TempDir() // a directory cannot be read as a database

	tests := []struct {
		name     string
		config   string // appended to [node] data_dir
		cmd      []string
		code     int
		contains []string
	}{
		{"listen port taken", "[node]\nlisten = \"" + busy + "\"\n[metrics]\nlisten = \"\"\n", []string{"node"}, 1,
			[]string{"node.listen " + busy, "address already in use"}},
		{"metrics port taken", "[node]\nlisten = \"127.0.0.1:0\"\n[metrics]\nlisten = \"" + busy + "\"\n", []string{"node"}, 1,
			[]string{"metrics.listen " + busy, "address already in use"}},
		{"listen port out of range", "[node]\nlisten = \"127.0.0.1:99999\"\n", []string{"node"}, 2,
			[]string{"node.listen: port must be a number from 1 to 65535", `"99999"`}},
		{"listen port out of range, config check", "[node]\nlisten = \"127.0.0.1:99999\"\n", []string{"config", "check"}, 2,
			[]string{"node.listen: port must be"}},
		{"metrics port out of range, config check", "[metrics]\nlisten = \"127.0.0.1:65536\"\n", []string{"config", "check"}, 2,
			[]string{"metrics.listen: port must be"}},
		{"metrics named port, config check", "[metrics]\nlisten = \"127.0.0.1:http\"\n", []string{"config", "check"}, 2,
			[]string{"metrics.listen: port must be", `"http"`}},
		{"geoip file not a database", "[monitor]\ngeoip_city = \"" + notGeoIP + "\"\n", []string{"node"}, 2,
			[]string{"monitor.geoip_city", notGeoIP, "invalid"}},
		{"geoip file not a database, config check", "[monitor]\ngeoip_asn = \"" + notGeoIP + "\"\n", []string{"config", "check"}, 2,
			[]string{"monitor.geoip_asn", notGeoIP}},
		{"geoip path unreadable, config check", "[monitor]\ngeoip_city = \"" + geoDir + "\"\n", []string{"config", "check"}, 2,
			[]string{"monitor.geoip_city", geoDir}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			data := filepath.Join(dir, "data")
			body := "[node]\ndata_dir = \"" + data + "\"\n" + strings.Replace(tt.config, "[node]\n", "", 1)
			if !strings.HasPrefix(tt.config, "[node]") {
				body = "[node]\ndata_dir = \"" + data + "\"\nlisten = \"127.0.0.1:0\"\n[metrics]\nlisten = \"\"\n" + tt.config
				body = strings.Replace(body, "[metrics]\nlisten = \"\"\n[metrics]\n", "[metrics]\n", 1)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			args := append([]string{"--config", writeConfig(t, dir, body)}, tt.cmd...)
			code, _, stderr := runCLI(t, ctx, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			oneLine(t, stderr, tt.contains...)
			if _, err := os.Stat(filepath.Join(data, "bigbrotr.db-wal")); err == nil {
				t.Fatal("the embedded store was left open (bigbrotr.db-wal remains)")
			}
		})
	}
}
