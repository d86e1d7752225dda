package a

import "example.com/dup/a/internal/inner"

// Shared re-exports its own internal declaration.
type Shared = inner.Shared
