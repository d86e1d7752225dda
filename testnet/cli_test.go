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
		code <- RunCLI(ctx, []string{"--relays", "8", "--seed", "3", "--out", dir, "--port", "0",
			"--mix", "default=50,hostile=50", "--drip-every", "2s", "--stream-rate", "50"}, outW, &stderr)
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
	hostile := 0
	for _, r := range m.Relays {
		if r.Behavior.Hostile {
			hostile++
		}
	}
	if hostile < 4 || m.Hostility.DripEveryMS != 2000 || m.Hostility.StreamRate != 50 {
		t.Errorf("%d hostile relays of 8, hostility %+v", hostile, m.Hostility)
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
	if want := "listens on " + m.NodeListen + ": open http://" + m.NodeListen + "/"; m.NodeListen == "" || !strings.Contains(stderr.String(), want) {
		t.Errorf("output does not say where the node listens (%q):\n%s", m.NodeListen, stderr.String())
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("an explicit --out directory must survive: %v", err)
	}
}

func TestRunCLIUsage(t *testing.T) {
	for _, args := range [][]string{{"--bogus"}, {"--relays", "-3"}, {"extra"}, {"--relays", "x"},
		{"--mix", "nope"}, {"--mix", "healthy=-1"}, {"--mix", "healthy=0"}, {"--stream-rate", "-5"}} {
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

func TestRunCLIProfiles(t *testing.T) {
	var out, errOut strings.Builder
	if c := RunCLI(context.Background(), []string{"--profiles"}, &out, &errOut); c != 0 {
		t.Fatalf("exit %d: %s", c, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(Profiles()) || !strings.Contains(out.String(), "! "+string(EndlessStream)) {
		t.Errorf("%d lines for %d profiles:\n%s", len(lines), len(Profiles()), out.String())
	}
}

func TestParseMix(t *testing.T) {
	hostileTotal := float64(len(HostileMix))
	for _, tc := range []struct {
		in   string
		want map[Profile]float64
	}{
		{"healthy", map[Profile]float64{Healthy: 1}},
		{"healthy=3, endless-stream=1", map[Profile]float64{Healthy: 3, EndlessStream: 1}},
		{"hostile", HostileMix},
		{"hostile=5", MergeMix(map[Profile]float64{EndlessStream: 5 / hostileTotal}, map[Profile]float64{})},
		{"default,healthy=5", MergeMix(DefaultMix, map[Profile]float64{Healthy: 5})},
	} {
		got, err := ParseMix(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		for p, w := range tc.want {
			if d := got[p] - w; d > 1e-9 || d < -1e-9 {
				t.Errorf("%q: %s weighs %v, want %v", tc.in, p, got[p], w)
			}
		}
	}
	for _, bad := range []string{"", "healthy=x", "unknown", "healthy=-1", "healthy=0", "healthy=NaN", "healthy=Inf", "hostile=+Inf"} {
		if _, err := ParseMix(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseMix(f *testing.F) {
	for _, s := range []string{"healthy", "default=90,hostile=10", "healthy=3, endless-stream=1", "hostile=NaN", ",,=", "default=1e308,hostile=1e308"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		mix, err := ParseMix(s)
		if err != nil {
			return
		}
		if err := validateMix(mix); err != nil {
			t.Fatalf("%q parsed to an invalid mix: %v", s, err)
		}
		// A parsed mix must be usable: assigning profiles must terminate with exact counts.
		if got := assignProfiles(20, mix, subRNG(1, "fuzz")); len(got) != 20 {
			t.Fatalf("%q: %d profiles for 20 relays", s, len(got))
		}
	})
}
