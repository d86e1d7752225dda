package archive

import (
	"strings"
	"testing"
	"time"
)

func TestConfigPoolAndWriter(t *testing.T) {
	c := DefaultConfig()
	if c.MaxConns != 0 || c.PoolSize() != DefaultMaxConns() || DefaultMaxConns() < 4 {
		t.Fatalf("max_conns %d resolves to %d, want the derived %d (>= 4)", c.MaxConns, c.PoolSize(), DefaultMaxConns())
	}
	if w := c.WriterOptions(); w.Committers != 1 || w.MaxEvents != DefaultGroupEvents || w.MaxWait != DefaultGroupWait {
		t.Fatalf("embedded store writer %+v, want one committer and the default group", w)
	}
	c.MaxConns = 3
	if c.PoolSize() != 3 {
		t.Fatalf("an explicit max_conns is not kept: %d", c.PoolSize())
	}
	c.URL = "postgres://db/x"
	if w := c.WriterOptions(); w.Committers != 2 {
		t.Fatalf("PostgreSQL with 3 connections: %d committers, want at least 2", w.Committers)
	}
	c.MaxConns = 40
	if w := c.WriterOptions(); w.Committers != 10 {
		t.Fatalf("PostgreSQL with 40 connections: %d committers, want a quarter of the pool", w.Committers)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	bad := Config{URL: "mysql://x", Mode: "medium", MaxConns: -1, CacheMB: 0, GroupCommitEvents: 0, GroupCommitWait: 2 * time.Second,
		ReadURLs: []string{"postgres://r1/x", "mysql://r2/x"}, ReadMaxLag: 0, ReadCheckInterval: 10 * time.Millisecond}
	err := bad.Validate()
	if err == nil {
		t.Fatal("a config wrong in every key passed")
	}
	got := strings.Split(err.Error(), "\n")
	want := []string{"database.url: ", "database.mode: ", "database.max_conns: ", "database.cache_mb: ", "database.group_commit_events: ", "database.group_commit_wait: ",
		"database.read_urls[1]: ", "database.read_max_lag: ", "database.read_check_interval: "}
	if len(got) != len(want) {
		t.Fatalf("problems %q, want one per key", got)
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("problem %d = %q, want prefix %q", i, got[i], w)
		}
	}
}

// Replicas are judged against the resolved primary URL: a PostgreSQL one,
// not listed among them, and no replica twice, however the URLs spell
// user, password, port and options.
func TestConfigCheckReplicas(t *testing.T) {
	tests := []struct {
		name, url string
		replicas  []string
		want      []string // one problem a line, in order
	}{
		{"none", "", nil, nil},
		{"distinct", "postgres://u@p/db", []string{"postgres://u@r1/db", "postgres://u@r2/db", "postgres://u@p:5433/db"}, nil},
		{"embedded primary", "", []string{"postgres://u@r1/db"}, []string{"database.read_urls: replicas need database.url"}},
		{"primary again", "postgres://u:pw@P/db", []string{"postgres://x@p:5432/db?sslmode=disable"},
			[]string{"database.read_urls[0]: names the same server and database as database.url"}},
		{"twice", "postgres://u@p/db", []string{"postgres://u@r1/db", "postgres://v@r1:5432/db", "postgres://u@r1/other"},
			[]string{"database.read_urls[1]: names the same server and database as read_urls[0]"}},
		{"sockets", "postgres:///db?host=/run/a", []string{"postgres:///db?host=/run/b"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			c.URL, c.ReadURLs = tt.url, tt.replicas
			err := c.CheckReplicas()
			var got []string
			if err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if len(got) != len(tt.want) {
				t.Fatalf("problems %q, want %q", got, tt.want)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("problem %d = %q, want prefix %q", i, got[i], w)
				}
			}
		})
	}
}
