package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/relayclient"
	"github.com/bigbrotr/bigbrotr/schema"
)

// Publish destinations (metric label).
const (
	destNode   = "node"
	destRelays = "relays"
)

// emit signs ev, hands it to the node and queues it for the publish
// relays. A failure is logged and counted; it never stops the cycle.
func (m *Monitor) emit(ctx context.Context, ev *nostr.Event, ext *publisher) bool {
	kind := strconv.Itoa(ev.Kind)
	if err := m.signer.SignEvent(ctx, ev); err != nil {
		m.m.published(kind, destNode, err)
		m.Logger().Warn("sign event", "kind", ev.Kind, "err", err)
		return false
	}
	err := m.publish(ctx, ev)
	m.m.published(kind, destNode, err)
	if err != nil {
		m.Logger().Warn("publish to node", "kind", ev.Kind, "id", ev.ID, "err", err)
	}
	ext.send(ev)
	return err == nil
}

// checkpoint keys: when each periodic event was last published.
const (
	keyAnnouncement = "announcement"
	keyProfile      = "profile"
	keyRelayList    = "relay_list"
)

// announce publishes the 10166, kind 0 and kind 10002 events whose
// interval has passed since they were last published (by any node on the
// store), and records when.
func (m *Monitor) announce(ctx context.Context, ext *publisher) (int, error) {
	states, err := m.store.ListState(ctx, ServiceName, StateCheckpoint)
	if err != nil {
		return 0, fmt.Errorf("monitor: read checkpoints: %w", err)
	}
	last := map[string]time.Time{}
	for _, s := range states {
		var unix int64
		if json.Unmarshal(s.Value, &unix) == nil {
			last[s.Key] = time.Unix(unix, 0)
		}
	}
	now := m.Now()
	due := func(key string, every time.Duration) bool {
		t, ok := last[key]
		return !ok || !now.Before(t.Add(every))
	}
	var put []schema.State
	for _, p := range []struct {
		key   string
		every time.Duration
		build func() (nostr.Event, bool)
	}{
		{keyAnnouncement, m.cfg.AnnouncementInterval, func() (nostr.Event, bool) { return Announcement(m.activeConfig(), now), true }},
		{keyProfile, m.cfg.ProfileInterval, func() (nostr.Event, bool) { return ProfileEvent(m.profile, now), true }},
		{keyRelayList, m.cfg.RelayListInterval, func() (nostr.Event, bool) {
			return RelayList(m.cfg.PublishRelays, now), len(m.cfg.PublishRelays) > 0
		}},
	} {
		if !due(p.key, p.every) {
			continue
		}
		ev, ok := p.build()
		if !ok || !m.emit(ctx, &ev, ext) {
			continue
		}
		put = append(put, schema.State{Service: ServiceName, Type: StateCheckpoint, Key: p.key,
			Value: json.RawMessage(strconv.FormatInt(now.Unix(), 10))})
	}
	if len(put) == 0 {
		return 0, nil
	}
	if err := m.store.PutState(ctx, put); err != nil {
		return 0, fmt.Errorf("monitor: write checkpoints: %w", err)
	}
	return len(put), nil
}

// publisher copies events to the publish relays, one connection and one
// goroutine per relay, so that a slow or dead relay delays nobody.
type publisher struct {
	m     *Monitor
	wg    sync.WaitGroup
	queue []chan *nostr.Event
}

// queueSize bounds the events waiting for one publish relay; beyond it
// events are dropped (and counted), never waited for.
const queueSize = 4096

func (m *Monitor) newPublisher(ctx context.Context) *publisher {
	p := &publisher{m: m}
	for _, url := range m.cfg.PublishRelays {
		q := make(chan *nostr.Event, queueSize)
		p.queue = append(p.queue, q)
		p.wg.Go(func() { p.run(ctx, url, q) })
	}
	return p
}

func (p *publisher) send(ev *nostr.Event) {
	if p == nil {
		return
	}
	for _, q := range p.queue {
		select {
		case q <- ev:
		default:
			p.m.m.published(strconv.Itoa(ev.Kind), destRelays, errors.New("queue full"))
		}
	}
}

// close waits for every queued event to be sent or given up on.
func (p *publisher) close() {
	if p == nil {
		return
	}
	for _, q := range p.queue {
		close(q)
	}
	p.wg.Wait()
}

// run sends q's events to one relay. After a failed connection the rest of
// the cycle's events for that relay are counted as failed without trying:
// a dead publish relay must not cost a timeout per event.
func (p *publisher) run(ctx context.Context, url string, q <-chan *nostr.Event) {
	m := p.m
	var (
		conn *relayclient.Conn
		down error
	)
	defer func() {
		if conn != nil {
			_ = conn.Close()
		}
	}()
	for ev := range q {
		kind := strconv.Itoa(ev.Kind)
		if conn != nil && conn.Err() != nil {
			// Ended since the last event (conn_time, or the relay hung up):
			// a fresh connection, not a failure.
			_ = conn.Close()
			conn = nil
		}
		if down == nil && conn == nil {
			dctx, cancel := context.WithTimeout(ctx, m.cfg.PublishTimeout)
			conn, down = relayclient.Dial(dctx, m.tr, url, relayclient.Options{Limits: m.cfg.Client,
				Signer: m.signer.SignEvent, Now: m.Now})
			cancel()
			if down != nil {
				m.Logger().Warn("publish relay unreachable", "relay", url, "err", down)
			}
		}
		if down != nil {
			m.m.published(kind, destRelays, down)
			continue
		}
		err := m.sendEvent(ctx, conn, ev)
		m.m.published(kind, destRelays, err)
		if err != nil {
			m.Logger().Debug("publish to relay", "relay", url, "kind", ev.Kind, "err", err)
			if !errors.Is(err, relayclient.ErrRefused) { // the connection is in doubt: redial next time
				_ = conn.Close()
				conn = nil
			}
		}
	}
}

// sendEvent publishes ev and waits for its OK; an "auth-required:" refusal
// is answered with NIP-42 AUTH and the event sent once more.
func (m *Monitor) sendEvent(ctx context.Context, conn *relayclient.Conn, ev *nostr.Event) error {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.PublishTimeout)
	defer cancel()
	err := conn.Publish(ctx, ev)
	if !relayclient.AuthRequired(err) || conn.Authenticated() {
		return err
	}
	if aerr := conn.Auth(ctx); aerr != nil {
		return fmt.Errorf("%w (after %w)", aerr, err)
	}
	return conn.Publish(ctx, ev)
}
