package node

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Every read-replica problem of a file is listed at once, beside the rest.
func TestConfigReadReplicaErrors(t *testing.T) {
	_, err := ParseConfig([]byte(`
[database]
url = "postgres://u@primary/db"
read_urls = ["postgres://u@r1/db", "mysql://r2/db", ""]
read_max_lag = "0s"
read_check_interval = "10ms"
cache_mb = 0
`))
	want := []string{
		"database.read_urls[1]: want postgres://... (a streaming replica of database.url)",
		"database.read_urls[2]: want postgres://...",
		"database.cache_mb: want 1..1048576 MiB, got 0",
		`database.read_max_lag: want a duration in (0, 24h] such as "30s", got "0s"`,
		`database.read_check_interval: want a duration in [100ms, 1m] such as "2s", got "10ms"`,
	}
	if err == nil {
		t.Fatal("accepted")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	if strings.Contains(err.Error(), "r1") {
		t.Errorf("a valid replica URL was reported: %v", err)
	}
}

func TestConfigReadReplicaValues(t *testing.T) {
	cfg, err := ParseConfig([]byte(`
[database]
url = "postgres://u@primary/db"
read_urls = ["postgres://u@r1/db", "postgres://u@r2:5433/db?sslmode=require"]
read_max_lag = "5s"
read_check_interval = "500ms"
`))
	if err != nil {
		t.Fatal(err)
	}
	d := cfg.Database
	if !reflect.DeepEqual(d.ReadURLs, []string{"postgres://u@r1/db", "postgres://u@r2:5433/db?sslmode=require"}) ||
		d.ReadMaxLag != 5*time.Second || d.ReadCheckInterval != 500*time.Millisecond {
		t.Fatalf("decoded %+v", d)
	}
}

// Judged once database.url is known, which may come from the environment.
func TestLoadConfigReadReplicas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node.toml")
	load := func(body string) error {
		t.Helper()
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadConfig(path)
		return err
	}
	t.Setenv(EnvDatabaseURL, "")
	replicas := "[database]\nread_urls = [\"postgres://u@r1/db\"]\n"
	if err := load(replicas); err == nil || !strings.Contains(err.Error(), "database.read_urls: replicas need database.url = postgres://") {
		t.Fatalf("replicas of the embedded store: %v", err)
	}
	t.Setenv(EnvDatabaseURL, "postgres://u:secret@primary/db")
	if err := load(replicas); err != nil {
		t.Fatalf("primary from the environment: %v", err)
	}
	err := load("[database]\nread_urls = [\"postgres://x@PRIMARY:5432/db\", \"postgres://u@r1/db\", \"postgres://v:pw@r1:5432/db?sslmode=disable\"]\n")
	for _, w := range []string{
		"database.read_urls[0]: names the same server and database as database.url",
		"database.read_urls[2]: names the same server and database as read_urls[1]",
	} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q: %v", w, err)
		}
	}
	if err != nil && strings.Contains(err.Error(), "pw") {
		t.Errorf("a password reached the error: %v", err)
	}
}
