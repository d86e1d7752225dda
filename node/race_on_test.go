//go:build race

package node

import "time"

// raceEnabled: khatru v0.19.1, which runs the testnet relays, reads its
// listener list without a lock when it broadcasts an accepted event, so
// under -race the monitor's write test is off (as in package monitor), and
// checks get more time.
const raceEnabled = true

const raceSlowdown = 3 * time.Second
