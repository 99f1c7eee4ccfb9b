package keel

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error is a refusal from Keel: any answer outside 2xx, read from its application/problem+json body
// (RFC 9457). Code is the stable, catalogued code (GET /v1/errors, docs/errors.md) to branch on.
type Error struct {
	// Status is the HTTP status of the answer.
	Status int
	// Code is the catalogued error code, such as ProblemCodeValidationFailed; "" when the body was no
	// problem. A newer Keel may answer a code this client has no constant for.
	Code     ProblemCode
	Type     string
	Title    string
	Detail   string
	Instance string
	// TraceID finds the request in Keel's logs.
	TraceID string
	// Errors holds the messages about each field or query parameter, by name (validation.failed).
	Errors map[string][]string
	// Extensions holds the members beyond the above (missing_permission, limit, ...), undecoded.
	Extensions map[string]json.RawMessage
	// Header is the answer's headers, such as Retry-After on a 429.
	Header http.Header
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "keel: %d", e.Status)
	for _, part := range []string{string(e.Code), e.Title, e.Detail} {
		if part != "" {
			b.WriteString(": ")
			b.WriteString(part)
		}
	}
	if e.TraceID != "" {
		fmt.Fprintf(&b, " (trace %s)", e.TraceID)
	}
	return b.String()
}

// AsError finds the *Error in err's chain, as errors.As does.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsCode tells whether err is a refusal from Keel with the given code, such as ProblemCodeResourceNotFound.
func IsCode(err error, code ProblemCode) bool {
	e, ok := AsError(err)
	return ok && e.Code == code
}

// newError reads a problem+json body; another body (a proxy's error page) becomes the Detail.
func newError(resp *http.Response, body []byte) *Error {
	e := &Error{Status: resp.StatusCode, Header: resp.Header}
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		e.Title = http.StatusText(resp.StatusCode)
		e.Detail = strings.TrimSpace(string(body))
		return e
	}
	known := map[string]any{
		"code": &e.Code, "type": &e.Type, "title": &e.Title, "detail": &e.Detail,
		"instance": &e.Instance, "trace_id": &e.TraceID, "errors": &e.Errors,
	}
	for name, value := range members {
		// status repeats the HTTP status; a member of an unexpected shape stays among the extensions.
		if target, ok := known[name]; ok && json.Unmarshal(value, target) == nil {
			continue
		}
		if name == "status" {
			continue
		}
		if e.Extensions == nil {
			e.Extensions = map[string]json.RawMessage{}
		}
		e.Extensions[name] = value
	}
	return e
}
