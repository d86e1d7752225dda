package testnet

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"net/http"
	"strings"
	"sync"
	"time"
)

// badUTF8Marker stands in the NIP11BadUTF8 document until Start swaps it
// for invalid UTF-8 bytes, which encoding/json would never write.
const badUTF8Marker = "testnet-invalid-utf8-here"

// badUTF8 is a lone continuation byte, an overlong NUL and a truncated
// sequence: three ways a string is not UTF-8.
const badUTF8 = "\x80 \xc0\x80 \xe2\x82"

func withBadUTF8(doc []byte) []byte {
	return bytes.ReplaceAll(doc, []byte(badUTF8Marker), []byte(badUTF8))
}

// gzipBombSize is what NIP11GzipBomb's body inflates to.
const gzipBombSize = 256 << 20

// gzipBomb is the NIP11GzipBomb body: one gzip member whose JSON document
// inflates to gzipBombSize bytes. Deflating 256 MiB takes seconds (a minute
// under the race detector), so it deflates only until the output for a
// chunk of spaces repeats, and repeats that output for the rest.
var gzipBomb = sync.OnceValue(func() []byte {
	const chunk = 1 << 20
	const head, tail = `{"name":"gzip bomb","description":"`, `"}`
	spaces := bytes.Repeat([]byte(" "), chunk)
	var out, block bytes.Buffer
	out.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}) // gzip header: deflate, no name, unknown OS
	zw, _ := flate.NewWriter(&block, flate.BestCompression)
	crc := crc32.NewIEEE()
	deflate := func(p []byte) []byte {
		block.Reset()
		_, _ = zw.Write(p)
		_ = zw.Flush() // byte-aligned: blocks can be repeated as bytes
		_, _ = crc.Write(p)
		return block.Bytes()
	}
	first := append([]byte(head), spaces[len(head):]...)
	out.Write(deflate(first))
	var prev []byte
	const middle = gzipBombSize/chunk - 2
	for i := 0; i < middle; i++ {
		b := deflate(spaces)
		out.Write(b)
		if bytes.Equal(b, prev) {
			for range middle - i - 1 {
				out.Write(b)
				_, _ = crc.Write(spaces)
			}
			break
		}
		prev = append(prev[:0], b...)
	}
	out.Write(deflate(append(spaces[:chunk-len(tail):chunk-len(tail)], tail...)))
	block.Reset()
	_ = zw.Close()
	out.Write(block.Bytes())
	_ = binary.Write(&out, binary.LittleEndian, crc.Sum32())
	_ = binary.Write(&out, binary.LittleEndian, uint32(gzipBombSize))
	return out.Bytes()
})

// endlessNIP11Cap is the endless document's safety stop, far beyond any
// sane client's limit.
const endlessNIP11Cap = 1 << 30

// serveEndlessNIP11 starts a valid document and never finishes it: a
// description string that grows until the client leaves or StreamFor passes.
func (r *relay) serveEndlessNIP11(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Content-Type", "application/nostr+json")
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(r.opts.StreamFor)
	_ = rc.SetWriteDeadline(deadline)
	if _, err := w.Write([]byte(`{"name":"endless","description":"`)); err != nil {
		return
	}
	chunk := []byte(strings.Repeat("and on and on ", 4096))
	for sent := 0; sent < endlessNIP11Cap && req.Context().Err() == nil && time.Now().Before(deadline); sent += len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}
