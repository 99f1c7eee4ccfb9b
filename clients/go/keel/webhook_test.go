package keel_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"keel.dev/client/keel"
)

// Vectors made apart from this package, with Python's cryptography library, per Keel's published
// derivation (docs/architecture.md): the secret is the bytes 0..31, the content
// msg_test.1700000000.{"type":"invoice.paid"}.
const (
	vectorSecret    = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	vectorPublicKey = "whpk_6nC3sdXGxgtG862OOMp18gRVOW/PyCdYX1QM47JyTXY="
	vectorV1        = "v1,grRbjyVcw/U72dMBjzIVRQ6rfT/HnKLAp08Y/+len7k="
	vectorV2        = "v2,1nKQRqDJ+0AOAO1aJKUdfDmM9YFi5u8SaNggB6DfW9y+N7DLZ39vt5FQGCo9MJfi5bVQ5BZYIuvkzfkgoYPSPA=="
	vectorV1a       = "v1a,KIxJc7xrAJhAd+XdKPKx4Aa05fCjX9igypsCQB69Rz4w+xEneOkskj5+sR+nwvinT6OwPf3aK4LB5LYEEZ2PDQ=="
	vectorBody      = `{"type":"invoice.paid"}`
	vectorTimestamp = 1700000000
)

func vectorHeader(signatures ...string) http.Header {
	h := http.Header{}
	h.Set(keel.WebhookIDHeader, "msg_test")
	h.Set(keel.WebhookTimestampHeader, "1700000000")
	h.Set(keel.WebhookSignatureHeader, strings.Join(signatures, " "))
	return h
}

func vectorClock() time.Time { return time.Unix(vectorTimestamp, 0).Add(90 * time.Second) }

func TestWebhookPublicKeyMatchesTheDerivation(t *testing.T) {
	got, err := keel.WebhookPublicKey(vectorSecret)
	if err != nil {
		t.Fatal(err)
	}
	if got != vectorPublicKey {
		t.Fatalf("WebhookPublicKey = %s, want %s", got, vectorPublicKey)
	}
}

func TestWebhookVerifierAcceptsEachVersion(t *testing.T) {
	cases := []struct {
		version  keel.EndpointSignatureVersion
		verifier keel.WebhookVerifier
	}{
		{keel.EndpointSignatureVersionV1, keel.WebhookVerifier{Secrets: []string{vectorSecret}}},
		{keel.EndpointSignatureVersionV2, keel.WebhookVerifier{Secrets: []string{vectorSecret}}},
		{keel.EndpointSignatureVersionV1a, keel.WebhookVerifier{Secrets: []string{vectorSecret}}},
		// The public key alone checks v1a: what a receiver that must not hold the secret keeps.
		{keel.EndpointSignatureVersionV1a, keel.WebhookVerifier{PublicKeys: []string{vectorPublicKey}}},
	}
	all := map[keel.EndpointSignatureVersion]string{"v1": vectorV1, "v2": vectorV2, "v1a": vectorV1a}
	for _, c := range cases {
		v := c.verifier
		v.Now = vectorClock
		v.Versions = []keel.EndpointSignatureVersion{c.version}
		if err := v.Verify(vectorHeader(all[c.version]), []byte(vectorBody)); err != nil {
			t.Errorf("%s alone: %v", c.version, err)
		}
		// Only the accepted version counts, even beside the others.
		if err := v.Verify(vectorHeader(vectorV1, vectorV2, vectorV1a), []byte(vectorBody)); err != nil {
			t.Errorf("%s among all: %v", c.version, err)
		}
		others := []string{}
		for version, signature := range all {
			if version != c.version {
				others = append(others, signature)
			}
		}
		if err := v.Verify(vectorHeader(others...), []byte(vectorBody)); !errors.Is(err, keel.ErrWebhookSignature) {
			t.Errorf("%s with only the other versions: %v, want ErrWebhookSignature", c.version, err)
		}
	}
}

