package keel

import (
	"bytes"
	"encoding/json"
)

// Nullable is an optional request field that may also be sent as JSON null, where the document gives
// null a meaning of its own: UpdateKeyRequest{ExpiresAt: Null[time.Time]()} removes a key's expiry,
// while leaving ExpiresAt unset keeps it.
//
// It is a map so that `omitempty` can leave it out: encoding/json omits an empty map but never a struct.
// The zero value (nil) is absent; Value(v) holds v; Null[T]() holds null.
type Nullable[T any] map[bool]T

// Value returns a Nullable that holds v.
func Value[T any](v T) Nullable[T] {
	return Nullable[T]{true: v}
}

// Null returns a Nullable that is sent as JSON null.
func Null[T any]() Nullable[T] {
	var zero T
	return Nullable[T]{false: zero}
}

// IsSet tells whether the field is present, as a value or as null.
func (n Nullable[T]) IsSet() bool {
	return len(n) != 0
}

// IsNull tells whether the field is present as null.
func (n Nullable[T]) IsNull() bool {
	_, null := n[false]
	return null
}

// Get returns the value and true, or the zero value and false when the field is absent or null.
func (n Nullable[T]) Get() (T, bool) {
	v, ok := n[true]
	return v, ok
}

// MarshalJSON writes the value, or null. An absent field never gets here: omitempty leaves it out.
func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if v, ok := n.Get(); ok {
		return json.Marshal(v)
	}
	return []byte("null"), nil
}

// UnmarshalJSON reads null or a value; a field missing from the JSON stays absent.
func (n *Nullable[T]) UnmarshalJSON(data []byte) error {
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		*n = Null[T]()
		return nil
	}
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*n = Value(v)
	return nil
}
