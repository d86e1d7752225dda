//go:build race

package synchronizer

// raceOn scales the large tests down under the race detector.
const raceOn = true
