package relayserver

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"iter"
	"math/bits"
	"slices"
	"sort"

	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip77/negentropy"
	"github.com/nbd-wtf/go-nostr/nip77/negentropy/storage"

	"github.com/bigbrotr/bigbrotr/archive"
)

// keySource is what the NIP-77 server reads of the archive.
type keySource interface {
	ServableKeys(ctx context.Context, f nostr.Filter, p archive.KeyPage, fn func(archive.EventKey) error) error
}

// negView is the negentropy.Storage a NIP-77 session reconciles against:
// the filter's servable events in (created_at, id) order, as of the
// session's opening, without holding them. Opening reads the keys once,
// in pages, and keeps only a sparse index: every block of `block`
// consecutive keys is remembered by its last key and by the running sum
// of the ids up to it (negentropy's fingerprints are sums of ids). The
// protocol then asks for fingerprints and ids of index ranges: whole
// blocks inside a range come from the sums; only the partial blocks at
// its ends, and the blocks it must list or search, are read back from
// the store, by key, and a few are cached.
//
// Memory is bounded whatever the archive's size: at most negMaxBlocks
// index entries (72 bytes each) and negCacheBlocks blocks of keys; the
// block grows (it doubles) instead of the index. At 1M events that is
// 977 entries and blocks of 1024 keys, ~230 kB in all.
//
// The view is fixed at the opening: MaxSeq leaves out what is archived
// later, Now fixes the expiry clock. Events deleted or replaced during
// the session would shift the indexes the protocol speaks in: a block
// read back that does not match its index entry fails the session with
// errArchiveChanged rather than answer from a view that no longer holds.
//
// Storage methods cannot fail; the first error is kept in err, the
// methods then answer empty, and the caller discards the message.
type negView struct {
	src    keySource
	filter nostr.Filter
	page   archive.KeyPage // MaxSeq and Now of the view
	ctx    context.Context // the current message's
	err    error

	n     int
	block int
	last  []archive.EventKey // last key of each block
	sums  []sum256           // sum of the ids up to and including each block
	cache []*negBlock        // most recently used last
}

type negBlock struct {
	c    int
	keys []archive.EventKey
}

type sum256 [4]uint64 // little-endian 256-bit integer, as negentropy adds ids

const (
	negMinBlock    = 1024
	negMaxBlocks   = 4096
	negCacheBlocks = 4
	negOpenPage    = 8192
)

var (
	errArchiveChanged = errors.New("the archive changed under the reconciliation")
	errBadBound       = errors.New("malformed bound")
)

// openNegView reads the filter's keys once and builds the index.
func openNegView(ctx context.Context, src keySource, f nostr.Filter, page archive.KeyPage) (*negView, error) {
	return buildNegView(ctx, src, f, page, negMinBlock, negMaxBlocks)
}

