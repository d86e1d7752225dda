package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/pgtest"
)

// explainAbove reads BIGBROTR_BENCH_EXPLAIN: when set to a number of
// milliseconds, every PostgreSQL database of the run (ours and stock) has
// auto_explain log the plan (EXPLAIN ANALYZE, BUFFERS) of each statement
// slower than that, and each benchmark copies what was logged during it
// to CacheDir. ANALYZE timing slows every statement, so the figures of
// such a run are for diagnosis only.
func explainAbove(tb testing.TB) int {
	s := os.Getenv("BIGBROTR_BENCH_EXPLAIN")
	if s == "" {
		return 0
	}
	ms, err := strconv.Atoi(s)
	if err != nil || ms <= 0 {
		tb.Fatalf("BIGBROTR_BENCH_EXPLAIN=%q: want milliseconds", s)
	}
	return ms
}

// enableAutoExplain makes new sessions of the database at url load
// auto_explain; callers open their stores afterwards.
func enableAutoExplain(tb testing.TB, url string, ms int) {
	adminExec(tb, fmt.Sprintf(`
		ALTER DATABASE "%[1]s" SET session_preload_libraries = 'auto_explain';
		ALTER DATABASE "%[1]s" SET auto_explain.log_min_duration = %[2]d;
		ALTER DATABASE "%[1]s" SET auto_explain.log_analyze = on;
		ALTER DATABASE "%[1]s" SET auto_explain.log_buffers = on;`, databaseName(url), ms))
}

// explainLog, when plans are being logged, notes where the server log
// stands and returns a func that saves what the benchmark added to it.
func explainLog(b *testing.B) func() {
	if explainAbove(b) == 0 {
		return func() {}
	}
	out.printf("BIGBROTR_BENCH_EXPLAIN=%d: statements run with ANALYZE timing; figures are inflated\n", explainAbove(b))
	var path string
	var offset int64
	if os.Getenv(pgServerEnv) == "" {
		path, offset = serverLog(b, pgtest.Start(b))
	}
	return func() { savePlans(b, path, offset) }
}

// serverLog locates the throwaway cluster's log (pgtest writes it beside
// the data directory) and returns its path and current size.
func serverLog(tb testing.TB, url string) (string, int64) {
	var dir string
	if err := sqlDB(tb, url).QueryRowContext(context.Background(), "SHOW data_directory").Scan(&dir); err != nil {
		tb.Fatalf("locate server log: %v", err)
	}
	path := filepath.Join(filepath.Dir(dir), "postgres.log")
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatalf("server log: %v", err)
	}
	return path, fi.Size()
}

// savePlans copies what the server logged since offset out of the
// cluster directory (removed when the run ends) and says where it went.
func savePlans(b *testing.B, path string, offset int64) {
	if path == "" {
		out.printf("auto_explain plans of slow statements are in the server's log\n")
		return
	}
	log, err := os.ReadFile(path)
	if err != nil || int64(len(log)) < offset {
		b.Fatalf("read server log: %v", err)
	}
	dst := filepath.Join(CacheDir(), "plans-"+b.Name()+"-"+time.Now().Format("150405")+".log")
	if err := os.MkdirAll(CacheDir(), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(dst, log[offset:], 0o644); err != nil {
		b.Fatal(err)
	}
	out.printf("auto_explain plans of slow statements: %s\n", dst)
}
