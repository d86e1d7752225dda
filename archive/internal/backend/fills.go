package backend

import (
	"strings"
	"sync"
)

// ShapeLeaseFill times the lease fill, the statement giving relays without
// a lease row for a loop a row; its count says how often it ran.
const ShapeLeaseFill = "lease_fill"

// FillMarks remembers, per loop and set of networks, the relay generation
// (relay_generation.n, bumped by every insert into relay) that the loop's
// last lease fill started from. The fill reads the whole relay table; in
// steady state every relay already has its row, so it runs again only once
// the generation has moved: a new relay, inserted by this node or another
// one sharing the database. A fresh store has no marks, so its first call
// per loop fills (a loop's first run, or relays added while it was down).
// The zero value is ready to use.
type FillMarks struct {
	mu    sync.Mutex
	marks map[string]int64
}

// FillKey names a loop's fills over nets (empty means every network).
// Different network sets fill different relays, so they are marked apart.
func FillKey(loop string, nets []string) string {
	return loop + "\x00" + strings.Join(nets, "\x00")
}

// Stale reports whether the fill for key must run at generation gen.
func (f *FillMarks) Stale(key string, gen int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	seen, ok := f.marks[key]
	return !ok || gen > seen
}

// Filled records that a fill for key started after gen was read and
// succeeded, so it saw every relay counted at or below gen.
func (f *FillMarks) Filled(key string, gen int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.marks == nil {
		f.marks = map[string]int64{}
	}
	if seen, ok := f.marks[key]; !ok || gen > seen {
		f.marks[key] = gen
	}
}
