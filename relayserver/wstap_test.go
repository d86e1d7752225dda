package relayserver

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"
)

// clientFrame encodes one masked frame as a client sends it.
func clientFrame(fin bool, op byte, payload []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	out := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		out = append(out, 0x80|byte(n))
	case n <= 0xffff:
		out = append(out, 0x80|126, 0, 0)
		binary.BigEndian.PutUint16(out[2:], uint16(n))
	default:
		out = append(out, 0x80|127, 0, 0, 0, 0, 0, 0, 0, 0)
		binary.BigEndian.PutUint64(out[2:], uint64(n))
	}
	mask := []byte{0x12, 0x34, 0x56, 0x78}
	out = append(out, mask...)
	for i, c := range payload {
		out = append(out, c^mask[i%4])
	}
	return out
}

// oneByteReader returns at most one byte per Read, so that every frame
// boundary falls in the middle of a read somewhere.
type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) { return o.r.Read(p[:min(1, len(p))]) }

func TestFrameTap(t *testing.T) {
	event := clientFrame(true, opText, []byte(`["EVENT",{"id":"x"}]`))
	req := []byte(`["REQ","a",{"kinds":[1]}]`)
	ping := clientFrame(true, 0x9, []byte("hi"))
	big := clientFrame(true, opText, bytes.Repeat([]byte("x"), 300))
	tests := []struct {
		name     string
		in       [][]byte
		want     []byte   // what khatru reads
		diverted []string // payloads taken
	}{
		{"event passes", [][]byte{event}, event, nil},
		{"req taken", [][]byte{clientFrame(true, opText, req), event}, event, []string{string(req)}},
		{"fragmented req taken, ping passes first",
			[][]byte{clientFrame(false, opText, req[:5]), ping, clientFrame(true, opContinuation, req[5:])},
			ping, []string{string(req)}},
		{"fragmented event kept whole",
			[][]byte{clientFrame(false, opText, []byte(`["EVE`)), clientFrame(true, opContinuation, []byte(`NT"]`))},
			append(clientFrame(false, opText, []byte(`["EVE`)), clientFrame(true, opContinuation, []byte(`NT"]`))...), nil},
		{"over the limit passes raw", [][]byte{big}, big, nil},
		{"binary passes", [][]byte{clientFrame(true, 0x2, req)}, clientFrame(true, 0x2, req), nil},
		{"label past padding", [][]byte{clientFrame(true, opText, append(bytes.Repeat([]byte(" "), 100), `["CLOSE","a"]`...))},
			nil, []string{string(append(bytes.Repeat([]byte(" "), 100), `["CLOSE","a"]`...))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			src := oneByteReader{bytes.NewReader(bytes.Join(tt.in, nil))}
			tap := newFrameTap(src, 256, func(p []byte) bool {
				switch messageLabel(p) {
				case "REQ", "COUNT", "CLOSE":
					got = append(got, string(p))
					return true
				}
				return false
			})
			out, err := io.ReadAll(tap)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, tt.want) {
				t.Errorf("khatru read %q, want %q", out, tt.want)
			}
			if len(got) != len(tt.diverted) || (len(got) > 0 && got[0] != tt.diverted[0]) {
				t.Errorf("diverted %q, want %q", got, tt.diverted)
			}
		})
	}
}

// FuzzFrameTap: whatever a client sends, the tap neither panics nor makes
// up bytes, and a tap that takes nothing passes on every complete frame.
func FuzzFrameTap(f *testing.F) {
	f.Add(clientFrame(true, opText, []byte(`["REQ","a",{}]`)))
	f.Add(append(clientFrame(false, opText, []byte(`["CO`)), clientFrame(true, opContinuation, []byte(`UNT","a",{}]`))...))
	f.Add([]byte{0x81, 0xff, 0, 0, 0, 0, 0, 0, 1, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		tap := newFrameTap(bytes.NewReader(in), 64, func(p []byte) bool { return messageLabel(p) == "REQ" })
		out, _ := io.ReadAll(tap)
		if len(out) > len(in) {
			t.Fatalf("tap produced %d bytes from %d", len(out), len(in))
		}
		keep := newFrameTap(bytes.NewReader(in), 64, func([]byte) bool { return false })
		all, _ := io.ReadAll(keep)
		if len(all) < len(out) {
			t.Fatalf("taking nothing passed %d bytes, taking REQs %d", len(all), len(out))
		}
	})
}
