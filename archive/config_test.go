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
	bad := Config{URL: "mysql://x", Mode: "medium", MaxConns: -1, CacheMB: 0, GroupCommitEvents: 0, GroupCommitWait: 2 * time.Second}
	err := bad.Validate()
	if err == nil {
		t.Fatal("a config wrong in every key passed")
	}
	got := strings.Split(err.Error(), "\n")
	want := []string{"database.url: ", "database.mode: ", "database.max_conns: ", "database.cache_mb: ", "database.group_commit_events: ", "database.group_commit_wait: "}
	if len(got) != len(want) {
		t.Fatalf("problems %q, want one per key", got)
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("problem %d = %q, want prefix %q", i, got[i], w)
		}
	}
}
