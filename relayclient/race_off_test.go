//go:build !race

package relayclient

const raceDetector = false
