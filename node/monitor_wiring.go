package node

import (
	"context"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/changes"
	"github.com/bigbrotr/bigbrotr/monitor"
	"github.com/bigbrotr/bigbrotr/nodekey"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/transport"
)

// LoopMonitor is the monitor loop's name: `bigbrotr monitor [--once]`.
const LoopMonitor = monitor.Name

// MonitorSection is [monitor].
type MonitorSection struct {
	Enabled bool `toml:"enabled"`
	monitor.Config
}

func monitorDefaults() MonitorSection {
	return MonitorSection{Enabled: true, Config: monitor.DefaultConfig()}
}

// monitorEnv is what the monitor needs from its host besides the store:
// the node key and where its events go. Inside a node they go through
// (*Node).Publish, so live subscribers see them; a standalone `bigbrotr
// monitor` has no relay and writes them to the archive, where the node
// serves them once it runs.
type monitorEnv struct {
	secretKey string
	publish   monitor.PublishFunc
	// notify, when set, receives the relays' state changes (the alerts).
	notify func(context.Context, []schema.Change)
}

// standaloneMonitorEnv loads the node key and publishes into store.
func standaloneMonitorEnv(cfg Config, store archive.Store) (monitorEnv, error) {
	sk, _, err := LoadKey(cfg.Node)
	if err != nil {
		return monitorEnv{}, err
	}
	return monitorEnv{secretKey: sk, publish: func(ctx context.Context, ev *nostr.Event) error {
		_, err := store.SaveEvents(ctx, []schema.Sighting{{Event: ev, SeenAt: time.Now()}})
		return err
	}}, nil
}

// newMonitor builds the monitor over store with the node's identity as its
// kind 0 profile.
func newMonitor(cfg Config, store archive.Store, tr *transport.Transport, env monitorEnv, o monitor.Options) (*monitor.Monitor, error) {
	o.Signer, o.Publish = nodekey.Signer(env.secretKey), env.publish
	o.SavePeers = func(ctx context.Context, b []schema.Sighting) error {
		_, err := store.SaveEvents(ctx, b)
		return err
	}
	o.Profile = monitor.Profile{Name: cfg.Node.Name, About: cfg.Node.Description, Picture: cfg.Node.Icon}
	t, err := changes.NewTracker(store, cfg.Changes.Rules(), o.Logger, o.Registerer, env.notify)
	if err != nil {
		return nil, err
	}
	o.Observed = t.Observed
	return monitor.New(cfg.Monitor.Config, store, tr, o)
}
