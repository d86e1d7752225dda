package testnet

import (
	"bufio"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

func TestRunCLI(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	var stderr strings.Builder
	code := make(chan int, 1)
	go func() {
		code <- RunCLI(ctx, []string{"--relays", "8", "--seed", "3", "--out", dir, "--port", "0"}, outW, &stderr)
		outW.Close()
	}()
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(outR)
		if s.Scan() {
			line <- s.Text()
		}
		close(line)
		_, _ = io.Copy(io.Discard, outR)
	}()
	var path string
	select {
	case path = <-line:
	case <-time.After(30 * time.Second):
		t.Fatal("no manifest path printed")
	}
	m, err := ReadManifest(path)
	if err != nil || len(m.Relays) != 8 || m.Seed != 3 || !strings.HasPrefix(path, dir) {
		t.Fatalf("manifest %s: %v", path, err)
	}
	select {
	case c := <-code:
		t.Fatalf("RunCLI returned %d before cancellation", c)
	case <-time.After(100 * time.Millisecond):
	}
	cancel()
	if c := <-code; c != 0 {
		t.Errorf("exit code %d, stderr %s", c, stderr.String())
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("an explicit --out directory must survive: %v", err)
	}
}

func TestRunCLIUsage(t *testing.T) {
	for _, args := range [][]string{{"--bogus"}, {"--relays", "-3"}, {"extra"}, {"--relays", "x"}} {
		var out, errOut strings.Builder
		if c := RunCLI(context.Background(), args, &out, &errOut); c != 2 {
			t.Errorf("%v: exit %d, want 2", args, c)
		}
		if out.Len() != 0 {
			t.Errorf("%v: wrote %q to stdout", args, out.String())
		}
	}
	var out, errOut strings.Builder
	if c := RunCLI(context.Background(), []string{"-h"}, &out, &errOut); c != 0 || !strings.Contains(errOut.String(), "--relays") {
		t.Errorf("-h: exit %d, usage %q", c, errOut.String())
	}
}
