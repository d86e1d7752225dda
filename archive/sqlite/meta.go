package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

func (s *liteStore) SaveSnapshots(ctx context.Context, snaps []schema.Snapshot) (int, error) {
	if err := backend.CheckSnapshots(snaps); err != nil {
		return 0, err
	}
	n := 0
	err := s.liteTx(ctx, "save snapshots", func(tx *sql.Tx) error {
		if _, err := liteExecEach(ctx, tx, stmts.InsertMetadata,
			snaps, func(sn schema.Snapshot) []any { return []any{sn.ID[:], sn.Type, string(sn.Data)} }); err != nil {
			return err
		}
		var err error
		n, err = liteExecEach(ctx, tx, stmts.InsertRelayMetadata,
			snaps, func(sn schema.Snapshot) []any { return []any{sn.Relay, sn.Type, sn.GeneratedAt.Unix(), sn.ID[:]} })
		return err
	})
	return n, err
}

func (s *liteStore) LatestSnapshots(ctx context.Context, relay schema.RelayURL) ([]schema.Snapshot, error) {
	// SQLite takes the bare columns of a max() aggregate from the row that
	// holds the maximum.
	rows, err := s.read.QueryContext(ctx, stmts.LatestSnapshots, relay)
	if err != nil {
		return nil, liteErr(ctx, "latest snapshots of "+relay.String(), err)
	}
	defer rows.Close()
	var out []schema.Snapshot
	for rows.Next() {
		var (
			sn   = schema.Snapshot{Relay: relay}
			id   []byte
			at   int64
			data string
		)
		if err := rows.Scan(&sn.Type, &id, &at, &data); err != nil {
			return nil, fmt.Errorf("latest snapshots of %s: %w", relay, err)
		}
		copy(sn.ID[:], id)
		sn.GeneratedAt, sn.Data = time.Unix(at, 0), json.RawMessage(data)
		out = append(out, sn)
	}
	if err := rows.Err(); err != nil {
		return nil, liteErr(ctx, "latest snapshots of "+relay.String(), err)
	}
	return out, nil
}

func (s *liteStore) PutState(ctx context.Context, st []schema.State) error {
	if err := backend.CheckStates(st); err != nil {
		return err
	}
	// Rows are written in order, so the last entry of a repeated key wins.
	return s.liteTx(ctx, "put state", func(tx *sql.Tx) error {
		_, err := liteExecEach(ctx, tx, stmts.PutState,
			st, func(e schema.State) []any { return []any{e.Service, e.Type, e.Key, string(e.Value)} })
		return err
	})
}

func (s *liteStore) GetState(ctx context.Context, service, typ, key string) (schema.State, error) {
	st := schema.State{Service: service, Type: typ, Key: key}
	var v string
	err := s.read.QueryRowContext(ctx, stmts.GetState,
		service, typ, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("state %s/%s/%s: %w", service, typ, key, schema.ErrNotFound)
	}
	if err != nil {
		return st, liteErr(ctx, "get state", err)
	}
	st.Value = json.RawMessage(v)
	return st, nil
}

func (s *liteStore) ListState(ctx context.Context, service, typ string) ([]schema.State, error) {
	rows, err := s.read.QueryContext(ctx, stmts.ListState,
		service, typ)
	if err != nil {
		return nil, liteErr(ctx, "list state", err)
	}
	defer rows.Close()
	var out []schema.State
	for rows.Next() {
		st := schema.State{Service: service, Type: typ}
		var v string
		if err := rows.Scan(&st.Key, &v); err != nil {
			return nil, fmt.Errorf("list state: %w", err)
		}
		st.Value = json.RawMessage(v)
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, liteErr(ctx, "list state", err)
	}
	return out, nil
}

func (s *liteStore) DeleteState(ctx context.Context, st []schema.State) error {
	return s.liteTx(ctx, "delete state", func(tx *sql.Tx) error {
		_, err := liteExecEach(ctx, tx, stmts.DeleteState,
			st, func(e schema.State) []any { return []any{e.Service, e.Type, e.Key} })
		return err
	})
}
