package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/nbd-wtf/go-nostr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/transport"
)

// Store is what the alerts need from the archive.
type Store interface {
	GetState(ctx context.Context, service, typ, key string) (schema.State, error)
	PutState(ctx context.Context, s []schema.State) error
	DeleteState(ctx context.Context, s []schema.State) error
	ListState(ctx context.Context, service, typ string) ([]schema.State, error)
	// Relays lists validated relays: a watch names one of them.
	Relays(ctx context.Context, networks ...schema.Network) ([]schema.Relay, error)
	// LatestSnapshots gives the relay's newest NIP-11 document: its
	// pubkey is the operator.
	LatestSnapshots(ctx context.Context, relay schema.RelayURL) ([]schema.Snapshot, error)
	// QueryEvents finds recipients' inbox relay lists.
	QueryEvents(ctx context.Context, f nostr.Filter, fn func(*nostr.Event) error) error
	// Changes reads the stored state changes, newest first.
	Changes(ctx context.Context, q schema.ChangeQuery) ([]schema.Change, error)
}

// Service name and state types of what the alerts keep.
const (
	ServiceName = "alerts"
	// StateWatch: key the relay URL, value {"pubkey", "since"}.
	StateWatch = "watch"
	// StateQuota: key a recipient pubkey, value the day's quota.
	StateQuota = "quota"
	// StateSeen: key a sender pubkey, value the commands taken from them,
	// so that a replayed gift wrap does nothing.
	StateSeen = "seen"
	// StateCursor: key "changes", value {"id"}: the newest change alerted
	// on.
	StateCursor = "cursor"
)

// Options are the service's dependencies.
type Options struct {
	// SecretKey is the node key: it decrypts what operators send and
	// signs and encrypts what the node answers. Required.
	SecretKey string
	// Publish stores and serves an event on the node's own relay. Required.
	Publish func(ctx context.Context, ev *nostr.Event) error
	// Transport reaches recipients' inbox relays; nil sends to the node's
	// own relay only.
	Transport *transport.Transport
	// DownAfter is [changes] down_after, for the words of the replies.
	DownAfter int
	Logger    *slog.Logger
	// Registerer receives the alert metrics; nil registers nothing.
	Registerer prometheus.Registerer
	Now        func() time.Time
}

// Service takes operators' commands and sends their alerts.
type Service struct {
	cfg   Config
	store Store
	o     Options
	key   nodeKeyer
	log   *slog.Logger
	m     *metrics
	jobs  chan job
	wake  chan struct{} // changes were stored: poll now

	mu       sync.Mutex // replies, seen and the in-memory quotas
	replies  window
	seen     map[string]bool // gift wrap ids taken, bounded
	memDay   string
	memQuota map[string]quota // today's DMs to pubkeys that watch nothing
}

type job struct {
	wrap *nostr.Event
}

// queue bounds the work waiting for Run; more is dropped and counted.
const queue = 256

// New builds the service; Run does its work.
func New(cfg Config, store Store, o Options) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil || o.Publish == nil {
		return nil, errors.New("alerts: nil store or publish func")
	}
	k, err := newNodeKeyer(o.SecretKey)
	if err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, fmt.Errorf("alerts: metrics: %w", err)
	}
	return &Service{cfg: cfg, store: store, o: o, key: k, log: o.Logger.With("component", "alerts"), m: m,
		jobs: make(chan job, queue), wake: make(chan struct{}, 1), seen: map[string]bool{}}, nil
}

// Accepts reports whether ev is a gift wrap for the node: the relay takes
// those from anyone while the alerts are on.
func (s *Service) Accepts(ev *nostr.Event) bool {
	if ev.Kind != nostr.KindGiftWrap {
		return false
	}
	for _, t := range ev.Tags {
		if len(t) >= 2 && t[0] == "p" && t[1] == s.key.pk {
			return true
		}
	}
	return false
}

// Inbox queues a gift wrap the relay stored, without waiting.
func (s *Service) Inbox(ev *nostr.Event) {
	if !s.Accepts(ev) {
		return
	}
	s.mu.Lock()
	if s.seen[ev.ID] {
		s.mu.Unlock()
		return
	}
	if len(s.seen) >= 4096 {
		clear(s.seen) // replays are also caught by StateSeen
	}
	s.seen[ev.ID] = true
	s.mu.Unlock()
	s.enqueue(job{wrap: ev})
}

// Notify is the tracker's hook, called from the monitor's writer once
// changes are stored: when one is worth an alert, Run reads the stored
// changes at once instead of at its next poll. It never waits.
func (s *Service) Notify(_ context.Context, cs []schema.Change) {
	for _, c := range cs {
		if alertKinds[c.Kind] {
			select {
			case s.wake <- struct{}{}:
			default: // a poll is due already
			}
			return
		}
	}
}

