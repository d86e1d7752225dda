package bench

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/procstat"
)

// CPU time is what an ingest costs on a busy machine, where wall time
// says more about the neighbours than about the store: the server's
// processes (backends, autovacuum, the WAL and background writers) plus
// this process (our client code, or the stock backend's). The server must
// run on this machine: cpuMeter reads /proc.

// cpuMeter reads the CPU time of one PostgreSQL server and of this process.
type cpuMeter struct {
	postmaster int // 0: the server's processes are not visible here
}

// newCPUMeter finds the postmaster behind url (the parent of a backend).
func newCPUMeter(tb testing.TB, url string) cpuMeter {
	tb.Helper()
	var pid int
	if err := sqlDB(tb, url).QueryRowContext(context.Background(), "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		tb.Fatalf("backend pid: %v", err)
	}
	// A server on another host has backend pids that mean nothing here:
	// the process must be our backend, whose title names the database.
	title, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || !strings.HasPrefix(string(title), "postgres: ") || !strings.Contains(string(title), " "+databaseName(url)+" ") {
		return cpuMeter{}
	}
	st, ok := procstat.Read(pid)
	if !ok {
		return cpuMeter{}
	}
	return cpuMeter{postmaster: st.PPID}
}

// read returns the server's CPU time so far (the postmaster's, its
// backends' and its reaped children's) and this process's.
func (m cpuMeter) read() (server, client time.Duration) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	client = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	if m.postmaster == 0 {
		return 0, client
	}
	return procstat.TreeCPU(m.postmaster), client
}
