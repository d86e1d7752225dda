//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/procstat"
	"github.com/bigbrotr/bigbrotr/testnet"
)

// binDir holds the bigbrotr binary the tests build once (TestMain).
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bigbrotr-chaos-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	buildOnce sync.Once
	buildErr  error
)

// binary builds ./cmd/bigbrotr as `make run` does (pure Go: no C compile,
// quick from a warm cache) and returns its path.
func binary(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(binDir, "bigbrotr")
	buildOnce.Do(func() {
		began := time.Now()
		cmd := exec.Command("go", "build", "-o", path, "./cmd/bigbrotr")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/bigbrotr: %w\n%s", err, out)
			return
		}
		fmt.Printf("chaos: built bigbrotr in %s\n", time.Since(began).Round(time.Millisecond))
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return path
}

// freeAddr returns a loopback address free right now.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// budget is one [*.client] section.
type budget struct {
	firstAnswer, idle, reqTime, connTime time.Duration
	reqEvents, connEvents                int
	reqBytes, connBytes                  int64
}

func (b budget) toml(section string) string {
	d := func(v time.Duration) string { return fmt.Sprintf("%q", v.String()) }
	return fmt.Sprintf("[%s]\nfirst_answer = %s\nidle = %s\nreq_time = %s\nreq_events = %d\nreq_bytes = %d\n"+
		"conn_time = %s\nconn_events = %d\nconn_bytes = %d\n\n",
		section, d(b.firstAnswer), d(b.idle), d(b.reqTime), b.reqEvents, b.reqBytes, d(b.connTime), b.connEvents, b.connBytes)
}

// nodeConfig is what the tests vary of the node's TOML config; the rest
// points the node at the network (as the testnet's own node.toml does).
type nodeConfig struct {
	listen, metrics, dataDir, seeds string

	validatorEvery, finderEvery, monitorEvery, syncEvery, statsEvery time.Duration
	timeout                                                          time.Duration // dial, handshake, read, probe timeouts
	syncConcurrency, dailyEvents                                     int
	endLag                                                           time.Duration

	finder, validator, monitor, sync budget
}

// connTime is the longest connection any loop's budget allows.
func (c nodeConfig) connTime() time.Duration {
	return max(c.finder.connTime, c.validator.connTime, c.monitor.connTime, c.sync.connTime)
}

// connBytes is the most bytes any loop's budget reads on one connection.
func (c nodeConfig) connBytes() int64 {
	return max(c.finder.connBytes, c.validator.connBytes, c.monitor.connBytes, c.sync.connBytes)
}

func (c nodeConfig) write(tb testing.TB, n *testnet.Network, path string) {
	tb.Helper()
	m := n.Manifest()
	q := func(s string) string { return fmt.Sprintf("%q", s) }
	abs := func(name string) string { return q(filepath.Join(n.Dir(), name)) }
	d := func(v time.Duration) string { return q(v.String()) }
	var b strings.Builder
	fmt.Fprintf(&b, "[node]\nlisten = %s\ndata_dir = %s\n\n", q(c.listen), q(c.dataDir))
	// One IP (the test's) queries the archive in bursts.
	b.WriteString("[relay]\nquery_rate_per_ip = 0\nmax_connections_per_ip = 0\n\n")
	fmt.Fprintf(&b, "[metrics]\nlisten = %s\n\n[database]\nurl = \"\"\n\n", q(c.metrics))
	fmt.Fprintf(&b, "[network]\nallow_private = true\ndns_resolver = %s\nextra_ca_file = %s\n", q(m.DNS), abs(m.CAFile))
	fmt.Fprintf(&b, "dial_timeout = %s\nhandshake_timeout = %s\nread_timeout = %s\n\n", d(c.timeout), d(c.timeout), d(c.timeout))
	for _, ov := range []testnet.NetworkName{testnet.Tor, testnet.I2P, testnet.Loki} {
		fmt.Fprintf(&b, "[network.%s]\nenabled = true\nproxy = %s\ntimeout = %s\n\n", ov, q(m.Proxies[ov]), d(c.timeout))
	}
	fmt.Fprintf(&b, "[seeder]\nfile = %s\n\n", q(c.seeds))
	fmt.Fprintf(&b, "[finder]\ninterval = %s\ncycle_timeout = %s\nrelay_timeout = %s\n\n", d(c.finderEvery), d(c.finderEvery), d(c.finder.connTime))
	b.WriteString(c.finder.toml("finder.client"))
	fmt.Fprintf(&b, "[validator]\ninterval = %s\ntimeout = %s\nretry_base = %s\n\n", d(c.validatorEvery), d(c.validator.connTime), d(c.validatorEvery))
	b.WriteString(c.validator.toml("validator.client"))
	fmt.Fprintf(&b, "[monitor]\ninterval = %s\ncycle_timeout = %s\ntimeout = %s\noverlay_timeout = %s\n", d(c.monitorEvery), d(c.monitorEvery), d(c.timeout), d(c.timeout))
	fmt.Fprintf(&b, "geoip_city = %s\ngeoip_asn = %s\n\n", abs(m.GeoIPCity), abs(m.GeoIPASN))
	b.WriteString(c.monitor.toml("monitor.client"))
	fmt.Fprintf(&b, "[synchronizer]\ninterval = %s\nconcurrency = %d\nrelay_daily_events = %d\nend_lag = %s\n", d(c.syncEvery), c.syncConcurrency, c.dailyEvents, d(c.endLag))
	fmt.Fprintf(&b, "backoff_base = \"500ms\"\nbackoff_max = %s\nmin_free_disk = 0\n\n", d(c.syncEvery))
	b.WriteString(c.sync.toml("synchronizer.client"))
	fmt.Fprintf(&b, "[stats]\ninterval = %s\n", d(c.statsEvery))
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// writeSeeds lists every relay of the network: discovery is tested
// elsewhere, here every relay is known from the start.
func writeSeeds(tb testing.TB, m *testnet.Manifest, path string) {
	tb.Helper()
	var b strings.Builder
	for _, r := range m.Relays {
		b.WriteString(r.URL + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// node is a running `bigbrotr node` child process.
type node struct {
	cmd     *exec.Cmd
	api     string // http://host:port
	ws      string // ws://host:port
	metrics string // http://host:port/metrics
	log     string // its stderr and stdout
	done    chan struct{}
	err     error
}

// startNode runs `bigbrotr node --config cfg` and waits for its API.
func startNode(tb testing.TB, c nodeConfig, cfgPath string) *node {
	tb.Helper()
	logPath := filepath.Join(filepath.Dir(cfgPath), "node.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(binary(tb), "node", "--config", cfgPath, "--log-level", "warn")
	// The operator's env variables would override the config file.
	cmd.Env = append(os.Environ(), "BIGBROTR_PRIVATE_KEY=", "BIGBROTR_DATABASE_URL=")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		tb.Fatalf("start node: %v", err)
	}
	n := &node{cmd: cmd, api: "http://" + c.listen, ws: "ws://" + c.listen, metrics: "http://" + c.metrics + "/metrics",
		log: logPath, done: make(chan struct{})}
	go func() {
		n.err = cmd.Wait()
		logFile.Close()
		close(n.done)
	}()
	tb.Cleanup(n.stop)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get(n.api + "/api/v1/overview")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return n
			}
		}
		select {
		case <-n.done:
			tb.Fatalf("node exited before serving: %v\n%s", n.err, n.tail())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			tb.Fatalf("node did not serve its API within 2 minutes\n%s", n.tail())
		}
	}
}

func (n *node) pid() int { return n.cmd.Process.Pid }

// alive fails tb if the node has exited.
func (n *node) alive(tb testing.TB) {
	tb.Helper()
	select {
	case <-n.done:
		tb.Fatalf("node exited: %v\n%s", n.err, n.tail())
	default:
	}
}

// stop asks the node to stop (SIGTERM, as an operator would) and kills it
// if it does not within 30 s.
func (n *node) stop() {
	select {
	case <-n.done:
		return
	default:
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(30 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.done
	}
}

// tail is the end of the node's log, for failure messages.
func (n *node) tail() string {
	b, _ := os.ReadFile(n.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// rssMB is the node's resident memory now and its peak, in MB.
func (n *node) rssMB() (now, peak float64) {
	r, _ := procstat.RSS(n.pid())
	p, _ := procstat.PeakRSS(n.pid())
	return float64(r) / 1e6, float64(p) / 1e6
}

// ctx is a context bounded for one call to the node.
func callCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}
