// Command landgen converts Natural Earth land polygons, as TopoJSON (the
// world-atlas npm package), into the compact file the status page draws
// its world map from (web/geodata/land-110m.bin). It runs once, offline,
// when the data is to be replaced; the build only embeds its output:
//
//	npm pack world-atlas@2.0.2            # into /tmp, say
//	go run ./internal/landgen -in /tmp/world-atlas-2.0.2.tgz -out web/geodata/land-110m.bin
//
// (or WORLD_ATLAS_TGZ=/tmp/world-atlas-2.0.2.tgz go generate ./web).
//
// It cuts rings that cross the antimeridian into pieces that stay on one
// side (a flat map cannot draw an edge from 179°E to 179°W as a short one),
// closes a ring around a pole through that pole, and quantizes coordinates
// to a hundredth of a degree (about a kilometre, far finer than 1:110m data
// is drawn). The file format is described at encode.
package main
