package node

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"sync"

	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip77/negentropy"
	"github.com/nbd-wtf/go-nostr/nip77/negentropy/storage/vector"

	"github.com/bigbrotr/bigbrotr/archive"
)

// The client side of the node's NIP-77 tests. The server and its unit
// tests are relayserver's (neg.go, negview.go); these drive a whole node
// through its public API only, so they keep their own small client.

// testKeys makes n sorted keys, four to a second, so that many share a
// created_at: ids unknown to the archive, for a client's copy.
func testKeys(n int, seed uint64) []archive.EventKey {
	keys := make([]archive.EventKey, n)
	for i := range keys {
		keys[i].CreatedAt = 1_700_000_000 + int64(i/4)
		var b [16]byte
		binary.LittleEndian.PutUint64(b[:], uint64(i))
		binary.LittleEndian.PutUint64(b[8:], seed)
		keys[i].ID = sha256.Sum256(b[:])
	}
	slices.SortFunc(keys, archive.EventKey.Compare)
	return keys
}

// vectorOf is a client's copy: go-nostr's in-memory negentropy storage.
func vectorOf(keys []archive.EventKey) *vector.Vector {
	v := vector.New()
	for _, k := range keys {
		v.Insert(nostr.Timestamp(k.CreatedAt), hex.EncodeToString(k.ID[:]))
	}
	v.Seal()
	return v
}

// drainNeg collects what a negentropy client learns (its reconciler blocks
// once these channels fill); the returned func waits for the end of the
// reconciliation and returns both lists, sorted.
func drainNeg(client *negentropy.Negentropy) func() (haves, haveNots []string) {
	var (
		wg              sync.WaitGroup
		haves, haveNots []string
	)
	collect := func(ch chan string, into *[]string) {
		defer wg.Done()
		for id := range ch {
			*into = append(*into, id)
		}
	}
	wg.Add(2)
	go collect(client.Haves, &haves)
	go collect(client.HaveNots, &haveNots)
	return func() ([]string, []string) {
		wg.Wait()
		slices.Sort(haves)
		slices.Sort(haveNots)
		return haves, haveNots
	}
}

func hexIDs(keys []archive.EventKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = hex.EncodeToString(k.ID[:])
	}
	slices.Sort(out)
	return out
}

// negFrameBound is the largest negentropy message (bytes before hex) a
// relay whose relay.max_message_length is maxMessage may send: its frames
// must fit what it accepts itself. relayserver's tests hold its exact
// limit; a node's test holds this bound.
func negFrameBound(maxMessage int) int { return maxMessage / 2 }
