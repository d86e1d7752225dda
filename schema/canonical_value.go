package schema

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxCanonicalDepth is how deep Canonical descends. A value nested deeper
// (the root is depth 0, its members depth 1, ...) is dropped, as the seed
// did; this also ends pointer cycles.
const MaxCanonicalDepth = 50

// number is a number already in canonical spelling.
type number string

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	numberType        = reflect.TypeFor[json.Number]()
)

// sanitize turns a Go value into the canonical tree: nil (dropped), bool,
// string, number, []any and map[string]any. Containers come back even when
// empty; the caller drops them (the root alone is kept, as {} or []). The
// rules follow encoding/json's, so that a struct and its json.Marshal
// output canonicalize to the same bytes.
func sanitize(v reflect.Value, depth int) (any, error) {
	if depth > MaxCanonicalDepth || !v.IsValid() {
		return nil, nil
	}
	if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
		return nil, nil
	}
	t := v.Type()
	if t == numberType {
		return jsonNumber(v.String())
	}
	if t.Kind() != reflect.Pointer && v.CanAddr() && reflect.PointerTo(t).Implements(marshalerType) {
		v, t = v.Addr(), v.Addr().Type()
	}
	if t.Implements(marshalerType) {
		b, err := v.Interface().(json.Marshaler).MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("canonical: %s.MarshalJSON: %w", t, err)
		}
		return sanitizeJSON(b, depth)
	}
	if t.Implements(textMarshalerType) {
		b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return nil, fmt.Errorf("canonical: %s.MarshalText: %w", t, err)
		}
		return sanitizeString(string(b))
	}

	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return sanitize(v.Elem(), depth)
	case reflect.Bool:
		return v.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return number(strconv.FormatInt(v.Int(), 10)), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return number(strconv.FormatUint(v.Uint(), 10)), nil
	case reflect.Float32, reflect.Float64:
		bits := 64
		if v.Kind() == reflect.Float32 {
			bits = 32
		}
		if s, ok := floatNumber(v.Float(), bits); ok {
			return number(s), nil
		}
		return nil, nil
	case reflect.String:
		return sanitizeString(v.String())
	case reflect.Slice:
		if v.IsNil() {
			return nil, nil
		}
		if t.Elem().Kind() == reflect.Uint8 && !isMarshalerElem(t.Elem()) {
			return base64.StdEncoding.EncodeToString(v.Bytes()), nil
		}
		return sanitizeList(v, depth)
	case reflect.Array:
		return sanitizeList(v, depth)
	case reflect.Map:
		return sanitizeMap(v, depth)
	case reflect.Struct:
		return sanitizeStruct(v, depth)
	}
	return nil, fmt.Errorf("canonical: unsupported type %s", t)
}

// isMarshalerElem mirrors encoding/json: a byte slice whose element type
// marshals itself is a list, not base64.
func isMarshalerElem(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(marshalerType) || p.Implements(textMarshalerType)
}

// sanitizeJSON parses JSON text (from a Marshaler, json.RawMessage
// included) keeping number literals exact, and sanitizes the result.
func sanitizeJSON(b []byte, depth int) (any, error) {
	if !json.Valid(b) {
		return nil, fmt.Errorf("canonical: invalid JSON %s", quoteInput(string(b)))
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		return nil, fmt.Errorf("canonical: invalid JSON: %w", err)
	}
	return sanitize(reflect.ValueOf(&x).Elem(), depth)
}

func jsonNumber(lit string) (any, error) {
	s, err := canonicalNumber(lit)
	if err != nil {
		return nil, fmt.Errorf("canonical: %w", err)
	}
	return number(s), nil
}

// sanitizeString refuses NUL (it truncates strings in C-based consumers and
// PostgreSQL rejects it in text) and, like encoding/json, replaces each
// byte of invalid UTF-8 with U+FFFD.
func sanitizeString(s string) (string, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return "", fmt.Errorf("canonical: %w in string %s", ErrNullByte, quoteInput(s))
	}
	if utf8.ValidString(s) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r) // RuneError for each invalid byte
		i += n
	}
	return b.String(), nil
}

// keep reports whether a sanitized member survives: no null, no empty
// container.
func keep(x any) bool {
	switch c := x.(type) {
	case nil:
		return false
	case []any:
		return len(c) > 0
	case map[string]any:
		return len(c) > 0
	}
	return true
}

func sanitizeList(v reflect.Value, depth int) (any, error) {
	out := make([]any, 0, v.Len())
	for i := 0; i < v.Len(); i++ {
		x, err := sanitize(v.Index(i), depth+1)
		if err != nil {
			return nil, err
		}
		if keep(x) {
			out = append(out, x)
		}
	}
	return out, nil
}

func sanitizeMap(v reflect.Value, depth int) (any, error) {
	if v.IsNil() {
		return nil, nil
	}
	out := make(map[string]any, v.Len())
	it := v.MapRange()
	for it.Next() {
		k, err := mapKey(it.Key())
		if err != nil {
			return nil, err
		}
		x, err := sanitize(it.Value(), depth+1)
		if err != nil {
			return nil, err
		}
		if keep(x) {
			out[k] = x
		}
	}
	return out, nil
}

// mapKey names a map key the way encoding/json does.
func mapKey(k reflect.Value) (string, error) {
	if k.Kind() == reflect.String {
		return sanitizeString(k.String())
	}
	if tm, ok := k.Interface().(encoding.TextMarshaler); ok {
		if k.Kind() == reflect.Pointer && k.IsNil() {
			return "", nil
		}
		b, err := tm.MarshalText()
		if err != nil {
			return "", fmt.Errorf("canonical: map key: %w", err)
		}
		return sanitizeString(string(b))
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
	return "", fmt.Errorf("canonical: unsupported map key type %s", k.Type())
}
