package node

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/logtest"
)

// TestEveryLoopLineCarriesLoop: each loop, run once against an own relay
// (so that every one has work), logs only lines that name it in `loop`,
// its cycle line included (the monitor's lacked it), and writes its
// per-relay results below INFO: one INFO line per cycle.
func TestEveryLoopLineCarriesLoop(t *testing.T) {
	r := startOwnRelay(t)
	cfg := ownRelayConfig(t, r.url, true)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, name := range LoopNames {
		rec := logtest.New()
		if err := RunLoop(ctx, cfg, slog.New(rec), name, true); err != nil {
			t.Fatalf("%s --once: %v", name, err)
		}
		var info []string
		for _, l := range rec.Records() {
			a := logtest.Attrs(l)
			if _, other := a["component"]; other || strings.HasPrefix(l.Message, "embedded store") || strings.HasPrefix(l.Message, "postgres") {
				continue // the store's and the transport's own lines, from RunLoop's open
			}
			if got := a["loop"].String(); got != name {
				t.Errorf("%s: %s %q has loop=%q: %v", name, l.Level, l.Message, got, a)
			}
			if _, perRelay := a["relay"]; perRelay && l.Level >= slog.LevelInfo && l.Level < slog.LevelWarn {
				t.Errorf("%s: per-relay line %q at INFO: %v", name, l.Message, a)
			}
			if l.Level == slog.LevelInfo && strings.HasPrefix(l.Message, "cycle ") {
				info = append(info, l.Message)
			}
		}
		if len(info) != 1 {
			t.Errorf("%s: cycle lines %q for one cycle, want its one summary", name, info)
		}
	}
}
