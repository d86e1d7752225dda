package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/bigbrotr/bigbrotr/node"
	"github.com/bigbrotr/bigbrotr/testnet"
)

// DemoListen is the demo node's address: not a default node's 7447, so a
// demo and `make run` can run side by side.
const DemoListen = "127.0.0.1:7480"

// demoIntervals shorten every loop's interval so that the status page of
// a demo fills within two minutes (the defaults suit the real network,
// where an hour between statistics refreshes is right).
func demoIntervals(cfg *node.Config) {
	cfg.Validator.Interval = 5 * time.Second
	cfg.Finder.Interval = 10 * time.Second
	cfg.Monitor.Interval = 30 * time.Second // wakes every 3s
	cfg.Synchronizer.Interval = 10 * time.Second
	cfg.Stats.Interval = 15 * time.Second
}

// demoConfig is the configuration of the demo's node: the one the testnet
// writes for it (its DNS, CA, proxies, GeoIP files and seed list, allow
// private addresses), on listen, with the embedded store in the testnet's
// directory, no metrics listener and demo intervals.
func demoConfig(tn *testnet.Network, listen string) (node.Config, error) {
	cfg, err := node.LoadConfig(filepath.Join(tn.Dir(), testnet.FileNodeConfig))
	if err != nil {
		return node.Config{}, err
	}
	cfg.Node.Listen, cfg.Metrics.Listen = listen, ""
	cfg.Database.URL = "" // not BIGBROTR_DATABASE_URL's database: a demo is thrown away
	demoIntervals(&cfg)
	return cfg, nil
}

// demo is a running simulated network and the node crawling it.
type demo struct {
	net  *testnet.Network
	node *node.Node
}

// startDemo starts the network (on ephemeral ports, its DNS too, so that
// nothing it opens can clash with a node on the default ports) and the
// node, not yet running. close releases both.
func startDemo(ctx context.Context, relays int, seed int64, listen string, log *slog.Logger) (*demo, error) {
	tn, err := testnet.Start(ctx, testnet.Options{Relays: relays, Seed: seed})
	if err != nil {
		return nil, err
	}
	cfg, err := demoConfig(tn, listen)
	if err == nil {
		var n *node.Node
		if n, err = node.New(ctx, node.Options{Config: cfg, Logger: log, Version: buildVersion()}); err == nil {
			return &demo{net: tn, node: n}, nil
		}
	}
	tn.Close()
	return nil, err
}

// cmdDemo runs a simulated relay network and a node crawling it, until
// interrupted; everything lives in a temporary directory removed at exit.
func (c *cli) cmdDemo(ctx context.Context, args []string) int {
	fs := c.flags("demo")
	relays := fs.Int("relays", 100, "number of simulated relays")
	seed := fs.Int64("seed", 1, "seed of the simulated network")
	listen := fs.String("listen", DemoListen, "`address` of the demo node's relay, status page and API")
	if code, ok := c.parseFlags(fs, args); !ok {
		return code
	}
	log, err := newLogger(c.stderr, c.g.logLevel, c.g.logFormat)
	if err != nil {
		return c.fail(exitUsage, "%v", err)
	}
	d, err := startDemo(ctx, *relays, *seed, *listen, log)
	if err != nil {
		code := exitCode(err)
		if errors.Is(err, testnet.ErrOptions) {
			code = exitUsage
		}
		return c.fail(code, "demo: %v", err)
	}
	defer d.net.Close()
	fmt.Fprintf(c.stdout, "demo: %d simulated relays; open http://%s/ (it fills within two minutes; Ctrl-C stops and deletes the demo)\n",
		len(d.net.Manifest().Relays), d.node.Addr())
	if err := d.node.Run(ctx); err != nil {
		return c.fail(exitFailure, "demo: %v", err)
	}
	return exitOK
}
