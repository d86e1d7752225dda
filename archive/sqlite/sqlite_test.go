package sqlite_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/archive/storetest"
	"github.com/bigbrotr/bigbrotr/schema"
)

func openTestSQLite(t *testing.T, dir string, mode archive.Mode) archive.Store {
	return storetest.OpenStore(t, archive.Options{DataDir: dir, Mode: mode})
}

func TestSQLiteConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, mode archive.Mode) archive.Store {
		return openTestSQLite(t, t.TempDir(), mode)
	})
}

// rawDB opens the store file directly, bypassing the archive package.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSQLiteSchemaTooNew(t *testing.T) {
	dir := t.TempDir()
	s, err := archive.Open(context.Background(), archive.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	path := filepath.Join(dir, archive.SQLiteFile)
	db := rawDB(t, path)
	if _, err := db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before := mustRead(t, path)

	_, err = archive.Open(context.Background(), archive.Options{DataDir: dir})
	if !errors.Is(err, archive.ErrSchemaTooNew) {
		t.Fatalf("err = %v, want ErrSchemaTooNew", err)
	}
	latest := strconv.Itoa(schema.LatestVersion(schema.SQLite))
	if msg := err.Error(); !strings.Contains(msg, "999") || !strings.Contains(msg, latest) || !strings.Contains(msg, path) {
		t.Errorf("error %q should name both versions (999, %s) and the file", msg, latest)
	}
	if !bytes.Equal(before, mustRead(t, path)) {
		t.Error("the refused file was modified")
	}
}

func TestSQLiteCorrupt(t *testing.T) {
	random := make([]byte, 16<<10)
	r := rand.NewChaCha8([32]byte{1, 2, 3})
	r.Read(random)
	foreign := func(t *testing.T, path string) {
		db := rawDB(t, path)
		if _, err := db.Exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')"); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	for _, tt := range []struct {
		name  string
		write func(t *testing.T, path string)
	}{
		{"random bytes", func(t *testing.T, path string) { os.WriteFile(path, random, 0o600) }},
		{"text file", func(t *testing.T, path string) { os.WriteFile(path, []byte("hello, this is not a database\n"), 0o600) }},
		{"another program's database", foreign},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, archive.SQLiteFile)
			tt.write(t, path)
			before := mustRead(t, path)
			_, err := archive.Open(context.Background(), archive.Options{DataDir: dir})
			if !errors.Is(err, archive.ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
			if !bytes.Equal(before, mustRead(t, path)) {
				t.Error("the refused file was modified")
			}
		})
	}
}

