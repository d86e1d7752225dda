package testnet

import (
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkStart1000 reports the start-up time of a 1,000-relay network and
// the process CPU it burns while idle (percent of one core), with the
// default mix and with a tenth of the relays hostile, e.g.
//
//	go test -run '^$' -bench Start1000 -benchtime 1x ./testnet/
func BenchmarkStart1000(b *testing.B) {
	b.Run("default", func(b *testing.B) { benchStart(b, nil) })
	hostile, err := ParseMix("default=90,hostile=10")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("hostile-10pct", func(b *testing.B) { benchStart(b, hostile) })
}

func benchStart(b *testing.B, mix map[Profile]float64) {
	const idle = 3 * time.Second
	for b.Loop() {
		// khatru's expiration managers outlive Close (see TestCloseReleases):
		// count only this network's goroutines.
		before := runtime.NumGoroutine()
		began := time.Now()
		n, err := Start(context.Background(), Options{Relays: 1000, Seed: 1000, OutDir: b.TempDir(), Mix: mix})
		if err != nil {
			b.Fatal(err)
		}
		startup := time.Since(began)
		runtime.GC()
		cpu0 := cpuTime()
		time.Sleep(idle)
		cpu := cpuTime() - cpu0
		goroutines := runtime.NumGoroutine() - before
		active := n.HostileActive()
		n.Close()
		pct := 100 * cpu.Seconds() / idle.Seconds()
		b.ReportMetric(startup.Seconds(), "s-startup")
		b.ReportMetric(pct, "%cpu-idle")
		b.ReportMetric(float64(goroutines), "goroutines")
		b.Logf("1000 relays (%d hostile active): start-up %v, idle CPU %.2f%% of a core over %v, %d goroutines",
			active, startup.Round(time.Millisecond), pct, idle, goroutines)
	}
}
