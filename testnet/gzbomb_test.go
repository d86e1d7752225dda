package testnet

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"
)

// tailWriter counts what it is given and keeps the last bytes.
type tailWriter struct {
	n    int64
	tail []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	w.tail = append(w.tail, p...)
	if len(w.tail) > 16 {
		w.tail = w.tail[len(w.tail)-16:]
	}
	return len(p), nil
}

// TestGzipBomb: the hand-assembled body is one valid gzip member (the
// reader checks its CRC and size) holding a JSON document of gzipBombSize
// bytes, and is small on the wire.
func TestGzipBomb(t *testing.T) {
	b := gzipBomb()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	zr.Multistream(false)
	head := make([]byte, 8)
	if _, err := io.ReadFull(zr, head); err != nil || string(head) != `{"name":` {
		t.Fatalf("head %q: %v", head, err)
	}
	var rest tailWriter
	if _, err := io.Copy(&rest, zr); err != nil {
		t.Fatalf("inflate: %v", err)
	}
	if got := rest.n + int64(len(head)); got != gzipBombSize || !bytes.HasSuffix(rest.tail, []byte(`  "}`)) || len(b) > 512<<10 {
		t.Errorf("%d bytes inflate to %d ending %q", len(b), got, rest.tail)
	}
}
