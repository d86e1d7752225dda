package postgres_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
)

// The tables COUNT and tag queries read by index-only scans are vacuumed
// after 2% of inserts, not autovacuum's default 20%: an index-only scan
// reads the heap of every page VACUUM has not yet marked all-visible
// (see migration 0009).
func TestIndexOnlyTablesVacuumedOften(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	s, err := archive.Open(ctx, archive.Options{URL: url, Mode: archive.Full})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, table := range []string{"event", "event_tag"} {
		var opts []string
		if err := conn.QueryRow(ctx, `SELECT coalesce(reloptions, '{}') FROM pg_class WHERE relname = $1`, table).Scan(&opts); err != nil {
			t.Fatal(err)
		}
		scale := 0.2 // autovacuum's default
		for _, o := range opts {
			if v, ok := strings.CutPrefix(o, "autovacuum_vacuum_insert_scale_factor="); ok {
				scale, _ = strconv.ParseFloat(v, 64)
			}
		}
		if scale > 0.02 {
			t.Errorf("%s: vacuumed after %.0f%% of inserts (reloptions %v), want at most 2%%", table, 100*scale, opts)
		}
	}
}
