package procstat

import (
	"os"
	"strconv"
	"strings"
)

// PeakRSS returns process pid's peak resident set size in bytes (VmHWM of
// /proc/<pid>/status: the high-water mark the kernel keeps, so a short peak
// between two reads is not missed); ok is false when it cannot be read.
func PeakRSS(pid int) (bytes int64, ok bool) { return statusKB(pid, "VmHWM:") }

// RSS returns process pid's resident set size now in bytes (VmRSS of
// /proc/<pid>/status), for sampling a long run; ok is false when it cannot
// be read.
func RSS(pid int) (bytes int64, ok bool) { return statusKB(pid, "VmRSS:") }

// statusKB reads one "Key: N kB" line of /proc/<pid>/status, in bytes.
func statusKB(pid int, key string) (int64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		rest, found := strings.CutPrefix(line, key)
		if !found {
			continue
		}
		f := strings.Fields(rest) // "12345 kB"
		if len(f) != 2 || f[1] != "kB" {
			return 0, false
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, false
		}
		return kb << 10, true
	}
	return 0, false
}
