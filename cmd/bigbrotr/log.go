package main

import (
	"fmt"
	"io"
	"log/slog"
)

var levels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}

// check rejects a bad --log-level or --log-format for every command, also
// those that log nothing (version), so that a typo is never silently
// ignored.
func (g *globals) check() error {
	if _, ok := levels[g.logLevel]; !ok {
		return fmt.Errorf("--log-level: want debug, info, warn or error, got %q", g.logLevel)
	}
	if g.logFormat != "text" && g.logFormat != "json" {
		return fmt.Errorf("--log-format: want text or json, got %q", g.logFormat)
	}
	return nil
}

// newLogger builds the process logger from the --log-level and --log-format flags.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	g := globals{logLevel: level, logFormat: format}
	if err := g.check(); err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: levels[level]}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}
