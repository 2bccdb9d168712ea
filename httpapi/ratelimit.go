package httpapi

import (
	"math"
	"sync"
	"time"
)

// RateLimit is a token bucket per client: Burst requests at once, then
// Rate requests a second on average.
type RateLimit struct {
	// Rate is the sustained number of requests a second (0 or less: no
	// limit).
	Rate float64
	// Burst is how many requests may come at once (at least 1; the
	// rounded-up Rate when zero).
	Burst int
}

// maxLimiterKeys bounds the clients a limiter remembers.
const maxLimiterKeys = 10000

// limiter is a set of token buckets keyed by client. A nil *limiter
// allows everything.
type limiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	now     func() time.Time
	max     int
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(l RateLimit, now func() time.Time, maxKeys int) *limiter {
	if l.Rate <= 0 || math.IsNaN(l.Rate) || math.IsInf(l.Rate, 0) {
		return nil
	}
	burst := float64(l.Burst)
	if burst < 1 {
		burst = max(1, math.Ceil(l.Rate))
	}
	return &limiter{rate: l.Rate, burst: burst, now: now, max: maxKeys, buckets: map[string]*bucket{}}
}

// allow takes one token from key's bucket. When there is none it says how
// long until there will be.
func (l *limiter) allow(key string) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= l.max {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	} else if el := now.Sub(b.last); el > 0 {
		b.tokens = min(l.burst, b.tokens+el.Seconds()*l.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// sweep forgets buckets that have refilled (forgetting them changes
// nothing), then, if the map is still over nine tenths full, arbitrary
// others: memory stays bounded whatever the number of clients.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < l.max*9/10 {
			break
		}
		delete(l.buckets, k)
	}
}

// size returns the number of buckets held.
func (l *limiter) size() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
