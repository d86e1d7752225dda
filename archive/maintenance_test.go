package archive_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/internal/loop"
)

// maintStore records the maintenance calls; the rest of Store is not used.
type maintStore struct {
	archive.Store
	before                      time.Time
	changesBefore, uptimeBefore time.Time
	pruned, refreshed           bool
	pruneErr, viewsErr          error
}

func (s *maintStore) PruneChanges(_ context.Context, changesBefore, uptimeBefore time.Time) (int64, error) {
	s.changesBefore, s.uptimeBefore = changesBefore, uptimeBefore
	return 2, nil
}

func (s *maintStore) PruneSnapshots(_ context.Context, before time.Time) (archive.PruneResult, error) {
	s.before, s.pruned = before, true
	return archive.PruneResult{Snapshots: 4, Metadata: 1}, s.pruneErr
}

func (s *maintStore) RefreshStats(context.Context) (int, error) {
	s.refreshed = true
	return 3, s.viewsErr
}

func TestMaintenanceCycle(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	boom := errors.New("boom")
	for _, c := range []struct {
		name              string
		retention         time.Duration
		pruneErr, viewErr error
		wantPrune         bool
		wantRefresh       bool
		wantErr           error
		wantFailed        bool
	}{
		{name: "prune then refresh", retention: time.Hour, wantPrune: true, wantRefresh: true},
		{name: "retention 0 keeps all", wantRefresh: true},
		{name: "prune failing stops the cycle", retention: time.Hour, pruneErr: boom, wantPrune: true, wantErr: boom},
		{name: "refresh failing is counted", retention: time.Hour, viewErr: boom, wantPrune: true, wantRefresh: true, wantErr: boom, wantFailed: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := &maintStore{pruneErr: c.pruneErr, viewsErr: c.viewErr}
			cfg := archive.DefaultMaintenanceConfig()
			cfg.Retention = c.retention
			cfg.ChangesRetention = c.retention
			m, err := archive.NewMaintenance(cfg, st, loop.Options{Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			res, err := m.RunOnce(context.Background())
			if !errors.Is(err, c.wantErr) || (err == nil) != (c.wantErr == nil) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			if st.pruned != c.wantPrune || st.refreshed != c.wantRefresh {
				t.Errorf("pruned %v refreshed %v, want %v %v", st.pruned, st.refreshed, c.wantPrune, c.wantRefresh)
			}
			if c.wantPrune && !st.before.Equal(now.Add(-c.retention)) {
				t.Errorf("pruned before %v, want now - retention", st.before)
			}
			if c.wantRefresh {
				// Changes are kept for ever with no retention; uptime days
				// always for the bars' 90 days and a margin.
				wantChanges := time.Time{}
				if c.retention > 0 {
					wantChanges = now.Add(-c.retention)
				}
				if !st.changesBefore.Equal(wantChanges) || !st.uptimeBefore.Equal(now.Add(-archive.UptimeKept)) || res.PrunedChanges != 2 {
					t.Errorf("changes pruned before %v, uptime before %v (%d); want %v and now - %v", st.changesBefore, st.uptimeBefore,
						res.PrunedChanges, wantChanges, archive.UptimeKept)
				}
			}
			ls := res.LoopStats()
			if got := ls.Rejects[archive.ReasonRefreshFailed]; (got == 1) != c.wantFailed {
				t.Errorf("refresh_failed = %d, want failed %v", got, c.wantFailed)
			}
			if c.wantRefresh && ls.Items[""] != 3 {
				t.Errorf("items = %v, want the 3 views", ls.Items)
			}
		})
	}
}

func TestMaintenanceConfigValidate(t *testing.T) {
	err := archive.MaintenanceConfig{Retention: -time.Hour}.Validate()
	for _, key := range []string{"stats.interval", "stats.retention", "stats.cycle_timeout"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("Validate = %v, want %s named", err, key)
		}
	}
	if err := archive.DefaultMaintenanceConfig().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	if _, err := archive.NewMaintenance(archive.DefaultMaintenanceConfig(), nil, loop.Options{}); err == nil {
		t.Error("nil store: want error")
	}
}
