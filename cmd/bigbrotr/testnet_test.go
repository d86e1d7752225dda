package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTestnetCommand runs `bigbrotr testnet --relays 200` until it is
// interrupted: it must print the manifest path on stdout, that manifest must
// list the 200 relays, and an interrupt must end it with exit 0.
func TestTestnetCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "net")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"testnet", "--relays", "200", "--seed", "3", "--port", "0", "--out", out}, &stdout, &stderr)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(stdout.String(), "\n") {
		select {
		case code := <-done:
			t.Fatalf("testnet exited early with %d: %s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no manifest path printed: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	path := strings.TrimSpace(stdout.String())
	if path != filepath.Join(out, "manifest.json") {
		t.Errorf("printed %q, want the manifest in %s", path, out)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Relays []json.RawMessage `json:"relays"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	if len(m.Relays) != 200 {
		t.Errorf("manifest lists %d relays, want 200", len(m.Relays))
	}
	// Still running: it must not exit until interrupted.
	select {
	case code := <-done:
		t.Fatalf("testnet exited with %d before the interrupt", code)
	case <-time.After(300 * time.Millisecond):
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d after interrupt: %s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("testnet did not stop on interrupt")
	}
}
