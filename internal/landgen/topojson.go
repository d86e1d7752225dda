package main

import (
	"encoding/json"
	"errors"
	"fmt"
)

// point is a longitude and latitude in degrees.
type point struct{ lon, lat float64 }

// topology is the part of a TopoJSON document landgen reads.
type topology struct {
	Type      string                     `json:"type"`
	Objects   map[string]json.RawMessage `json:"objects"`
	Arcs      [][][2]float64             `json:"arcs"`
	Transform *struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
}

// geometry is a TopoJSON geometry object: a collection, a polygon (rings
// of arc indexes) or a multipolygon. Other types carry no area and are
// rejected.
type geometry struct {
	Type       string          `json:"type"`
	Geometries []geometry      `json:"geometries"`
	Arcs       json.RawMessage `json:"arcs"`
}

var errNotTopology = errors.New("not a TopoJSON topology")

// readRings decodes the named object of a TopoJSON topology into its rings
// (outer boundaries and holes alike: the map fills them even-odd), each
// without the closing repetition of its first point.
func readRings(doc []byte, object string) ([][]point, error) {
	var t topology
	if err := json.Unmarshal(doc, &t); err != nil {
		return nil, fmt.Errorf("%w: %w", errNotTopology, err)
	}
	if t.Type != "Topology" {
		return nil, fmt.Errorf("%w: type %q", errNotTopology, t.Type)
	}
	raw, ok := t.Objects[object]
	if !ok {
		return nil, fmt.Errorf("topology has no object %q", object)
	}
	var g geometry
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("object %q: %w", object, err)
	}
	arcs := t.decodeArcs()
	var out [][]point
	if err := collect(g, arcs, &out); err != nil {
		return nil, fmt.Errorf("object %q: %w", object, err)
	}
	return out, nil
}

// decodeArcs undoes the quantization: with a transform, each arc's
// positions are deltas from the previous one, scaled and translated.
func (t *topology) decodeArcs() [][]point {
	out := make([][]point, len(t.Arcs))
	for i, arc := range t.Arcs {
		pts := make([]point, len(arc))
		var x, y float64
		for j, p := range arc {
			if t.Transform == nil {
				pts[j] = point{p[0], p[1]}
				continue
			}
			x, y = x+p[0], y+p[1]
			pts[j] = point{x*t.Transform.Scale[0] + t.Transform.Translate[0], y*t.Transform.Scale[1] + t.Transform.Translate[1]}
		}
		out[i] = pts
	}
	return out
}

func collect(g geometry, arcs [][]point, out *[][]point) error {
	switch g.Type {
	case "GeometryCollection":
		for _, c := range g.Geometries {
			if err := collect(c, arcs, out); err != nil {
				return err
			}
		}
		return nil
	case "Polygon":
		var rings [][]int
		if err := json.Unmarshal(g.Arcs, &rings); err != nil {
			return fmt.Errorf("polygon arcs: %w", err)
		}
		return addRings(rings, arcs, out)
	case "MultiPolygon":
		var polys [][][]int
		if err := json.Unmarshal(g.Arcs, &polys); err != nil {
			return fmt.Errorf("multipolygon arcs: %w", err)
		}
		for _, rings := range polys {
			if err := addRings(rings, arcs, out); err != nil {
				return err
			}
		}
		return nil
	case "":
		return nil // a null geometry
	}
	return fmt.Errorf("geometry type %q has no area", g.Type)
}

// addRings stitches each ring from its arcs: index i is arc i, ^i (a
// negative index) is arc i reversed; consecutive arcs share their joining
// point.
func addRings(rings [][]int, arcs [][]point, out *[][]point) error {
	for _, r := range rings {
		var ring []point
		for _, idx := range r {
			i := idx
			if i < 0 {
				i = ^i
			}
			if i >= len(arcs) {
				return fmt.Errorf("arc %d of %d", idx, len(arcs))
			}
			a := arcs[i]
			if idx < 0 {
				a = reversed(a)
			}
			if len(ring) > 0 && len(a) > 0 {
				a = a[1:]
			}
			ring = append(ring, a...)
		}
		if n := len(ring); n > 1 && ring[0] == ring[n-1] {
			ring = ring[:n-1]
		}
		if len(ring) >= 3 {
			*out = append(*out, ring)
		}
	}
	return nil
}

func reversed(a []point) []point {
	r := make([]point, len(a))
	for i, p := range a {
		r[len(a)-1-i] = p
	}
	return r
}
