package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
)

// scanned is what one ScanArchived call yielded.
type scanned struct {
	evs  []*nostr.Event
	seqs []uint64
	next uint64
}

func scanArchived(t testing.TB, s archive.Store, after uint64, kinds []int, limit int) scanned {
	t.Helper()
	var out scanned
	next, err := s.ScanArchived(context.Background(), after, kinds, limit, func(seq uint64, ev *nostr.Event) error {
		out.evs, out.seqs = append(out.evs, ev), append(out.seqs, seq)
		return nil
	})
	if err != nil {
		t.Fatalf("ScanArchived(after %d, kinds %v, limit %d): %v", after, kinds, limit, err)
	}
	out.next = next
	checkSeqs(t, after, out.seqs)
	if len(out.seqs) > 0 && next < out.seqs[len(out.seqs)-1] {
		t.Errorf("ScanArchived returned position %d behind the last seq yielded %d", next, out.seqs[len(out.seqs)-1])
	}
	if next < after {
		t.Errorf("ScanArchived moved the position back from %d to %d", after, next)
	}
	return out
}

// checkSeqs fails unless seqs are all above after and strictly increasing.
func checkSeqs(t testing.TB, after uint64, seqs []uint64) {
	t.Helper()
	prev := after
	for _, q := range seqs {
		if q <= prev {
			t.Errorf("seqs %v after %d: not strictly increasing", seqs, after)
			return
		}
		prev = q
	}
}

// testScan: events come in archival order whatever their created_at,
// superseded and expired ones included, deleted ones (before or after they
// arrive) skipped, duplicates never yielded twice; the position resumes.
func testScan(t *testing.T, mode archive.Mode, open Opener) {
	s := open(t, mode)
	if got := scanArchived(t, s, 0, nil, 0); len(got.evs) != 0 || got.next != 0 {
		t.Errorf("empty store: yielded %d events, position %d; want none and 0", len(got.evs), got.next)
	}
	k := newKey(t)
	note := k.sign(t, 1, base, nostr.Tags{{"p", k.pk, "wss://hint.example.com"}}, "note")
	old := k.sign(t, 0, base+1, nil, `{"name":"old"}`)
	expired := k.sign(t, 1, base+2, nostr.Tags{{"expiration", strconv.FormatInt(base+3, 10)}}, "expired")
	target := k.sign(t, 1, base+3, nil, "to delete")
	for _, ev := range []*nostr.Event{note, old, expired, target} {
		save(t, s, ev)
	}
	first := scanArchived(t, s, 0, nil, 0)
	checkEvents(t, mode, "first scan", first.evs, []*nostr.Event{note, old, expired, target})
	if len(first.seqs) == 4 && first.next != first.seqs[3] {
		t.Errorf("position %d after a complete scan, want the last seq %d", first.next, first.seqs[3])
	}

	newer := k.sign(t, 0, base+10, nil, `{"name":"newer"}`)
	ghost := k.sign(t, 1, base+4, nil, "deleted before it arrives")
	del := k.sign(t, 5, base+11, nostr.Tags{{"e", target.ID}, {"e", ghost.ID}}, "")
	backfilled := k.sign(t, 1, base-365*86400, nil, "created a year before, archived last")
	for _, ev := range []*nostr.Event{newer, del, ghost, backfilled} {
		save(t, s, ev)
	}
	if res := save(t, s, note, old); res.Duplicates != 2 {
		t.Fatalf("resaving: %+v, want 2 duplicates", res)
	}
	second := scanArchived(t, s, first.next, nil, 0)
	checkEvents(t, mode, "scan from the position", second.evs, []*nostr.Event{newer, del, backfilled})

	all := scanArchived(t, s, 0, nil, 0)
	checkEvents(t, mode, "scan from the start", all.evs, []*nostr.Event{note, old, expired, newer, del, backfilled})
	if all.next != second.next {
		t.Errorf("positions %d and %d after complete scans, want equal", all.next, second.next)
	}
	if again := scanArchived(t, s, all.next, nil, 0); len(again.evs) != 0 || again.next != all.next {
		t.Errorf("scan with nothing new: yielded %d, position %d; want none and %d", len(again.evs), again.next, all.next)
	}
	if far := scanArchived(t, s, math.MaxUint64, nil, 0); len(far.evs) != 0 || far.next != math.MaxUint64 {
		t.Errorf("scan after the largest position: yielded %d, position %d", len(far.evs), far.next)
	}

	// A batch: every event once, each above the previous position.
	var batch []*nostr.Event
	for i := range 5 {
		batch = append(batch, k.sign(t, 1, base+int64(100-i), nil, "batch"))
	}
	save(t, s, batch...)
	got := scanArchived(t, s, all.next, nil, 0)
	wantIDs(t, "a batch, by id", order(got.evs), order(batch))
}

