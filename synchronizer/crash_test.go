package synchronizer

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
	"golang.org/x/sync/errgroup"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
)

const (
	envCrashDir  = "SYNCER_CRASH_DIR"  // testnet output directory (manifest, CA)
	envCrashData = "SYNCER_CRASH_DATA" // data_dir of the archive
)

// TestCrashChild is the synchronizer process the crash test kills: it runs
// cycles until one has nothing left to do. It is skipped unless started by
// TestCrashResume.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(envCrashDir)
	if dir == "" {
		t.Skip("run by TestCrashResume")
	}
	ctx := context.Background()
	m, err := testnet.ReadManifest(filepath.Join(dir, testnet.FileManifest))
	if err != nil {
		t.Fatal(err)
	}
	st, err := archive.Open(ctx, archive.Options{DataDir: os.Getenv(envCrashData)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := testConfig()
	cfg.BatchSize = 50 // many commits: many places to die at
	cfg.Concurrency = 4
	// The killed predecessor's leases block its relays until they expire.
	cfg.LeaseTTL = time.Second
	s, err := New(cfg, commitReporter{st}, transportFor(t, m, dir), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, r := range m.Relays {
		if r.Valid {
			want++
		}
	}
	for {
		stats, err := s.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if stats.Relays == want && stats.Failed == 0 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestCrashResume kills the synchronizer with SIGKILL at random moments of
// a large sync, restarts it each time, and checks that the archive ends up
// exactly complete: cursors never ran ahead of committed events.
func TestCrashResume(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes against a testnet")
	}
	if raceOn {
		// The instrumented children take minutes; TestSyncTestnet covers
		// the same code in one process under the race detector.
		t.Skip("too slow under the race detector")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n, err := testnet.Start(ctx, testnet.Options{Relays: 6, Seed: 9, Mix: map[testnet.Profile]float64{testnet.Healthy: 1},
		NetworkMix: map[testnet.NetworkName]float64{testnet.Clearnet: 1}, BadTLS: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	m := n.Manifest()

	// 6000 events, each on two or three of the relays.
	keys := genKeys(8)
	evs := burst(keys, []int{1, 7}, 6000, m.BaseTime-7200, 3, "crash")
	injected := map[string][]*nostr.Event{}
	for i, ev := range evs {
		for j := range 2 + i%2 {
			url := m.Relays[(i+j)%len(m.Relays)].URL
			injected[url] = append(injected[url], ev)
		}
	}
	var g errgroup.Group
	for url, list := range injected {
		g.Go(func() error { return publish(ctx, n, url, list) })
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	openStore(t, ctx, data, m).Close()

	// Each child is killed after a random number of committed batches
	// (which it reports on stdout) and a random fraction of a batch more,
	// so that it dies mid-fetch, mid-transaction or between a batch and
	// its cursors, however fast the machine syncs; the last one runs on.
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	kills := 0
	for attempt := 0; attempt < 12; attempt++ {
		last := attempt == 11 || kills == 6
		killAfter := -1
		if !last {
			killAfter = 1 + rng.IntN(15)
		}
		killed, err := runCrashChild(ctx, n.Dir(), data, killAfter, time.Duration(rng.IntN(20))*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if !killed {
			t.Logf("child ran to the end after %d kills", kills)
			if kills < 2 {
				t.Errorf("the child finished after %d kills: the sync is too small to test crashes", kills)
			}
			break
		}
		kills++
	}
	t.Logf("killed the synchronizer %d times", kills)
	st, err := archive.Open(ctx, archive.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	expect(m, injected).check(t, ctx, st, n)
}

// runCrashChild runs TestCrashChild and SIGKILLs it after killAfter
// committed batches and a further pause, unless killAfter is negative or
// it finishes first. It reports whether the child was killed.
func runCrashChild(ctx context.Context, dir, data string, killAfter int, pause time.Duration) (bool, error) {
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envCrashDir+"="+dir, envCrashData+"="+data)
	out := &limitedBuffer{}
	cmd.Stderr = out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return false, err
	}
	if err := cmd.Start(); err != nil {
		return false, err
	}
	killed := false
	sc := bufio.NewScanner(stdout)
	for commits := 0; sc.Scan(); {
		line := sc.Text()
		if line != commitLine {
			_, _ = fmt.Fprintln(out, line)
			continue
		}
		if commits++; commits == killAfter {
			time.Sleep(pause)
			_ = cmd.Process.Signal(syscall.SIGKILL)
			killed = true
			break
		}
	}
	_, _ = io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil && !killed {
		return false, fmt.Errorf("child failed: %w\n%s", err, out)
	}
	return killed, nil
}

// commitLine is what the child prints after each committed batch.
const commitLine = "committed"

// commitReporter tells the parent of each batch committed.
type commitReporter struct{ Store }

func (c commitReporter) SaveEvents(ctx context.Context, batch []schema.Sighting) (schema.SaveResult, error) {
	r, err := c.Store.SaveEvents(ctx, batch)
	if err == nil {
		fmt.Println(commitLine)
	}
	return r, err
}

// limitedBuffer keeps the first 64 KiB of a child's output.
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := 64<<10 - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(len(p), room)]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }
