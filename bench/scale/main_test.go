package scale

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/benchchild"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/node"
)

// A node runs in a child process (internal/benchchild): the test binary
// started again with childEnv set, so that its CPU time, peak RSS and file
// descriptors are its own and not the testnet's.
const (
	childEnv        = "BIGBROTR_SCALE_CHILD"    // the testnet's node.toml
	childDBEnv      = "BIGBROTR_SCALE_DB"       // the phase's database
	childDirEnv     = "BIGBROTR_SCALE_DATA_DIR" // the node's data_dir
	childLoopEnv    = "BIGBROTR_SCALE_LOOP"     // the one loop it runs
	childMetricsEnv = "BIGBROTR_SCALE_METRICS"  // its metrics listen address
	childEveryEnv   = "BIGBROTR_SCALE_INTERVAL" // the loop's interval
)

// The check budgets the floor is computed from; the node's defaults (10 s
// and 30 s) would make the 10,000-relay floor longer than a benchmark run.
const (
	timeout        = 3 * time.Second
	overlayTimeout = 6 * time.Second
)

func TestMain(m *testing.M) {
	// 10,000 relays are 10,000 listening sockets in the parent and as many
	// connections in a child: the default soft limit of 1,024 is far short.
	if err := raiseFDLimit(); err != nil {
		fmt.Fprintf(os.Stderr, "scale: %v\n", err)
	}
	if cfg := os.Getenv(childEnv); cfg != "" {
		if err := runChild(cfg); err != nil {
			fmt.Fprintf(os.Stderr, "scale child: %v\n", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	pgtest.Main(m)
}

func raiseFDLimit() error {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return fmt.Errorf("read file descriptor limit: %w", err)
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			return fmt.Errorf("raise file descriptor limit to %d: %w", l.Max, err)
		}
	}
	return nil
}

// runChild runs a node on the testnet's config with one loop on.
func runChild(path string) error {
	ctx, cancel := benchchild.Context()
	defer cancel()
	cfg, err := node.LoadConfig(path)
	if err != nil {
		return err
	}
	every, err := time.ParseDuration(os.Getenv(childEveryEnv))
	if err != nil {
		return fmt.Errorf("%s: %w", childEveryEnv, err)
	}
	cfg.Node.Listen, cfg.Node.DataDir = "127.0.0.1:0", filepath.Join(os.Getenv(childDirEnv), "data")
	cfg.Metrics.Listen = os.Getenv(childMetricsEnv)
	cfg.Database.URL = os.Getenv(childDBEnv)
	cfg.Seeder.Enabled, cfg.Finder.Enabled, cfg.Stats.Enabled = false, false, false
	loop := os.Getenv(childLoopEnv)
	cfg.Monitor.Enabled, cfg.Validator.Enabled, cfg.Synchronizer.Enabled = loop == loopMonitor, loop == loopValidator, loop == loopSync
	cfg.Monitor.Interval, cfg.Monitor.Timeout, cfg.Monitor.OverlayTimeout = every, timeout, overlayTimeout
	cfg.Validator.Interval, cfg.Validator.Timeout = every, timeout
	cfg.Synchronizer.Interval, cfg.Synchronizer.Client.FirstAnswer, cfg.Synchronizer.Client.Idle = every, timeout, timeout
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	n, err := node.New(ctx, node.Options{Config: cfg, Logger: log, Version: "scale"})
	if err != nil {
		return err
	}
	benchchild.Ready()
	return n.Run(ctx)
}
