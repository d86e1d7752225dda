package monitor

import (
	"fmt"
	"time"

	"github.com/bigbrotr/bigbrotr/schema"
)

// Bounds of agreement_window: shorter than a monitor's usual period says
// nothing; longer than a week counts monitors long gone.
const (
	minAgreementWindow = 10 * time.Minute
	maxAgreementWindow = 7 * 24 * time.Hour
	maxPeers           = 100
)

// validatePeers checks peers and agreement_window.
func (c Config) validatePeers(add func(key, format string, args ...any)) {
	if len(c.Peers) > maxPeers {
		add("peers", "at most %d relays, got %d", maxPeers, len(c.Peers))
	}
	for i, u := range c.Peers {
		if _, err := schema.ParseRelayURLWith(u, c.URLs); err != nil {
			add(fmt.Sprintf("peers[%d]", i), "%v", err)
		}
	}
	if c.AgreementWindow > 0 && (c.AgreementWindow < minAgreementWindow || c.AgreementWindow > maxAgreementWindow) {
		add("agreement_window", "must be between %v and %v, got %v", minAgreementWindow, maxAgreementWindow, c.AgreementWindow)
	}
}
