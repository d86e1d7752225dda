package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/nbd-wtf/go-nostr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"

	"github.com/bigbrotr/bigbrotr/alerts"
	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/nodekey"
	"github.com/bigbrotr/bigbrotr/relayserver"
	"github.com/bigbrotr/bigbrotr/schema"
)

// Options are what the CLI hands the node besides its configuration.
type Options struct {
	Config  Config
	Logger  *slog.Logger
	Version string
	// Registry receives every metric; nil creates a private one. The Go and
	// process collectors are registered on it.
	Registry *prometheus.Registry
	// Now is the clock for NIP-40 checks; nil means time.Now.
	Now func() time.Time
	// groupStore, in tests, wraps the store the group-commit writer
	// saves through (to hold its commits).
	groupStore func(archive.Store) archive.Store
}

// Node is a running bigbrotr node: relay, status page and API, archive,
// loops and metrics.
type Node struct {
	cfg     Config
	log     *slog.Logger
	version string
	now     func() time.Time

	secretKey string
	pubKey    string

	store archive.Store
	group *archive.Writer // group-commit writer of the EVENT path
	front *relayserver.Server
	loops []loop

	alerts *alerts.Service // nil unless [alerts] enabled

	listener        net.Listener
	metricsListener net.Listener
	server          *http.Server
	metricsServer   *http.Server
}

// New loads the node key, binds the listeners, opens (and migrates) the
// archive and builds the relay and the loops, so that Addr is known before
// Run. The listeners come first: a port already taken fails before the store
// is touched. On error everything already opened is released and the error
// names the cause; New never returns a half-built Node.
func New(ctx context.Context, o Options) (*Node, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	n := &Node{cfg: o.Config, log: o.Logger, version: o.Version, now: o.Now}
	src, err := n.open(ctx, o)
	if err != nil {
		// n, not a named result: the cleanup must see what open got to.
		n.closeAll()
		return nil, err
	}
	n.log.Info("node ready",
		"listen", n.Addr(), "metrics", n.MetricsAddr(), "pubkey", n.pubKey, "key_source", string(src),
		"database", databaseKind(n.cfg.Database.URL), "mode", n.store.Mode(), "version", n.version)
	return n, nil
}

// open does New's work, leaving on n whatever it opened so that closeAll can
// release it when a later step fails.
func (n *Node) open(ctx context.Context, o Options) (nodekey.Source, error) {
	cfg := n.cfg
	sk, src, err := LoadKey(cfg.Node)
	if err != nil {
		return src, err
	}
	n.secretKey = sk
	n.pubKey, _ = nostr.GetPublicKey(sk)

	if n.listener, err = net.Listen("tcp", cfg.Node.Listen); err != nil {
		return src, fmt.Errorf("node.listen %s: %w", cfg.Node.Listen, unwrapOp(err))
	}
	if cfg.Metrics.Listen != "" {
		if n.metricsListener, err = net.Listen("tcp", cfg.Metrics.Listen); err != nil {
			return src, fmt.Errorf("metrics.listen %s: %w", cfg.Metrics.Listen, unwrapOp(err))
		}
	}

	o.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if n.store, err = archive.Open(ctx, archive.Options{
		URL:        cfg.Database.URL,
		DataDir:    cfg.Node.DataDir,
		Mode:       archive.Mode(cfg.Database.Mode),
		Whole:      wholeAuthors(cfg, n.pubKey),
		Registerer: o.Registry,
		Logger:     o.Logger,
		MaxConns:   cfg.Database.PoolSize(),
		CacheMB:    cfg.Database.CacheMB,
		// REQ, COUNT and the status page mark their reads with
		// archive.AllowReplica; everything else stays on the primary.
		ReadURLs:          cfg.Database.ReadURLs,
		ReadMaxLag:        cfg.Database.ReadMaxLag,
		ReadCheckInterval: cfg.Database.ReadCheckInterval,
	}); err != nil {
		return src, fmt.Errorf("open archive: %w", err)
	}
	groupStore := n.store
	if o.groupStore != nil {
		groupStore = o.groupStore(n.store)
	}
	groupSize := prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "bigbrotr", Subsystem: "relay",
		Name: "group_commit_events", Help: "Events per group-commit transaction of the EVENT path.",
		Buckets: prometheus.ExponentialBuckets(1, 2, 12)})
	o.Registry.MustRegister(groupSize)
	gopts := cfg.Database.WriterOptions()
	gopts.OnCommit = func(r schema.SaveResult) { groupSize.Observe(float64(r.Inserted + r.Duplicates)) }
	if n.group, err = archive.NewWriter(groupStore, gopts); err != nil {
		return src, err
	}

	if n.alerts, err = n.newAlerts(cfg, n.store, sk, o.Logger, o.Registry); err != nil {
		return src, err
	}
	env := &monitorEnv{secretKey: sk, publish: n.Publish}
	if n.alerts != nil {
		env.notify = n.alerts.Notify
	}
	if n.loops, err = buildLoops(cfg, n.store, o.Logger, o.Registry, "", env); err != nil {
		return src, err
	}
	site, err := newSite(cfg, n.store, o.Registry, n.loops, o.Logger, n.pubKey, n.version)
	if err != nil {
		return src, err
	}
	if n.front, err = relayserver.New(relayserver.Options{
		Config: cfg.Relay, Store: n.store, Writer: n.group, PubKey: n.pubKey, Site: site,
		Info: relayserver.Info{Name: cfg.Node.Name, Description: cfg.Node.Description, Contact: cfg.Node.Contact,
			Icon: cfg.Node.Icon, Version: n.version, Mode: archive.Mode(cfg.Database.Mode)},
		Logger: o.Logger, Registerer: o.Registry, Now: o.Now,
		Admit: n.alertsAdmit, Saved: n.alertsSaved,
	}); err != nil {
		return src, err
	}

	n.server = &http.Server{
		Handler:           n.front,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(o.Logger.Handler(), slog.LevelDebug),
	}
	if n.metricsListener != nil {
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{Registry: o.Registry}))
		n.metricsServer = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	}
	return src, nil
}

