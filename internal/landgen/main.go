package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	in := flag.String("in", "", "world-atlas npm tarball (npm pack world-atlas@2.0.2) or a TopoJSON file")
	member := flag.String("member", "package/land-110m.json", "the TopoJSON file inside the tarball")
	object := flag.String("object", "land", "the topology's object to convert")
	out := flag.String("out", "", "file to write (web/geodata/land-110m.bin)")
	flag.Parse()
	if err := run(*in, *member, *object, *out, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "landgen:", err)
		os.Exit(1)
	}
}

func run(in, member, object, out string, log io.Writer) error {
	if out == "" {
		return errors.New("-out is required")
	}
	if in == "" {
		// go generate ./... without the tarball: the committed file stays.
		if _, err := os.Stat(out); err != nil {
			return fmt.Errorf("no -in (WORLD_ATLAS_TGZ for go generate) and no %s: get the data with npm pack world-atlas@2.0.2", out)
		}
		fmt.Fprintf(log, "no -in (WORLD_ATLAS_TGZ for go generate): %s stays as committed\n", out)
		return nil
	}
	src, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	doc := src
	if strings.HasSuffix(in, ".tgz") || strings.HasSuffix(in, ".tar.gz") {
		if doc, err = fromTarball(src, member); err != nil {
			return fmt.Errorf("%s: %w", in, err)
		}
	}
	rings, err := readRings(doc, object)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	var cut [][]point
	for _, r := range rings {
		pieces, err := cutAntimeridian(r)
		if err != nil {
			return fmt.Errorf("%s: %w", in, err)
		}
		cut = append(cut, pieces...)
	}
	data, kept, points, err := encode(cut)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(log, "%s (sha256 %x): %d rings, %d after cutting at the antimeridian; wrote %s: %d rings, %d points, %d bytes\n",
		in, sha256.Sum256(src), len(rings), len(cut), out, kept, points, len(data))
	return nil
}

// fromTarball reads one file out of a gzipped tar (what npm pack writes).
func fromTarball(b []byte, member string) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("no %s in the tarball", member)
		}
		if err != nil {
			return nil, err
		}
		if h.Name == member {
			return io.ReadAll(io.LimitReader(tr, 64<<20))
		}
	}
}
