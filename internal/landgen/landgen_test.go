package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/sample.bin")

// A quantized topology: a square from two arcs (the second reversed) with
// a triangular hole, and a polygon reusing an arc; a line has no area.
const sampleTopology = `{"type":"Topology",
 "transform":{"scale":[0.5,0.25],"translate":[-10,-5]},
 "arcs":[[[0,0],[20,0],[0,40]], [[0,0],[0,40],[20,0]], [[4,8],[2,0],[0,4],[-2,-4]]],
 "objects":{"land":{"type":"GeometryCollection","geometries":[
   {"type":"Polygon","arcs":[[0,-2],[2]]},
   {"type":"MultiPolygon","arcs":[[[2]]]},
   {"type":null}
 ]},
 "lines":{"type":"LineString","arcs":[0]}}}`

func TestReadRings(t *testing.T) {
	rings, err := readRings([]byte(sampleTopology), "land")
	if err != nil {
		t.Fatal(err)
	}
	square := []point{{-10, -5}, {0, -5}, {0, 5}, {-10, 5}}
	hole := []point{{-8, -3}, {-7, -3}, {-7, -2}}
	if want := [][]point{square, hole, hole}; !reflect.DeepEqual(rings, want) {
		t.Errorf("rings %v, want %v", rings, want)
	}
	for name, c := range map[string]struct{ doc, object, err string }{
		"not JSON":      {"{", "land", "not a TopoJSON"},
		"not topology":  {`{"type":"FeatureCollection"}`, "land", "not a TopoJSON"},
		"no object":     {sampleTopology, "sea", `no object "sea"`},
		"no area":       {sampleTopology, "lines", "has no area"},
		"arc past end":  {`{"type":"Topology","arcs":[],"objects":{"x":{"type":"Polygon","arcs":[[3]]}}}`, "x", "arc 3 of 0"},
		"bad arc index": {`{"type":"Topology","arcs":[],"objects":{"x":{"type":"Polygon","arcs":"a"}}}`, "x", "polygon arcs"},
	} {
		if _, err := readRings([]byte(c.doc), c.object); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: %v, want an error saying %q", name, err, c.err)
		}
	}
}

func TestCutAntimeridian(t *testing.T) {
	for _, c := range []struct {
		name string
		ring []point
		want [][]point
	}{
		{"not crossing", []point{{0, 0}, {10, 0}, {10, 10}},
			[][]point{{{0, 0}, {10, 0}, {10, 10}}}},
		{"an island on the antimeridian: a piece each side",
			[]point{{170, 0}, {-170, 0}, {-170, 10}, {170, 10}},
			[][]point{{{-180, 0}, {-170, 0}, {-170, 10}, {-180, 10}}, {{180, 10}, {170, 10}, {170, 0}, {180, 0}}}},
		{"points on the antimeridian, stepping from +180 to -180",
			[]point{{170, 0}, {180, 0}, {-180, 5}, {-170, 5}, {-170, 10}, {170, 10}},
			[][]point{{{-180, 0}, {-180, 5}, {-170, 5}, {-170, 10}, {-180, 10}}, {{180, 10}, {170, 10}, {170, 0}, {180, 0}}}},
		{"round the south pole: closed through it",
			[]point{{-90, -70}, {0, -60}, {90, -70}, {179, -80}, {-179, -80}},
			[][]point{{{-180, -80}, {-179, -80}, {-90, -70}, {0, -60}, {90, -70}, {179, -80}, {180, -80}, {180, -90}, {-180, -90}}}},
		{"round the north pole",
			[]point{{170, 80}, {-170, 80}, {0, 85}},
			[][]point{{{-180, 80}, {-170, 80}, {0, 85}, {170, 80}, {180, 80}, {180, 90}, {-180, 90}}}},
	} {
		got, err := cutAntimeridian(c.ring)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %v %v\nwant %v", c.name, got, err, c.want)
		}
	}
	if _, err := cutAntimeridian([]point{{170, 0}, {-170, 0}, {170, 5}, {-170, 5}, {170, 10}, {-170, 10}}); err == nil {
		t.Error("a ring crossing six times was cut")
	}
}

// TestEncodeGolden writes testdata/sample.bin, which web's test decodes:
// the two ends of the format are checked against each other.
func TestEncodeGolden(t *testing.T) {
	rings := [][]point{
		{{-180, -90}, {180, -90}, {180, -63.27}, {-180, -63.27}, {-180, -90}}, // closed explicitly
		{{10.5, 50.25}, {10.501, 50.2501}, {11, 50.25}, {11, 51}},             // a point within the quantum
		{{0, 0}, {0.001, 0}, {0, 0.001}},                                      // collapses: dropped
	}
	got, kept, points, err := encode(rings)
	if err != nil || kept != 2 || points != 7 {
		t.Fatalf("encode: %d rings, %d points, %v", kept, points, err)
	}
	path := filepath.Join("testdata", "sample.bin")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("encoded %x, testdata has %x (%v); go test ./internal/landgen -update rewrites it", got, want, err)
	}
	if _, _, _, err := encode([][]point{{{0, 0}, {181, 0}, {0, 1}}}); err == nil {
		t.Error("a point off the globe was encoded")
	}
}

// TestRun converts a tarball shaped as npm pack writes it.
func TestRun(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range map[string]string{"package/README.md": "x", "package/land-110m.json": sampleTopology} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "world-atlas-2.0.2.tgz"), filepath.Join(dir, "land.bin")
	if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	if err := run(in, "package/land-110m.json", "land", out, &log); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(out); err != nil || !strings.HasPrefix(string(b), magic) || !strings.Contains(log.String(), "3 rings, 10 points") {
		t.Errorf("output %q %v; log %s", b, err, log.String())
	}
	if err := run(in, "package/land-50m.json", "land", out, &log); err == nil || !strings.Contains(err.Error(), "no package/land-50m.json") {
		t.Errorf("missing member: %v", err)
	}
	log.Reset()
	if err := run("", "", "land", out, &log); err != nil || !strings.Contains(log.String(), "stays as committed") {
		t.Errorf("without -in, an existing output: %v %s", err, log.String())
	}
	if err := run("", "", "land", filepath.Join(dir, "none.bin"), &log); err == nil {
		t.Error("without -in and without an output: no error")
	}
}

func FuzzReadRings(f *testing.F) {
	f.Add([]byte(sampleTopology), "land")
	f.Fuzz(func(t *testing.T, doc []byte, object string) {
		rings, err := readRings(doc, object)
		if err != nil {
			return
		}
		for _, r := range rings {
			if len(r) < 3 {
				t.Fatalf("a ring of %d points", len(r))
			}
			cutAntimeridian(r) // must not panic
		}
	})
}
