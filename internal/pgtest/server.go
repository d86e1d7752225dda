package pgtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Server is a PostgreSQL server of one test's own, which the test may stop
// and start again, as an operator's restart or a crash would: the shared
// cluster is not used, since stopping it would break every other test of
// the binary.
type Server struct {
	c *cluster
}

// StartServer starts a throw-away server for this test; it is stopped and removed when the test ends. It
// skips the test when the server binaries are missing (fails instead under
// CI=true).
func StartServer(t testing.TB) *Server {
	t.Helper()
	bin, err := findBinDir()
	check(t, err)
	// fsync stays off (the host does not crash here), but a commit waits
	// for its WAL write: with synchronous_commit off an immediate stop
	// would lose transactions the client saw committed, which no
	// production server does.
	c, err := startCluster(bin, false, "-c", "synchronous_commit=on")
	if err != nil {
		t.Fatalf("pgtest: start server: %v", err)
	}
	t.Cleanup(c.remove)
	return &Server{c: c}
}

// NewDatabase creates an empty database on the server and returns its URL,
// which stays valid across Stop and Start.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	return newDatabase(t, s.c)
}

// Query runs sql in database db and returns its unaligned, tuples-only
// output.
func (s *Server) Query(t testing.TB, db, sql string) string {
	t.Helper()
	out, err := s.c.psqlOut(db, sql)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return out
}

// Stop shuts the server down: a fast shutdown (pg_ctl stop -m fast: every
// session is disconnected, open transactions roll back), or with immediate
// an immediate one (-m immediate: no checkpoint, crash recovery at the next
// start, as after a power cut of the database host).
func (s *Server) Stop(t testing.TB, immediate bool) {
	t.Helper()
	s.c.shutdown(t, immediate)
}

// Start starts the stopped server again on the same port and data
// directory, so the URLs handed out reach it again.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	s.c.restart(t)
}

// Log returns the end of the server's log.
func (s *Server) Log() string { return s.c.log() }

// shutdown stops a cluster of one test for it to be started again. It is
// the one stop path of Server and of a replication pair's standby.
func (c *cluster) shutdown(t testing.TB, immediate bool) {
	t.Helper()
	if immediate {
		c.kill()
	} else {
		c.stop()
	}
	select {
	case <-c.done:
	default:
		t.Fatalf("pgtest: server on port %d still running after a stop: %s", c.port, c.log())
	}
}

// restart starts a cluster shut down by shutdown on its old port.
func (c *cluster) restart(t testing.TB) {
	t.Helper()
	if err := c.startOnPort(); err != nil {
		t.Fatalf("pgtest: restart server on port %d: %v", c.port, err)
	}
}

// remove stops the cluster and deletes its directory.
func (c *cluster) remove() {
	c.stop()
	os.RemoveAll(c.dir)
	if c.lockFile != nil {
		c.lockFile.Close()
	}
}

func (c *cluster) log() string { return tail(filepath.Join(c.dir, "postgres.log")) }
