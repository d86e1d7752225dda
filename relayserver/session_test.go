package relayserver

import (
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// The bytes queued for one client are bounded: events past
// relay.max_queued_bytes are refused (the query is cut), short replies get
// twice that, and a client past even that is hung up on.
func TestSessionOutputCap(t *testing.T) {
	srv := &Server{cfg: DefaultConfig(), metrics: newRelayMetrics(prometheus.NewRegistry())}
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
