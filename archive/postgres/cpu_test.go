package postgres_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clusterCPU sums user+system CPU of this process's postgres children and
// their children (the backends), so ingest cost can be judged on a busy
// machine where wall time says little.
func clusterCPU() time.Duration {
	self := os.Getpid()
	parents := map[int]bool{self: true}
	var total int64
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	type proc struct {
		pid, ppid int
		ticks     int64
	}
	var procs []proc
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		_, rest, ok := strings.Cut(string(b), ") ")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 13 {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		ppid, _ := strconv.Atoi(f[1])
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		procs = append(procs, proc{pid, ppid, u + s})
	}
	for range 2 {
		for _, p := range procs {
			if parents[p.ppid] && p.pid != self {
				parents[p.pid] = true
			}
		}
	}
	for _, p := range procs {
		if p.pid != self && parents[p.ppid] {
			total += p.ticks
		}
	}
	return time.Duration(total) * time.Second / 100
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
