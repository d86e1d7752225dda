package postgres_test

import (
	"context"
	"slices"
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

// TestDigestMigrationBackfill: an archive written before migration 0004
// holds d values that begin with 0x01 as themselves; 0004 rewrites them
// into their digest form in every address column, after which the next
// version of such an address replaces the archived one, "#d" finds it, and
// an address deletion archived before still hides older versions.
func TestDigestMigrationBackfill(t *testing.T) {
	var sql string
	migs, err := schema.Migrations(schema.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migs {
		if m.Version == 4 {
			sql = m.SQL
		}
	}
	if sql == "" {
		t.Fatal("no migration 4")
	}
	for _, mode := range []archive.Mode{archive.Full, archive.Lil} {
		t.Run(string(mode), func(t *testing.T) {
			url := pgtest.NewDatabase(t)
			s := openPostgres(t, url, mode)
			sk := nostr.GeneratePrivateKey()
			pk, _ := nostr.GetPublicKey(sk)
			sign := func(kind int, at int64, tags nostr.Tags) *nostr.Event {
				ev := &nostr.Event{Kind: kind, CreatedAt: nostr.Timestamp(at), Tags: tags}
				if err := ev.Sign(sk); err != nil {
					t.Fatal(err)
				}
				return ev
			}
			const marked = "\x01legacy"
			old := sign(30000, 100, nostr.Tags{{"d", marked}})
			multi := sign(30001, 100, nostr.Tags{{"d", "first"}, {"d", marked}})
			gone := sign(30002, 100, nostr.Tags{{"d", marked}})
			del := sign(5, 150, nostr.Tags{{"a", "30002:" + pk + ":" + marked}})
			ctx := context.Background()
			for _, ev := range []*nostr.Event{old, multi, gone, del} {
				if _, err := s.SaveEvents(ctx, []schema.Sighting{{Event: ev}}); err != nil {
					t.Fatal(err)
				}
			}
			// Back to what the archive held before 0004: the value itself.
			db := pgtest.DatabaseName(url)
			pgtest.Exec(t, db, `UPDATE event SET d_tag = E'\x01legacy' WHERE starts_with(d_tag, E'\x01');
				UPDATE event SET extra_d = ARRAY[E'\x01legacy'] WHERE extra_d IS NOT NULL;
				UPDATE replaceable_head SET d_tag = E'\x01legacy' WHERE starts_with(d_tag, E'\x01');
				UPDATE deletion_address SET d_tag = E'\x01legacy' WHERE starts_with(d_tag, E'\x01')`)
			pgtest.Exec(t, db, sql) // once, as the migrator runs it (digest forms begin with 0x01 too)

			conn := connect(t, url)
			var legacy int
			if err := conn.QueryRow(ctx, `SELECT
				(SELECT count(*) FROM event WHERE d_tag = E'\x01legacy' OR E'\x01legacy' = ANY(extra_d))
				+ (SELECT count(*) FROM replaceable_head WHERE d_tag = E'\x01legacy')
				+ (SELECT count(*) FROM deletion_address WHERE d_tag = E'\x01legacy')`).Scan(&legacy); err != nil {
				t.Fatal(err)
			}
			if legacy != 0 {
				t.Errorf("%d rows still hold the legacy form", legacy)
			}
			next := sign(30000, 200, nostr.Tags{{"d", marked}})
			later := sign(30002, 120, nostr.Tags{{"d", marked}}) // older than the deletion
			if _, err := s.SaveEvents(ctx, []schema.Sighting{{Event: next}, {Event: later}}); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				kind int
				want []string
			}{{30000, []string{next.ID}}, {30001, []string{multi.ID}}, {30002, nil}} {
				var got []string
				err := s.QueryEvents(ctx, nostr.Filter{Kinds: []int{c.kind}, Tags: nostr.TagMap{"d": {marked}}},
					func(ev *nostr.Event) error { got = append(got, ev.ID); return nil })
				if err != nil || !slices.Equal(got, c.want) {
					t.Errorf("kind %d #d after the migration: %v, %v; want %v", c.kind, got, err, c.want)
				}
			}
		})
	}
}