func TestSQLiteReopen(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "nested", "data")
	ev := storetest.Signed(t, 1, 1_700_000_000, nostr.Tags{{"t", "x"}}, "survives")
	s, err := archive.Open(ctx, archive.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveEvents(ctx, []schema.Sighting{{Event: ev}}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutState(ctx, []schema.State{{Service: "s", Type: "t", Key: "k", Value: json.RawMessage(`{"a":1}`)}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("data dir: %v, mode %v; want 0700", err, st.Mode().Perm())
	}

	s = openTestSQLite(t, dir, archive.Full)
	var got []*nostr.Event
	err = s.QueryEvents(ctx, nostr.Filter{Tags: nostr.TagMap{"t": {"x"}}}, func(e *nostr.Event) error {
		got = append(got, e)
		return nil
	})
	if err != nil || len(got) != 1 || got[0].ID != ev.ID || got[0].Content != ev.Content {
		t.Errorf("after reopen: %v, %v", got, err)
	}
	if st, err := s.GetState(ctx, "s", "t", "k"); err != nil || string(st.Value) != `{"a":1}` {
		t.Errorf("state after reopen: %+v, %v", st, err)
	}
	var n int
	migs, _ := schema.Migrations(schema.SQLite)
	if err := rawDB(t, filepath.Join(dir, archive.SQLiteFile)).QueryRow("SELECT count(*) FROM schema_migrations").Scan(&n); err != nil || n != len(migs) {
		t.Errorf("schema_migrations rows = %d, %v; want one per migration", n, err)
	}
}

func TestSQLiteOptions(t *testing.T) {
	if _, err := archive.Open(context.Background(), archive.Options{DataDir: t.TempDir(), Mode: "big"}); err == nil {
		t.Error("unknown mode accepted")
	}
	if _, err := archive.Open(context.Background(), archive.Options{}); err == nil {
		t.Error("empty data dir accepted")
	}
}

func TestSQLiteMetrics(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	ctx := context.Background()
	for range 2 { // a second store on the same registry reuses the collectors
		s, err := archive.Open(ctx, archive.Options{DataDir: t.TempDir(), Registerer: reg})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		s.QueryEvents(ctx, nostr.Filter{IDs: []string{strings.Repeat("a", 64)}}, func(*nostr.Event) error { return nil })
		s.CountEvents(ctx, nostr.Filter{Kinds: []int{1}})
		s.SaveEvents(ctx, []schema.Sighting{{Event: &nostr.Event{ID: "bad"}}})
	}
	got := storetest.Samples(t, reg)
	want := map[string]float64{
		"bigbrotr_store_query_duration_seconds,backend=sqlite,shape=ids":          2,
		"bigbrotr_store_query_duration_seconds,backend=sqlite,shape=count":        2,
		"bigbrotr_store_query_duration_seconds,backend=sqlite,shape=save":         2,
		"bigbrotr_store_events_saved_total,backend=sqlite,result=inserted":        0,
		"bigbrotr_store_events_saved_total,backend=sqlite,result=duplicate":       0,
		"bigbrotr_store_events_saved_total,backend=sqlite,result=rejected":        2,
		"bigbrotr_store_events_rejected_total,backend=sqlite,reason=malformed":    2,
		"bigbrotr_store_events_rejected_total,backend=sqlite,reason=invalid_utf8": 0,
	}
	if !maps.Equal(got, want) {
		t.Errorf("metrics:\n got  %v\n want %v", got, want)
	}
}

// BenchmarkSQLiteSave reports ingest throughput for batches of 1000 new
// events with a few tags each (signing happens outside the timer).
func BenchmarkSQLiteSave(b *testing.B) {
	ctx := context.Background()
	s, err := archive.Open(ctx, archive.Options{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	sk := nostr.GeneratePrivateKey()
	const size = 1000
	batch := make([]schema.Sighting, size)
	created := int64(1_700_000_000)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		for i := range batch {
			created++
			ev := &nostr.Event{Kind: 1, CreatedAt: nostr.Timestamp(created), Content: "benchmark event content",
				Tags: nostr.Tags{{"t", "bench"}, {"p", strings.Repeat("ab", 32)}, {"e", strings.Repeat("cd", 32)}}}
			ev.Sign(sk)
			batch[i] = schema.Sighting{Event: ev, Relay: schema.MustRelayURL("wss://r.example.com"), SeenAt: time.Unix(created, 0)}
		}
		b.StartTimer()
		if _, err := s.SaveEvents(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "events/s")
}

// TestSQLiteContentAddressed: the same snapshot data saved for two relays
// and twice over time is one metadata row.
func TestSQLiteContentAddressed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTestSQLite(t, dir, archive.Full)
	data := json.RawMessage(`{"data":{"name":"same"}}`)
	var snaps []schema.Snapshot
	for i, relay := range []string{"wss://a.example.com", "wss://b.example.com", "wss://a.example.com"} {
		snaps = append(snaps, schema.Snapshot{Relay: schema.MustRelayURL(relay), Type: "nip11_info", ID: sha256.Sum256(data), Data: data,
			GeneratedAt: time.Unix(int64(1_700_000_000+i), 0)})
	}
	if n, err := s.SaveSnapshots(ctx, snaps); err != nil || n != 3 {
		t.Fatalf("SaveSnapshots = %d, %v; want 3", n, err)
	}
	var rows, links int
	db := rawDB(t, filepath.Join(dir, archive.SQLiteFile))
	if err := db.QueryRow("SELECT (SELECT count(*) FROM metadata), (SELECT count(*) FROM relay_metadata)").Scan(&rows, &links); err != nil {
		t.Fatal(err)
	}
	if rows != 1 || links != 3 {
		t.Errorf("metadata rows %d, relay_metadata rows %d; want 1 and 3", rows, links)
	}
}

func TestSQLiteLeaseFillOnChange(t *testing.T) {
	dir := t.TempDir()
	reg := prometheus.NewRegistry()
	node := storetest.OpenStore(t, archive.Options{DataDir: dir, Mode: archive.Full, Registerer: reg})
	other := openTestSQLite(t, dir, archive.Full)
	storetest.LeaseFillOnChange(t, node, other, reg, "sqlite")
}