func (s *Service) enqueue(j job) {
	select {
	case s.jobs <- j:
	default:
		s.m.dropped.Inc()
		s.log.Warn("alerts queue full, dropping work")
	}
}

// alertKinds are the changes an operator is told about.
var alertKinds = map[string]bool{
	schema.ChangeDown: true, schema.ChangeUp: true, schema.ChangeCertExpiring: true,
	schema.ChangeCertExpired: true, schema.ChangeNIP11: true,
}

// Run publishes the node's DM inbox list (kind 10050), then answers the
// queued commands and alerts on the changes stored since it last looked
// (every poll_interval, and at once when Notify says so) until ctx is
// done. Reading the stored changes, from a cursor kept in the store, makes
// the alerts survive a restart and reach operators whatever process ran
// the monitor.
func (s *Service) Run(ctx context.Context) error {
	if len(s.cfg.InboxRelays) > 0 {
		if err := s.publishInboxList(ctx); err != nil {
			s.log.Warn("publish the node's DM relay list", "err", err)
		}
	}
	tick := time.NewTicker(s.cfg.PollInterval)
	defer tick.Stop()
	poll := func() {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		if err := s.poll(pctx); err != nil && ctx.Err() == nil {
			s.log.Warn("read changes", "err", err)
		}
	}
	poll()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			poll()
		case <-s.wake:
			poll()
		case j := <-s.jobs:
			jctx, cancel := context.WithTimeout(ctx, time.Minute)
			s.handleWrap(jctx, j.wrap)
			cancel()
		}
	}
}

func (s *Service) publishInboxList(ctx context.Context) error {
	ev := nostr.Event{Kind: nostr.KindDMRelayList, CreatedAt: nostr.Timestamp(s.o.Now().Unix()), Tags: nostr.Tags{}}
	for _, r := range s.cfg.InboxRelays {
		u, _ := schema.ParseRelayURLWith(r, s.cfg.URLs) // validated
		ev.Tags = append(ev.Tags, nostr.Tag{"relay", u.String()})
	}
	if err := ev.Sign(s.key.sk); err != nil {
		return err
	}
	return s.o.Publish(ctx, &ev)
}

// handleChanges DMs each change to the relay's watcher, while they are
// still its operator.
func (s *Service) handleChanges(ctx context.Context, cs []schema.Change) {
	for _, c := range cs {
		if !alertKinds[c.Kind] {
			continue
		}
		w, ok, err := s.watch(ctx, c.Relay)
		if err != nil {
			s.log.Warn("read watch", "relay", c.Relay.String(), "err", err)
			continue
		}
		if !ok {
			continue
		}
		owner, known, err := s.operator(ctx, c.Relay)
		if err != nil {
			s.log.Warn("read operator", "relay", c.Relay.String(), "err", err)
			continue
		}
		if known && owner != w.PubKey {
			// The document names someone else now: the watch was theirs
			// to keep only while they ran the relay.
			s.log.Info("operator changed, watch dropped", "relay", c.Relay.String())
			_ = s.store.DeleteState(ctx, []schema.State{{Service: ServiceName, Type: StateWatch, Key: c.Relay.String()}})
			continue
		}
		s.send(ctx, w.PubKey, alertText(c), "alert")
	}
}

// watchEntry is one relay's watcher.
type watchEntry struct {
	PubKey string `json:"pubkey"`
	Since  int64  `json:"since"`
}

func (s *Service) watch(ctx context.Context, relay schema.RelayURL) (watchEntry, bool, error) {
	st, err := s.store.GetState(ctx, ServiceName, StateWatch, relay.String())
	if errors.Is(err, schema.ErrNotFound) {
		return watchEntry{}, false, nil
	}
	if err != nil {
		return watchEntry{}, false, err
	}
	var w watchEntry
	if json.Unmarshal(st.Value, &w) != nil || w.PubKey == "" {
		return watchEntry{}, false, nil
	}
	return w, true, nil
}

// watchesOf lists the relays pubkey watches, by URL.
func (s *Service) watchesOf(ctx context.Context, pubkey string) ([]string, error) {
	all, err := s.store.ListState(ctx, ServiceName, StateWatch)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, st := range all {
		var w watchEntry
		if json.Unmarshal(st.Value, &w) == nil && w.PubKey == pubkey {
			out = append(out, st.Key)
		}
	}
	slices.Sort(out)
	return out, nil
}
