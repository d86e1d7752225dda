package alerts

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip59"

	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/schema"
)

// seenEntry is what was taken from one sender: the newest commands (up to
// keepSeen) and the time up to which anything is old (that of the last
// one forgotten). Commands sent in
// the same second are told apart by their ids.
type seenEntry struct {
	Floor int64       `json:"floor"`
	Taken []seenRumor `json:"taken"`
}

type seenRumor struct {
	At int64  `json:"at"`
	ID string `json:"id"`
}

const keepSeen = 32

// take records a rumor unless it is old or taken already.
func (e seenEntry) take(at int64, id string) (seenEntry, bool) {
	if at <= e.Floor || slices.ContainsFunc(e.Taken, func(r seenRumor) bool { return r.ID == id }) {
		return e, false
	}
	e.Taken = append(slices.Clone(e.Taken), seenRumor{At: at, ID: id})
	slices.SortFunc(e.Taken, func(a, b seenRumor) int { return cmp.Compare(a.At, b.At) })
	for len(e.Taken) > keepSeen {
		e.Floor = max(e.Floor, e.Taken[0].At)
		e.Taken = e.Taken[1:]
	}
	return e, true
}

// handleWrap opens a gift wrap and answers the command inside.
func (s *Service) handleWrap(ctx context.Context, wrap *nostr.Event) {
	rumor, err := nip59.GiftUnwrap(*wrap, func(pk, ct string) (string, error) { return s.key.Decrypt(ctx, ct, pk) })
	if err != nil {
		s.m.commands.WithLabelValues("undecryptable").Inc()
		s.log.Debug("gift wrap not for us or broken", "id", wrap.ID, "err", err)
		return
	}
	if rumor.Kind != nostr.KindDirectMessage || !nostr.IsValidPublicKey(rumor.PubKey) {
		s.m.commands.WithLabelValues("ignored").Inc()
		return
	}
	sender := rumor.PubKey
	cmd, err := ParseCommand(rumor.Content, s.cfg.URLs)
	if err != nil {
		s.m.commands.WithLabelValues("invalid").Inc()
		s.reply(ctx, sender, err.Error()+"\n\n"+s.help())
		return
	}
	s.m.commands.WithLabelValues(cmd.Name).Inc()
	s.log.Info("command", "command", cmd.Name, "from", sender, "relay", cmd.Relay.String())
	text, err := s.run(ctx, sender, cmd, rumor)
	if errors.Is(err, errReplayed) {
		s.m.commands.WithLabelValues("replayed").Inc()
		return
	}
	if err != nil {
		s.log.Warn("command failed", "command", cmd.Name, "from", sender, "err", err)
		text = "sorry, the node could not do that just now (" + cmd.Name + "); try again later."
	}
	s.reply(ctx, sender, text)
}

// firstSeen records rumor as taken from sender, unless it was taken
// already or is older than what is remembered (a replayed gift wrap).
func (s *Service) firstSeen(ctx context.Context, sender string, rumor nostr.Event) (bool, error) {
	st, err := s.store.GetState(ctx, ServiceName, StateSeen, sender)
	if err != nil && !errors.Is(err, schema.ErrNotFound) {
		return false, err
	}
	var e seenEntry
	if err == nil {
		_ = json.Unmarshal(st.Value, &e)
	}
	e, ok := e.take(int64(rumor.CreatedAt), rumor.ID)
	if !ok {
		return false, nil
	}
	b, _ := json.Marshal(e)
	return true, s.store.PutState(ctx, []schema.State{{Service: ServiceName, Type: StateSeen, Key: sender, Value: b}})
}

// errReplayed: the command was taken before (a gift wrap sent again).
var errReplayed = errors.New("command already taken")

// taken checks that a command that changes state was not taken before
// and records it. Only the commands that take effect are recorded, so
// throwaway keys leave no state behind; replaying the others does no
// more than ask again (and is capped like any reply).
func (s *Service) taken(ctx context.Context, sender string, rumor nostr.Event) error {
	fresh, err := s.firstSeen(ctx, sender, rumor)
	if err != nil {
		return fmt.Errorf("read replay state: %w", err)
	}
	if !fresh {
		return errReplayed
	}
	return nil
}

