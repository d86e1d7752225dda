package relayserver

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The bytes queued for one client are bounded: events past
// relay.max_queued_bytes are refused (the query is cut), short replies get
// twice that, and a client past even that is hung up on.
func TestSessionOutputCap(t *testing.T) {
	srv := &Server{cfg: DefaultConfig(), metrics: newRelayMetrics(prometheus.NewRegistry()), out: &outBudget{max: 1 << 20}}
	srv.cfg.MaxQueuedBytes = 1000
	hung := ""
	s := &session{srv: srv, wake: make(chan struct{}, 1), hangUp: func(_ int, reason string) { hung = reason }}
	req := &reqState{id: "a"}
	if err := s.enqueue(req, make([]byte, 1500), true); err != nil {
		t.Fatalf("one event larger than the cap, queue empty: %v", err)
	}
	if err := s.enqueue(req, make([]byte, 10), true); !errors.Is(err, errOutputFull) {
		t.Fatalf("event past the cap: %v, want errOutputFull", err)
	}
	if err := s.enqueue(nil, make([]byte, 400), false); err != nil || hung != "" {
		t.Fatalf("short reply within twice the cap: %v (hung up: %q)", err, hung)
	}
	if err := s.enqueue(nil, make([]byte, 200), false); !errors.Is(err, errOutputFull) || hung == "" {
		t.Fatalf("past twice the cap: %v, hung up %q; want errOutputFull and a hang-up", err, hung)
	}
	if s.queued != 1900 || len(s.queue) != 2 {
		t.Fatalf("queued %d bytes in %d messages, want 1900 in 2", s.queued, len(s.queue))
	}
	req.ended = true
	if err := s.enqueue(req, []byte("x"), true); err != nil || len(s.queue) != 2 {
		t.Fatalf("ended REQ: %v, %d queued; want nothing queued", err, len(s.queue))
	}
}

// Past relay.max_queued_bytes_total, a connection holding more than its
// share of the budget has its events refused and is not read, while one
// holding less is served; what a connection held goes back to the budget
// when its writer ends.
func TestSessionSharedBudget(t *testing.T) {
	srv := &Server{cfg: DefaultConfig(), metrics: newRelayMetrics(prometheus.NewRegistry()), out: &outBudget{max: 3000}}
	srv.cfg.MaxQueuedBytes = 1 << 20
	newSess := func() *session {
		return &session{srv: srv, ctx: context.Background(), wake: make(chan struct{}, 1), drained: make(chan struct{}, 1),
			hangUp: func(int, string) { t.Error("hung up") }}
	}
	big, small := newSess(), newSess()
	req := &reqState{id: "a"}
	for range 3 {
		if err := big.enqueue(req, make([]byte, 1000), true); err != nil {
			t.Fatalf("within the budget: %v", err)
		}
	}
	if err := small.enqueue(req, make([]byte, 100), true); err != nil {
		t.Fatalf("budget spent, first event of a connection with nothing queued: %v", err)
	}
	if err := small.enqueue(req, make([]byte, 100), true); err != nil {
		t.Fatalf("budget spent, a connection under its share (1500): %v", err)
	}
	if err := big.enqueue(req, make([]byte, 10), true); !errors.Is(err, errOutputFull) {
		t.Fatalf("budget spent, a connection over its share: %v, want errOutputFull", err)
	}
	if err := big.enqueue(nil, make([]byte, 10), false); err != nil {
		t.Fatalf("a short reply over the share: %v", err)
	}
	if !srv.out.overShare(big.queued) || srv.out.overShare(small.queued) {
		t.Fatalf("overShare: big (%d) %v, small (%d) %v; want true, false", big.queued, srv.out.overShare(big.queued),
			small.queued, srv.out.overShare(small.queued))
	}
	// throttle returns at once for the small one; for the big one it
	// waits until its queue drains.
	small.throttle()
	released := make(chan struct{})
	go func() { big.throttle(); close(released) }()
	select {
	case <-released:
		t.Fatal("throttle let a connection over its share be read")
	case <-time.After(100 * time.Millisecond):
	}
	big.release()
	select {
	case <-released:
	case <-time.After(10 * time.Second):
		t.Fatal("throttle still holding a connection whose queue was released")
	}
	small.release()
	if srv.out.total != 0 || srv.out.nonEmpty != 0 {
		t.Fatalf("after release: %d bytes from %d connections still counted", srv.out.total, srv.out.nonEmpty)
	}
	if err := big.enqueue(nil, []byte("x"), false); !errors.Is(err, errOutputFull) || srv.out.total != 0 {
		t.Fatalf("queued after the writer ended: %v, %d bytes counted", err, srv.out.total)
	}
}

// A connection that reads nothing while its replies are backed up is hung
// up on after stallTimeout; here the wait is cut short by its context.
func TestThrottleHonoursTheConnection(t *testing.T) {
	srv := &Server{cfg: DefaultConfig(), metrics: newRelayMetrics(prometheus.NewRegistry()), out: &outBudget{max: 1 << 30}}
	srv.cfg.MaxQueuedBytes = 1000
	ctx, cancel := context.WithCancel(context.Background())
	s := &session{srv: srv, ctx: ctx, wake: make(chan struct{}, 1), drained: make(chan struct{}, 1),
		hangUp: func(int, string) {}}
	if err := s.enqueue(nil, make([]byte, 600), false); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.throttle(); close(done) }()
	select {
	case <-done:
		t.Fatal("throttle read a connection with more than half of max_queued_bytes waiting")
	case <-time.After(100 * time.Millisecond):
	}
	cancel()
	<-done
}

func TestIPQueries(t *testing.T) {
	q := &ipQueries{max: 2, run: map[string]int{}}
	for _, ip := range []string{"a", "a", "b"} {
		if msg := q.acquire(ip); msg != "" {
			t.Fatalf("refused under the cap: %s", msg)
		}
	}
	if msg := q.acquire("a"); !strings.HasPrefix(msg, "rate-limited: ") || !strings.Contains(msg, "your IP") {
		t.Fatalf("over the cap: %q", msg)
	}
	q.release("a")
	if q.acquire("a") != "" {
		t.Fatal("refused after a release")
	}
	q.release("a")
	q.release("a")
	q.release("b")
	if len(q.run) != 0 {
		t.Fatalf("counts left: %v", q.run)
	}
	unlimited := &ipQueries{}
	for range 100 {
		if unlimited.acquire("a") != "" {
			t.Fatal("max 0 refused")
		}
	}
}
