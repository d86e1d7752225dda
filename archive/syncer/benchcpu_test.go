package syncer

import (
	"fmt"
	neturl "net/url"
	"os"
	"strconv"
	"strings"
)

// cpuSample is where CPU time stood at one moment: the benchmark's own
// process, the relay process and the whole machine, in clock ticks. The
// machine's figure says whether the sync kept both cores busy; the other
// developers' benchmarks on the same machine show up in it too.
type cpuSample struct {
	self, relays, pg int64
	busy, machineAll int64
}

// clkTck is USER_HZ, 100 on every Linux the project runs on.
const clkTck = 100

func sampleCPU(relayPid, pgPid int) cpuSample {
	var s cpuSample
	s.self = procTicks("/proc/self/stat")
	s.relays = procTicks(fmt.Sprintf("/proc/%d/stat", relayPid))
	s.pg = treeTicks(pgPid)
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return s
	}
	line, _, _ := strings.Cut(string(b), "\n")
	for i, f := range strings.Fields(line)[1:] {
		v, _ := strconv.ParseInt(f, 10, 64)
		if i >= 8 { // guest time is already in user time
			break
		}
		s.machineAll += v
		if i != 3 && i != 4 { // idle, iowait
			s.busy += v
		}
	}
	return s
}

// procTicks is a process's utime+stime (fields 14 and 15 of its stat).
func procTicks(path string) int64 {
	f := statFields(path)
	if len(f) < 15 {
		return 0
	}
	return f[11] + f[12]
}

// statFields are the numeric fields of a /proc stat file from field 3 on
// (state is 0): index i is field i+3.
func statFields(path string) []int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	// The command name (field 2) may hold spaces; fields resume after ')'.
	_, rest, _ := strings.Cut(string(b), ") ")
	var out []int64
	for _, f := range strings.Fields(rest) {
		v, _ := strconv.ParseInt(f, 10, 64)
		out = append(out, v)
	}
	return out
}

// treeTicks is the CPU time of a PostgreSQL server: the postmaster, its
// live children (the backends) and the children it has reaped.
func treeTicks(root int) int64 {
	if root == 0 {
		return 0
	}
	f := statFields(fmt.Sprintf("/proc/%d/stat", root))
	if len(f) < 15 {
		return 0
	}
	total := f[11] + f[12] + f[13] + f[14]
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if c := statFields(fmt.Sprintf("/proc/%d/stat", pid)); len(c) > 12 && c[1] == int64(root) {
			total += c[11] + c[12]
		}
	}
	return total
}

// postmaster finds the PID of the PostgreSQL server listening on the
// port of url (0 when it cannot be found, e.g. on another machine).
func postmaster(url string) int {
	u, err := neturl.Parse(url)
	if err != nil || u.Port() == "" {
		return 0
	}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, _ := os.ReadFile("/proc/" + d.Name() + "/cmdline")
		args := strings.Split(string(b), "\x00")
		if len(args) == 0 || !strings.HasSuffix(args[0], "postgres") {
			continue
		}
		for i := 0; i+1 < len(args); i++ {
			if args[i] == "-p" && args[i+1] == u.Port() {
				return pid
			}
		}
	}
	return 0
}

// cpuReport describes the CPU used between two samples over events
// fetched: seconds of the synchronizer and of the relays, their cost per
// event, and how busy the machine's cores were.
func cpuReport(a, b cpuSample, fetched int, cores int) string {
	self := float64(b.self-a.self) / clkTck
	relays := float64(b.relays-a.relays) / clkTck
	pg := float64(b.pg-a.pg) / clkTck
	busy := 0.0
	if all := b.machineAll - a.machineAll; all > 0 {
		busy = float64(b.busy-a.busy) / float64(all)
	}
	per := func(secs float64) float64 { return secs * 1e6 / float64(max(fetched, 1)) }
	return fmt.Sprintf("CPU: synchronizer %.1fs (%.0f µs per event fetched), PostgreSQL %.1fs (%.0f µs), "+
		"relay process %.1fs (%.0f µs); machine %.0f%% busy on %d cores (whatever else runs included)",
		self, per(self), pg, per(pg), relays, per(relays), busy*100, cores)
}
