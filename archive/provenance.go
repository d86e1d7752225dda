package archive

import "github.com/bigbrotr/bigbrotr/archive/internal/backend"

// Provenance records (see archive/internal/backend/provenance.go).
type (
	RelaySeen  = backend.RelaySeen
	FirstSeen  = backend.FirstSeen
	SeenCursor = backend.SeenCursor
)

// MaxFirstSeenPage bounds one page of FirstSeenOn.
const MaxFirstSeenPage = backend.MaxFirstSeenPage
