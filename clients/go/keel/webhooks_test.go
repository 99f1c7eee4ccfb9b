package keel_test

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"keel.dev/client/keel"
)

// delivery is one POST the receiver got, as it came.
type delivery struct {
	header http.Header
	body   []byte
}

// startReceiver serves POST /hooks on a free loopback port with net/http and hands each delivery to
// the returned channel; it answers 204 so that Keel records a success.
func startReceiver(t *testing.T) (string, <-chan delivery) {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deliveries := make(chan delivery, 16)
	server := &http.Server{
		ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(r.Body)
			if err != nil || r.Method != http.MethodPost || r.URL.Path != "/hooks" {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			select {
			case deliveries <- delivery{header: r.Header.Clone(), body: body}:
			default:
			}
			w.WriteHeader(http.StatusNoContent)
		}),
	}
	go func() { _ = server.Serve(listener) }()
	t.Cleanup(func() { _ = server.Close() })
	return "http://" + listener.Addr().String() + "/hooks", deliveries
}

// README.md "Webhooks", through the client: an endpoint signing with every version, an event published
// twice with one Idempotency-Key, the delivery received and checked with each version, and its record.
func TestWebhooks(t *testing.T) {
	ctx := testContext(t)
	admin := liveAdmin(t)
	_, owner := newTenant(t, ctx, admin)
	url, deliveries := startReceiver(t)

	// 1. An endpoint for invoice events; its secret is shown once.
	versions := []keel.EndpointSignatureVersion{keel.EndpointSignatureVersionV1, keel.EndpointSignatureVersionV2, keel.EndpointSignatureVersionV1a}
	endpoint, err := owner.CreateEndpoint(ctx, keel.CreateEndpointRequest{
		URL:               url,
		EventTypes:        keel.Value([]string{"invoice.*"}),
		SignatureVersions: keel.Value(versions),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(endpoint.Secret, "whsec_") || endpoint.URL != url || !endpoint.Enabled || len(endpoint.PublicKeys) != 1 {
		t.Fatalf("CreateEndpoint answered %+v", endpoint)
	}
	derived, err := keel.WebhookPublicKey(endpoint.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if derived != endpoint.PublicKeys[0] {
		t.Fatalf("the public key derived from the secret, %s, is not Keel's %s", derived, endpoint.PublicKeys[0])
	}
	current, err := owner.GetEndpointSecret(ctx, endpoint.ID)
	if err != nil {
		t.Fatal(err)
	}
	if current.Secret != endpoint.Secret {
		t.Fatal("GetEndpointSecret differs from the secret CreateEndpoint showed")
	}

	// 2. Published (202), then again with the same Idempotency-Key: the same event, marked replayed.
	params := &keel.PublishEventParams{IdempotencyKey: "inv-" + randomSuffix(t)}
	body := keel.PublishEventRequest{Type: "invoice.paid", Payload: json.RawMessage(`{"invoice":"inv_1001","amount":4200}`)}
	var res keel.Response
	event, err := owner.PublishEvent(keel.WithResponse(ctx, &res), body, params)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusAccepted || event.Type != "invoice.paid" || event.IdempotencyKey == nil || *event.IdempotencyKey != params.IdempotencyKey {
		t.Fatalf("PublishEvent answered %d %+v", res.StatusCode, event)
	}
	if res.Header.Get("Idempotent-Replayed") != "" {
		t.Fatal("the first publication is marked replayed")
	}
	again, err := owner.PublishEvent(keel.WithResponse(ctx, &res), body, params)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != event.ID || res.StatusCode != http.StatusAccepted || res.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("the repeat answered %d %s (replayed %q), want the event %s", res.StatusCode, again.ID, res.Header.Get("Idempotent-Replayed"), event.ID)
	}

	// 3. The receiver got it, signed with each version.
	var got delivery
	select {
	case got = <-deliveries:
	case <-time.After(60 * time.Second):
		t.Fatal("no delivery within 60 s")
	}
	if got.header.Get(keel.WebhookIDHeader) != event.ID {
		t.Fatalf("webhook-id %q, want the event id %s", got.header.Get(keel.WebhookIDHeader), event.ID)
	}
	var sent struct {
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(got.body, &sent); err != nil || sent.Type != "invoice.paid" || !jsonEqual(t, sent.Data, body.Payload) {
		t.Fatalf("delivered body %s (%v)", got.body, err)
	}
	signed := strings.Fields(got.header.Get(keel.WebhookSignatureHeader))
	if len(signed) != 3 {
		t.Fatalf("webhook-signature %q: want one signature per version", got.header.Get(keel.WebhookSignatureHeader))
	}
	if err := keel.VerifyWebhook(got.header, got.body, endpoint.Secret); err != nil {
		t.Fatalf("VerifyWebhook: %v", err)
	}
	for _, version := range versions {
		bySecret := keel.WebhookVerifier{Secrets: []string{endpoint.Secret}, Versions: []keel.EndpointSignatureVersion{version}}
		if err := bySecret.Verify(got.header, got.body); err != nil {
			t.Errorf("%s with the secret: %v", version, err)
		}
		// Only this version's signature in the header: it must verify alone.
		alone := got.header.Clone()
		for _, s := range signed {
			if strings.HasPrefix(s, string(version)+",") {
				alone.Set(keel.WebhookSignatureHeader, s)
			}
		}
		if err := bySecret.Verify(alone, got.body); err != nil {
			t.Errorf("%s alone: %v", version, err)
		}
		tampered := append([]byte{}, got.body...)
		tampered[len(tampered)-2] ^= 1
		if err := bySecret.Verify(got.header, tampered); !errors.Is(err, keel.ErrWebhookSignature) {
			t.Errorf("%s on a tampered body: %v, want ErrWebhookSignature", version, err)
		}
	}
	byPublicKey := keel.WebhookVerifier{PublicKeys: endpoint.PublicKeys}
	if err := byPublicKey.Verify(got.header, got.body); err != nil {
		t.Errorf("v1a with the endpoint's public key: %v", err)
	}
	sentAt, err := strconv.ParseInt(got.header.Get(keel.WebhookTimestampHeader), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	later := keel.WebhookVerifier{Secrets: []string{endpoint.Secret}, Now: func() time.Time { return time.Unix(sentAt, 0).Add(10 * time.Minute) }}
	if err := later.Verify(got.header, got.body); !errors.Is(err, keel.ErrWebhookTimestamp) {
		t.Errorf("ten minutes later: %v, want ErrWebhookTimestamp", err)
	}
	if err := keel.VerifyWebhook(got.header, got.body, "whsec_"+strings.Repeat("A", 43)+"="); !errors.Is(err, keel.ErrWebhookSignature) {
		t.Errorf("another secret: %v, want ErrWebhookSignature", err)
	}

	// 4. The delivery as Keel recorded it: succeeded, with the receiver's 204 among its attempts.
	var record keel.DeliveryView
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		list, err := owner.ListDeliveries(ctx, &keel.ListDeliveriesParams{EndpointID: endpoint.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Data) != 1 || list.Data[0].EventID != event.ID {
			t.Fatalf("ListDeliveries: %+v, want one delivery of %s", list.Data, event.ID)
		}
		record = list.Data[0]
		if record.Status == keel.DeliveryStatusSucceeded || time.Now().After(deadline) {
			break
		}
	}
	if record.Status != keel.DeliveryStatusSucceeded || record.EndpointID != endpoint.ID || record.EventType != "invoice.paid" || record.AttemptCount < 1 {
		t.Fatalf("delivery %+v", record)
	}
	attempts, err := owner.ListDeliveryAttemptsPager(ctx, record.ID, &keel.ListDeliveryAttemptsParams{Limit: 1}).All()
	if err != nil {
		t.Fatal(err)
	}
	if len(attempts) != int(record.AttemptCount) || attempts[len(attempts)-1].StatusCode == nil || *attempts[len(attempts)-1].StatusCode != http.StatusNoContent {
		t.Fatalf("attempts %+v of a delivery with %d", attempts, record.AttemptCount)
	}
	ofEvent, err := owner.ListEventDeliveries(ctx, event.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ofEvent.Data) != 1 || ofEvent.Data[0].ID != record.ID {
		t.Fatalf("ListEventDeliveries: %+v", ofEvent.Data)
	}
}

func jsonEqual(t *testing.T, a, b json.RawMessage) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ax, _ := json.Marshal(x)
	by, _ := json.Marshal(y)
	return string(ax) == string(by)
}
