package relayserver

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// negVersion is negentropy protocol V1, the first byte of every message.
const negVersion = 0x61

var errNegMessage = errors.New("malformed negentropy message")

// checkNegMessage validates a client's negentropy message before go-nostr's
// reconciler reads it. The reconciler trusts the lengths it reads: a list
// "of 2^40 ids" in a 40-byte message would have it allocate for them, a
// negative varint would index out of range. So every length here must
// fit in what the message holds. A message of another version is let
// through: the reconciler answers it with the version it speaks.
func checkNegMessage(msg string) error {
	raw, err := hex.DecodeString(msg)
	if err != nil {
		return fmt.Errorf("%w: not hex", errNegMessage)
	}
	if len(raw) == 0 {
		return fmt.Errorf("%w: empty", errNegMessage)
	}
	if raw[0] != negVersion {
		return nil
	}
	r := negReader{b: raw[1:]}
	var at uint64
	for len(r.b) > 0 {
		delta := r.varint()
		if delta > 0 {
			at += delta - 1
		}
		idLen := r.varint()
		if at > 1<<62 || idLen > 32 {
			return fmt.Errorf("%w: bad bound", errNegMessage)
		}
		r.skip(idLen)
		switch mode := r.varint(); mode {
		case 0: // skip
		case 1: // fingerprint
			r.skip(16)
		case 2: // id list
			n := r.varint()
			if n > uint64(len(r.b))/32 {
				return fmt.Errorf("%w: id list longer than the message", errNegMessage)
			}
			r.skip(32 * n)
		default:
			return fmt.Errorf("%w: unknown mode %d", errNegMessage, mode)
		}
		if r.bad {
			return fmt.Errorf("%w: truncated", errNegMessage)
		}
	}
	return nil
}

// negReader reads negentropy varints (big-endian base 128); bad records
// a read past the end or a varint over 56 bits.
type negReader struct {
	b   []byte
	bad bool
}

func (r *negReader) varint() uint64 {
	var v uint64
	for i := 0; ; i++ {
		if len(r.b) == 0 || i == 8 {
			r.bad, r.b = true, nil
			return 0
		}
		c := r.b[0]
		r.b = r.b[1:]
		v = v<<7 | uint64(c&0x7f)
		if c&0x80 == 0 {
			return v
		}
	}
}

func (r *negReader) skip(n uint64) {
	if n > uint64(len(r.b)) {
		r.bad, r.b = true, nil
		return
	}
	r.b = r.b[n:]
}

// negOut is a NEG-MSG or NEG-ERR to the client. go-nostr's envelopes
// write the subscription id unescaped and label the error "NEG-ERROR";
// NIP-77 says NEG-ERR.
type negOut [3]string

func (m negOut) MarshalJSON() ([]byte, error) { return json.Marshal([3]string(m)) }

func negMsg(id, msg string) negOut    { return negOut{"NEG-MSG", id, msg} }
func negErr(id, reason string) negOut { return negOut{"NEG-ERR", id, reason} }
