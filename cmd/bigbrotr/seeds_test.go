package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bigbrotr/bigbrotr/schema"
)

// TestShippedSeedList: seeds.txt, the starting list operators point
// [seeder] file at, holds only canonical relay URLs, each once.
func TestShippedSeedList(t *testing.T) {
	f, err := os.Open("../../seeds.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		l := sc.Text()
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if _, err := schema.ParseCanonicalRelayURL(l); err != nil {
			t.Errorf("seeds.txt:%d: %v", line, err)
		}
		if seen[l] {
			t.Errorf("seeds.txt:%d: %s listed twice", line, l)
		}
		seen[l] = true
	}
	if len(seen) < 7000 {
		t.Fatalf("seeds.txt has %d relays, want the whole list", len(seen))
	}
}

// TestBuiltInSeeds: with no configuration at all, `bigbrotr seeder` seeds
// the list built into the binary. The seeder only parses and stores, so
// this needs no outbound traffic; the node runs the same seeder at start.
func TestBuiltInSeeds(t *testing.T) {
	t.Chdir(t.TempDir()) // the default data_dir, "data", lands here
	code, _, stderr := runCLI(t, context.Background(), "--log-format", "json", "seeder")
	if code != 0 {
		t.Fatalf("seeder exit %d: %s", code, stderr)
	}
	type cycle struct {
		Msg, Loop, Source string
		Lines, Added      int
	}
	var done cycle
	for _, line := range strings.Split(stderr, "\n") {
		var rec cycle
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "cycle done" && rec.Loop == "seeder" {
			done = rec
		}
	}
	t.Logf("built-in seeds: %d lines, %d candidates added", done.Lines, done.Added)
	if done.Source != "built-in" || done.Added <= 5000 || done.Lines < done.Added {
		t.Fatalf("seeder with no config: %+v, want > 5,000 candidates from the built-in list\n%s", done, stderr)
	}
	// "none" turns it off.
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "[node]\ndata_dir = \""+filepath.Join(dir, "data")+"\"\n[seeder]\nfile = \"none\"\n")
	code, _, stderr = runCLI(t, context.Background(), "--log-format", "json", "--config", cfg, "seeder")
	if code != 0 || !strings.Contains(stderr, `"source":"none"`) || !strings.Contains(stderr, `"added":0`) {
		t.Fatalf("file = \"none\": exit %d, %s", code, stderr)
	}
}
