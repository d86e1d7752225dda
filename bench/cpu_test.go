package bench

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
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
	f, ok := procStat(pid)
	if !ok {
		return cpuMeter{}
	}
	ppid, _ := strconv.Atoi(f[1])
	return cpuMeter{postmaster: ppid}
}

// read returns the server's and this process's CPU time so far. The
// server's is the postmaster's own and its reaped children's (backends
// that have exited) plus that of its live children.
func (m cpuMeter) read() (server, client time.Duration) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	client = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	if m.postmaster == 0 {
		return 0, client
	}
	var ticks int64
	if f, ok := procStat(m.postmaster); ok {
		ticks += field(f, 11) + field(f, 12) + field(f, 13) + field(f, 14)
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	parent := strconv.Itoa(m.postmaster)
	for _, p := range stats {
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if f, ok := procStat(pid); ok && f[1] == parent {
			ticks += field(f, 11) + field(f, 12)
		}
	}
	return time.Duration(ticks) * time.Second / 100, client // USER_HZ is 100 on Linux
}

// procStat returns the fields of /proc/pid/stat after the command name
// (f[0] is the state, f[1] the parent pid, f[11] and f[12] utime and
// stime, f[13] and f[14] those of reaped children, in clock ticks).
func procStat(pid int) ([]string, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, false
	}
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	return f, ok && len(f) > 14
}

func field(f []string, i int) int64 {
	n, _ := strconv.ParseInt(f[i], 10, 64)
	return n
}