// run carries out a command and says how it went.
func (s *Service) run(ctx context.Context, sender string, cmd Command, rumor nostr.Event) (string, error) {
	switch cmd.Name {
	case CmdHelp:
		return s.help(), nil
	case CmdStatus:
		return s.status(ctx, sender)
	case CmdUnwatch:
		w, ok, err := s.watch(ctx, cmd.Relay)
		if err != nil {
			return "", err
		}
		if !ok || w.PubKey != sender {
			return "you are not watching " + cmd.Relay.String() + ": nothing to stop.", nil
		}
		if err := s.taken(ctx, sender, rumor); err != nil {
			return "", err
		}
		if err := s.store.DeleteState(ctx, []schema.State{{Service: ServiceName, Type: StateWatch, Key: cmd.Relay.String()}}); err != nil {
			return "", err
		}
		return "stopped watching " + cmd.Relay.String() + ": no more alerts about it.", nil
	}
	// watch
	known, err := s.validated(ctx, cmd.Relay)
	if err != nil {
		return "", err
	}
	if !known {
		s.m.commands.WithLabelValues("refused").Inc()
		return "refused: " + cmd.Relay.String() + " is not a relay this node monitors.", nil
	}
	owner, _, err := s.operator(ctx, cmd.Relay)
	if err != nil {
		return "", err
	}
	switch {
	case owner == "":
		s.m.commands.WithLabelValues("refused").Inc()
		return "refused: the NIP-11 document of " + cmd.Relay.String() + " names no operator pubkey. " +
			"Put yours in its \"pubkey\" field and ask again once this node has checked the relay.", nil
	case owner != sender:
		s.m.commands.WithLabelValues("refused").Inc()
		return "refused: only the operator of " + cmd.Relay.String() + " may watch it, and its NIP-11 document " +
			"names pubkey " + owner + ", not yours.", nil
	}
	if err := s.taken(ctx, sender, rumor); err != nil {
		return "", err
	}
	b, _ := json.Marshal(watchEntry{PubKey: sender, Since: s.o.Now().Unix()})
	if err := s.store.PutState(ctx, []schema.State{{Service: ServiceName, Type: StateWatch, Key: cmd.Relay.String(), Value: b}}); err != nil {
		return "", err
	}
	return fmt.Sprintf("watching %s: you will get a DM when it goes down (%d failed checks in a row) and when it is back up, "+
		"when its certificate is about to expire or has expired, and when its NIP-11 document changes; at most %d DMs a day. "+
		"Send \"unwatch %s\" to stop.", cmd.Relay, max(1, s.o.DownAfter), s.cfg.MaxPerDay, cmd.Relay), nil
}

func (s *Service) status(ctx context.Context, sender string) (string, error) {
	ws, err := s.watchesOf(ctx, sender)
	if err != nil {
		return "", err
	}
	if len(ws) == 0 {
		return "you watch no relay. " + s.help(), nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "you watch %d relay(s):", len(ws))
	for _, u := range ws {
		b.WriteString("\n- " + u + ": " + s.state(ctx, u))
	}
	return b.String(), nil
}

// state is the relay's newest reachability check in words.
func (s *Service) state(ctx context.Context, u string) string {
	url, err := schema.ParseRelayURLWith(u, schema.ParseOptions{AllowPrivate: true})
	if err != nil {
		return "unknown"
	}
	snaps, err := s.store.LatestSnapshots(ctx, url)
	if err != nil {
		return "unknown"
	}
	for _, sn := range snaps {
		if sn.Type != string(probe.CheckRTT) {
			continue
		}
		var o struct {
			Success bool   `json:"success"`
			Reason  string `json:"reason"`
		}
		if json.Unmarshal(sn.Data, &o) != nil {
			return "unknown"
		}
		at := sn.GeneratedAt.UTC().Format("2006-01-02 15:04 UTC")
		if o.Success {
			return "reachable at the last check (" + at + ")"
		}
		return "not reached at the last check (" + at + ", " + o.Reason + ")"
	}
	return "not checked yet"
}

func (s *Service) help() string {
	return "commands: \"watch wss://your.relay\" (you must be the pubkey of its NIP-11 document), " +
		"\"unwatch wss://your.relay\", \"status\"."
}

// validated reports whether u is a relay the node monitors.
func (s *Service) validated(ctx context.Context, u schema.RelayURL) (bool, error) {
	relays, err := s.store.Relays(ctx, u.Network())
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(relays, func(r schema.Relay) bool { return r.URL == u }), nil
}

// operator is the pubkey of the relay's newest NIP-11 document; known is
// false when the node has no document of it.
func (s *Service) operator(ctx context.Context, u schema.RelayURL) (pubkey string, known bool, err error) {
	snaps, err := s.store.LatestSnapshots(ctx, u)
	if err != nil {
		return "", false, err
	}
	for _, sn := range snaps {
		if sn.Type != string(probe.CheckNIP11) {
			continue
		}
		var o probe.NIP11Outcome
		if json.Unmarshal(sn.Data, &o) != nil || o.Info == nil {
			return "", false, nil
		}
		pk := strings.ToLower(strings.TrimSpace(o.Info.PubKey))
		if !nostr.IsValidPublicKey(pk) {
			return "", true, nil
		}
		return pk, true, nil
	}
	return "", false, nil
}
