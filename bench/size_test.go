package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
)

// raw is the payload the issue measures against: the binary fields at
// their natural size plus content and the tags JSON.
type raw struct {
	total, content, tags, wire int64
}

const fixedRaw = 32 + 32 + 64 + 8 + 4 // id, pubkey, sig, created_at, kind

func rawBytes(events []*nostr.Event) raw {
	var r raw
	for _, ev := range events {
		tags, _ := json.Marshal(ev.Tags)
		r.content += int64(len(ev.Content))
		r.tags += int64(len(tags))
		r.wire += int64(len(ev.String()))
	}
	r.total = int64(len(events))*fixedRaw + r.content + r.tags
	return r
}

// pgSizes runs VACUUM ANALYZE and returns pg_total_relation_size (heap,
// TOAST and every index) of each table outside the system schemas.
func pgSizes(b *testing.B, url string) map[string]int64 {
	db := sqlDB(b, url)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
		b.Fatalf("vacuum: %v", err)
	}
	rows, err := db.QueryContext(ctx, `
		SELECT c.relname, pg_total_relation_size(c.oid)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p', 'm')
		  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		  AND n.nspname NOT LIKE 'pg_toast%'`)
	if err != nil {
		b.Fatalf("table sizes: %v", err)
	}
	defer rows.Close()
	sizes := map[string]int64{}
	for rows.Next() {
		var name string
		var size int64
		if err := rows.Scan(&name, &size); err != nil {
			b.Fatal(err)
		}
		sizes[name] = size
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return sizes
}

// dirSizes returns the size of each file of a closed SQLite store.
func dirSizes(b *testing.B, dir string) map[string]int64 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	sizes := map[string]int64{}
	for _, e := range entries {
		fi, err := os.Stat(filepath.Join(dir, e.Name()))
		if err == nil && !fi.IsDir() {
			sizes[e.Name()] = fi.Size()
		}
	}
	return sizes
}

