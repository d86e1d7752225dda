// Package procstat reads CPU time and resident memory from Linux's /proc,
// for benchmarks and long runs that report what a run cost on a machine
// other work shares: wall time there says more about the neighbours than
// about the code measured.
package procstat

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of /proc times: USER_HZ, 100 on every Linux the
// project runs on.
const userHZ = 100

// Stat is what the benchmarks need of /proc/<pid>/stat.
type Stat struct {
	PPID int
	// CPU is the process's own user+system time; Children that of its
	// children it has waited for.
	CPU, Children time.Duration
}

// Read returns process pid's Stat; ok is false when it cannot be read
// (gone, or another machine's pid).
func Read(pid int) (s Stat, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return s, false
	}
	// The command name (field 2) may hold spaces; fields resume after ')'.
	_, rest, found := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !found || len(f) < 15 {
		return s, false
	}
	n := func(i int) int64 { v, _ := strconv.ParseInt(f[i], 10, 64); return v }
	s.PPID = int(n(1))
	s.CPU = ticks(n(11) + n(12))      // utime, stime
	s.Children = ticks(n(13) + n(14)) // cutime, cstime
	return s, true
}

// TreeCPU is the CPU time of a server process and its workers: root's
// own, that of the children it has reaped, and that of its live children
// (a PostgreSQL postmaster's backends, autovacuum and writers). 0 when
// root cannot be read.
func TreeCPU(root int) time.Duration {
	r, ok := Read(root)
	if !ok {
		return 0
	}
	total := r.CPU + r.Children
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if c, ok := Read(pid); ok && c.PPID == root {
			total += c.CPU
		}
	}
	return total
}

func ticks(n int64) time.Duration { return time.Duration(n) * time.Second / userHZ }
