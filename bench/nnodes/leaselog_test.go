package nnodes

import (
	"testing"
	"time"
)

func TestHolderPID(t *testing.T) {
	for _, c := range []struct {
		holder string
		pid    int
	}{
		{"box-4242-0a1b2c3d", 4242},
		{"my-host-name-77-ffffffff", 77},
		{"odd", 0},
	} {
		if got := holderPID(c.holder); got != c.pid {
			t.Errorf("holderPID(%q) = %d, want %d", c.holder, got, c.pid)
		}
	}
}

// TestOnce: gaps under one interval are double checks, over two a missed
// interval; relays never finished are not counted as checked.
func TestOnce(t *testing.T) {
	l := newLeaseLog()
	l.done["wss://a"] = []float64{100, 161, 222}  // once per 60 s interval
	l.done["wss://b"] = []float64{100, 130}       // twice within one
	l.done["wss://c"] = []float64{100, 100 + 150} // missed one
	l.done["wss://d"] = nil
	o := l.once(time.Minute)
	if o.checked != 3 || o.twice != 1 || o.missed != 1 || o.perRelayMin != 2 || o.perRelay != 3 {
		t.Errorf("once = %+v", o)
	}
	if o.minGap != 0.5 || o.maxGap != 2.5 {
		t.Errorf("gaps %.2f..%.2f, want 0.50..2.50", o.minGap, o.maxGap)
	}
}
