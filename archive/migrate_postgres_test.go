package archive_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/schema"
)

// TestAddressMigrationBackfill runs the UPDATEs of migration 0003 on
// events saved without extra_d (as before it) and checks that they find
// every later d value, hex-packed ones included, in both modes.
func TestAddressMigrationBackfill(t *testing.T) {
	var backfill []string
	migs, err := schema.Migrations(schema.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migs {
		if m.Version == 3 {
			for _, stmt := range strings.Split(m.SQL, ";") {
				if i := strings.Index(stmt, "UPDATE event"); i >= 0 {
					backfill = append(backfill, stmt[i:])
				}
			}
		}
	}
	if len(backfill) != 2 {
		t.Fatalf("found %d UPDATE statements in migration 3, want 2", len(backfill))
	}
	hexD := strings.Repeat("ab", 32)
	for _, mode := range []archive.Mode{archive.Full, archive.Lil} {
		t.Run(string(mode), func(t *testing.T) {
			url := pgtest.NewDatabase(t)
			s := openPostgres(t, url, mode)
			sk := nostr.GeneratePrivateKey()
			sign := func(tags nostr.Tags) *nostr.Event {
				ev := &nostr.Event{Kind: 30000, CreatedAt: nostr.Timestamp(100), Tags: tags}
				if err := ev.Sign(sk); err != nil {
					t.Fatal(err)
				}
				return ev
			}
			multi := sign(nostr.Tags{{"d", "a"}, {"d", hexD}, {"d", "a"}, {"d", `q"\`}})
			single := sign(nostr.Tags{{"d", "b"}})
			ctx := context.Background()
			if _, err := s.SaveEvents(ctx, []schema.Sighting{{Event: multi, SeenAt: time.Unix(1, 0)},
				{Event: single, SeenAt: time.Unix(1, 0)}}); err != nil {
				t.Fatal(err)
			}
			db := pgtest.DatabaseName(url)
			pgtest.Exec(t, db, "UPDATE event SET extra_d = NULL")
			for _, stmt := range backfill {
				pgtest.Exec(t, db, stmt)
			}
			want := map[string]string{multi.ID: `{` + hexD + `,"q\"\\"}`, single.ID: ""}
			conn := connect(t, url)
			for id, extra := range want {
				var got string
				err := conn.QueryRow(ctx, `SELECT CASE WHEN extra_d IS NULL THEN ''
					ELSE array(SELECT unnest(extra_d) ORDER BY 1)::text END FROM event WHERE id = decode($1, 'hex')`, id).Scan(&got)
				if err != nil {
					t.Fatal(err)
				}
				if got != extra {
					t.Errorf("extra_d of %s = %q, want %q", id[:8], got, extra)
				}
			}
			got := 0
			if err := s.QueryEvents(ctx, nostr.Filter{Kinds: []int{30000}, Tags: nostr.TagMap{"d": {hexD}}},
				func(*nostr.Event) error { got++; return nil }); err != nil || got != 1 {
				t.Errorf("query by the backfilled hex d value: %d events, %v", got, err)
			}
		})
	}
}
