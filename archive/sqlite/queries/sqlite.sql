-- name: optimize
PRAGMA optimize;
