package relayserver

// The connection's output: one queue of encoded messages per session,
// bounded per connection and by the server's shared budget, drained by one
// writer goroutine; a connection whose replies back up is no longer read.

import (
	"fmt"
	"time"

	"github.com/fasthttp/websocket"
)

func outputFullReason(max int) string {
	return fmt.Sprintf("error: more than %d bytes were waiting for this connection to read them; "+
		"the answer is incomplete: read faster or ask for less", max)
}

// send queues a message; req, if not nil, is the REQ it belongs to.
func (s *session) send(req *reqState, env interface{ MarshalJSON() ([]byte, error) }) {
	b, err := env.MarshalJSON()
	if err != nil {
		s.srv.log.Warn("encode message", "err", err)
		return
	}
	_ = s.enqueue(req, b, false)
}

// enqueue queues b. capped messages (events) are refused with
// errOutputFull past relay.max_queued_bytes, unless nothing is queued (so
// that any one event can be served); EOSE, CLOSED, COUNT and NOTICE are
// small and always queued. Nothing is queued for an ended REQ.
func (s *session) enqueue(req *reqState, b []byte, capped bool) error {
	s.mu.Lock()
	if req != nil && req.ended {
		s.mu.Unlock()
		return nil
	}
	max := s.srv.cfg.MaxQueuedBytes
	if capped && s.queued > 0 && (s.queued+len(b) > max || s.srv.out.overShare(s.queued+len(b))) {
		s.mu.Unlock()
		return errOutputFull
	}
	if s.hungUp || s.closed {
		s.mu.Unlock()
		return errOutputFull
	}
	if s.queued+len(b) > 2*max {
		// Even the short answers pile up past what throttle lets in
		// (it stops reading at half of max): a safety net. Nothing more
		// is queued for it.
		s.hungUp = true
		s.mu.Unlock()
		s.srv.metrics.queryErrors.WithLabelValues("output").Inc()
		s.hangUp(1008, "not reading: too many replies waiting")
		return errOutputFull
	}
	s.push(outMsg{b: b, req: req})
	s.mu.Unlock()
	s.signal()
	return nil
}

// push queues m; under s.mu.
func (s *session) push(m outMsg) {
	s.srv.out.add(s.queued, len(m.b))
	s.queue = append(s.queue, m)
	s.queued += len(m.b)
	s.pending++
}

// stallTimeout is how long a connection whose replies are backed up may
// go without reading any before it is closed.
const stallTimeout = 30 * time.Second

// throttle holds the connection's reader, before a REQ or COUNT, while its
// replies are backed up (half of relay.max_queued_bytes, or its share of
// relay.max_queued_bytes_total when that is spent): a client flooding
// requests faster than it reads the answers then fills the sockets'
// buffers and waits on its own writes, instead of filling the relay's
// memory with replies. A client that reads nothing for stallTimeout is
// closed (and khatru's pong deadline closes one held back for its
// PongWait: its pongs are not read either).
func (s *session) throttle() {
	var tick *time.Ticker
	var since time.Time
	var written uint64
	for {
		s.mu.Lock()
		q, w, closed := s.queued, s.written, s.closed || s.hungUp
		s.mu.Unlock()
		if closed || q == 0 || (q < s.srv.cfg.MaxQueuedBytes/2 && !s.srv.out.overShare(q)) {
			if tick != nil {
				tick.Stop()
			}
			return
		}
		if tick == nil {
			// The shared budget frees up on other connections' writes,
			// which signal nothing here: look again now and then.
			tick = time.NewTicker(50 * time.Millisecond)
			s.srv.metrics.throttled.Inc()
		}
		if since.IsZero() || w != written {
			since, written = time.Now(), w
		} else if time.Since(since) > stallTimeout {
			tick.Stop()
			s.mu.Lock()
			s.hungUp = true
			s.mu.Unlock()
			s.srv.metrics.queryErrors.WithLabelValues("output").Inc()
			s.hangUp(1008, "not reading: replies waiting for "+stallTimeout.String())
			return
		}
		select {
		case <-s.ctx.Done():
			tick.Stop()
			return
		case <-s.drained:
		case <-tick.C:
		}
	}
}

// signal wakes the writer.
func (s *session) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *session) writeLoop() {
	defer s.release()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.wake:
		}
		for {
			s.mu.Lock()
			if len(s.queue) == 0 {
				s.queue = nil
				s.mu.Unlock()
				break
			}
			m := s.queue[0]
			s.queue[0] = outMsg{}
			s.queue = s.queue[1:]
			s.srv.out.add(s.queued, -len(m.b))
			s.queued -= len(m.b)
			skip := m.req != nil && m.req.dropped
			s.mu.Unlock()
			var err error
			if !skip {
				err = s.ws.WriteMessage(websocket.TextMessage, m.b)
			}
			s.mu.Lock()
			s.pending--
			s.written++
			s.mu.Unlock()
			select {
			case s.drained <- struct{}{}:
			default:
			}
			if err != nil {
				return // khatru's reader sees the broken connection and ends it
			}
		}
	}
}

// release gives the shared budget back what the connection still holds
// when its writer ends.
func (s *session) release() {
	s.mu.Lock()
	s.srv.out.add(s.queued, -s.queued)
	s.pending -= len(s.queue)
	s.queue, s.queued, s.closed = nil, 0, true
	s.mu.Unlock()
}
