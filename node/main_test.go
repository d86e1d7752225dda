package node

import (
	"testing"

	"github.com/bigbrotr/bigbrotr/internal/pgtest"
)

// TestMain stops the PostgreSQL cluster the PostgreSQL variants start.
func TestMain(m *testing.M) { pgtest.Main(m) }
