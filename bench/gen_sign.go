package bench

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/nbd-wtf/go-nostr"
)

// cacheMagic starts a signature cache file; N*64 signature bytes follow.
var cacheMagic = []byte("bigbrotr-bench-sigs-v1\n")

// CacheDir is where signed sets are kept between runs.
func CacheDir() string { return filepath.Join(os.TempDir(), "bigbrotr-bench") }

// Load returns the set's events with ids and signatures. Generation is
// deterministic and fast; signing is not, so the signatures are cached in
// CacheDir under p.Key() and reused when a spot check of them verifies.
// fromCache reports whether they were.
func Load(p Params) (events []*nostr.Event, fromCache bool, err error) {
	g := newGenerator(p)
	events = g.generate()
	if g.p.FakeSig {
		parallel(len(events), func(i int) {
			id, _ := hex.DecodeString(events[i].ID)
			sum := sha512.Sum512(id)
			events[i].Sig = hex.EncodeToString(sum[:])
		})
		return events, false, nil
	}
	path := filepath.Join(CacheDir(), p.Key()+".sig")
	if readSigs(path, events) {
		return events, true, nil
	}
	if err := g.sign(); err != nil {
		return nil, false, err
	}
	if err := writeSigs(path, events); err != nil {
		return nil, false, fmt.Errorf("cache signatures: %w", err)
	}
	return events, false, nil
}

// sign signs every event with its author's key on every core.
func (g *generator) sign() error {
	byPub := make(map[string]int, len(g.pubs))
	for i, pk := range g.pubs {
		byPub[pk] = i
	}
	errs := make([]error, len(g.events))
	parallel(len(g.events), func(i int) {
		ev := g.events[i]
		id, err := hex.DecodeString(ev.ID)
		if err != nil {
			errs[i] = err
			return
		}
		sig, err := schnorr.Sign(g.keys[byPub[ev.PubKey]], id, schnorr.FastSign())
		if err != nil {
			errs[i] = fmt.Errorf("sign event %d: %w", i, err)
			return
		}
		ev.Sig = hex.EncodeToString(sig.Serialize())
	})
	return errors.Join(errs...)
}

// readSigs fills in cached signatures, and reports false (leaving events
// unsigned) when the file is missing, has the wrong size, or a sample of
// its signatures does not verify against the regenerated events.
func readSigs(path string, events []*nostr.Event) bool {
	b, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(b, cacheMagic) || len(b) != len(cacheMagic)+64*len(events) {
		return false
	}
	b = b[len(cacheMagic):]
	parallel(len(events), func(i int) {
		events[i].Sig = hex.EncodeToString(b[i*64 : i*64+64])
	})
	step := max(1, len(events)/32)
	for i := 0; i < len(events); i += step {
		if ok, _ := events[i].CheckSignature(); !ok {
			for _, ev := range events {
				ev.Sig = ""
			}
			return false
		}
	}
	return true
}

func writeSigs(path string, events []*nostr.Event) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	buf := make([]byte, len(cacheMagic)+64*len(events))
	copy(buf, cacheMagic)
	for i, ev := range events {
		if _, err := hex.Decode(buf[len(cacheMagic)+i*64:len(cacheMagic)+i*64+64], []byte(ev.Sig)); err != nil {
			return fmt.Errorf("event %d: %w", i, err)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".sigs-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
