package relayserver

import (
	"fmt"
	"sync"
)

// outBudget is what all connections together may hold in reply queues
// (relay.max_queued_bytes_total). Per-connection caps alone do not bound
// the process: 50 connections a client may open, each with 4 MiB
// queued, hold 200 MiB, and more IPs more. Past the budget, a connection
// holding more than its fair share (the budget split among the
// connections with something queued) has its stored-event answers cut
// and stops being read, while one holding less, such as a client reading
// the answer to a simple REQ, is served as before.
type outBudget struct {
	max int64

	mu       sync.Mutex
	total    int64 // bytes queued across connections
	nonEmpty int64 // connections with something queued
}

// add accounts for a connection's queue going from before to before+n
// bytes (n may be negative).
func (b *outBudget) add(before, n int) {
	b.mu.Lock()
	b.total += int64(n)
	switch after := before + n; {
	case before == 0 && after > 0:
		b.nonEmpty++
	case before > 0 && after == 0:
		b.nonEmpty--
	}
	b.mu.Unlock()
}

// overShare reports whether a connection that would hold queued bytes
// must be held back: the budget is spent and it holds more than its share.
func (b *outBudget) overShare(queued int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.total < b.max {
		return false
	}
	return int64(queued) > b.max/max(b.nonEmpty, 1)
}

// ipQueries counts the queries running per client IP
// (relay.max_queries_per_ip), so that one address's connections cannot
// hold every database connection and starve everyone else's queries.
type ipQueries struct {
	max int // 0: unlimited

	mu  sync.Mutex
	run map[string]int
}

// acquire takes a running slot for ip, or returns the refusal.
func (q *ipQueries) acquire(ip string) string {
	if q.max == 0 {
		return ""
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.run[ip] >= q.max {
		return fmt.Sprintf("rate-limited: %d queries from your IP are already running; wait for their EOSE or COUNT", q.max)
	}
	q.run[ip]++
	return ""
}

func (q *ipQueries) release(ip string) {
	if q.max == 0 {
		return
	}
	q.mu.Lock()
	if q.run[ip]--; q.run[ip] <= 0 {
		delete(q.run, ip)
	}
	q.mu.Unlock()
}
