package bench

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/pgtest"
)

// pgServerEnv names an existing PostgreSQL server to run on instead of the
// throwaway cluster, e.g. one tuned as in production (the throwaway
// cluster keeps the default 128 MB shared_buffers). The URL must name a
// database the user can connect to and have the right to create
// databases: the benchmarks create their own and drop them afterwards.
const pgServerEnv = "BIGBROTR_BENCH_PG_URL"

var dbSeq atomic.Int64

// server is where a benchmark's PostgreSQL databases live.
type server int

const (
	// testServer is the tests' throwaway cluster: durability off.
	testServer server = iota
	// durableServer keeps PostgreSQL's default durability (fsync,
	// synchronous_commit, full_page_writes on), as a production server.
	durableServer
)

func (s server) String() string {
	if s == durableServer {
		return "durable cluster (production durability)"
	}
	return "test cluster (durability off)"
}

// newDatabaseOn returns the URL of a fresh, empty database on srv that is
// dropped when tb ends; BIGBROTR_BENCH_PG_URL, when set, replaces both
// servers.
func newDatabaseOn(tb testing.TB, srv server) string {
	tb.Helper()
	admin := os.Getenv(pgServerEnv)
	if admin == "" {
		if srv == durableServer {
			return pgtest.NewDurableDatabase(tb)
		}
		return pgtest.NewDatabase(tb)
	}
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("%s: %v", pgServerEnv, err)
	}
	name := fmt.Sprintf("bigbrotr_bench_%d_%d", time.Now().Unix(), dbSeq.Add(1))
	adminExec(tb, "CREATE DATABASE "+name)
	tb.Cleanup(func() {
		db := sqlDBNoCleanup(tb, admin)
		defer db.Close()
		if _, err := db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("drop %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// adminExec runs SQL on the server's maintenance database.
func adminExec(tb testing.TB, sql string) {
	tb.Helper()
	admin := os.Getenv(pgServerEnv)
	if admin == "" {
		pgtest.Exec(tb, "postgres", sql)
		return
	}
	db := sqlDBNoCleanup(tb, admin)
	defer db.Close()
	for _, stmt := range strings.Split(sql, ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := db.ExecContext(context.Background(), stmt); err != nil {
			tb.Fatalf("%s: %v", strings.TrimSpace(stmt), err)
		}
	}
}

// databaseName is the database part of a URL newDatabaseOn returned.
func databaseName(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Path, "/")
}

// durability describes the settings that decide what a commit costs, so
// that a table says which kind of server it ran on (see README.md).
func durability(tb testing.TB, url string) string {
	tb.Helper()
	db := sqlDB(tb, url)
	var parts []string
	for _, name := range []string{"fsync", "synchronous_commit", "full_page_writes", "shared_buffers"} {
		var v string
		if err := db.QueryRowContext(context.Background(), "SHOW "+name).Scan(&v); err != nil {
			tb.Fatalf("show %s: %v", name, err)
		}
		parts = append(parts, name+"="+v)
	}
	return strings.Join(parts, " ")
}
