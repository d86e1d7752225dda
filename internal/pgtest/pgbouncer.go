package pgtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// errNoPgBouncer means the machine has no pgbouncer binary: a reason to
// skip outside CI, as for the server binaries.
var errNoPgBouncer = errors.New("pgbouncer binary not found")

// PgBouncer is a pgbouncer process in transaction pooling mode in front of
// the binary's cluster. Every database of the cluster is reachable through
// it under its own name (a "*" fallback entry), so a URL from NewDatabase
// only needs its port swapped: see URL.
type PgBouncer struct {
	Port int
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

// StartPgBouncer starts a pgbouncer for this test, stopped when the test
// ends. It uses $PGBOUNCER, else pgbouncer from /usr/sbin or PATH (Debian's
// package), and skips the test when there is none (fails under CI=true).
// Under root it runs as the postgres user, as the server does: pgbouncer
// refuses to run as root.
func StartPgBouncer(t testing.TB) *PgBouncer {
	t.Helper()
	Start(t)
	bin, err := findPgBouncer()
	if err != nil {
		if os.Getenv("CI") != "true" {
			t.Skipf("pgtest: %v; install Debian's pgbouncer or set PGBOUNCER to run this test", err)
		}
		t.Fatalf("pgtest: %v", err)
	}
	b, err := startPgBouncer(bin, shared)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(b.stop)
	return b
}

// URL returns dbURL (a URL of the cluster, from NewDatabase or Start) with
// its port replaced by the bouncer's. Callers add the client options
// transaction pooling needs themselves (for pgx,
// default_query_exec_mode=exec or simple_protocol).
func (b *PgBouncer) URL(dbURL string) string {
	cluster := ":" + strconv.Itoa(shared.port) + "/"
	return strings.Replace(dbURL, cluster, ":"+strconv.Itoa(b.Port)+"/", 1)
}

// Log returns the end of pgbouncer's log, for failure messages.
func (b *PgBouncer) Log() string { return tail(filepath.Join(b.dir, "pgbouncer.log")) }

func findPgBouncer() (string, error) {
	if p := os.Getenv("PGBOUNCER"); p != "" {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() {
			return "", fmt.Errorf("PGBOUNCER=%s: %w", p, errNoPgBouncer)
		}
		return p, nil
	}
	if fi, err := os.Stat("/usr/sbin/pgbouncer"); err == nil && !fi.IsDir() {
		return "/usr/sbin/pgbouncer", nil
	}
	if p, err := exec.LookPath("pgbouncer"); err == nil {
		return p, nil
	}
	return "", errNoPgBouncer
}

// pgBouncerConfig is the whole configuration. Two server connections per
// database are fewer than a pgx pool opens (at least four), so client
// connections really take turns on server connections: code that leans on
// session state (named prepared statements, session locks, temp tables,
// SET) breaks here as it would in production. A client left waiting for a
// server connection fails after query_wait_timeout rather than hanging the
// test. trust needs the user in auth_file all the same; the unix socket is off so that two bouncers (or
// a system one) never collide in /tmp. extra_float_digits is what lib/pq
// and psql send; pgbouncer refuses unknown startup parameters otherwise.
const pgBouncerConfig = `[databases]
* = host=127.0.0.1 port=%d

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
admin_users = postgres
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 2
query_wait_timeout = 60
ignore_startup_parameters = extra_float_digits
logfile = %s
pidfile = %s
`

// startPgBouncer writes a configuration into a fresh directory inside the
// cluster's (removed with it) and starts pgbouncer in the foreground, as
// a child that dies with the test binary; it retries another port if the
// one picked was taken in between.
func startPgBouncer(bin string, c *cluster) (*PgBouncer, error) {
	dir, err := os.MkdirTemp(c.dir, "pgbouncer-")
	if err != nil {
		return nil, err
	}
	if c.cred != nil {
		if err := os.Chown(dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return nil, err
		}
	}
	users := filepath.Join(dir, "userlist.txt")
	if err := os.WriteFile(users, []byte(`"postgres" ""`+"\n"), 0o644); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		b, err := launchPgBouncer(bin, c, dir)
		if err == nil {
			return b, nil
		}
		if attempt == 4 || !strings.Contains(err.Error(), "bind") {
			return nil, err
		}
	}
}

func launchPgBouncer(bin string, c *cluster, dir string) (*PgBouncer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	ini := filepath.Join(dir, "pgbouncer.ini")
	logPath := filepath.Join(dir, "pgbouncer.log")
	conf := fmt.Sprintf(pgBouncerConfig, c.port, port, filepath.Join(dir, "userlist.txt"),
		logPath, filepath.Join(dir, "pgbouncer.pid"))
	if err := os.WriteFile(ini, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	os.Remove(logPath) // a failed attempt's log would be read as this one's
	cmd := exec.Command(bin, ini)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	// SIGINT is pgbouncer's "safe shutdown"; parent death must not wait
	// for clients, so the kernel sends SIGTERM (immediate shutdown).
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Pdeathsig: syscall.SIGTERM}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start pgbouncer: %w", err)
	}
	b := &PgBouncer{Port: port, dir: dir, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(b.done) }()

	deadline := time.After(30 * time.Second)
	for {
		if conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second); err == nil {
			conn.Close()
			return b, nil
		}
		select {
		case <-b.done:
			return nil, fmt.Errorf("pgbouncer exited during start-up: %s %s", strings.TrimSpace(out.String()), b.Log())
		case <-deadline:
			b.stop()
			return nil, fmt.Errorf("pgbouncer not listening after 30s: %s", b.Log())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stop shuts pgbouncer down at once (SIGTERM closes every connection) and
// escalates if it lingers.
func (b *PgBouncer) stop() {
	escalate(b.cmd.Process, b.done, syscall.SIGTERM, syscall.SIGKILL)
}
