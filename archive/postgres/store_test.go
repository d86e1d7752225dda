package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/archive/storetest"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/schema"
)

func openPostgres(t testing.TB, url string, mode archive.Mode) archive.Store {
	return storetest.OpenStore(t, archive.Options{URL: url, Mode: mode})
}

func TestPostgresConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, mode archive.Mode) archive.Store {
		return openPostgres(t, pgtest.NewDatabase(t), mode)
	})
}

// PgBouncer in transaction mode needs pgx without prepared-statement
// caching; both modes it offers for that must behave the same.
func TestPostgresExecModes(t *testing.T) {
	for _, mode := range []string{"exec", "simple_protocol", "describe_exec"} {
		t.Run(mode, func(t *testing.T) {
			s := openPostgres(t, pgtest.NewDatabase(t)+"&default_query_exec_mode="+mode, archive.Full)
			smoke(t, s)
		})
	}
}

// smoke saves a few related events and reads them back through every
// query shape.
func smoke(t *testing.T, s archive.Store) {
	t.Helper()
	ctx := context.Background()
	sk := nostr.GeneratePrivateKey()
	sign := func(kind int, at int64, tags nostr.Tags, content string) *nostr.Event {
		ev := &nostr.Event{Kind: kind, CreatedAt: nostr.Timestamp(at), Tags: tags, Content: content}
		if err := ev.Sign(sk); err != nil {
			t.Fatal(err)
		}
		return ev
	}
	note := sign(1, 100, nostr.Tags{{"t", "x"}}, "hello \"world\"\n\x01")
	reply := sign(1, 101, nostr.Tags{{"e", note.ID}, {"p", note.PubKey}}, "reply")
	profile := sign(0, 102, nostr.Tags{}, `{"name":"a"}`)
	del := sign(5, 103, nostr.Tags{{"e", reply.ID}}, "")
	if _, err := s.AddRelays(ctx, []schema.Relay{{URL: schema.MustRelayURL("wss://r.example.com"), Network: schema.Clearnet, DiscoveredAt: time.Unix(1, 0)}}); err != nil {
		t.Fatal(err)
	}
	var batch []schema.Sighting
	for _, ev := range []*nostr.Event{note, reply, profile, del} {
		batch = append(batch, schema.Sighting{Event: ev, Relay: schema.MustRelayURL("wss://r.example.com"), SeenAt: time.Unix(200, 0)})
	}
	res, err := s.SaveEvents(ctx, batch)
	if err != nil || res != (schema.SaveResult{Inserted: 4, Sightings: 4}) {
		t.Fatalf("SaveEvents = %+v, %v", res, err)
	}
	for _, c := range []struct {
		f    nostr.Filter
		want []string
	}{
		{nostr.Filter{IDs: []string{note.ID, reply.ID}}, []string{note.ID}},
		{nostr.Filter{Authors: []string{note.PubKey}, Kinds: []int{0}}, []string{profile.ID}},
		{nostr.Filter{Kinds: []int{1}}, []string{note.ID}},
		{nostr.Filter{Tags: nostr.TagMap{"t": {"x"}}}, []string{note.ID}},
		{nostr.Filter{Tags: nostr.TagMap{"e": {reply.ID}}, Kinds: []int{5}}, []string{del.ID}},
		{nostr.Filter{Limit: 2}, []string{del.ID, profile.ID}},
	} {
		var got []string
		err := s.QueryEvents(ctx, c.f, func(ev *nostr.Event) error {
			got = append(got, ev.ID)
			if ok, err := ev.CheckSignature(); !ok {
				t.Errorf("served event %s does not verify: %v", ev.ID, err)
			}
			return nil
		})
		if err != nil || fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("QueryEvents(%s) = %v, %v; want %v", c.f, got, err, c.want)
		}
		if n, err := s.CountEvents(ctx, c.f); err != nil || (c.f.Limit == 0 && n != int64(len(c.want))) {
			t.Errorf("CountEvents(%s) = %d, %v; want %d", c.f, n, err, len(c.want))
		}
	}
	if err := s.PutState(ctx, []schema.State{{Service: "s", Type: "t", Key: "k", Value: []byte(`{"a":1}`)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetState(ctx, "s", "t", "k"); err != nil {
		t.Fatal(err)
	}
}

func TestPostgresSchemaTooNew(t *testing.T) {
	url := pgtest.NewDatabase(t)
	s, err := archive.Open(context.Background(), archive.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	latest := schema.LatestVersion(schema.Postgres)
	pgtest.Exec(t, pgtest.DatabaseName(url),
		fmt.Sprintf("INSERT INTO schema_migrations (version, name) VALUES (%d, 'from_the_future')", latest+1))
	_, err = archive.Open(context.Background(), archive.Options{URL: url})
	if !errors.Is(err, archive.ErrSchemaTooNew) {
		t.Fatalf("Open of a newer database: err = %v, want ErrSchemaTooNew", err)
	}
	for _, v := range []int{latest, latest + 1} {
		if !strings.Contains(err.Error(), fmt.Sprint(v)) {
			t.Errorf("error %q does not name version %d", err, v)
		}
	}
}

func TestPostgresUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now
	url := fmt.Sprintf("postgres://bob:hunter2@127.0.0.1:%d/db?sslmode=disable", port)
	start := time.Now()
	s, err := archive.Open(context.Background(), archive.Options{URL: url})
	if err == nil {
		s.Close()
		t.Fatal("Open of a closed port succeeded")
	}
	if !errors.Is(err, archive.ErrUnreachable) {
		t.Errorf("err = %v, want ErrUnreachable", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error leaks the password: %v", err)
	}
	if !strings.Contains(err.Error(), fmt.Sprint(port)) {
		t.Errorf("error %q does not name the server", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("Open took %v to give up", d)
	}

	// A URL pgx cannot parse is a configuration error, without the password.
	_, err = archive.Open(context.Background(), archive.Options{URL: "postgres://bob:hunter2@127.0.0.1:5432/db?default_query_exec_mode=nope"})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("bad URL: err = %v, want an error without the password", err)
	}
}

func TestPostgresConcurrentOpen(t *testing.T) {
	url := pgtest.NewDatabase(t)
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := archive.Open(context.Background(), archive.Options{URL: url})
			if err == nil {
				s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open #%d: %v", i, err)
		}
	}
	// Each migration recorded once (the primary key would refuse a second
	// insert, so a race shows up as an Open error above), and the schema is
	// usable.
	s := openPostgres(t, url, archive.Full)
	smoke(t, s)
}

func TestPostgresReopen(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	s, err := archive.Open(ctx, archive.Options{URL: url, Mode: archive.Lil})
	if err != nil {
		t.Fatal(err)
	}
	ev := storetest.Signed(t, 1, 1, nostr.Tags{{"t", "x"}}, "kept")
	if _, err := s.SaveEvents(ctx, []schema.Sighting{{Event: ev}}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	if s, err := archive.Open(ctx, archive.Options{URL: url, Mode: archive.Full}); err == nil {
		s.Close()
		t.Fatal("a lil database opened in full mode")
	} else if !strings.Contains(err.Error(), "lil") {
		t.Errorf("mode mismatch error %q does not name the mode", err)
	}

	s = openPostgres(t, url, archive.Lil)
	if n, err := s.CountEvents(ctx, nostr.Filter{Tags: nostr.TagMap{"t": {"x"}}}); err != nil || n != 1 {
		t.Errorf("after reopen: count = %d, %v; want 1", n, err)
	}
}

func TestPostgresMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	url := pgtest.NewDatabase(t)
	s, err := archive.Open(context.Background(), archive.Options{URL: url, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	smoke(t, s)
	found := map[string]bool{}
	for key := range storetest.Samples(t, reg) {
		if name, labels, _ := strings.Cut(key, ","); strings.Contains(","+labels+",", ",backend=postgres,") {
			found[name] = true
		}
	}
	for _, name := range []string{
		"bigbrotr_store_query_duration_seconds", "bigbrotr_store_events_saved_total", "bigbrotr_store_events_rejected_total",
		"bigbrotr_store_pool_total_conns", "bigbrotr_store_pool_acquire_wait_seconds_total",
	} {
		if !found[name] {
			t.Errorf("metric %s{backend=\"postgres\"} not exported", name)
		}
	}
	// A store reopened on the same registry registers again cleanly.
	s.Close()
	s2, err := archive.Open(context.Background(), archive.Options{URL: url, Registerer: reg})
	if err != nil {
		t.Fatalf("reopen on the same registry: %v", err)
	}
	s2.Close()
}