// unwrapOp drops net.OpError's "listen tcp ADDR:" prefix when the caller
// already names the address, leaving the cause ("address already in use").
func unwrapOp(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err
	}
	return err
}

// Run serves until ctx is done, then shuts down gracefully: stop accepting,
// close WebSockets with a "going away" frame, wait for HTTP handlers up to
// relay.shutdown_timeout, and close the archive. It returns nil after a
// clean shutdown.
func (n *Node) Run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := n.server.Serve(n.listener); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("relay listener: %w", err)
		}
		return nil
	})
	if n.metricsServer != nil {
		g.Go(func() error {
			if err := n.metricsServer.Serve(n.metricsListener); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("metrics listener: %w", err)
			}
			return nil
		})
	}
	for _, l := range n.loops {
		// A loop logs and counts its failing cycles itself and returns nil
		// when stopped, so an error here is a bug worth stopping the node for.
		g.Go(func() error {
			if err := l.run(gctx); err != nil {
				return fmt.Errorf("%s: %w", l.name, err)
			}
			return nil
		})
	}
	if n.alerts != nil {
		g.Go(func() error { return n.alerts.Run(gctx) })
	}
	g.Go(func() error {
		<-gctx.Done()
		n.log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), n.cfg.Relay.ShutdownTimeout)
		defer cancel()
		err := n.server.Shutdown(sctx)
		// Hijacked WebSockets are invisible to Shutdown: close them after
		// the listener is gone, so no new one slips in.
		n.front.CloseConnections()
		if n.metricsServer != nil {
			err = errors.Join(err, n.metricsServer.Shutdown(sctx))
		}
		return err
	})
	err := g.Wait()
	// Every connection is closed: commit what was taken, then refuse.
	wctx, cancel := context.WithTimeout(context.Background(), n.cfg.Relay.ShutdownTimeout)
	err = errors.Join(err, n.group.Close(wctx))
	cancel()
	if cerr := n.store.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("close archive: %w", cerr))
	}
	return err
}

// closeAll releases what New opened when New fails half way: the
// listeners, the loops' resources (the monitor's GeoIP databases) and the
// store, last, so that nothing built on it outlives it.
func (n *Node) closeAll() {
	if n.listener != nil {
		n.listener.Close()
	}
	if n.metricsListener != nil {
		n.metricsListener.Close()
	}
	closeLoops(n.loops)
	if n.group != nil {
		_ = n.group.Close(context.Background())
	}
	if n.store != nil {
		if err := n.store.Close(); err != nil {
			n.log.Debug("close archive after a failed start", "err", err)
		}
	}
}

// Addr is the relay's bound address (host:port).
func (n *Node) Addr() string { return n.listener.Addr().String() }

// URL is the relay's WebSocket URL on its bound address.
func (n *Node) URL() string { return "ws://" + n.Addr() }

// MetricsAddr is the metrics listener's address, or "" when disabled.
func (n *Node) MetricsAddr() string {
	if n.metricsListener == nil {
		return ""
	}
	return n.metricsListener.Addr().String()
}

// PublicKey is the node's public key in hex.
func (n *Node) PublicKey() string { return n.pubKey }

// Store is the node's archive, for wiring loops in.
func (n *Node) Store() archive.Store { return n.store }

// Sign signs ev with the node key (sets PubKey, ID and Sig).
func (n *Node) Sign(ev *nostr.Event) error { return ev.Sign(n.secretKey) }

// Publish stores one of the node's own signed events and relays it to open
// subscriptions (see relayserver.Server.Publish): the monitor's way out.
func (n *Node) Publish(ctx context.Context, ev *nostr.Event) error { return n.front.Publish(ctx, ev) }

// wholeAuthors are the pubkeys whose events the archive keeps whole even
// in lil mode: the node's own (30166, 10166, 0, 10002 and anything it
// publishes) and relay.writers', the events the node exists to serve.
func wholeAuthors(cfg Config, pub string) []string {
	return append([]string{pub}, cfg.Relay.Writers...)
}

func databaseKind(url string) string {
	if url == "" {
		return "embedded"
	}
	return "postgres"
}
