package policies

import (
	"sync"
	"time"
)

// RateLimiter is a token bucket per client IP: rate tokens a second, at
// most burst saved up. It has no goroutine: buckets refill when consulted,
// and full ones are forgotten when the map grows. khatru's
// FilterIPRateLimiter is not used: it keys on khatru.GetIP, which believes
// an X-Forwarded-For header from anyone (ClientIP only from a proxy on a
// private address), and its refill goroutine can never be stopped.
type RateLimiter struct {
	rate  float64
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// rateLimiterSweepAt is the number of buckets past which full ones are
// dropped (a full bucket is the same as no bucket).
const rateLimiterSweepAt = 4096

// NewRateLimiter allows rate requests a second per IP with bursts of burst;
// rate <= 0 means unlimited. now is the clock (nil: time.Now).
func NewRateLimiter(rate float64, burst int, now func() time.Time) *RateLimiter {
	if now == nil {
		now = time.Now
	}
	return &RateLimiter{rate: rate, burst: float64(max(burst, 1)), now: now, buckets: make(map[string]*bucket)}
}

// Allow takes a token from ip's bucket and reports whether there was one.
func (l *RateLimiter) Allow(ip string) bool {
	if l == nil || l.rate <= 0 {
		return true
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[ip]
	if b == nil {
		if len(l.buckets) >= rateLimiterSweepAt {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[ip] = b
	}
	l.refill(b, now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (l *RateLimiter) refill(b *bucket, now time.Time) {
	if dt := now.Sub(b.at).Seconds(); dt > 0 {
		b.tokens = min(l.burst, b.tokens+dt*l.rate)
	}
	b.at = now
}

func (l *RateLimiter) sweep(now time.Time) {
	for ip, b := range l.buckets {
		if l.refill(b, now); b.tokens >= l.burst {
			delete(l.buckets, ip)
		}
	}
}
