package postgres

import (
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// Which failures move a read to the next target, and which take the
// replica out: a SQL error would fail on the primary as well.
func TestPgReplicaFault(t *testing.T) {
	tests := []struct {
		name        string
		err         error
		retry, down bool
	}{
		{"recovery conflict", &pgconn.PgError{Code: "40001"}, true, false},
		{"admin shutdown", fmt.Errorf("query events: %w", &pgconn.PgError{Code: "57P01"}), true, true},
		{"starting up", &pgconn.PgError{Code: "57P03"}, true, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true, true},
		{"undefined table", &pgconn.PgError{Code: "42P01"}, false, false},
		{"statement timeout", &pgconn.PgError{Code: "57014"}, false, false},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, true, true},
		{"eof", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true, true},
		{"decode", errors.New("decode tags of ab: bad json"), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			retry, down := pgReplicaFault(tt.err)
			if retry != tt.retry || down != tt.down {
				t.Fatalf("pgReplicaFault(%v) = %v, %v; want %v, %v", tt.err, retry, down, tt.retry, tt.down)
			}
		})
	}
}
