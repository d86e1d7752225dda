package relayserver

import (
	"bytes"
	"encoding/binary"
	"io"
)

// frameTap sits between a client's socket and khatru's WebSocket reader and
// takes REQ, COUNT and CLOSE messages (and NIP-77's NEG-*) out of the
// stream for the node's own handling (session.go); every other byte
// reaches khatru unchanged.
//
// Why: khatru v0.19.1 ends every REQ with EOSE once its QueryEvents
// channels close and answers every COUNT with a count; no hook can turn a
// query cut by the timeout, a cap or a shutdown into CLOSED, and its COUNT
// hooks never see the query id. Owning these three messages is the only
// way to never give a client a cut answer as if it were complete.
//
// Frames from a client are masked (RFC 6455 5.3) and, as khatru's upgrader
// does not negotiate compression, never compressed. A data message is held
// until its last fragment so that its label can be read, unless it grows
// past limit: then it is passed on as it comes, and khatru's own read
// limit refuses it.
type frameTap struct {
	src    io.Reader
	divert func(payload []byte) bool // true: the message was taken
	limit  int

	in  []byte // read from src, not yet parsed
	out []byte // ready for khatru
	buf []byte // read buffer

	passLeft uint64 // payload bytes of the current frame passed through raw
	passMsg  bool   // the rest of the current message is passed through
	inMsg    bool   // a fragmented text message is being held
	held     []byte // its frames as received
	payload  []byte // its payload, unmasked
}

const (
	opContinuation = 0x0
	opText         = 0x1
	opControl      = 0x8 // opcodes from here up are control frames
)

func newFrameTap(src io.Reader, limit int, divert func([]byte) bool) *frameTap {
	return &frameTap{src: src, divert: divert, limit: limit, buf: make([]byte, 4096)}
}

func (t *frameTap) Read(p []byte) (int, error) {
	for len(t.out) == 0 {
		if t.passLeft > 0 && len(t.in) == 0 {
			// A large frame's payload goes straight through.
			if uint64(len(p)) > t.passLeft {
				p = p[:t.passLeft]
			}
			n, err := t.src.Read(p)
			t.passLeft -= uint64(n)
			return n, err
		}
		if t.parse() {
			continue
		}
		n, err := t.src.Read(t.buf)
		t.in = append(t.in, t.buf[:n]...)
		if err != nil {
			if n > 0 {
				continue
			}
			return 0, err
		}
	}
	n := copy(p, t.out)
	t.out = t.out[n:]
	if len(t.out) == 0 {
		t.out = t.out[:0:0]
	}
	return n, nil
}

// parse consumes what it can of t.in; false means it needs more bytes.
func (t *frameTap) parse() bool {
	if t.passLeft > 0 {
		n := min(uint64(len(t.in)), t.passLeft)
		t.out = append(t.out, t.in[:n]...)
		t.in = t.in[n:]
		t.passLeft -= n
		return true
	}
	hdr, plen, ok := frameHeader(t.in)
	if !ok {
		return false
	}
	fin, op := t.in[0]&0x80 != 0, t.in[0]&0x0f
	whole := uint64(hdr) + plen
	switch {
	case op >= opControl:
		// Control frames may come between the fragments of a message;
		// khatru may see them before the fragments held so far.
		t.out = append(t.out, t.in[:hdr]...)
		t.in = t.in[hdr:]
		t.passLeft = plen
		return true
	case t.passMsg || (op != opText && !t.inMsg) || (op != opContinuation && t.inMsg) ||
		plen > uint64(t.limit) || plen+uint64(len(t.payload)) > uint64(t.limit):
		// Binary or malformed sequences and oversized messages are
		// khatru's to answer; whatever was held goes first.
		t.out = append(t.out, t.held...)
		t.out = append(t.out, t.in[:hdr]...)
		t.in = t.in[hdr:]
		t.passLeft = plen
		t.passMsg = !fin
		t.inMsg, t.held, t.payload = false, nil, nil
		return true
	case uint64(len(t.in)) < whole:
		return false
	}
	frame := t.in[:whole]
	t.in = t.in[whole:]
	if fin && !t.inMsg && !t.mayTake(frame, hdr) {
		t.out = append(t.out, frame...) // an EVENT, say: not unmasked whole
		return true
	}
	start := len(t.payload)
	t.payload = append(t.payload, frame[hdr:]...)
	if frame[1]&0x80 != 0 {
		mask := frame[hdr-4 : hdr]
		for i := range t.payload[start:] {
			t.payload[start+i] ^= mask[i%4]
		}
	}
	t.held = append(t.held, frame...)
	if !fin {
		t.inMsg = true
		return true
	}
	if !t.divert(t.payload) {
		t.out = append(t.out, t.held...)
	}
	t.inMsg, t.held, t.payload = false, nil, nil
	return true
}

// mayTake reads the label of a whole single-frame message from its first
// bytes: false when it is certainly not one the tap takes.
func (t *frameTap) mayTake(frame []byte, hdr int) bool {
	var head [32]byte
	n := copy(head[:], frame[hdr:])
	if frame[1]&0x80 != 0 {
		mask := frame[hdr-4 : hdr]
		for i := range head[:n] {
			head[i] ^= mask[i%4]
		}
	}
	first := bytes.IndexByte(head[:n], '"')
	if first < 0 {
		return true
	}
	second := bytes.IndexByte(head[first+1:n], '"')
	if second < 0 {
		return true
	}
	return tappedLabel(string(head[first+1 : first+1+second]))
}

// tappedLabel names the messages the node answers itself.
func tappedLabel(label string) bool {
	switch label {
	case "REQ", "COUNT", "CLOSE", "NEG-OPEN", "NEG-MSG", "NEG-CLOSE":
		return true
	}
	return false
}

// frameHeader returns the header length and payload length of the frame at
// the start of b, or ok false when b does not hold the whole header yet.
func frameHeader(b []byte) (hdr int, plen uint64, ok bool) {
	if len(b) < 2 {
		return 0, 0, false
	}
	hdr, plen = 2, uint64(b[1]&0x7f)
	switch plen {
	case 126:
		hdr = 4
	case 127:
		hdr = 10
	}
	if b[1]&0x80 != 0 {
		hdr += 4
	}
	if len(b) < hdr {
		return 0, 0, false
	}
	switch plen {
	case 126:
		plen = uint64(binary.BigEndian.Uint16(b[2:4]))
	case 127:
		plen = binary.BigEndian.Uint64(b[2:10])
	}
	return hdr, plen, true
}

// messageLabel is the envelope label as go-nostr's parser (which khatru
// uses) reads it: the text between the first two double quotes.
func messageLabel(msg []byte) string {
	first := bytes.IndexByte(msg, '"')
	if first < 0 {
		return ""
	}
	second := bytes.IndexByte(msg[first+1:], '"')
	if second < 0 {
		return ""
	}
	return string(msg[first+1 : first+1+second])
}
