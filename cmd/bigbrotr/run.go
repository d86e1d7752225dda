package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/bigbrotr/bigbrotr/node"
	"github.com/bigbrotr/bigbrotr/testnet"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// version is set at link time (-ldflags "-X main.version=v1.2.3").
var version = ""

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// globals are the flags every command accepts.
type globals struct {
	config    string
	logLevel  string
	logFormat string
}

func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.config, "config", g.config, "TOML configuration `path` (default: built-in defaults)")
	fs.StringVar(&g.logLevel, "log-level", g.logLevel, "log level: debug, info, warn or error")
	fs.StringVar(&g.logFormat, "log-format", g.logFormat, "log format: text or json")
}

const usage = `usage: bigbrotr [--config PATH] [--log-level LEVEL] [--log-format text|json] <command> [flags]

commands:
  node          run the relay, status page and JSON API over the archive, and the loops
  migrate       apply pending archive migrations and exit
  config check  validate the configuration and exit
  seeder        add the seed file's relays as candidates and exit
  finder        run the finder alone (--once: one cycle)
  validator     run the validator alone (--once: one cycle)
  monitor       run the monitor alone (--once: one cycle)
  synchronizer  run the synchronizer alone (--once: one cycle)
  stats         refresh the statistics and prune old snapshots (--once: one cycle)
  testnet       run a simulated relay network on loopback (--relays N --seed S --out DIR)
  demo          run a simulated relay network and a node crawling it; prints the URL to open
  version       print the version
  help COMMAND  print a command's flags (also: bigbrotr COMMAND --help)

exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error
`

// summaries describe each command in its --help.
var summaries = map[string]string{
	"node":         "Runs the relay, the status page and JSON API over the archive, and every enabled loop,\nuntil interrupted (SIGINT or SIGTERM: graceful stop).",
	"migrate":      "Applies pending archive migrations and exits.",
	"config check": "Validates the configuration (every problem listed at once) and exits; no store is opened.",
	"version":      "Prints the version, the Go version and platform, and the signature implementation.",
	"seeder":       "Adds the relays of [seeder] file as candidates and exits.",
	"finder":       "Runs the finder alone, without the relay.",
	"validator":    "Runs the validator alone, without the relay.",
	"monitor":      "Runs the monitor alone, without the relay; its events go straight to the archive.",
	"synchronizer": "Runs the synchronizer alone, without the relay.",
	"stats":        "Refreshes the statistics and prunes old snapshots, alone, without the relay.",
	"demo":         "Runs a simulated relay network (as bigbrotr testnet, on ephemeral ports) and a node crawling it\nwith short intervals, on " + DemoListen + " unless --listen says otherwise, until interrupted.\nEverything lives in a temporary directory deleted at exit.",
}

// cli carries the output streams so every command reports the same way.
type cli struct {
	stdout, stderr io.Writer
	g              globals
}

// fail prints one line and returns the exit code.
func (c *cli) fail(code int, format string, args ...any) int {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintln(c.stderr, "bigbrotr: "+strings.Join(strings.Fields(msg), " "))
	return code
}

// run is the whole CLI; main only wires the process to it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := &cli{stdout: stdout, stderr: stderr, g: globals{logLevel: "info", logFormat: "text"}}
	fs := flag.NewFlagSet("bigbrotr", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.g.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return exitOK
		}
		return c.fail(exitUsage, "%v (see bigbrotr --help)", err)
	}
	if err := c.g.check(); err != nil {
		return c.fail(exitUsage, "%v (see bigbrotr --help)", err)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch rest[0] {
	case "node":
		return c.cmdNode(ctx, rest[1:])
	case "migrate":
		return c.cmdMigrate(ctx, rest[1:])
	case "config":
		if len(rest) < 2 || rest[1] != "check" {
			return c.fail(exitUsage, "want \"config check\"")
		}
		return c.cmdConfigCheck(rest[2:])
	case node.LoopSeeder, node.LoopFinder, node.LoopValidator, node.LoopMonitor, node.LoopSynchronizer, node.LoopStats:
		return c.cmdLoop(ctx, rest[0], rest[1:])
	case "testnet":
		return testnet.RunCLI(ctx, rest[1:], stdout, stderr)
	case "demo":
		return c.cmdDemo(ctx, rest[1:])
	case "version":
		if code, ok := c.parse("version", rest[1:]); !ok {
			return code
		}
		fmt.Fprintf(stdout, "bigbrotr %s (%s %s/%s; signatures: %s)\n",
			buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH, signatureImpl)
		return exitOK
	case "help":
		if len(rest) > 1 {
			// "help node" is "node --help".
			return run(ctx, append(rest[1:], "--help"), stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		return c.fail(exitUsage, "unknown command %q (want node, migrate, config check, seeder, finder, validator, monitor, synchronizer, stats, testnet, demo or version)", rest[0])
	}
}

// cmdLoop runs one crawler loop alone, without the relay.
func (c *cli) cmdLoop(ctx context.Context, name string, args []string) int {
	fs := c.flags(name)
	once := fs.Bool("once", false, "run one cycle and exit (the seeder always runs once)")
	if code, ok := c.parseFlags(fs, args); !ok {
		return code
	}
	cfg, log, code, ok := c.load()
	if !ok {
		return code
	}
	finish := func() {}
	if *once && name != node.LoopSeeder && name != node.LoopStats && isTerminal(c.stderr) {
		ctx, finish = withProgressBar(ctx, c.stderr, name)
	}
	err := node.RunLoop(ctx, cfg, log, name, *once)
	finish() // the bar's line ends before the error's
	if err != nil {
		return c.fail(exitCode(err), "%s: %v", name, err)
	}
	return exitOK
}

// flags is a command's flag set, with the global flags again so that they
// may follow the command.
func (c *cli) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.g.register(fs)
	return fs
}

// parseFlags parses args into fs. --help prints the command's own usage
// and flags. ok is false when the caller must return code.
func (c *cli) parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	name := fs.Name()
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.help(fs)
			return exitOK, false
		}
		return c.fail(exitUsage, "%s: %v (see bigbrotr %s --help)", name, err, name), false
	}
	if fs.NArg() > 0 {
		return c.fail(exitUsage, "%s: unexpected argument %q (see bigbrotr %s --help)", name, fs.Arg(0), name), false
	}
	if err := c.g.check(); err != nil {
		return c.fail(exitUsage, "%s: %v", name, err), false
	}
	return 0, true
}

