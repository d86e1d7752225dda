//go:build !race

package monitor_test

import "time"

// raceDetector: see race_on_test.go.
const raceDetector = false

// checkTimeout is one check attempt's budget in the tests.
const checkTimeout = 3 * time.Second

// dialTimeout: the transport's dial budget (its resolver retries a lost
// UDP query after half of it); testConcurrency: checks at once.
const (
	dialTimeout     = 2 * time.Second
	testConcurrency = 50
)
