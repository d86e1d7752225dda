// Package archtest holds the test that keeps the import graph the shape
// ARCHITECTURE.md draws: imports flow one way, loops never import the
// archive or each other, and heavy drivers stay inside the package that owns
// them.
package archtest