// testScanPaging: pages of limit resume where the last stopped; kinds
// filter and the position still moves past what did not match; fn's error
// stops the scan at the last accepted event; a cancelled scan fails.
func testScanPaging(t *testing.T, open Opener) {
	s := open(t, archive.Full)
	k := newKey(t)
	var evs, lists []*nostr.Event
	for i := range 7 {
		kind := 1
		if i%3 == 1 {
			kind = 10002
		}
		ev := k.sign(t, kind, base+int64(i), nostr.Tags{{"r", fmt.Sprintf("wss://r%d.example.com", i)}}, "")
		if kind == 10002 {
			lists = append(lists, ev) // replaceable: the older lists are superseded, and yielded
		}
		evs = append(evs, ev)
		save(t, s, ev)
	}
	whole := scanArchived(t, s, 0, nil, 0)
	wantIDs(t, "whole scan", whole.evs, evs)

	for _, c := range []struct {
		name  string
		kinds []int
		want  []*nostr.Event
	}{
		{"every kind", nil, evs},
		{"empty kinds", []int{}, evs},
		{"relay lists", []int{10002}, lists},
		{"unused kind", []int{30166}, nil},
		{"kinds that cannot be stored", []int{math.MaxInt32 + 1, -1 << 40}, nil},
	} {
		var got []*nostr.Event
		pos, calls := uint64(0), 0
		for {
			page := scanArchived(t, s, pos, c.kinds, 2)
			got = append(got, page.evs...)
			if len(page.evs) > 2 {
				t.Fatalf("%s: page of %d events, limit 2", c.name, len(page.evs))
			}
			if len(page.evs) == 2 && page.next != page.seqs[1] {
				t.Errorf("%s: full page ends at %d, position %d", c.name, page.seqs[1], page.next)
			}
			pos = page.next
			if calls++; len(page.evs) < 2 || calls > 10 {
				break
			}
		}
		wantIDs(t, c.name, got, c.want)
		if pos != whole.next {
			t.Errorf("%s: position %d after the last page, want %d (past everything examined)", c.name, pos, whole.next)
		}
	}

	stop := errors.New("stop")
	var seen []uint64
	pos, err := s.ScanArchived(context.Background(), 0, nil, 0, func(seq uint64, _ *nostr.Event) error {
		if len(seen) == 2 {
			return stop
		}
		seen = append(seen, seq)
		return nil
	})
	if !errors.Is(err, stop) || len(seen) != 2 || pos != seen[1] {
		t.Errorf("fn failing on the third event: err %v, position %d, accepted %v; want stop at the second", err, pos, seen)
	}
	if rest := scanArchived(t, s, pos, nil, 0); len(rest.evs) != len(evs)-2 || rest.evs[0].ID != evs[2].ID {
		t.Errorf("resuming after fn failed: got %s, want from the failed event on", short(ids(rest.evs)))
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.ScanArchived(ctx, 0, nil, 0, func(uint64, *nostr.Event) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled scan: err %v, want context.Canceled", err)
	}
}

// testScanConcurrent: writers save in batches while a reader pages through
// the archive; whatever the interleaving, the reader sees every event
// exactly once, in strictly increasing seq. On PostgreSQL, batches commit
// out of seq order, which a naive seq cursor would skip.
func testScanConcurrent(t *testing.T, open Opener) {
	s := open(t, archive.Full)
	const writers, perWriter, batchSize, page = 4, 30, 3, 7
	var (
		wg      sync.WaitGroup
		done    atomic.Bool
		saveErr = make(chan error, writers)
		want    = map[string]bool{}
	)
	batches := make([][]*nostr.Event, writers)
	for w := range writers {
		k := newKey(t)
		for i := range perWriter {
			ev := k.sign(t, 1, base+int64(i), nil, fmt.Sprintf("writer %d", w))
			batches[w] = append(batches[w], ev)
			want[ev.ID] = true
		}
	}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := batches[w]
			for len(b) > 0 {
				n := min(batchSize, len(b))
				if _, err := s.SaveEvents(context.Background(), direct(b[:n]...)); err != nil {
					saveErr <- err
					return
				}
				b = b[n:]
			}
		}()
	}
	go func() { wg.Wait(); done.Store(true) }()

	seen := map[string]int{}
	var pos uint64
	for calls := 0; ; calls++ {
		finished := done.Load() // read before the scan: a short page after it has drained everything
		got := scanArchived(t, s, pos, nil, page)
		for _, ev := range got.evs {
			seen[ev.ID]++
		}
		pos = got.next
		if finished && len(got.evs) < page || calls > 10000 {
			break
		}
	}
	close(saveErr)
	for err := range saveErr {
		t.Fatalf("concurrent SaveEvents: %v", err)
	}
	for id, n := range seen {
		if n != 1 || !want[id] {
			t.Errorf("event %s yielded %d times (saved: %v)", id[:8], n, want[id])
		}
	}
	if len(seen) != len(want) {
		t.Errorf("reader saw %d of %d events", len(seen), len(want))
	}
}
