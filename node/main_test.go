package node

import (
	"testing"

	"github.com/bigbrotr/bigbrotr/internal/pgtest"
)

// TestMain stops the throwaway PostgreSQL cluster, if a test started one.
func TestMain(m *testing.M) { pgtest.Main(m) }
