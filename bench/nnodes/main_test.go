package nnodes

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/benchchild"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/node"
)

// A node runs in a child process: the test binary itself, started again
// with childEnv set (as bench/frontdoor does), so that each node has its
// own CPU time in /proc. It prints "READY" once it runs and stops when
// its stdin closes (or the parent dies).
const (
	childEnv      = "BIGBROTR_NNODES_CHILD"    // the testnet's node.toml
	childDBEnv    = "BIGBROTR_NNODES_DB"       // the shared database
	childDirEnv   = "BIGBROTR_NNODES_DATA_DIR" // the node's own data_dir
	childEveryEnv = "BIGBROTR_NNODES_INTERVAL" // the monitor's interval
	// profileEnv names a directory: each node writes its CPU profile
	// there, cpu-<pid>.pprof, to see where a node's CPU goes.
	profileEnv = "BIGBROTR_BENCH_NNODES_PROFILE"
)

func TestMain(m *testing.M) {
	if cfg := os.Getenv(childEnv); cfg != "" {
		if err := runChild(cfg); err != nil {
			fmt.Fprintf(os.Stderr, "nnodes child: %v\n", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	pgtest.Main(m)
}

// runChild runs a node on the testnet's config with only the monitor on:
// the loops that share relays by lease are what is measured, and the
// others (seeder, finder, validator, synchronizer, stats) would add work
// that does not split.
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
	dir := os.Getenv(childDirEnv)
	cfg.Node.Listen, cfg.Node.DataDir, cfg.Metrics.Listen = "127.0.0.1:0", filepath.Join(dir, "data"), ""
	cfg.Database.URL = os.Getenv(childDBEnv)
	cfg.Seeder.Enabled, cfg.Finder.Enabled, cfg.Validator.Enabled = false, false, false
	cfg.Synchronizer.Enabled, cfg.Stats.Enabled = false, false
	cfg.Monitor.Enabled, cfg.Monitor.Interval = true, every
	if dir := os.Getenv(profileEnv); dir != "" {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", os.Getpid())))
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	n, err := node.New(ctx, node.Options{Config: cfg, Logger: log, Version: "nnodes"})
	if err != nil {
		return err
	}
	benchchild.Ready()
	return n.Run(ctx)
}
