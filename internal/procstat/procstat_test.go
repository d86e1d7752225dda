package procstat

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// sink keeps the busy loop below from being compiled away.
var sink int

func TestReadAndTreeCPU(t *testing.T) {
	// Burn CPU until the kernel has charged the process a clock tick: 50ms
	// of wall time is not enough on a machine busy with other work.
	self, ok := Read(os.Getpid())
	for deadline := time.Now().Add(10 * time.Second); ok && self.CPU <= 0 && time.Now().Before(deadline); {
		for x := 0; x < 1_000_000; x++ {
			sink += x * x
		}
		self, ok = Read(os.Getpid())
	}
	if !ok || self.PPID != os.Getppid() || self.CPU <= 0 {
		t.Fatalf("Read(self) = %+v, %v; want ppid %d and some CPU", self, ok, os.Getppid())
	}
	if _, ok := Read(-1); ok {
		t.Error("Read(-1) succeeded")
	}
	// A live child counts in its parent's tree.
	child := exec.Command("sleep", "5")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()
	if tree := TreeCPU(os.Getpid()); tree < self.CPU {
		t.Errorf("TreeCPU(self) = %v, below the process's own %v", tree, self.CPU)
	}
	if TreeCPU(-1) != 0 {
		t.Error("TreeCPU(-1) != 0")
	}
}

func TestPeakRSS(t *testing.T) {
	// A buffer touched page by page must show in the high-water mark.
	buf := make([]byte, 64<<20)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 1
	}
	now, okNow := RSS(os.Getpid()) // before the peak: RSS may grow between reads
	peak, ok := PeakRSS(os.Getpid())
	if !ok || peak < int64(len(buf)) {
		t.Fatalf("PeakRSS(self) = %d, %v; want at least %d after touching a buffer", peak, ok, len(buf))
	}
	if !okNow || now < int64(len(buf)) || now > peak {
		t.Fatalf("RSS(self) = %d, %v; want at least %d and at most the peak %d", now, okNow, len(buf), peak)
	}
	_ = buf[len(buf)-1]
	if _, ok := PeakRSS(-1); ok {
		t.Error("PeakRSS(-1) succeeded")
	}
	if _, ok := RSS(-1); ok {
		t.Error("RSS(-1) succeeded")
	}
}
