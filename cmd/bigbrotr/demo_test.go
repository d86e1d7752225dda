package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/node"
	"github.com/bigbrotr/bigbrotr/schema"
)

// TestDemoCommand: `bigbrotr demo` prints one line naming the URL to open,
// serves the status page there, and stops cleanly on a signal. Its
// default address is not a default node's.
func TestDemoCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a testnet and a node")
	}
	_, demoPort, _ := net.SplitHostPort(DemoListen)
	if _, nodePort, _ := net.SplitHostPort(node.Default().Node.Listen); demoPort == nodePort {
		t.Fatalf("the demo listens on a default node's port %s", nodePort)
	}
	t.Setenv("BIGBROTR_PRIVATE_KEY", "")
	t.Setenv("BIGBROTR_DATABASE_URL", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--log-level", "warn", "demo", "--relays", "10", "--listen", "127.0.0.1:0"}, &out, &errb)
	}()
	line := regexp.MustCompile(`^demo: 10 simulated relays; open (http://127\.0\.0\.1:\d+/) `)
	deadline := time.Now().Add(time.Minute)
	var m []string
	for m = line.FindStringSubmatch(out.String()); m == nil; m = line.FindStringSubmatch(out.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("no URL line within a minute: stdout %q, stderr %q", out.String(), errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	res, err := http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Contains(body, []byte("<h1>Overview</h1>")) {
		t.Errorf("%s: %d %.200s", m[1], res.StatusCode, body)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d: %s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the demo did not stop")
	}
}

// TestDemoFillsWithinTwoMinutes: the demo's node publishes a 30166 for at
// least 80% of the demo's reachable relays (valid and discoverable from
// the seeds, per the manifest) within two minutes of starting.
func TestDemoFillsWithinTwoMinutes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a 100-relay demo for up to two minutes")
	}
	t.Setenv("BIGBROTR_PRIVATE_KEY", "")
	t.Setenv("BIGBROTR_DATABASE_URL", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	began := time.Now()
	d, err := startDemo(ctx, 100, 1, "127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer d.net.Close()
	ran := make(chan error, 1)
	go func() { ran <- d.node.Run(ctx) }()
	defer func() { cancel(); <-ran }()

	norm := func(u string) string {
		if p, err := schema.ParseRelayURLWith(u, schema.ParseOptions{AllowPrivate: true}); err == nil {
			return p.String()
		}
		return u
	}
	reachable := map[string]bool{}
	for _, r := range d.net.Manifest().Relays {
		if r.Valid && !r.Dark && !r.HintOnly {
			reachable[norm(r.URL)] = true
		}
	}
	want := (len(reachable)*8 + 9) / 10
	monitored := 0
	for {
		seen := map[string]bool{}
		err := d.node.Store().QueryEvents(ctx, nostr.Filter{Kinds: []int{30166}}, func(ev *nostr.Event) error {
			if u := norm(ev.Tags.GetD()); reachable[u] {
				seen[u] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		monitored = len(seen)
		if monitored >= want {
			break
		}
		if time.Since(began) > 2*time.Minute {
			t.Fatalf("30166 events for %d of %d reachable relays after 2 minutes, want %d", monitored, len(reachable), want)
		}
		time.Sleep(2 * time.Second)
	}
	t.Logf("30166 events for %d of %d reachable relays after %s", monitored, len(reachable), time.Since(began).Round(time.Second))
}
