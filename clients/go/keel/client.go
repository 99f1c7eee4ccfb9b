package keel

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client calls one Keel with one credential: the platform admin token or a tenant's management key.
// It is safe for concurrent use.
type Client struct {
	baseURL   string
	token     string
	http      *http.Client
	userAgent string
}

// Option changes a Client that NewClient makes.
type Option func(*Client)

// WithHTTPClient sends the requests through h (its transport, timeout and proxy) instead of a client
// with a 30-second timeout.
func WithHTTPClient(h *http.Client) Option {
	return func(c *Client) { c.http = h }
}

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(userAgent string) Option {
	return func(c *Client) { c.userAgent = userAgent }
}

// NewClient returns a client for the Keel at baseURL (such as http://127.0.0.1:5080) that sends token
// as its bearer credential. The token may be empty for the calls that need none (ListErrors).
func NewClient(baseURL, token string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("keel: base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("keel: base URL %q is not an http(s) address without query or fragment", baseURL)
	}
	c := &Client{
		baseURL:   strings.TrimRight(u.String(), "/"),
		token:     token,
		http:      &http.Client{Timeout: 30 * time.Second},
		userAgent: "keel-go",
	}
	for _, opt := range opts {
		opt(c)
	}
	return c, nil
}

// WithToken returns a client for the same Keel and HTTP client with another credential, such as the
// owner key CreateTenant answers with.
func (c *Client) WithToken(token string) *Client {
	copied := *c
	copied.token = token
	return &copied
}

// Response is what WithResponse records of an answer: its status and headers (Location, RateLimit,
// Idempotent-Replayed, ...).
type Response struct {
	StatusCode int
	Header     http.Header
}

type responseKey struct{}

// WithResponse returns a context that records into res the status and headers of each answer to a
// call made with it, errors included; like net/http/httptrace, it leaves the methods' signatures alone.
func WithResponse(ctx context.Context, res *Response) context.Context {
	return context.WithValue(ctx, responseKey{}, res)
}

// Call sends any request with the client's credential and error handling, for what the generated
// methods do not cover (a route or field newer than this client): body is encoded as JSON unless nil,
// and a 2xx answer is decoded into out unless out is nil. path may carry a query string.
func (c *Client) Call(ctx context.Context, method, path string, body, out any) error {
	return c.do(ctx, &call{method: method, path: path, body: body}, out)
}

// call is one request as a generated method describes it.
type call struct {
	method string
	path   string
	query  url.Values
	header http.Header
	body   any
	noAuth bool
}

// setQuery adds a query parameter; "" is a zero value, left out.
func (r *call) setQuery(name, value string) {
	if value == "" {
		return
	}
	if r.query == nil {
		r.query = url.Values{}
	}
	r.query.Set(name, value)
}

// setHeader adds a request header; "" is a zero value, left out.
func (r *call) setHeader(name, value string) {
	if value == "" {
		return
	}
	if r.header == nil {
		r.header = http.Header{}
	}
	r.header.Set(name, value)
}

// formatInt is the query text of an integer parameter: "" (left out) for 0, which no Keel list limit accepts.
func formatInt(v int64) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatInt(v, 10)
}

// formatTime is the RFC 3339 query text of a time parameter: "" (left out) for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// do sends r and decodes a 2xx answer's JSON into out (nil: no body expected). Any other status is an *Error.
func (c *Client) do(ctx context.Context, r *call, out any) error {
	target := c.baseURL + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		data, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("keel: encoding the body of %s %s: %w", r.method, r.path, err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return fmt.Errorf("keel: %w", err)
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if !r.noAuth && c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for name, values := range r.header {
		req.Header[name] = values
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("keel: reading the answer to %s %s: %w", r.method, r.path, err)
	}
	if res, ok := ctx.Value(responseKey{}).(*Response); ok {
		*res = Response{StatusCode: resp.StatusCode, Header: resp.Header}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newError(resp, data)
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("keel: decoding the answer to %s %s: %w", r.method, r.path, err)
	}
	return nil
}

// Ptr returns a pointer to v, for the optional fields of requests: Ptr(false), Ptr([]string{}).
func Ptr[T any](v T) *T {
	return &v
}
