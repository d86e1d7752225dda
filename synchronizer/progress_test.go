package synchronizer

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/internal/logtest"
	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/testnet"
)

// TestSyncProgressLines: a relay sync that outlasts the progress interval
// logs its progress (events, rate, cursor) at INFO, once per interval; the
// per-relay result goes to DEBUG and the cycle's one INFO line sums up;
// every line carries loop=synchronizer; the cycle reports its relays done
// of due. The clock is injected: each reading advances it a second.
func TestSyncProgressLines(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a testnet")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n, err := testnet.Start(ctx, testnet.Options{Relays: 2, Seed: 3, Mix: map[testnet.Profile]float64{testnet.Healthy: 1},
		NetworkMix: map[testnet.NetworkName]float64{testnet.Clearnet: 1}, BadTLS: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	m := n.Manifest()
	evs := burst(genKeys(3), []int{1}, 400, m.BaseTime-3600, 5, "progress")
	for _, r := range m.Relays {
		if err := publish(ctx, n, r.URL, evs); err != nil {
			t.Fatal(err)
		}
	}
	st := openStore(t, ctx, t.TempDir(), m)
	defer st.Close()

	var tick atomic.Int64
	base := time.Now()
	clock := func() time.Time { return base.Add(time.Duration(tick.Add(1)) * time.Second) }
	h := logtest.New()
	cfg := testConfig()
	cfg.Limit = 25 // 16+ pages per relay, a cursor commit after each
	cfg.EndLag = 0
	s, err := New(cfg, st, transportFor(t, m, n.Dir()), Options{Options: loop.Options{Logger: slog.New(h), Now: clock}, ProgressEvery: 10 * time.Second, Signer: keySigner(nostr.GeneratePrivateKey())})
	if err != nil {
		t.Fatal(err)
	}
	var counts [][2]int64
	octx := loop.WithObserver(ctx, func(done, due int64) { counts = append(counts, [2]int64{done, due}) })
	if err := s.Once(octx); err != nil {
		t.Fatal(err)
	}

	progress, cycle := 0, 0
	for _, r := range h.Records() {
		a := logtest.Attrs(r)
		if a["loop"].String() != Name {
			t.Errorf("%q lacks loop=%s: %v", r.Message, Name, a)
		}
		switch r.Message {
		case "relay sync progress":
			progress++
			if r.Level != slog.LevelInfo || a["relay"].String() == "" || a["events"].Kind() != slog.KindInt64 ||
				a["events_per_s"].Kind() != slog.KindInt64 || a["cursor"].String() == "" || a["window_from"].String() == "" {
				t.Errorf("progress line %v %v lacks its figures", r.Level, a)
			}
		case "relay synced", "relay not synced":
			if r.Level != slog.LevelDebug {
				t.Errorf("per-relay line %q at %v, want DEBUG", r.Message, r.Level)
			}
		case "cycle done":
			cycle++
			if a["relays"].Int64() != int64(len(m.Relays)) {
				t.Errorf("cycle line %v, want %d relays", a, len(m.Relays))
			}
		}
	}
	if progress < 2 || cycle != 1 {
		t.Errorf("%d progress lines and %d cycle lines, want several and one", progress, cycle)
	}
	if len(counts) == 0 || counts[len(counts)-1] != [2]int64{int64(len(m.Relays)), int64(len(m.Relays))} {
		t.Errorf("progress reported %v, want it to end at %d of %d relays", counts, len(m.Relays), len(m.Relays))
	}
}
