package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip17"

	"github.com/bigbrotr/bigbrotr/changes"
	"github.com/bigbrotr/bigbrotr/relayclient"
	"github.com/bigbrotr/bigbrotr/schema"
)

// alertText is the DM for one change.
func alertText(c schema.Change) string {
	return fmt.Sprintf("%s: %s (check at %s).", c.Relay, changes.Describe(c), c.At.UTC().Format("2006-01-02 15:04 UTC"))
}

// reply answers a command. Replies to pubkeys that watch nothing share a
// node-wide cap besides the recipient's own quota.
func (s *Service) reply(ctx context.Context, to, text string) {
	ws, err := s.watchesOf(ctx, to)
	watcher := err != nil || len(ws) > 0
	if !watcher {
		s.mu.Lock()
		ok := s.replies.allow(s.o.Now(), s.cfg.RepliesPerMinute)
		s.mu.Unlock()
		if !ok {
			s.m.dms.WithLabelValues("reply", "rate_limited").Inc()
			s.log.Debug("reply dropped: too many replies this minute", "to", to)
			return
		}
	}
	s.sendAs(ctx, to, text, "reply", watcher)
}

// send DMs text to a watcher within its daily quota: one NIP-17 gift
// wrap, to the node's own relay and to the recipient's inbox relays.
func (s *Service) send(ctx context.Context, to, text, what string) {
	s.sendAs(ctx, to, text, what, true)
}

// sendAs is send; the quota of a pubkey that watches nothing is kept in
// memory only, so that throwaway keys leave no rows in the store.
func (s *Service) sendAs(ctx context.Context, to, text, what string, watcher bool) {
	var (
		ok  bool
		err error
	)
	if watcher {
		ok, err = s.takeQuota(ctx, to)
	} else {
		ok = s.takeMemQuota(to)
	}
	if err != nil {
		s.m.dms.WithLabelValues(what, "failed").Inc()
		s.log.Warn("read quota", "to", to, "err", err)
		return
	}
	if !ok {
		s.m.dms.WithLabelValues(what, "rate_limited").Inc()
		s.log.Info("DM dropped: daily quota spent", "to", to, "max_per_day", s.cfg.MaxPerDay)
		return
	}
	_, wrap, err := nip17.PrepareMessage(ctx, text, nostr.Tags{}, s.key, to, nil)
	if err != nil {
		s.m.dms.WithLabelValues(what, "failed").Inc()
		s.log.Warn("wrap DM", "to", to, "err", err)
		return
	}
	delivered := 0
	if err := s.o.Publish(ctx, &wrap); err != nil {
		s.log.Warn("DM to own relay", "to", to, "err", err)
	} else {
		delivered++
	}
	for _, url := range s.inboxOf(ctx, to) {
		if err := s.publishTo(ctx, url, &wrap); err != nil {
			s.log.Info("DM to inbox relay", "to", to, "relay", url, "err", err)
			continue
		}
		delivered++
	}
	if delivered == 0 {
		s.m.dms.WithLabelValues(what, "failed").Inc()
		return
	}
	s.m.dms.WithLabelValues(what, "sent").Inc()
}

// takeQuota spends one of the recipient's DMs of the day.
func (s *Service) takeQuota(ctx context.Context, to string) (bool, error) {
	st, err := s.store.GetState(ctx, ServiceName, StateQuota, to)
	if err != nil && !errors.Is(err, schema.ErrNotFound) {
		return false, err
	}
	var q quota
	if err == nil {
		_ = json.Unmarshal(st.Value, &q)
	}
	q, ok := q.take(s.o.Now(), s.cfg.MaxPerDay)
	if !ok {
		return false, nil
	}
	b, _ := json.Marshal(q)
	return true, s.store.PutState(ctx, []schema.State{{Service: ServiceName, Type: StateQuota, Key: to, Value: b}})
}

// takeMemQuota is takeQuota in memory; the map starts afresh each UTC day.
func (s *Service) takeMemQuota(to string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.o.Now()
	if day := now.UTC().Format(time.DateOnly); day != s.memDay {
		s.memDay, s.memQuota = day, map[string]quota{}
	}
	q, ok := s.memQuota[to].take(now, s.cfg.MaxPerDay)
	s.memQuota[to] = q
	return ok
}

// inboxOf reads the recipient's newest 10050 and 10002 from the archive
// and picks where to send; the node's own inbox relays are skipped (the
// DM is there already).
func (s *Service) inboxOf(ctx context.Context, pubkey string) []string {
	if s.o.Transport == nil {
		return nil
	}
	newest := func(kind int) *nostr.Event {
		var ev *nostr.Event
		err := s.store.QueryEvents(ctx, nostr.Filter{Kinds: []int{kind}, Authors: []string{pubkey}, Limit: 1},
			func(e *nostr.Event) error { ev = e; return nil })
		if err != nil {
			s.log.Warn("read inbox relays", "pubkey", pubkey, "kind", kind, "err", err)
		}
		return ev
	}
	var out []string
	for _, u := range inboxRelays(newest(nostr.KindDMRelayList), newest(nostr.KindRelayListMetadata), s.cfg.URLs) {
		own := false
		for _, mine := range s.cfg.InboxRelays {
			if m, err := schema.ParseRelayURLWith(mine, s.cfg.URLs); err == nil && m.String() == u {
				own = true
			}
		}
		if !own {
			out = append(out, u)
		}
	}
	return out
}

// publishTo sends one event to one relay through the transport.
func (s *Service) publishTo(ctx context.Context, url string, ev *nostr.Event) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.PublishTimeout)
	defer cancel()
	conn, err := relayclient.Dial(ctx, s.o.Transport, url, relayclient.Options{Limits: s.cfg.Client,
		Signer: func(_ context.Context, e *nostr.Event) error { return e.Sign(s.key.sk) }})
	if err != nil {
		return err
	}
	defer conn.Close()
	err = conn.Publish(ctx, ev)
	if relayclient.AuthRequired(err) && !conn.Authenticated() {
		if aerr := conn.Auth(ctx); aerr == nil {
			err = conn.Publish(ctx, ev)
		}
	}
	return err
}
