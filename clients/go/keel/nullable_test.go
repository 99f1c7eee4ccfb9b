package keel_test

import (
	"encoding/json"
	"testing"
	"time"

	"keel.dev/client/keel"
)

func TestNullableSendsAbsentNullOrValue(t *testing.T) {
	expiry := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name string
		body keel.UpdateKeyRequest
		want string
	}{
		{"absent", keel.UpdateKeyRequest{}, `{}`},
		{"null", keel.UpdateKeyRequest{ExpiresAt: keel.Null[time.Time]()}, `{"expires_at":null}`},
		{"value", keel.UpdateKeyRequest{ExpiresAt: keel.Value(expiry)}, `{"expires_at":"2030-01-02T03:04:05Z"}`},
		// Optional fields that are not nullable are pointers, so that zero values can be sent.
		{"empty scopes", keel.UpdateKeyRequest{Scopes: keel.Ptr([]string{})}, `{"scopes":[]}`},
	}
	for _, c := range cases {
		got, err := json.Marshal(c.body)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func TestNullableReadsBack(t *testing.T) {
	var body keel.UpdateKeyRequest
	if err := json.Unmarshal([]byte(`{"name":"n","expires_at":null,"plan_id":"plan_pro"}`), &body); err != nil {
		t.Fatal(err)
	}
	if !body.ExpiresAt.IsSet() || !body.ExpiresAt.IsNull() {
		t.Errorf("expires_at null read as %v", body.ExpiresAt)
	}
	if plan, ok := body.PlanID.Get(); !ok || plan != "plan_pro" || body.PlanID.IsNull() {
		t.Errorf("plan_id read as %v", body.PlanID)
	}
	if body.Remaining.IsSet() {
		t.Errorf("remaining, not in the JSON, read as %v", body.Remaining)
	}
	if _, ok := body.ExpiresAt.Get(); ok {
		t.Error("Get on null answered a value")
	}
}
