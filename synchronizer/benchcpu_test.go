package synchronizer

import (
	"fmt"
	neturl "net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/procstat"
)

// cpuSample is where CPU time stood at one moment: the benchmark's own
// process, the relay process, the PostgreSQL server and the whole machine
// (in clock ticks). The machine's figure says whether the sync kept both
// cores busy; the other developers' benchmarks on the same machine show
// up in it too.
type cpuSample struct {
	self, relays, pg time.Duration
	busy, machineAll int64
}

func sampleCPU(relayPid, pgPid int) cpuSample {
	var s cpuSample
	self, _ := procstat.Read(os.Getpid())
	relays, _ := procstat.Read(relayPid)
	s.self, s.relays, s.pg = self.CPU, relays.CPU, procstat.TreeCPU(pgPid)
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
	self := (b.self - a.self).Seconds()
	relays := (b.relays - a.relays).Seconds()
	pg := (b.pg - a.pg).Seconds()
	busy := 0.0
	if all := b.machineAll - a.machineAll; all > 0 {
		busy = float64(b.busy-a.busy) / float64(all)
	}
	per := func(secs float64) float64 { return secs * 1e6 / float64(max(fetched, 1)) }
	return fmt.Sprintf("CPU: synchronizer %.1fs (%.0f µs per event fetched), PostgreSQL %.1fs (%.0f µs), "+
		"relay process %.1fs (%.0f µs); machine %.0f%% busy on %d cores (whatever else runs included)",
		self, per(self), pg, per(pg), relays, per(relays), busy*100, cores)
}
