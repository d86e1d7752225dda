package b

import "example.com/dup/a/internal/inner"

// Leaked aliases another package's type: still a second name for it.
type Leaked = inner.Leaked
