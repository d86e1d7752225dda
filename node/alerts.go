package node

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/nbd-wtf/go-nostr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/alerts"
	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/transport"
)

// newAlerts builds the operator alerts when [alerts] enabled is set (nil
// otherwise). Their DMs are published through the node's relay as the
// node's own (see publishOwn) and to inbox relays through a transport of
// their own, under the same [network] rules as the loops'.
func (n *Node) newAlerts(cfg Config, store archive.Store, sk string, log *slog.Logger, reg prometheus.Registerer) (*alerts.Service, error) {
	if !cfg.Alerts.Enabled {
		return nil, nil
	}
	tr, err := transport.New(cfg.Network, log.With("component", "transport"))
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	ac := cfg.Alerts
	ac.URLs = schema.ParseOptions{AllowPrivate: cfg.Network.AllowPrivate}
	return alerts.New(ac, store, alerts.Options{SecretKey: sk, Publish: n.publishOwn, Transport: tr,
		DownAfter: cfg.Changes.DownAfter, Logger: log, Registerer: reg, Now: n.now})
}

type ownEventKey struct{}

// publishOwn publishes an event the node made but did not sign with its
// key (a NIP-59 gift wrap is signed by a one-time key): the writers
// policy lets it through as the node's own.
func (n *Node) publishOwn(ctx context.Context, ev *nostr.Event) error {
	return n.Publish(context.WithValue(ctx, ownEventKey{}, true), ev)
}

// alertsAdmit lets gift wraps addressed to the node past the writers
// allowlist while the alerts are on (operators' commands come from
// anyone), and the node's own gift wraps (publishOwn).
func (n *Node) alertsAdmit(ctx context.Context, ev *nostr.Event) bool {
	return n.alerts != nil && (n.alerts.Accepts(ev) || ev.Kind == nostr.KindGiftWrap && ctx.Value(ownEventKey{}) != nil)
}

// alertsSaved hands a stored gift wrap to the alerts.
func (n *Node) alertsSaved(ev *nostr.Event) {
	if n.alerts != nil {
		n.alerts.Inbox(ev)
	}
}
