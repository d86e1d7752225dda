package synchronizer

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/bench"
	"github.com/bigbrotr/bigbrotr/testnet"
)

// The benchmark's relays run in a child process (this test binary again),
// so that the synchronizer's peak RSS is its own and not the 750k event
// copies the relays hold.
const (
	envBenchRelays = "SYNCER_BENCH_RELAYS" // the child's testnet output directory
	envBenchEvents = "SYNCER_BENCH_EVENTS" // how many bench events it serves
	benchReady     = "relays ready:"
)

func benchNetOptions(dir string) testnet.Options {
	return testnet.Options{Relays: benchRelays, Seed: 6, OutDir: dir,
		Mix:        map[testnet.Profile]float64{testnet.Healthy: 1},
		NetworkMix: map[testnet.NetworkName]float64{testnet.Clearnet: 1}, BadTLS: -1}
}

// TestBenchRelays is BenchmarkSync500k's relay process: it serves the
// bench events spread over a testnet until its stdin closes. It is skipped
// unless started by the benchmark.
func TestBenchRelays(t *testing.T) {
	dir := os.Getenv(envBenchRelays)
	if dir == "" {
		t.Skip("run by BenchmarkSync500k")
	}
	n, err := strconv.Atoi(os.Getenv(envBenchEvents))
	if err != nil {
		t.Fatal(err)
	}
	events, _, err := bench.Load(bench.Params{N: n, Seed: benchSeed})
	if err != nil {
		t.Fatal(err)
	}
	net, err := testnet.Start(t.Context(), benchNetOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	held := 0
	for url, evs := range spread(events, validURLs(net.Manifest())) {
		k, err := net.Preload(url, evs)
		if err != nil {
			t.Fatal(err)
		}
		held += k
	}
	events = nil
	runtime.GC()
	debug.FreeOSMemory()
	stop := cpuProfileTo(t, os.Getenv("SYNCER_BENCH_RELAYS_CPUPROFILE"))
	defer stop()
	fmt.Printf("%s %d\n", benchReady, held)
	_, _ = io.Copy(io.Discard, os.Stdin)
}

func validURLs(m *testnet.Manifest) []string {
	var urls []string
	for _, r := range m.Relays {
		if r.Valid {
			urls = append(urls, r.URL)
		}
	}
	return urls
}

// spread gives every event a home relay and every other one a second
// relay, so that relays overlap (1.5 copies per event on average).
func spread(evs []*nostr.Event, urls []string) map[string][]*nostr.Event {
	out := make(map[string][]*nostr.Event, len(urls))
	r := len(urls)
	for i, ev := range evs {
		home := i % r
		out[urls[home]] = append(out[urls[home]], ev)
		if i%2 == 0 {
			other := (home + 1 + (i/r)%(r-1)) % r
			out[urls[other]] = append(out[urls[other]], ev)
		}
	}
	return out
}

// relayProc is the running relay process.
type relayProc struct {
	cmd   *exec.Cmd
	stdin io.Closer
	done  chan struct{} // closed when the process has exited
	dir   string
	held  int // events the relays hold
	m     *testnet.Manifest
}

// startRelays starts the relay process for n bench events (whose
// signatures the caller has cached already) and waits until it serves.
func startRelays(tb testing.TB, ctx context.Context, n int) *relayProc {
	dir := tb.TempDir()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run", "^TestBenchRelays$", "-test.timeout", "0")
	cmd.Env = append(os.Environ(), envBenchRelays+"="+dir, envBenchEvents+"="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	// The relays must not outlive a benchmark that dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	// Not cmd.StdoutPipe: Wait would close it under the reader.
	stdout, pw := io.Pipe()
	cmd.Stdout = pw
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	p := &relayProc{cmd: cmd, stdin: stdin, dir: dir, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		_ = pw.Close() // ends the scan below if the child dies first
		close(p.done)
	}()
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), benchReady); ok {
			p.held, _ = strconv.Atoi(strings.TrimSpace(rest))
			break
		}
		fmt.Fprintln(os.Stderr, "relays:", sc.Text())
	}
	if p.held == 0 {
		p.stop()
		tb.Fatalf("relay process did not start (%v)", sc.Err())
	}
	go func() { _, _ = io.Copy(os.Stderr, stdout) }()
	if p.m, err = testnet.ReadManifest(filepath.Join(dir, testnet.FileManifest)); err != nil {
		p.stop()
		tb.Fatal(err)
	}
	return p
}

// peakRSSKB is the relay process's VmHWM.
func (p *relayProc) peakRSSKB() int64 {
	return statusKB(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid), "VmHWM")
}

func (p *relayProc) stop() {
	_ = p.stdin.Close()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}
