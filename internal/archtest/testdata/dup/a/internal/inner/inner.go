package inner

// Shared is declared here and re-exported by a under the same name: one
// declaration, not a duplicate.
type Shared struct{ N int }

// Leaked is aliased by b, which does not own this subtree: a duplicate.
type Leaked struct{ N int }
