//go:build !race

package monitor_test

import "time"

// raceDetector: see race_on_test.go.
const raceDetector = false

// checkTimeout is one check attempt's budget in the tests. The NIP test
// splits it among up to four claims, and an overlay relay's answer travels
// through the testnet's SOCKS5 proxy: at 3s, a machine running other test
// packages at once left a COUNT a few hundred milliseconds and refused
// NIP-45 on tor, i2p and loki relays that honour it.
const checkTimeout = 5 * time.Second

// dialTimeout: the transport's dial budget (its resolver retries a lost
// UDP query after half of it); testConcurrency: checks at once.
const (
	dialTimeout     = 2 * time.Second
	testConcurrency = 50
)
