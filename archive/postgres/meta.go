package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

// SaveSnapshots stores each distinct document once and one time-series row
// per (relay, type, generated_at); it returns how many of those are new.
func (s *pgStore) SaveSnapshots(ctx context.Context, snaps []schema.Snapshot) (int, error) {
	if err := backend.CheckSnapshots(snaps); err != nil {
		return 0, err
	}
	if len(snaps) == 0 {
		return 0, ctx.Err()
	}
	n := len(snaps)
	relays, types, ids, datas, ats := make([]string, n), make([]string, n), make([][]byte, n), make([]string, n), make([]int64, n)
	for i, sn := range snaps {
		relays[i], types[i], ids[i], datas[i], ats[i] = sn.Relay.String(), sn.Type, sn.ID[:], string(sn.Data), sn.GeneratedAt.Unix()
	}
	var added int
	err := s.pgTx(ctx, "save snapshots", func(tx pgx.Tx) error {
		// Shared with other saves, exclusive against PruneSnapshots: a
		// document this batch finds already stored stays stored.
		if _, err := tx.Exec(ctx, stmts.PruneLockShared, pgPruneLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, stmts.InsertMetadata,
			ids, types, datas); err != nil {
			return err
		}
		ct, err := tx.Exec(ctx, stmts.InsertRelayMetadata,
			relays, types, ats, ids)
		added = int(ct.RowsAffected())
		return err
	})
	return added, err
}

// LatestSnapshots returns the newest snapshot of each type, by type.
func (s *pgStore) LatestSnapshots(ctx context.Context, relay schema.RelayURL) ([]schema.Snapshot, error) {
	rows, err := s.reads.Query(ctx, stmts.LatestSnapshots, relay.String())
	if err != nil {
		return nil, pgErr(ctx, "latest snapshots of "+relay.String(), err)
	}
	var (
		out  []schema.Snapshot
		typ  string
		id   []byte
		at   int64
		data string
	)
	_, err = pgx.ForEachRow(rows, []any{&typ, &id, &at, &data}, func() error {
		sn := schema.Snapshot{Relay: relay, Type: typ, GeneratedAt: time.Unix(at, 0), Data: json.RawMessage(data)}
		copy(sn.ID[:], id)
		out = append(out, sn)
		return nil
	})
	if err != nil {
		return nil, pgErr(ctx, "latest snapshots of "+relay.String(), err)
	}
	return out, nil
}

// PutState upserts entries; within one call the last entry of a key wins.
func (s *pgStore) PutState(ctx context.Context, st []schema.State) error {
	if err := backend.CheckStates(st); err != nil {
		return err
	}
	if len(st) == 0 {
		return ctx.Err()
	}
	type key struct{ service, typ, key string }
	last := make(map[key]int, len(st))
	for i, e := range st {
		last[key{e.Service, e.Type, e.Key}] = i
	}
	var services, types, keys, values []string
	for i, e := range st {
		if last[key{e.Service, e.Type, e.Key}] != i {
			continue
		}
		services, types, keys = append(services, e.Service), append(types, e.Type), append(keys, e.Key)
		values = append(values, string(e.Value))
	}
	_, err := s.pool.Exec(ctx, stmts.PutState, services, types, keys, values)
	return pgErr(ctx, "put state", err)
}

func (s *pgStore) GetState(ctx context.Context, service, typ, key string) (schema.State, error) {
	st := schema.State{Service: service, Type: typ, Key: key}
	var v string
	err := s.reads.QueryRow(ctx, stmts.GetState,
		service, typ, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return schema.State{}, fmt.Errorf("state %s/%s/%s: %w", service, typ, key, schema.ErrNotFound)
	}
	if err != nil {
		return schema.State{}, pgErr(ctx, "get state", err)
	}
	st.Value = json.RawMessage(v)
	return st, nil
}

func (s *pgStore) ListState(ctx context.Context, service, typ string) ([]schema.State, error) {
	rows, err := s.reads.Query(ctx, stmts.ListState,
		service, typ)
	if err != nil {
		return nil, pgErr(ctx, "list state", err)
	}
	var (
		out []schema.State
		k   string
		v   string
	)
	_, err = pgx.ForEachRow(rows, []any{&k, &v}, func() error {
		out = append(out, schema.State{Service: service, Type: typ, Key: k, Value: json.RawMessage(v)})
		return nil
	})
	if err != nil {
		return nil, pgErr(ctx, "list state", err)
	}
	return out, nil
}

func (s *pgStore) DeleteState(ctx context.Context, st []schema.State) error {
	if len(st) == 0 {
		return ctx.Err()
	}
	services, types, keys := make([]string, len(st)), make([]string, len(st)), make([]string, len(st))
	for i, e := range st {
		services[i], types[i], keys[i] = e.Service, e.Type, e.Key
	}
	_, err := s.pool.Exec(ctx, stmts.DeleteState, services, types, keys)
	return pgErr(ctx, "delete state", err)
}
