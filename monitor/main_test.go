package monitor_test

import (
	"testing"

	"github.com/bigbrotr/bigbrotr/internal/pgtest"
)

// TestMain stops the throwaway PostgreSQL cluster the lease tests start.
func TestMain(m *testing.M) { pgtest.Main(m) }
