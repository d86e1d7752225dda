//go:build !race

package node

import "time"

// raceEnabled: see race_on_test.go.
const raceEnabled = false

const raceSlowdown = 0 * time.Second
