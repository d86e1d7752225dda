package postgres_test

import (
	"context"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/archive/storetest"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/schema"
)

// scanIDs runs one ScanArchived with a deadline and returns what it
// yielded, the position and the error.
func scanIDs(s archive.Store, after uint64, timeout time.Duration) ([]string, uint64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var got []string
	next, err := s.ScanArchived(ctx, after, nil, 0, func(_ uint64, ev *nostr.Event) error {
		got = append(got, ev.ID)
		return nil
	})
	return got, next, err
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func rawID(t *testing.T, ev *nostr.Event) []byte {
	t.Helper()
	b, err := hex.DecodeString(ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPostgresScanWaitsForInFlightWriters: writer A draws seq 1 and stalls
// before commit; writer B saves with seq 2 and commits. A scan must not
// hand out B (a cursor at 2 would skip A forever): it waits for A, and
// once A commits, yields A then B. Both writers are real SaveEvents calls;
// A is stalled by an uncommitted provenance row it conflicts with.
func TestPostgresScanWaitsForInFlightWriters(t *testing.T) {
	url := pgtest.NewDatabase(t)
	s := openPostgres(t, url, archive.Full)
	ctx := context.Background()
	evA := storetest.Signed(t, 1, 1000, nostr.Tags{{"p", "x", "wss://hint-a.example.com"}}, "A")
	evB := storetest.Signed(t, 1, 1000, nil, "B")
	const blockRelay = "wss://block.example.com"

	blocker := connect(t, url)
	if _, err := blocker.Exec(ctx, "INSERT INTO relay_ref (url) VALUES ($1)", blockRelay); err != nil {
		t.Fatal(err)
	}
	tx, err := blocker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	// Provenance rows name the event by seq: A will draw 1, the first.
	if _, err := tx.Exec(ctx, `INSERT INTO event_relay (event_seq, relay_id, seen_at)
		SELECT 1, id, 1 FROM relay_ref WHERE url = $1`, blockRelay); err != nil {
		t.Fatal(err)
	}
	doneA := make(chan error, 1)
	go func() {
		_, err := s.SaveEvents(ctx, []schema.Sighting{{Event: evA, Relay: schema.MustRelayURL(blockRelay), SeenAt: time.Unix(2, 0)}})
		doneA <- err
	}()
	watch := connect(t, url)
	for waiting := 0; waiting == 0; {
		select {
		case err := <-doneA:
			t.Fatalf("writer A finished while its provenance row was locked: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
		err := watch.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SaveEvents(ctx, []schema.Sighting{{Event: evB}}); err != nil {
		t.Fatal(err)
	}
	var seqB int64
	if err := watch.QueryRow(ctx, "SELECT seq FROM event WHERE id = $1", rawID(t, evB)).Scan(&seqB); err != nil || seqB != 2 {
		t.Fatalf("B committed with seq %d (%v), want 2 with A's 1 in flight", seqB, err)
	}

	got, _, err := scanIDs(s, 0, 300*time.Millisecond)
	if len(got) != 0 {
		t.Fatalf("scan yielded %s while A (seq 1) was in flight: a cursor would skip A", got)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("scan with A in flight: err %v, want it to wait until its deadline", err)
	}

	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-doneA; err != nil {
		t.Fatalf("writer A: %v", err)
	}
	got, next, err := scanIDs(s, 0, 10*time.Second)
	if err != nil || len(got) != 2 || got[0] != evA.ID || got[1] != evB.ID || next != 2 {
		t.Fatalf("scan after A committed: %v, position %d, err %v; want A then B, position 2", got, next, err)
	}
}

// TestPostgresScanRolledBackWriter: a seq drawn by a transaction that rolls
// back leaves a gap the scan waits on, then steps over.
func TestPostgresScanRolledBackWriter(t *testing.T) {
	url := pgtest.NewDatabase(t)
	s := openPostgres(t, url, archive.Full)
	ctx := context.Background()
	ghost := storetest.Signed(t, 1, 1000, nil, "never committed")
	evB := storetest.Signed(t, 1, 1000, nil, "B")

	raw := connect(t, url)
	tx, err := raw.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	pk, _ := hex.DecodeString(ghost.PubKey)
	if _, err := tx.Exec(ctx, "INSERT INTO event (id, pubkey, created_at, kind) VALUES ($1, $2, 1000, 1)", rawID(t, ghost), pk); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveEvents(ctx, []schema.Sighting{{Event: evB}}); err != nil {
		t.Fatal(err)
	}
	if got, _, err := scanIDs(s, 0, 300*time.Millisecond); len(got) != 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("scan with seq 1 in flight: %v, %v; want nothing until its deadline", got, err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	got, next, err := scanIDs(s, 0, 10*time.Second)
	if err != nil || len(got) != 1 || got[0] != evB.ID || next != 2 {
		t.Fatalf("scan after the rollback: %v, position %d, err %v; want B alone, position 2", got, next, err)
	}
}

// TestPostgresScanIgnoresOtherWriters: only transactions writing to event
// are waited for; a long one elsewhere (here on service_state) is not.
func TestPostgresScanIgnoresOtherWriters(t *testing.T) {
	url := pgtest.NewDatabase(t)
	s := openPostgres(t, url, archive.Full)
	ctx := context.Background()
	ev := storetest.Signed(t, 1, 1000, nil, "saved")
	if _, err := s.SaveEvents(ctx, []schema.Sighting{{Event: ev}}); err != nil {
		t.Fatal(err)
	}
	raw := connect(t, url)
	tx, err := raw.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "INSERT INTO service_state (service, type, key, value) VALUES ('x', 'y', 'z', '{}')"); err != nil {
		t.Fatal(err)
	}
	got, _, err := scanIDs(s, 0, 10*time.Second)
	if err != nil || len(got) != 1 || got[0] != ev.ID {
		t.Fatalf("scan beside an unrelated open transaction: %v, %v; want the saved event", got, err)
	}
}

// TestPostgresScanExecModes: the scan's NULL and array parameters work in
// every query mode PgBouncer setups use.
func TestPostgresScanExecModes(t *testing.T) {
	for _, mode := range []string{"exec", "simple_protocol", "describe_exec"} {
		t.Run(mode, func(t *testing.T) {
			s := openPostgres(t, pgtest.NewDatabase(t)+"&default_query_exec_mode="+mode, archive.Full)
			ctx := context.Background()
			list := storetest.Signed(t, 10002, 1000, nostr.Tags{{"r", "wss://r.example.com"}}, "")
			note := storetest.Signed(t, 1, 1001, nil, "note")
			if _, err := s.SaveEvents(ctx, []schema.Sighting{{Event: list}, {Event: note}}); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				kinds []int
				limit int
				want  int
			}{{nil, 0, 2}, {[]int{10002}, 5, 1}, {nil, 1, 1}} {
				n := 0
				_, err := s.ScanArchived(ctx, 0, c.kinds, c.limit, func(_ uint64, ev *nostr.Event) error {
					if ok, err := ev.CheckSignature(); !ok {
						t.Errorf("scanned event %s does not verify: %v", ev.ID, err)
					}
					n++
					return nil
				})
				if err != nil || n != c.want {
					t.Errorf("kinds %v limit %d: %d events, %v; want %d", c.kinds, c.limit, n, err, c.want)
				}
			}
		})
	}
}
