package node

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip17"
	"github.com/nbd-wtf/go-nostr/nip59"

	"github.com/bigbrotr/bigbrotr/alerts"
	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
)

// dmKeyer is a test user's key and, as go-nostr's NIP-17 helpers take it,
// its keyer.
type dmKeyer struct {
	nostr.Keyer
	sk, pk string
}

func newDMKeyer(t *testing.T) dmKeyer {
	sk := nostr.GeneratePrivateKey()
	pk, _ := nostr.GetPublicKey(sk)
	k, err := alerts.Keyer(sk)
	if err != nil {
		t.Fatal(err)
	}
	return dmKeyer{k, sk, pk}
}

// command sends the node a NIP-17 DM from k over its relay.
func command(t *testing.T, c *client, k dmKeyer, nodePK, text string) {
	t.Helper()
	_, wrap, err := nip17.PrepareMessage(context.Background(), text, nostr.Tags{}, k, nodePK, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.mustPublish(wrap)
}

// inbox reads and decrypts k's DMs from the node's relay, oldest first,
// checking each comes from the node.
func inbox(t *testing.T, c *client, k dmKeyer, nodePK string) []string {
	t.Helper()
	wraps := c.query(map[string]any{"kinds": []int{nostr.KindGiftWrap}, "#p": []string{k.pk}})
	type msg struct {
		at   nostr.Timestamp
		text string
	}
	var msgs []msg
	for _, w := range wraps {
		rumor, err := nip59.GiftUnwrap(w, func(pk, ct string) (string, error) { return k.Decrypt(context.Background(), ct, pk) })
		if err != nil {
			t.Fatalf("DM %s does not open with the recipient's key: %v", w.ID, err)
		}
		if rumor.PubKey != nodePK || rumor.Kind != nostr.KindDirectMessage {
			t.Fatalf("DM from %s kind %d, want the node's kind 14", rumor.PubKey, rumor.Kind)
		}
		msgs = append(msgs, msg{rumor.CreatedAt, rumor.Content})
	}
	// Rumors carry the real time (the wraps' are randomized); ties keep
	// the order of sending well enough for counting.
	for i := 1; i < len(msgs); i++ {
		for j := i; j > 0 && msgs[j].at < msgs[j-1].at; j-- {
			msgs[j], msgs[j-1] = msgs[j-1], msgs[j]
		}
	}
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.text
	}
	return out
}

// waitDM polls k's inbox until one message contains want.
func waitDM(t *testing.T, c *client, k dmKeyer, nodePK, want string) []string {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		msgs := inbox(t, c, k, nodePK)
		for _, m := range msgs {
			if strings.Contains(m, want) {
				return msgs
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no DM containing %q; got %q", want, msgs)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func countContaining(msgs []string, s string) int {
	n := 0
	for _, m := range msgs {
		if strings.Contains(m, s) {
			n++
		}
	}
	return n
}

// TestOperatorAlertsOverNIP17: the relay's NIP-11 pubkey watches it by DM,
// a stranger's watch is refused by DM, and when the relay is stopped and
// restarted the operator gets exactly one DM for down and one for up, on
// the node's relay and on their own inbox relay (their 10050).
func TestOperatorAlertsOverNIP17(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	op, stranger := newDMKeyer(t), newDMKeyer(t)
	// The operator is in the document before the first check: a later
	// edit would be a nip11 change of its own.
	cn := startChangesNet(t, ctx, 2, func(c *Config) { c.Alerts.Enabled = true }, func(tn *testnet.Network, relays []string) {
		if err := tn.SetOperator(relays[0], op.pk); err != nil {
			t.Fatal(err)
		}
	})
	relay, inboxRelay := cn.relays[0], cn.relays[1]
	nodePK := cn.node.PublicKey()
	// The operator reads DMs on the other testnet relay too (as archived).
	dmList := nostr.Event{Kind: nostr.KindDMRelayList, CreatedAt: nostr.Now(), Tags: nostr.Tags{{"relay", inboxRelay}}}
	if err := dmList.Sign(op.sk); err != nil {
		t.Fatal(err)
	}
	if _, err := cn.node.Store().SaveEvents(ctx, []schema.Sighting{{Event: &dmList}}); err != nil {
		t.Fatal(err)
	}
	// Wait for a check that read the operator's pubkey.
	deadline := time.Now().Add(60 * time.Second)
	for {
		snaps, err := cn.node.Store().LatestSnapshots(ctx, schema.MustRelayURL(relay))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, s := range snaps {
			var o probe.NIP11Outcome
			if s.Type == string(probe.CheckNIP11) && json.Unmarshal(s.Data, &o) == nil && o.Info != nil && o.Info.PubKey == op.pk {
				found = true
			}
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the monitor never read the operator's pubkey")
		}
		time.Sleep(100 * time.Millisecond)
	}
	c := dial(t, cn.node.URL())

	command(t, c, stranger, nodePK, "watch "+relay)
	refusal := waitDM(t, c, stranger, nodePK, "refused")
	if len(refusal) != 1 || !strings.Contains(refusal[0], "only the operator of "+relay) || !strings.Contains(refusal[0], op.pk) {
		t.Errorf("stranger's DMs %q", refusal)
	}
	command(t, c, op, nodePK, "watch "+relay)
	waitDM(t, c, op, nodePK, "watching "+relay)

	if err := cn.tn.StopRelay(relay); err != nil {
		t.Fatal(err)
	}
	cn.waitKinds(t, relay, "down")
	waitDM(t, c, op, nodePK, "unreachable for 2 checks in a row")
	if err := cn.tn.StartRelay(ctx, relay); err != nil {
		t.Fatal(err)
	}
	cn.waitKinds(t, relay, "down,up")
	waitDM(t, c, op, nodePK, "reachable again")

	// Two more checks of the relay: nothing more may come.
	u := schema.MustRelayURL(relay)
	checks := func() int {
		days, err := cn.node.Store().Uptime(ctx, []schema.RelayURL{u}, time.Now().Add(-48*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, d := range days {
			n += d.Checks
		}
		return n
	}
	deadline = time.Now().Add(60 * time.Second)
	for start := checks(); checks() < start+2; {
		if time.Now().After(deadline) {
			t.Fatal("the relay was not checked twice more")
		}
		time.Sleep(200 * time.Millisecond)
	}
	msgs := inbox(t, c, op, nodePK)
	if len(msgs) != 3 || countContaining(msgs, "unreachable for 2 checks") != 1 || countContaining(msgs, ": reachable again") != 1 {
		t.Fatalf("operator's DMs %q; want the watch reply, one down and one up", msgs)
	}
	if !strings.HasPrefix(msgs[1], relay+": unreachable") || !strings.HasPrefix(msgs[2], relay+": reachable again") {
		t.Errorf("alerts in the wrong order or words: %q", msgs[1:])
	}
	if got := inbox(t, c, stranger, nodePK); len(got) != 1 {
		t.Errorf("the stranger got %d DMs, want only the refusal", len(got))
	}
	// The same DMs reached the operator's inbox relay, through the transport.
	held, err := cn.tn.Stored(inboxRelay, nostr.Filter{Kinds: []int{nostr.KindGiftWrap}, Tags: nostr.TagMap{"p": {op.pk}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 3 {
		t.Errorf("the operator's inbox relay holds %d DMs, want 3", len(held))
	}
}
