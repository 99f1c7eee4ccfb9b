package keel

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The Standard Webhooks headers of every delivery.
const (
	WebhookIDHeader        = "webhook-id"
	WebhookTimestampHeader = "webhook-timestamp"
	WebhookSignatureHeader = "webhook-signature"
)

// DefaultWebhookTolerance is how far a delivery's timestamp may be from now, either way, unless a
// WebhookVerifier says otherwise: Standard Webhooks' five minutes, which bounds replays.
const DefaultWebhookTolerance = 5 * time.Minute

// The ways a delivery fails verification; test with errors.Is.
var (
	ErrWebhookMissingHeader = errors.New("keel: webhook-id, webhook-timestamp or webhook-signature header missing")
	ErrWebhookTimestamp     = errors.New("keel: webhook timestamp malformed or outside the tolerance")
	ErrWebhookSignature     = errors.New("keel: no valid webhook signature")
)

const (
	secretPrefix    = "whsec_"
	publicKeyPrefix = "whpk_"
	// Keel's secrets are 24 to 64 bytes; a shorter key would make signatures forgeable.
	minSecretBytes = 24
)

// WebhookVerifier checks Keel's signatures on a delivery. One valid signature of an accepted version,
// by any of the keys, is enough: during a secret's rotation Keel signs with the old and the new one.
type WebhookVerifier struct {
	// Secrets are the endpoint's whsec_ secrets. They check v1 (HMAC-SHA256) and v2 (HMAC-SHA512),
	// and v1a through the public key derived from them (WebhookPublicKey).
	Secrets []string
	// PublicKeys are whpk_ Ed25519 keys (EndpointView.PublicKeys). They check v1a only, and are all
	// a receiver needs for it: they can check signatures but not make them.
	PublicKeys []string
	// Versions are the signature versions that count; empty: all three.
	Versions []EndpointSignatureVersion
	// Tolerance bounds the distance between the delivery's timestamp and now; zero: DefaultWebhookTolerance.
	Tolerance time.Duration
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// VerifyWebhook checks a delivery's headers and raw body with the endpoint's whsec_ secret, with the
// default tolerance, accepting a v1, v2 or v1a signature.
func VerifyWebhook(header http.Header, body []byte, secret string) error {
	return (&WebhookVerifier{Secrets: []string{secret}}).Verify(header, body)
}

// Verify checks a delivery: the headers must all be there, the timestamp within the tolerance, and one
// signature valid. Pass the body exactly as received; re-encoded JSON does not verify.
func (v *WebhookVerifier) Verify(header http.Header, body []byte) error {
	id, timestamp, signatures := header.Get(WebhookIDHeader), header.Get(WebhookTimestampHeader), header.Get(WebhookSignatureHeader)
	if id == "" || timestamp == "" || signatures == "" {
		return ErrWebhookMissingHeader
	}
	if err := v.checkTimestamp(timestamp); err != nil {
		return err
	}

	secrets := make([][]byte, 0, len(v.Secrets))
	publicKeys := make([]ed25519.PublicKey, 0, len(v.PublicKeys)+len(v.Secrets))
	for _, s := range v.Secrets {
		secret, err := decodeSecret(s)
		if err != nil {
			return err
		}
		secrets = append(secrets, secret)
		publicKeys = append(publicKeys, derivePublicKey(secret))
	}
	for _, k := range v.PublicKeys {
		key, err := decodePublicKey(k)
		if err != nil {
			return err
		}
		publicKeys = append(publicKeys, key)
	}

	// The signed content is "{id}.{timestamp}.{body}", with the timestamp as the header spells it.
	content := make([]byte, 0, len(id)+len(timestamp)+2+len(body))
	content = append(append(append(append(append(content, id...), '.'), timestamp...), '.'), body...)
	for _, entry := range strings.Fields(signatures) {
		version, encoded, found := strings.Cut(entry, ",")
		signature, err := base64.StdEncoding.DecodeString(encoded)
		if !found || err != nil || !v.accepts(EndpointSignatureVersion(version)) {
			continue
		}
		if verifies(EndpointSignatureVersion(version), content, signature, secrets, publicKeys) {
			return nil
		}
	}
	return ErrWebhookSignature
}

func (v *WebhookVerifier) checkTimestamp(timestamp string) error {
	seconds, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q is not Unix seconds", ErrWebhookTimestamp, timestamp)
	}
	now, tolerance := time.Now, v.Tolerance
	if v.Now != nil {
		now = v.Now
	}
	if tolerance == 0 {
		tolerance = DefaultWebhookTolerance
	}
	distance := now().Sub(time.Unix(seconds, 0))
	if distance > tolerance || distance < -tolerance {
		return fmt.Errorf("%w: %s from now", ErrWebhookTimestamp, distance.Round(time.Second))
	}
	return nil
}

func (v *WebhookVerifier) accepts(version EndpointSignatureVersion) bool {
	if len(v.Versions) == 0 {
		return true
	}
	for _, accepted := range v.Versions {
		if accepted == version {
			return true
		}
	}
	return false
}

func verifies(version EndpointSignatureVersion, content, signature []byte, secrets [][]byte, publicKeys []ed25519.PublicKey) bool {
	switch version {
	case EndpointSignatureVersionV1:
		return anyHMAC(sha256.New, content, signature, secrets)
	case EndpointSignatureVersionV2:
		return anyHMAC(sha512.New, content, signature, secrets)
	case EndpointSignatureVersionV1a:
		for _, key := range publicKeys {
			if ed25519.Verify(key, content, signature) {
				return true
			}
		}
	}
	return false
}

func anyHMAC(h func() hash.Hash, content, signature []byte, secrets [][]byte) bool {
	for _, secret := range secrets {
		mac := hmac.New(h, secret)
		mac.Write(content)
		// hmac.Equal takes the same time wherever the first difference is.
		if hmac.Equal(mac.Sum(nil), signature) {
			return true
		}
	}
	return false
}

// WebhookPublicKey returns the whpk_ Ed25519 public key that checks the v1a signatures Keel makes with
// a whsec_ secret: the same key the endpoint lists in PublicKeys.
func WebhookPublicKey(secret string) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	return publicKeyPrefix + base64.StdEncoding.EncodeToString(derivePublicKey(key)), nil
}

func decodeSecret(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
	if err != nil || len(key) < minSecretBytes {
		return nil, fmt.Errorf("keel: a webhook secret is whsec_ and the base64 of at least %d bytes", minSecretBytes)
	}
	return key, nil
}

func decodePublicKey(publicKey string) (ed25519.PublicKey, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(publicKey, publicKeyPrefix))
	if err != nil || len(key) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("keel: a webhook public key is whpk_ and the base64 of %d bytes", ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(key), nil
}

// derivePublicKey follows Keel's published derivation of the v1a key (src/Keel/Webhooks/Signing/WebhookSecret.cs):
// the Ed25519 seed is HKDF-SHA256 (RFC 5869) of the secret bytes, with no salt and the info
// "keel webhook v1a", 32 bytes long. Go 1.19 has no crypto/hkdf; one block of output is two HMACs.
func derivePublicKey(secret []byte) ed25519.PublicKey {
	extract := hmac.New(sha256.New, make([]byte, sha256.Size))
	extract.Write(secret)
	expand := hmac.New(sha256.New, extract.Sum(nil))
	expand.Write([]byte("keel webhook v1a"))
	expand.Write([]byte{1})
	seed := expand.Sum(nil)
	return ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
}
