package frontdoor

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served by a child when childPprofEnv asks
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fiatjaf/eventstore/postgresql"
	"github.com/fiatjaf/khatru"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/internal/procstat"
	"github.com/bigbrotr/bigbrotr/node"
)

// Every relay runs in a child process: the test binary itself, started
// again with childEnv naming the role. A child prints "ADDR host:port" once
// it listens and stops when its stdin closes (or the parent dies). Separate
// processes give each relay its own RSS and CPU time, read from /proc.
const (
	childEnv       = "BIGBROTR_FRONTDOOR_CHILD" // "node" or "stock"
	childConfigEnv = "BIGBROTR_FRONTDOOR_CONFIG"
	childDBEnv     = "BIGBROTR_FRONTDOOR_DB"
	childIdleEnv   = "BIGBROTR_FRONTDOOR_MAX_IDLE"
	// childPprofEnv, when set, is where the child serves net/http/pprof:
	// profiles of the relay under the bench's load.
	childPprofEnv = "BIGBROTR_FRONTDOOR_PPROF"
)

// Limits both relays are configured with, so that every query of the
// shapes gets its full answer: filters ask for at most 500 events, with at
// most 50 ids, 20 authors, 4 kinds and 5 tag values (stock's caps: 500
// ids/authors, 10 kinds, 100 tag values; ours: max_filter_values 1000).
const (
	maxLimit     = 5000
	queryTimeout = "60s"
)

// runChild is the child's main; it returns the exit code.
func runChild(role string) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The parent closes stdin to stop the child, and so does its death.
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	if addr := os.Getenv(childPprofEnv); addr != "" {
		srv := &http.Server{Addr: addr, Handler: http.DefaultServeMux, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.ListenAndServe() }()
		defer srv.Close()
	}
	var err error
	switch role {
	case "node":
		err = runNodeChild(ctx)
	case "stock":
		err = runStockChild(ctx)
	default:
		err = fmt.Errorf("unknown role %q", role)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "frontdoor child %s: %v\n", role, err)
		return 1
	}
	return 0
}

// runNodeChild starts the node the way the CLI does: a TOML config, New,
// Run.
func runNodeChild(ctx context.Context) error {
	cfg, err := node.LoadConfig(os.Getenv(childConfigEnv))
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	n, err := node.New(ctx, node.Options{Config: cfg, Logger: log, Version: "frontdoor"})
	if err != nil {
		return err
	}
	fmt.Printf("ADDR %s\n", n.Addr())
	return n.Run(ctx)
}

// runStockChild wires khatru v0.19.1 to eventstore/postgresql v0.17.8 as
// its README does. The only change is QueryLimit (default 100), raised to
// our max_limit so that both relays answer the same limits.
func runStockChild(ctx context.Context) error {
	db := &postgresql.PostgresBackend{DatabaseURL: os.Getenv(childDBEnv), QueryLimit: maxLimit}
	if err := db.Init(); err != nil {
		return err
	}
	defer db.Close()
	if s := os.Getenv(childIdleEnv); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("%s=%q: %w", childIdleEnv, s, err)
		}
		db.DB.SetMaxIdleConns(n)
	}
	relay := khatru.NewRelay()
	relay.StoreEvent = append(relay.StoreEvent, db.SaveEvent)
	relay.QueryEvents = append(relay.QueryEvents, db.QueryEvents)
	relay.CountEvents = append(relay.CountEvents, db.CountEvents)
	relay.DeleteEvent = append(relay.DeleteEvent, db.DeleteEvent)
	relay.ReplaceEvent = append(relay.ReplaceEvent, db.ReplaceEvent)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: relay, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	fmt.Printf("ADDR %s\n", ln.Addr())
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// child is a relay process the parent started.
type child struct {
	cmd   *exec.Cmd
	stdin io.Closer
	url   string // ws://host:port
	done  chan struct{}
	err   error // how it exited, once done is closed
}

// startChild runs role with env added to the parent's environment.
func startChild(tb testing.TB, role string, env ...string) *child {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(exe)
	// The node's env variables would override the config file.
	cmd.Env = append(os.Environ(), childEnv+"="+role, node.EnvPrivateKey+"=", node.EnvDatabaseURL+"=")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s relay: %v", role, err)
	}
	c := &child{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
				addr <- a
			}
		}
		close(addr)
	}()
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	tb.Cleanup(func() { c.stop() })
	select {
	case a, ok := <-addr:
		if !ok {
			<-c.done
			tb.Fatalf("%s relay exited before listening: %v", role, c.err)
		}
		c.url = "ws://" + a
	case <-time.After(2 * time.Minute):
		tb.Fatalf("%s relay did not listen within 2 minutes", role)
	}
	return c
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// cpu is the child's CPU time so far.
func (c *child) cpu() time.Duration {
	st, _ := procstat.Read(c.pid())
	return st.CPU
}

// peakRSS is the child's resident high-water mark.
func (c *child) peakRSS() int64 {
	n, _ := procstat.PeakRSS(c.pid())
	return n
}

// stop closes the child's stdin and waits for it to exit (killing it after
// 30 s); it is safe to call twice.
func (c *child) stop() {
	if c.stdin == nil {
		return
	}
	c.stdin.Close()
	c.stdin = nil
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		<-c.done
	}
}

// nodeConfig writes the node's config for the bench: only the relay and the
// archive (no crawler loops, no metrics listener), the bench's key as the
// writer, and limits raised so that no fair query is cut (64 connections
// from one IP, limits up to maxLimit, a generous query timeout). With
// perIPLimit the per-IP limits (query_rate_per_ip, query_burst_per_ip,
// max_queries_per_ip) keep their defaults; without, they are off. extra
// holds more [relay] lines.
func nodeConfig(tb testing.TB, dir, dbURL string, writer string, perIPLimit bool, extra string) string {
	tb.Helper()
	rate := `# Every client of the bench shares one IP: the per-IP limits would
# refuse the 64-connection runs, and stock khatru has no such limits.
query_rate_per_ip = 0
max_queries_per_ip = 0`
	if perIPLimit {
		rate = "# the per-IP limits: the defaults"
	}
	rate += "\n" + extra
	cfg := fmt.Sprintf(`[node]
listen = "127.0.0.1:0"
data_dir = %q

[relay]
writers = [%q]
max_limit = %d
max_connections_per_ip = 0
%s
idle_timeout = "1h"
query_timeout = %q

[metrics]
listen = ""

[database]
url = %q

[seeder]
enabled = false
[finder]
enabled = false
[validator]
enabled = false
[monitor]
enabled = false
[synchronizer]
enabled = false
[stats]
enabled = false
`, filepath.Join(dir, "data"), writer, maxLimit, rate, queryTimeout, dbURL)
	path := filepath.Join(dir, "node.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// benchKey is the writer key the bench AUTHs with on our node.
var benchKey = func() string {
	sk := fmt.Sprintf("%064x", 0xf00d)
	return sk
}()

func benchPub() string {
	pk, _ := nostr.GetPublicKey(benchKey)
	return pk
}
