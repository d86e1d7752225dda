package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
)

// TestLoopCommands runs the discovery loops alone. Only the seeder and a
// finder with nothing to ask run here: neither dials anything, and a
// validator would dial the seeded (public) hosts.
func TestLoopCommands(t *testing.T) {
	dir := t.TempDir()
	seeds := filepath.Join(dir, "seeds.txt")
	body := "# seeds\nwss://relay.example.com/\nWSS://Relay.Example.com\nws://nostr.example.org:443\nhttp://not-a-relay.example\n"
	if err := os.WriteFile(seeds, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, dir, strings.Replace(baseConfig(dir), `file = "none"`, `file = "`+seeds+`"`, 1)+"[finder]\nrelays = false\n")
	ctx := context.Background()
	if code, _, stderr := runCLI(t, ctx, "--config", cfg, "seeder"); code != 0 {
		t.Fatalf("seeder exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, ctx, "--config", cfg, "finder", "--once"); code != 0 {
		t.Fatalf("finder --once exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, ctx, "--config", cfg, "finder", "--bogus"); code != 2 {
		t.Fatalf("finder --bogus exit %d, want 2: %s", code, stderr)
	}

	store, err := archive.Open(ctx, archive.Options{DataDir: filepath.Join(dir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	due, err := store.DueCandidates(ctx, schema.Clearnet, archiveFuture(), 10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, c := range due {
		got[c.URL.String()] = true
	}
	if len(got) != 2 || !got["wss://relay.example.com"] || !got["wss://nostr.example.org"] {
		t.Fatalf("candidates after seeding: %v", got)
	}
}

func archiveFuture() time.Time { return time.Now().Add(time.Hour) }
