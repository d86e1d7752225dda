package testnet

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/schema"
)

// Tests of what happens when a relay goes away and comes back (state
// changes, operator alerts) and of who runs a relay (its NIP-11 pubkey)
// steer single relays of a running network with these.

func (n *Network) relayByURL(url string) (*relay, error) {
	want := url
	if u, err := schema.ParseRelayURLWith(url, schema.ParseOptions{AllowPrivate: true}); err == nil {
		want = u.String()
	}
	for _, r := range n.relays {
		if r.plan.url == url || r.plan.url == want {
			return r, nil
		}
	}
	return nil, fmt.Errorf("testnet: no relay %s", url)
}

// StopRelay takes the relay off the network: its sockets close, its open
// connections are cut, and new ones are refused until StartRelay.
func (n *Network) StopRelay(url string) error {
	r, err := n.relayByURL(url)
	if err != nil {
		return err
	}
	if len(r.listeners) == 0 {
		return fmt.Errorf("testnet: relay %s has no socket to stop", url)
	}
	for _, ln := range r.listeners {
		ln.down()
	}
	return nil
}

// StartRelay brings a stopped relay back on the same address, with the
// events it held.
func (n *Network) StartRelay(ctx context.Context, url string) error {
	r, err := n.relayByURL(url)
	if err != nil {
		return err
	}
	for _, ln := range r.listeners {
		if err := ln.up(ctx); err != nil {
			return fmt.Errorf("testnet: restart %s: %w", url, err)
		}
	}
	return nil
}

// SetOperator makes the relay's NIP-11 document name pubkey as its
// operator (the "pubkey" field), for relays serving a well-formed
// document.
func (n *Network) SetOperator(url, pubkey string) error {
	r, err := n.relayByURL(url)
	if err != nil {
		return err
	}
	if r.plan.traits.nip11 != nip11OK {
		return fmt.Errorf("testnet: relay %s serves no well-formed NIP-11 document", url)
	}
	var doc map[string]any
	if err := json.Unmarshal(r.nip11, &doc); err != nil {
		return fmt.Errorf("testnet: relay %s document: %w", url, err)
	}
	doc["pubkey"] = pubkey
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	r.operator.Store(&b)
	return nil
}

// Stored returns the events the relay holds that match f (newest first),
// as a client would read them, without going over the network.
func (n *Network) Stored(url string, f nostr.Filter) ([]*nostr.Event, error) {
	r, err := n.relayByURL(url)
	if err != nil {
		return nil, err
	}
	return r.store.query(f, 0), nil
}