func TestWebhookVerifierRefuses(t *testing.T) {
	v := keel.WebhookVerifier{Secrets: []string{vectorSecret}, Now: vectorClock}
	body := []byte(vectorBody)
	tampered := []byte(strings.Replace(vectorBody, "paid", "void", 1))
	otherSecret := "whsec_" + strings.Repeat("A", 43) + "="
	cases := []struct {
		name   string
		header http.Header
		body   []byte
		v      keel.WebhookVerifier
		want   error
	}{
		{"tampered body v1", vectorHeader(vectorV1), tampered, v, keel.ErrWebhookSignature},
		{"tampered body v2", vectorHeader(vectorV2), tampered, v, keel.ErrWebhookSignature},
		{"tampered body v1a", vectorHeader(vectorV1a), tampered, v, keel.ErrWebhookSignature},
		{"another secret", vectorHeader(vectorV1, vectorV2, vectorV1a), body, keel.WebhookVerifier{Secrets: []string{otherSecret}, Now: vectorClock}, keel.ErrWebhookSignature},
		{"stale", vectorHeader(vectorV1), body, keel.WebhookVerifier{Secrets: []string{vectorSecret}, Now: func() time.Time { return time.Unix(vectorTimestamp, 0).Add(6 * time.Minute) }}, keel.ErrWebhookTimestamp},
		{"from the future", vectorHeader(vectorV1), body, keel.WebhookVerifier{Secrets: []string{vectorSecret}, Now: func() time.Time { return time.Unix(vectorTimestamp, 0).Add(-6 * time.Minute) }}, keel.ErrWebhookTimestamp},
		{"unsigned", vectorHeader(), body, v, keel.ErrWebhookMissingHeader},
		{"unknown version", vectorHeader("v9," + strings.TrimPrefix(vectorV1, "v1,")), body, v, keel.ErrWebhookSignature},
		{"garbled", vectorHeader("v1", "v1,%%%", "v1a,AAAA"), body, v, keel.ErrWebhookSignature},
	}
	for _, c := range cases {
		if err := c.v.Verify(c.header, c.body); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}

	// The timestamp is signed: moving it within the tolerance still breaks the signature.
	moved := vectorHeader(vectorV1, vectorV2, vectorV1a)
	moved.Set(keel.WebhookTimestampHeader, "1700000001")
	if err := v.Verify(moved, body); !errors.Is(err, keel.ErrWebhookSignature) {
		t.Errorf("moved timestamp: %v, want ErrWebhookSignature", err)
	}
	malformed := vectorHeader(vectorV1)
	malformed.Set(keel.WebhookTimestampHeader, "soon")
	if err := v.Verify(malformed, body); !errors.Is(err, keel.ErrWebhookTimestamp) {
		t.Errorf("malformed timestamp: %v, want ErrWebhookTimestamp", err)
	}
}

func TestWebhookVerifierTakesAnyLiveSecret(t *testing.T) {
	// During a rotation's grace Keel signs with both secrets; the receiver may hold either.
	newer := "whsec_" + strings.Repeat("B", 43) + "="
	v := keel.WebhookVerifier{Secrets: []string{newer, vectorSecret}, Now: vectorClock}
	if err := v.Verify(vectorHeader(vectorV1), []byte(vectorBody)); err != nil {
		t.Fatal(err)
	}
}

func TestWebhookVerifierRefusesWeakKeys(t *testing.T) {
	short := keel.WebhookVerifier{Secrets: []string{"whsec_c2hvcnQ="}, Now: vectorClock}
	err := short.Verify(vectorHeader(vectorV1), []byte(vectorBody))
	if err == nil || errors.Is(err, keel.ErrWebhookSignature) {
		t.Fatalf("a 5-byte secret: %v, want a configuration error", err)
	}
	if _, err := keel.WebhookPublicKey("whsec_not base64"); err == nil {
		t.Fatal("WebhookPublicKey accepted a secret that is not base64")
	}
	badKey := keel.WebhookVerifier{PublicKeys: []string{"whpk_AAAA"}, Now: vectorClock}
	if err := badKey.Verify(vectorHeader(vectorV1a), []byte(vectorBody)); err == nil || errors.Is(err, keel.ErrWebhookSignature) {
		t.Fatalf("a 3-byte public key: %v, want a configuration error", err)
	}
}
