//go:build race

package syncer

// raceOn scales the large tests down under the race detector.
const raceOn = true
