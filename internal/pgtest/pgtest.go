package pgtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

var (
	once     sync.Once
	shared   *cluster
	startErr error

	durableOnce sync.Once
	durable     *cluster
	durableErr  error

	dbSeq atomic.Int64
	drops sync.WaitGroup // background DROP DATABASE still running
)

// Main runs the package's tests and then stops the cluster and removes its
// directory. Use it as the whole of TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Stop shuts the cluster down and removes its directory. Main calls it; it
// is safe to call when no cluster was started.
func Stop() {
	drops.Wait()
	for _, c := range []**cluster{&shared, &durable} {
		if *c != nil {
			(*c).stop()
			os.RemoveAll((*c).dir)
			*c = nil
		}
	}
}

// Start returns the URL of the maintenance database of the binary's
// cluster, starting the cluster on first use. It skips the test when the
// server binaries are missing (fails instead under CI=true) and fails it
// when the cluster cannot start.
func Start(t testing.TB) string {
	t.Helper()
	once.Do(func() { shared, startErr = launch(false) })
	check(t, startErr)
	return shared.url("postgres")
}

// NewDatabase creates an empty database for this test and returns its URL.
// The database is dropped (connections and all) when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	Start(t)
	return newDatabase(t, shared)
}

// NewDurableDatabase is NewDatabase on a second cluster, started on first
// use, that keeps PostgreSQL's default durability: every commit waits for
// its WAL flush, as on a production server. Benchmarks that compare
// stores which commit at different rates need it; tests do not.
func NewDurableDatabase(t testing.TB) string {
	t.Helper()
	durableOnce.Do(func() { durable, durableErr = launch(true) })
	check(t, durableErr)
	return newDatabase(t, durable)
}

func launch(durable bool) (*cluster, error) {
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	return startCluster(bin, durable)
}

// check skips the test when the server binaries are missing (fails it
// instead under CI=true) and fails it when the cluster could not start.
func check(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if errors.Is(err, errNoBinaries) && os.Getenv("CI") != "true" {
		t.Skipf("pgtest: %v; install Debian's postgresql (make postgres-deps) or set PG_BIN to run this test", err)
	}
	t.Fatalf("pgtest: %v", err)
}

func newDatabase(t testing.TB, c *cluster) string {
	t.Helper()
	name := fmt.Sprintf("t%d_%s", dbSeq.Add(1), sanitize(t.Name()))
	create := `CREATE DATABASE "` + name + `"`
	if c.major >= 15 {
		// Copying template1's files beats WAL-logging them when fsync is off.
		create += " STRATEGY FILE_COPY"
	}
	if err := c.psql("postgres", create); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		// Dropped in the background: the test is over, and the whole
		// cluster goes at exit anyway; this only bounds its disk use.
		drops.Add(1)
		go func() {
			defer drops.Done()
			c.psql("postgres", `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`)
		}()
	})
	return c.url(name)
}

// Exec runs SQL (one or more statements) as the superuser in database db,
// for tests that must set a database up in ways the code under test never
// would.
func Exec(t testing.TB, db, sql string) {
	t.Helper()
	Start(t)
	if err := shared.psql(db, sql); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}

// DatabaseName returns the database part of a URL NewDatabase returned.
func DatabaseName(url string) string {
	_, rest, _ := strings.Cut(strings.TrimPrefix(url, "postgres://"), "/")
	name, _, _ := strings.Cut(rest, "?")
	return name
}

func (c *cluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// psql runs sql with the cluster's own client over TCP loopback.
func (c *cluster) psql(db, sql string) error {
	cmd := exec.Command(filepath.Join(c.bin, "psql"), "-X", "-w", "-q", "-v", "ON_ERROR_STOP=1",
		"-h", "127.0.0.1", "-p", fmt.Sprint(c.port), "-U", "postgres", "-d", db, "-c", sql)
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10", "PGOPTIONS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("psql %q: %w: %s", sql, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// sanitize turns a test name into a short identifier fragment.
func sanitize(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + ('a' - 'A'))
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return b.String()
}
