package node

import (
	"log/slog"
	"time"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/discovery"
	"github.com/bigbrotr/bigbrotr/relayserver"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/web"
	"github.com/bigbrotr/bigbrotr/websource"
)

// newSite builds the status page and the JSON API over the archive
// (package websource), with what only the node knows: the loops' health,
// their warnings and what the configuration leaves out.
func newSite(cfg Config, store archive.Store, loops []loop, log *slog.Logger, pub, version string) (*web.Handler, error) {
	// A relay is checked again Interval after its last check, at the
	// monitor's next tick, within its check budget; two intervals plus the
	// slowest (overlay) budget is when a success has gone stale.
	online := 2*cfg.Monitor.Interval + cfg.Monitor.Tick() + cfg.Monitor.RelayBudget(schema.Tor)
	src := websource.Options{Store: store, Online: online, Setup: setupHints(cfg),
		Self: pub, AgreementWindow: cfg.Monitor.AgreementWindow}
	var names []string // the status page lists the loops this node runs
	for _, l := range loops {
		names = append(names, l.name)
		if l.warning != nil {
			src.Warnings = append(src.Warnings, l.warning)
		}
	}
	src.Loops = websource.LoopHealth(loopsHealth(loops), names, map[string]time.Duration{LoopMonitor: cfg.Monitor.Interval}, nil)
	return web.New(web.Options{
		Source: websource.New(src),
		Logger: log,
		Node: web.NodeInfo{Name: cfg.Node.Name, Description: cfg.Node.Description, PubKey: pub, Version: version,
			Archive: relayserver.ArchiveNotice(archive.Mode(cfg.Database.Mode))},
	})
}

// setupHints says what in cfg keeps an empty node empty or idle, as the
// fix to make in node.toml. None for the default configuration, which
// seeds the built-in list at start.
func setupHints(cfg Config) []string {
	var out []string
	seeds := cfg.Seeder.Enabled && cfg.Seeder.File != discovery.SeedsNone
	switch {
	case !seeds && !cfg.Finder.Enabled:
		out = append(out, `Nothing gives this node relays: the seeder has no list ([seeder] enabled = false or file = "none") and the finder is off. Set [seeder] enabled = true and leave file unset to use the built-in list of public relays, or set file to a list of your own; [finder] enabled = true then finds more in their events.`)
	case !seeds:
		out = append(out, `The seeder has no list ([seeder] enabled = false or file = "none"): the finder only learns relays from relays the node already knows, so an empty node stays empty. Leave [seeder] file unset for the built-in list, or set it to a list of your own.`)
	}
	if !cfg.Validator.Enabled {
		out = append(out, `[validator] enabled = false: candidates are never checked, so no relay is admitted, monitored or synced.`)
	}
	if !cfg.Monitor.Enabled {
		out = append(out, `[monitor] enabled = false: relays are not checked and no NIP-66 events are published.`)
	}
	if !cfg.Synchronizer.Enabled {
		out = append(out, `[synchronizer] enabled = false: no events are archived from relays.`)
	}
	return out
}
