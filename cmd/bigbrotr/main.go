// Command bigbrotr is a Nostr relay monitor and archive node: one binary that
// is at once a relay (public read, operator-only write) and, as later
// subcommands land, a crawler of the relay ecosystem.
//
// Usage:
//
//	bigbrotr [global flags] <command> [flags]
//
// Commands: node, migrate, config check, version. Global flags (accepted
// before or after the command): --config PATH, --log-level
// debug|info|warn|error, --log-format text|json.
//
// Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.
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
