package alerts

import (
	"context"
	"fmt"

	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip44"
)

// nodeKeyer is the node key as a nostr.Keyer for nip17 and nip59: it signs
// and NIP-44-encrypts with go-nostr's own primitives. (go-nostr's keyer
// package would bring its remote-signer and NIP-49 dependencies along.)
type nodeKeyer struct {
	sk, pk string
}

// Keyer is a secret key as the nostr.Keyer go-nostr's nip17 and nip59
// helpers take: what a test, or a tool speaking to the node, DMs with.
func Keyer(sk string) (nostr.Keyer, error) { return newNodeKeyer(sk) }

func newNodeKeyer(sk string) (nodeKeyer, error) {
	pk, err := nostr.GetPublicKey(sk)
	if err != nil {
		return nodeKeyer{}, fmt.Errorf("alerts: node key: %w", err)
	}
	return nodeKeyer{sk: sk, pk: pk}, nil
}

func (k nodeKeyer) GetPublicKey(context.Context) (string, error) { return k.pk, nil }

func (k nodeKeyer) SignEvent(_ context.Context, ev *nostr.Event) error { return ev.Sign(k.sk) }

func (k nodeKeyer) Encrypt(_ context.Context, plaintext, recipient string) (string, error) {
	ck, err := nip44.GenerateConversationKey(recipient, k.sk)
	if err != nil {
		return "", err
	}
	return nip44.Encrypt(plaintext, ck)
}

func (k nodeKeyer) Decrypt(_ context.Context, ciphertext, sender string) (string, error) {
	ck, err := nip44.GenerateConversationKey(sender, k.sk)
	if err != nil {
		return "", err
	}
	return nip44.Decrypt(ciphertext, ck)
}

var _ nostr.Keyer = nodeKeyer{}
