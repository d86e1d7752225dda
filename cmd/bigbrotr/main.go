// Command bigbrotr is a self-hostable Nostr relay monitor and archive: one
// binary that is at once a relay (public read, operator-only write) with a
// status page and a JSON API, and a crawler of the relay ecosystem that
// discovers relays (seeder, finder), proves they speak Nostr (validator),
// checks them and publishes NIP-66 events (monitor) and archives their
// events (synchronizer).
//
// Usage:
//
//	bigbrotr [global flags] <command> [flags]
//
// Commands:
//
//	node          the relay, status page, API and every enabled loop
//	migrate       apply pending archive migrations and exit
//	config check  validate the configuration, listing every problem, and exit
//	seeder        add the seed file's relays as candidates and exit
//	finder, validator, monitor, synchronizer, stats
//	              run one loop alone, without the relay (--once: one cycle)
//	testnet       run a simulated relay network on loopback
//	demo          a simulated relay network and a node crawling it, in one
//	              command; prints the status page's URL
//	version       print the version and the signature implementation
//	help COMMAND  print a command's flags (as does COMMAND --help)
//
// Global flags, accepted before or after the command and checked for every
// command: --config PATH (default: built-in defaults, see
// node.toml.example), --log-level debug|info|warn|error, --log-format
// text|json. Logs go to stderr; a failure ends with one line,
// "bigbrotr: <cause>", on stderr.
//
// Exit codes: 0 success, 1 runtime failure (a port in use, the database
// unreachable or too new, a corrupt store), 2 usage or configuration error
// (bad flags, config check failures, an unreadable key file).
//
// This package is only the command line: flags, logging, exit codes and a
// progress line. Package node does the work (configuration, archive,
// relay, loops); package testnet is the simulated network behind testnet
// and demo, and no package but this one imports it outside tests.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
