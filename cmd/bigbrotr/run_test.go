package main

import (
	"bytes"
	"context"
	"database/sql"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite" // to stamp a store with a future schema version
)

// runCLI runs the CLI in-process with a clean environment for secrets.
func runCLI(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("BIGBROTR_PRIVATE_KEY", "")
	t.Setenv("BIGBROTR_DATABASE_URL", "")
	var out, errb bytes.Buffer
	code := run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeConfig(t *testing.T, dir, body string) string {
	t.Helper()
	p := filepath.Join(dir, "node.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// baseConfig listens on free loopback ports, keeps data in dir and seeds
// nothing (the built-in list would have the validator dial public relays).
func baseConfig(dir string) string {
	return "[node]\nlisten = \"127.0.0.1:0\"\ndata_dir = \"" + filepath.Join(dir, "data") + "\"\n[metrics]\nlisten = \"\"\n[seeder]\nfile = \"none\"\n"
}

// oneLine asserts the error output is exactly one line with no panic trace.
func oneLine(t *testing.T, stderr string, contains ...string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "bigbrotr: ") {
		t.Fatalf("want one line starting with \"bigbrotr: \", got %q", stderr)
	}
	if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
		t.Fatalf("panic trace: %q", stderr)
	}
	for _, c := range contains {
		if !strings.Contains(stderr, c) {
			t.Errorf("stderr %q lacks %q", stderr, c)
		}
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	unreadableKey := filepath.Join(dir, "missing.key")
	freePort := func() string {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		defer l.Close()
		return l.Addr().String()
	}()
	tests := []struct {
		name     string
		config   string // "" means no --config
		args     []string
		code     int
		contains []string
	}{
		{"unknown command", "", []string{"frobnicate"}, 2, []string{`unknown command "frobnicate"`}},
		{"unknown flag", "", []string{"node", "--nope"}, 2, []string{"flag provided but not defined: -nope"}},
		{"bad log level", "", []string{"config", "check", "--log-level", "loud"}, 2, []string{"--log-level"}},
		{"bad log format", "", []string{"--log-format", "xml", "config", "check"}, 2, []string{"--log-format"}},
		{"config check without check", "", []string{"config"}, 2, []string{"config check"}},
		{"missing config file", "", []string{"--config", filepath.Join(dir, "absent.toml"), "config", "check"}, 2, []string{"no such file"}},
		{"malformed TOML", "[node\nlisten=", []string{"config", "check"}, 2, []string{"toml: line"}},
		{"unknown key", "[node]\nfoo = 1\n", []string{"config", "check"}, 2, []string{"unknown key node.foo"}},
		{"bad values, all listed", "[relay]\nmax_limit = 0\n[database]\nmode = \"huge\"\n", []string{"config", "check"}, 2,
			[]string{"relay.max_limit: must be between", "database.mode: want"}},
		{"malformed duration, the rest still listed", "[relay]\nidle_timeout = \"5 parsecs\"\nmax_limit = 0\n[node]\nbogus = 1\n",
			[]string{"config", "check"}, 2,
			[]string{"unknown key node.bogus", "relay.idle_timeout: want a duration", `"5 parsecs"`, "relay.max_limit: must be between"}},
		{"unreadable key file", "[node]\nprivate_key_file = \"" + unreadableKey + "\"\ndata_dir = \"" + dir + "\"\n", []string{"node"}, 2,
			[]string{"node.private_key_file", "missing.key"}},
		{"unreachable PostgreSQL", baseConfig(dir) + "[database]\nurl = \"postgres://u@" + freePort + "/db?connect_timeout=2\"\n",
			[]string{"node"}, 1, []string{"open archive: database unreachable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.config != "" {
				args = append([]string{"--config", writeConfig(t, t.TempDir(), tt.config)}, args...)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			code, _, stderr := runCLI(t, ctx, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			oneLine(t, stderr, tt.contains...)
		})
	}
}

func TestStoreErrors(t *testing.T) {
	t.Run("corrupt embedded store", func(t *testing.T) {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "data"), 0o700)
		os.WriteFile(filepath.Join(dir, "data", "bigbrotr.db"), bytes.Repeat([]byte("not a database "), 500), 0o600)
		code, _, stderr := runCLI(t, context.Background(), "--config", writeConfig(t, dir, baseConfig(dir)), "migrate")
		if code != 1 {
			t.Fatalf("exit %d, want 1: %q", code, stderr)
		}
		oneLine(t, stderr, "corrupt")
	})
	t.Run("newer schema", func(t *testing.T) {
		dir := t.TempDir()
		cfg := writeConfig(t, dir, baseConfig(dir))
		if code, out, stderr := runCLI(t, context.Background(), "--config", cfg, "migrate"); code != 0 {
			t.Fatalf("first migrate: %d %q %q", code, out, stderr)
		}
		db, err := sql.Open("sqlite", filepath.Join(dir, "data", "bigbrotr.db"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)")
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runCLI(t, context.Background(), "--config", cfg, "node")
		if code != 1 {
			t.Fatalf("exit %d, want 1: %q", code, stderr)
		}
		oneLine(t, stderr, "newer than this binary", "9999")
	})
}

func TestCommands(t *testing.T) {
	code, out, _ := runCLI(t, context.Background(), "version")
	if code != 0 || !strings.HasPrefix(out, "bigbrotr ") || !strings.Contains(out, "signatures: "+signatureImpl+")") {
		t.Fatalf("version: %d %q", code, out)
	}
	code, out, _ = runCLI(t, context.Background(), "--help")
	if code != 0 || !strings.Contains(out, "config check") {
		t.Fatalf("help: %d %q", code, out)
	}
	code, out, _ = runCLI(t, context.Background(), "config", "check")
	if code != 0 || !strings.Contains(out, "config defaults: ok") {
		t.Fatalf("config check on defaults: %d %q", code, out)
	}
	example, _ := filepath.Abs("../../node.toml.example")
	code, out, stderr := runCLI(t, context.Background(), "config", "check", "--config", example)
	if code != 0 {
		t.Fatalf("config check of the example: %d %q %q", code, out, stderr)
	}
}

// TestCommandHelp: every command's --help (and "help COMMAND") prints that
// command's usage and flags on stdout, exit 0.
func TestCommandHelp(t *testing.T) {
	for _, args := range [][]string{
		{"node", "--help"}, {"migrate", "-h"}, {"config", "check", "--help"}, {"version", "--help"},
		{"seeder", "--help"}, {"finder", "--help"}, {"validator", "--help"}, {"monitor", "--help"},
		{"synchronizer", "--help"}, {"stats", "--help"}, {"demo", "--help"}, {"help", "monitor"}, {"--log-level", "debug", "help", "node"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, out, stderr := runCLI(t, context.Background(), args...)
			name := args[0]
			if name == "config" {
				name = "config check"
			}
			if args[0] == "help" {
				name = args[1]
			} else if args[0] == "--log-level" {
				name = args[3]
			}
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			for _, want := range []string{"usage: bigbrotr " + name + " [flags]", summaries[name], "-config path", "-log-level", "-log-format"} {
				if !strings.Contains(out, want) {
					t.Errorf("help lacks %q:\n%s", want, out)
				}
			}
			loop := name == "finder" || name == "validator" || name == "monitor" || name == "synchronizer" || name == "stats" || name == "seeder"
			if strings.Contains(out, "-once") != loop {
				t.Errorf("-once listed = %v, want %v:\n%s", !loop, loop, out)
			}
		})
	}
}

// TestGlobalFlagsCheckedForEveryCommand: a bad --log-level or --log-format
// is refused even by commands that log nothing, wherever it is written.
func TestGlobalFlagsCheckedForEveryCommand(t *testing.T) {
	for _, args := range [][]string{
		{"--log-level", "loud", "version"},
		{"version", "--log-level", "loud"},
		{"--log-format", "xml", "version"},
		{"--log-level", "loud", "testnet", "--help"},
		{"migrate", "--log-level", "LOUD", "--config", filepath.Join(t.TempDir(), "absent.toml")},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, out, stderr := runCLI(t, context.Background(), args...)
			if code != 2 || out != "" {
				t.Fatalf("exit %d, stdout %q; want 2 and nothing", code, out)
			}
			oneLine(t, stderr, "--log-")
		})
	}
}

// TestNodeRunsAndStopsOnCancel starts `bigbrotr node` and stops it the way a
// signal does (context cancellation), expecting exit 0.
func TestNodeRunsAndStopsOnCancel(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, baseConfig(dir))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var errb syncBuffer
	t.Setenv("BIGBROTR_PRIVATE_KEY", "")
	t.Setenv("BIGBROTR_DATABASE_URL", "")
	go func() {
		done <- run(ctx, []string{"node", "--config", cfg, "--log-format", "json"}, &bytes.Buffer{}, &errb)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(errb.String(), "node ready") {
		if time.Now().After(deadline) {
			t.Fatalf("node did not start: %s", errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "node.key")); err != nil {
		t.Fatalf("no generated key: %v", err)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("node did not stop")
	}
	if !strings.HasPrefix(errb.String(), "{") {
		t.Fatalf("--log-format json not applied: %q", errb.String())
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
