//go:build !race

package synchronizer

const raceOn = false