// buildNegView is openNegView with the index's shape as parameters (tests
// use small ones). maxBlocks must be even.
func buildNegView(ctx context.Context, src keySource, f nostr.Filter, page archive.KeyPage, minBlock, maxBlocks int) (*negView, error) {
	v := &negView{src: src, filter: f, page: page, block: minBlock}
	var (
		acc  sum256
		last archive.EventKey
	)
	p := page
	p.Limit = negOpenPage
	for {
		got := 0
		err := src.ServableKeys(ctx, f, p, func(k archive.EventKey) error {
			got++
			v.n++
			acc.add(k.ID)
			last = k
			if v.n%v.block == 0 {
				v.last = append(v.last, k)
				v.sums = append(v.sums, acc)
				if len(v.last) == maxBlocks {
					v.grow()
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if got < p.Limit {
			break
		}
		after := last
		p.After = &after
	}
	if v.n%v.block != 0 {
		v.last = append(v.last, last)
		v.sums = append(v.sums, acc)
	}
	return v, nil
}

// grow doubles the block: two full blocks become one.
func (v *negView) grow() {
	half := len(v.last) / 2
	for i := range half {
		v.last[i] = v.last[2*i+1]
		v.sums[i] = v.sums[2*i+1]
	}
	v.last, v.sums = v.last[:half], v.sums[:half]
	v.block *= 2
}

// blockLen is the number of keys in block c.
func (v *negView) blockLen(c int) int { return min(v.block, v.n-c*v.block) }

// sumBefore is the sum of the ids of the blocks before c.
func (v *negView) sumBefore(c int) sum256 {
	if c == 0 {
		return sum256{}
	}
	return v.sums[c-1]
}

// load returns block c, read back from the store when not cached.
func (v *negView) load(c int) *negBlock {
	if v.err != nil || c < 0 || c >= len(v.last) {
		return nil
	}
	for i, b := range v.cache {
		if b.c == c {
			v.cache = append(slices.Delete(v.cache, i, i+1), b)
			return b
		}
	}
	p := v.page
	if c > 0 {
		p.After = &v.last[c-1]
	}
	p.Limit = v.blockLen(c)
	b := &negBlock{c: c, keys: make([]archive.EventKey, 0, p.Limit)}
	var acc sum256
	err := v.src.ServableKeys(v.ctx, v.filter, p, func(k archive.EventKey) error {
		b.keys = append(b.keys, k)
		acc.add(k.ID)
		return nil
	})
	if err == nil {
		want := v.sums[c]
		want.sub(v.sumBefore(c))
		if len(b.keys) != p.Limit || b.keys[len(b.keys)-1] != v.last[c] || acc != want {
			err = errArchiveChanged
		}
	}
	if err != nil {
		v.err = err
		return nil
	}
	if len(v.cache) == negCacheBlocks {
		v.cache = slices.Delete(v.cache, 0, 1)
	}
	v.cache = append(v.cache, b)
	return b
}

func (v *negView) key(i int) (archive.EventKey, bool) {
	b := v.load(i / v.block)
	if b == nil {
		return archive.EventKey{}, false
	}
	return b.keys[i%v.block], true
}

func item(k archive.EventKey) negentropy.Item {
	return negentropy.Item{Timestamp: nostr.Timestamp(k.CreatedAt), ID: hex.EncodeToString(k.ID[:])}
}

// Size implements negentropy.Storage.
func (v *negView) Size() int { return v.n }

// GetBound implements negentropy.Storage.
func (v *negView) GetBound(i int) negentropy.Bound {
	if k, ok := v.key(i); ok && i < v.n {
		return negentropy.Bound{Item: item(k)}
	}
	return negentropy.InfiniteBound
}

// Range implements negentropy.Storage.
func (v *negView) Range(begin, end int) iter.Seq2[int, negentropy.Item] {
	return func(yield func(int, negentropy.Item) bool) {
		for i := max(begin, 0); i < min(end, v.n); i++ {
			k, ok := v.key(i)
			if !ok || !yield(i, item(k)) {
				return
			}
		}
	}
}

// FindLowerBound implements negentropy.Storage: the first index in
// [begin, end) whose key is not below bound, else end. The block is found
// in the index, the key in one block.
func (v *negView) FindLowerBound(begin, end int, bound negentropy.Bound) int {
	at := int64(bound.Timestamp)
	prefix, err := hex.DecodeString(bound.ID)
	if err != nil {
		if v.err == nil {
			v.err = errBadBound
		}
		return end
	}
	below := func(k archive.EventKey) bool {
		if k.CreatedAt != at {
			return k.CreatedAt < at
		}
		return bytes.Compare(k.ID[:], prefix) < 0
	}
	idx := v.n
	if c := sort.Search(len(v.last), func(c int) bool { return !below(v.last[c]) }); c < len(v.last) {
		if b := v.load(c); b != nil {
			idx = c*v.block + sort.Search(len(b.keys), func(j int) bool { return !below(b.keys[j]) })
		}
	}
	return max(begin, min(idx, end))
}

// Fingerprint implements negentropy.Storage.
func (v *negView) Fingerprint(begin, end int) string {
	begin, end = max(begin, 0), min(end, v.n)
	end = max(begin, end)
	var acc sum256
	first := (begin + v.block - 1) / v.block // first block starting in the range
	stop := end / v.block                    // the block the range ends in
	if first < stop {
		acc = v.sums[stop-1]
		acc.sub(v.sumBefore(first))
		v.addRange(&acc, begin, first*v.block)
		v.addRange(&acc, stop*v.block, end)
	} else {
		v.addRange(&acc, begin, end)
	}
	var out storage.Accumulator
	for i, w := range acc {
		binary.LittleEndian.PutUint64(out.Buf[8*i:], w)
	}
	return out.GetFingerprint(end - begin)
}

func (v *negView) addRange(acc *sum256, begin, end int) {
	for i := begin; i < end; i++ {
		k, ok := v.key(i)
		if !ok {
			return
		}
		acc.add(k.ID)
	}
}

func (s *sum256) add(id [32]byte) {
	var carry uint64
	for i := range s {
		s[i], carry = bits.Add64(s[i], binary.LittleEndian.Uint64(id[8*i:]), carry)
	}
}

func (s *sum256) sub(o sum256) {
	var borrow uint64
	for i := range s {
		s[i], borrow = bits.Sub64(s[i], o[i], borrow)
	}
}
