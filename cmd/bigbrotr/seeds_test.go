package main

import (
	"bufio"
	"os"
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
