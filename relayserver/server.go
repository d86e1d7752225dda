package relayserver

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/fiatjaf/khatru"
	"github.com/nbd-wtf/go-nostr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/policies"
)

// Options are what the node hands its relay.
type Options struct {
	Config Config
	// Store answers REQ and COUNT and the NIP-09 checks of incoming events.
	Store archive.Store
	// Writer is the group-commit writer EVENTs are saved through; the
	// Server never closes it (the node does, after the last connection).
	Writer *archive.Writer
	// PubKey is the node's public key (hex): always a writer, and the
	// NIP-11 document's pubkey and self.
	PubKey string
	Info   Info
	// Site serves every request to the relay's URL that is neither a
	// WebSocket upgrade nor a NIP-11 request: the status page and the API.
	Site http.Handler
	// Logger, Registerer and Now default to discarding, a private registry
	// and time.Now. Now is the clock of the NIP-40 checks.
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	Now        func() time.Time

	// Admit, when set, lets an event past the writers allowlist (the other
	// rules still apply): the operator alerts' gift wraps. Saved, when
	// set, receives every event stored through the relay.
	Admit func(ctx context.Context, ev *nostr.Event) bool
	Saved func(ev *nostr.Event)
}

// Info is what the NIP-11 document says about the node besides the limits
// of Config.
type Info struct {
	Name, Description, Contact, Icon string
	Version                          string
	// Mode is the archive's mode: in lil mode REQ serves only events
	// stored whole, and the document says so.
	Mode archive.Mode
}

// Server is the node's own relay: an http.Handler for the relay's URL.
type Server struct {
	cfg    Config
	info   Info
	pubKey string
	log    *slog.Logger
	now    func() time.Time
	site   http.Handler

	store   archive.Store
	group   *archive.Writer
	relay   *khatru.Relay // the WebSocket front
	writer  *khatru.Relay // where EVENTs are handled
	writers *policies.Writers
	subs    *subscriptions
	conns   *connTracker
	out     *outBudget // relay.max_queued_bytes_total
	ipq     *ipQueries // relay.max_queries_per_ip
	metrics *relayMetrics
	nip11   []byte

	admit func(context.Context, *nostr.Event) bool // Options.Admit
	saved func(*nostr.Event)                       // Options.Saved
}

// New builds the relay and registers its metrics.
func New(o Options) (*Server, error) {
	if o.Store == nil || o.Writer == nil || o.Site == nil {
		return nil, errors.New("relay server: Store, Writer and Site are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{cfg: o.Config, info: o.Info, pubKey: o.PubKey, log: o.Logger, now: o.Now, site: o.Site,
		store: o.Store, group: o.Writer, admit: o.Admit, saved: o.Saved}
	s.metrics = newRelayMetrics(o.Registerer)
	s.buildRelay()
	s.renderNIP11()
	o.Registerer.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "bigbrotr", Subsystem: "relay", Name: "subscriptions",
		Help: "Open subscriptions on all connections.",
	}, func() float64 { return float64(s.subs.Total()) }))
	return s, nil
}

// CloseConnections closes every WebSocket with a "going away" frame after
// ending its queries with CLOSED, and refuses new ones. Hijacked
// WebSockets are invisible to http.Server.Shutdown: call it after
// Shutdown, so that no new one slips in.
func (s *Server) CloseConnections() { s.conns.closeAll(1001, "relay shutting down") }
