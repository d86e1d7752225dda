package policies

import (
	"net"
	"net/http"
	"sync"

	"github.com/fiatjaf/khatru"
)

// ConnLimiter caps the number of simultaneous connections from one IP. It
// counts connections rather than connection attempts, so a client may
// reconnect immediately after closing (khatru's ConnectionRateLimiter would
// refuse that, and refuse the node's own probes).
type ConnLimiter struct {
	max int

	mu   sync.Mutex
	byIP map[string]int
}

// NewConnLimiter allows max connections per IP; max <= 0 means unlimited.
func NewConnLimiter(max int) *ConnLimiter {
	return &ConnLimiter{max: max, byIP: make(map[string]int)}
}

// Acquire counts a new connection from r's client IP. When the IP is at its
// limit it returns ok false and counts nothing. Otherwise the caller must
// call release exactly once when the connection ends (release is idempotent).
func (l *ConnLimiter) Acquire(r *http.Request) (release func(), ok bool) {
	ip := ClientIP(r)
	l.mu.Lock()
	if l.max > 0 && l.byIP[ip] >= l.max {
		l.mu.Unlock()
		return nil, false
	}
	l.byIP[ip]++
	l.mu.Unlock()

	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			if l.byIP[ip]--; l.byIP[ip] <= 0 {
				delete(l.byIP, ip)
			}
			l.mu.Unlock()
		})
	}, true
}

// Count returns the number of open connections from ip.
func (l *ConnLimiter) Count(ip string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.byIP[ip]
}

// Max returns the per-IP limit.
func (l *ConnLimiter) Max() int { return l.max }

// ClientIP is the IP a connection is counted against. X-Forwarded-For is
// trusted only when the peer itself is loopback or private (a reverse proxy
// on the same host or network); otherwise any client could claim any IP.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip != nil && (ip.IsLoopback() || ip.IsPrivate()) {
		return khatru.GetIPFromRequest(r)
	}
	return host
}
