package testnet

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

// DefaultCLIPort is the CLI's fixed port: relays listen on 127.77.X.Y:7447
// (127.77 whatever the port, unless --port 0), DNS on 127.77.255.254:7447
// and the proxies on 7448-7450 of that address, and node.toml gives the node
// 127.0.0.1:7451. Nothing takes 127.0.0.1:7447, a node's default address, so
// a testnet runs beside a default node. A fixed port keeps the manifest
// identical across runs.
const DefaultCLIPort = 7447

// RunCLI is `bigbrotr testnet`: it parses args (without the subcommand
// name), starts a network, prints the manifest path on stdout and runs until
// ctx is cancelled. It returns the process exit code: 0 after a clean stop,
// 1 if the network could not start, 2 on bad usage.
func RunCLI(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("testnet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	relays := fs.Int("relays", 100, "number of relays")
	seed := fs.Int64("seed", 1, "seed: the same seed (and port) gives the same network and manifest")
	out := fs.String("out", "testnet-out", "output directory for manifest.json, node.toml, seeds.txt, ca.pem and GeoIP files")
	port := fs.Int("port", DefaultCLIPort, "port every relay listens on (each on its own 127.77.x.y); 0 for ephemeral ports")
	authors := fs.Int("authors", 0, "number of generated users (0: relays/2, at least 10)")
	flapUp := fs.Duration("flap-up", 0, "flapping relays' up time (0: 2s)")
	flapDown := fs.Duration("flap-down", 0, "flapping relays' down time (0: 2s)")
	slow := fs.Duration("slow-delay", 0, "slow relays' EOSE/OK delay (0: 1s)")
	mix := fs.String("mix", "", `profile weights, comma-separated NAME[=WEIGHT]; NAME is a profile, "default" or "hostile" (e.g. "default=90,hostile=10"); empty: the default mix, no raw hostile relays`)
	dripEvery := fs.Duration("drip-every", 0, "hostile drips' period: NOTICEs, AUTH challenges, other-subscription frames (0: 5s)")
	streamRate := fs.Int("stream-rate", 0, "hostile streams' events per second (0: 500)")
	streamMax := fs.Int("stream-max", 0, "frames per subscription before a hostile stream stops (0: 1000000)")
	streamFor := fs.Duration("stream-for", 0, "time per subscription before a hostile stream stops (0: 30m)")
	byteDelay := fs.Duration("byte-delay", 0, "slow-frames relays' pause between bytes (0: 2ms)")
	hugeFrame := fs.Int("huge-frame", 0, "huge-frame relays' frame size in bytes (0: 64 MiB)")
	profiles := fs.Bool("profiles", false, "list the profiles (hostile ones marked) and exit")
	verbose := fs.Bool("v", false, "log start-up details to stderr")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: bigbrotr testnet [--relays N] [--seed S] [--out DIR] [--port P] [--mix MIX] [--profiles]")
		fmt.Fprintln(stderr, "Runs a simulated Nostr relay network on loopback until interrupted.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "testnet: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	if *profiles {
		for _, p := range Profiles() {
			b := behaviors[p]
			mark := " "
			if b.Hostile {
				mark = "!"
			}
			fmt.Fprintf(stdout, "%s %-26s %s\n", mark, p, b.Summary)
		}
		return 0
	}
	opts := Options{Relays: *relays, Seed: *seed, OutDir: *out, Port: *port, Octet: 77, Authors: *authors,
		FlapUp: *flapUp, FlapDown: *flapDown, SlowDelay: *slow,
		DripEvery: *dripEvery, StreamRate: *streamRate, StreamMax: *streamMax, StreamFor: *streamFor,
		ByteDelay: *byteDelay, HugeFrame: *hugeFrame}
	if *mix != "" {
		m, err := ParseMix(*mix)
		if err != nil {
			fmt.Fprintf(stderr, "testnet: --mix: %v\n", err)
			return 2
		}
		opts.Mix = m
	}
	if *verbose {
		opts.Logf = func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }
	}
	began := time.Now()
	n, err := Start(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "testnet: %v\n", err)
		if errors.Is(err, ErrOptions) {
			return 2
		}
		return 1
	}
	defer n.Close()
	m := n.Manifest()
	fmt.Fprintf(stderr, "testnet: %d relays (seed %d) up in %s; DNS %s; tor %s, i2p %s, loki %s\n",
		len(m.Relays), m.Seed, time.Since(began).Round(time.Millisecond), m.DNS,
		m.Proxies[Tor], m.Proxies[I2P], m.Proxies[Loki])
	fmt.Fprintf(stderr, "testnet: run a node with: bigbrotr node --config %s/%s\n", n.Dir(), FileNodeConfig)
	fmt.Fprintf(stderr, "testnet: that node listens on %s: open http://%s/ (Nostr clients: ws://%s)\n",
		m.NodeListen, m.NodeListen, m.NodeListen)
	fmt.Fprintln(stdout, n.ManifestPath())
	<-ctx.Done()
	fmt.Fprintln(stderr, "testnet: stopping")
	return 0
}