// pgRelationSizes returns the size of each table (heap, TOAST and free
// space maps) and each index on its own, largest first, for the detail
// lines; pgSizes must have run (it vacuums).
func pgRelationSizes(b *testing.B, url string) []relSize {
	db := sqlDB(b, url)
	rows, err := db.QueryContext(context.Background(), `
		SELECT c.relname, c.relkind = 'i',
		       CASE WHEN c.relkind = 'i' THEN pg_relation_size(c.oid) ELSE pg_table_size(c.oid) END AS size
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'i')
		  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		  AND n.nspname NOT LIKE 'pg_toast%'
		ORDER BY size DESC`)
	if err != nil {
		b.Fatalf("relation sizes: %v", err)
	}
	defer rows.Close()
	var out []relSize
	for rows.Next() {
		var r relSize
		if err := rows.Scan(&r.name, &r.index, &r.size); err != nil {
			b.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return out
}

type relSize struct {
	name  string
	index bool
	size  int64
}

type sizeRow struct {
	store string
	parts map[string]int64
	rels  []relSize // PostgreSQL only: each heap and index
}

// detail lists each heap and index of at least 1% of the total.
func (r sizeRow) detail(n int) string {
	var s []string
	for _, rel := range r.rels {
		if rel.size*100 < r.total() {
			continue
		}
		kind := "heap"
		if rel.index {
			kind = "index"
		}
		s = append(s, fmt.Sprintf("%s %s %.0f", kind, rel.name, float64(rel.size)/float64(n)))
	}
	return strings.Join(s, ", ")
}

func (r sizeRow) total() int64 {
	var t int64
	for _, v := range r.parts {
		t += v
	}
	return t
}

// breakdown lists the non-empty parts, largest first, in bytes per event.
func (r sizeRow) breakdown(n int) string {
	names := make([]string, 0, len(r.parts))
	for k, v := range r.parts {
		if v*100 >= r.total() { // parts of at least 1%
			names = append(names, k)
		}
	}
	slices.SortFunc(names, func(a, b string) int { return int(r.parts[b] - r.parts[a]) })
	var s []string
	for _, k := range names {
		s = append(s, fmt.Sprintf("%s %.0f", k, float64(r.parts[k])/float64(n)))
	}
	return strings.Join(s, ", ")
}

// BenchmarkBytesPerEvent stores the ingest set once (one provenance row
// per event) in full and lil mode and prints bytes on disk per event
// beside the raw payload.
func BenchmarkBytesPerEvent(b *testing.B) {
	ctx := context.Background()
	events := ingestSet(b)
	defer explainLog(b)()
	n := len(events)
	var rows []sizeRow
	save := func(name string, s archive.Store) {
		if _, _, err := saveOurs(ctx, s, events, 5000, 1, runRelay); err != nil {
			b.Fatalf("%s: %v", name, err)
		}
	}
	sizes := map[string]float64{}    // bytes per event by backend+mode
	tagIndex := map[string]float64{} // PostgreSQL: of which the #x index
	if want(b, "postgres") {
		for _, mode := range []archive.Mode{archive.Full, archive.Lil} {
			s, url := openPostgres(b, mode)
			save("postgres", s)
			rows = append(rows, sizeRow{"bigbrotr postgres " + string(mode), pgSizes(b, url), pgRelationSizes(b, url)})
			last := rows[len(rows)-1]
			sizes["pg-"+string(mode)] = float64(last.total()) / float64(n)
			tagIndex["pg-"+string(mode)] = float64(last.parts["event_tag"]+last.parts["tag_value"]) / float64(n)
		}
	}
	if want(b, "sqlite") {
		for _, mode := range []archive.Mode{archive.Full, archive.Lil} {
			s, dir := openSQLite(b, mode)
			save("sqlite", s)
			if err := s.Close(); err != nil { // checkpoints the WAL into the file
				b.Fatalf("close sqlite: %v", err)
			}
			rows = append(rows, sizeRow{"bigbrotr sqlite " + string(mode), dirSizes(b, dir), nil})
			sizes["sqlite-"+string(mode)] = float64(rows[len(rows)-1].total()) / float64(n)
		}
	}
	if want(b, "stock") {
		st, stockURL := openStock(b)
		if err := bulkStock(ctx, st, events); err != nil {
			b.Fatal(err)
		}
		rows = append(rows, sizeRow{"stock eventstore/postgresql", pgSizes(b, stockURL), pgRelationSizes(b, stockURL)})
		sizes["stock"] = float64(rows[len(rows)-1].total()) / float64(n)
	}

	r := rawBytes(events)
	per := func(v int64) float64 { return float64(v) / float64(n) }
	out.printf("\nbytes on disk: %d events, one provenance row each; PostgreSQL after VACUUM (tables+TOAST+indexes), SQLite files after close\n", n)
	out.printf("raw payload %.0f B/event = id+pubkey+sig+created_at+kind %d (as bytes) + content %.0f + tags JSON %.0f; NIP-01 JSON %.0f B/event\n",
		per(r.total), fixedRaw, per(r.content), per(r.tags), per(r.wire))
	out.printf("%-30s %9s %7s  %s\n", "store", "B/event", "x raw", "breakdown (B/event)")
	for _, row := range rows {
		out.printf("%-30s %9.0f %7.2f  %s\n", row.store, per(row.total()), float64(row.total())/float64(r.total), row.breakdown(n))
	}
	for _, row := range rows {
		if row.rels != nil {
			out.printf("  %s: %s\n", row.store, row.detail(n))
		}
	}
	raw := per(r.total)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(raw, "raw-B/event")
	for _, backend := range []string{"pg", "sqlite"} {
		full, lil := sizes[backend+"-full"], sizes[backend+"-lil"]
		if full == 0 {
			continue
		}
		target := ""
		if backend == "pg" {
			target = " (targets: full <= 2x raw, lil <= 40% of full)"
		}
		out.printf("%s: full %.2fx raw, lil %.0f%% of full%s\n", backend, full/raw, 100*lil/full, target)
		if backend == "pg" && tagIndex["pg-lil"] > 0 {
			// What lil/full would be with no #x index at all: how much of the
			// gap the tag index explains, and how much the rest does.
			fullRest, lilRest := full-tagIndex["pg-full"], lil-tagIndex["pg-lil"]
			out.printf("pg without the tag index (event_tag, tag_value): full %.0f B (%.2fx raw), lil %.0f B (%.0f%% of full)\n",
				fullRest, fullRest/raw, lilRest, 100*lilRest/fullRest)
		}
		b.ReportMetric(full, backend+"-full-B/event")
		b.ReportMetric(lil, backend+"-lil-B/event")
	}
}
