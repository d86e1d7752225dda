// Package archtest holds the tests that keep the code the shape
// docs/architecture.md draws: imports flow one way, loops never import the
// archive or each other, heavy drivers stay inside the package that owns
// them, a value type crossing packages is declared once (in schema), and no
// adapter converts between layers. The architecture document's tables are
// parsed and compared with the rules here, so the two cannot drift.
package archtest