// help prints a command's usage, summary and flags to stdout.
func (c *cli) help(fs *flag.FlagSet) {
	fmt.Fprintf(c.stdout, "usage: bigbrotr %s [flags]\n\n%s\n\nflags:\n", fs.Name(), summaries[fs.Name()])
	fs.SetOutput(c.stdout)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// parse reads the flags of a command that has only the global ones.
func (c *cli) parse(name string, args []string) (code int, ok bool) {
	return c.parseFlags(c.flags(name), args)
}

// setup parses flags, builds the logger and loads the configuration.
func (c *cli) setup(name string, args []string) (node.Config, *slog.Logger, int, bool) {
	if code, ok := c.parse(name, args); !ok {
		return node.Config{}, nil, code, false
	}
	return c.load()
}

// load builds the logger and loads the configuration of parsed flags.
func (c *cli) load() (node.Config, *slog.Logger, int, bool) {
	log, err := newLogger(c.stderr, c.g.logLevel, c.g.logFormat)
	if err != nil {
		return node.Config{}, nil, c.fail(exitUsage, "%v", err), false
	}
	cfg, err := node.LoadConfig(c.g.config)
	if err != nil {
		return node.Config{}, nil, c.fail(exitUsage, "%v", err), false
	}
	return cfg, log, 0, true
}

func (c *cli) cmdConfigCheck(args []string) int {
	cfg, _, code, ok := c.setup("config check", args)
	if !ok {
		return code
	}
	src := c.g.config
	if src == "" {
		src = "defaults"
	}
	fmt.Fprintf(c.stdout, "config %s: ok (listen %s, database %s, mode %s)\n", src, cfg.Node.Listen, dbKind(cfg.Database.URL), cfg.Database.Mode)
	return exitOK
}

func (c *cli) cmdMigrate(ctx context.Context, args []string) int {
	cfg, log, code, ok := c.setup("migrate", args)
	if !ok {
		return code
	}
	msg, err := node.Migrate(ctx, cfg, log)
	if err != nil {
		return c.fail(exitCode(err), "%v", err)
	}
	fmt.Fprintln(c.stdout, msg)
	return exitOK
}

func (c *cli) cmdNode(ctx context.Context, args []string) int {
	cfg, log, code, ok := c.setup("node", args)
	if !ok {
		return code
	}
	n, err := node.New(ctx, node.Options{Config: cfg, Logger: log, Version: buildVersion()})
	if err != nil {
		return c.fail(exitCode(err), "%v", err)
	}
	if err := n.Run(ctx); err != nil {
		return c.fail(exitFailure, "%v", err)
	}
	return exitOK
}

// exitCode maps an error to the CLI's exit codes: what the operator must
// fix in the configuration (including the key file it names) is a usage
// error; everything else (database down, schema too new, corrupt store) is
// a runtime failure.
func exitCode(err error) int {
	if errors.Is(err, node.ErrConfig) || errors.Is(err, node.ErrKey) {
		return exitUsage
	}
	return exitFailure
}

func dbKind(url string) string {
	if url == "" {
		return "embedded"
	}
	return "postgres"
}
