//go:build race

package monitor_test

import "time"

// raceDetector: khatru v0.19.1, which runs the testnet relays, reads its
// listener list without a lock when it broadcasts an accepted event (see
// monitor/probe). Under -race the tests turn the write test off, so no
// testnet relay accepts an event from the monitor.
const raceDetector = true

// checkTimeout: everything runs several times slower under the detector.
const checkTimeout = 10 * time.Second

// dialTimeout: the transport's dial budget (its resolver retries a lost
// UDP query after half of it); testConcurrency: checks at once. Under the
// detector the testnet accepts slowly: a smaller burst, a longer wait.
const (
	dialTimeout     = 6 * time.Second
	testConcurrency = 20
)
