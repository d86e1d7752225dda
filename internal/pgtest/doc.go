// Package pgtest gives tests a real, throwaway PostgreSQL server.
//
// One cluster is started per test binary, on first use: initdb into a fresh
// temporary directory (trust authentication, user postgres), a free loopback
// port, the unix socket in the same directory, and durability switched off
// (fsync, synchronous_commit, full_page_writes) because the data is thrown
// away. Each test then asks for its own empty database:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestX(t *testing.T) {
//		url := pgtest.NewDatabase(t) // postgres://postgres@127.0.0.1:PORT/t1_TestX?sslmode=disable
//		...
//	}
//
// StartReplicated gives a test its own primary and a hot standby streaming
// from it (pg_basebackup -R through a replication slot), with databases on
// both, a wait for the standby's replay, and a stop and start of the
// standby on the same port: what read-replica tests need. It looks for
// pg_basebackup beside the other server binaries.
//
// StartServer gives a test a server of its own that it may Stop (a fast
// or an immediate shutdown) and Start again on the same port and data
// directory, for outage tests; it shares its stop and start path with the
// standby's. Commits on it wait for their WAL write, so an immediate stop
// loses nothing a client saw committed.
//
// NewDurableDatabase gives a database on a second cluster that keeps
// PostgreSQL's default durability, for benchmarks whose stores commit at
// different rates; tests use NewDatabase.
//
// The server binaries are looked up in $PG_BIN, /usr/lib/postgresql/*/bin
// and PATH. When they are missing the test is skipped, unless CI=true, where
// it fails: CI must never silently skip the PostgreSQL tests.
//
// PostgreSQL refuses to run as root, so under uid 0 the server runs as the
// postgres user (the temporary directory is handed to it). The server is a
// direct child of the test binary with a parent-death signal, so it stops
// even when the binary panics or is killed; Main removes the directory on a
// normal exit, and the next run removes what a killed run left behind.
//
// The package talks to the server only through its own binaries (psql), so
// it stays free of database drivers.
package pgtest
