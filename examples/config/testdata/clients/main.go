// Command clients is copied by TestGeneratedClients (clients_test.go) into a
// temporary module next to the clients it generates from the seed's served
// OpenAPI documents: oapiclient by oapi-codegen from /openapi.json (3.1) and
// ogenclient by ogen from /openapi-3.0.json (3.0.3). Given the seed server's
// URL and admin API key, it calls every route through both clients (the
// admin route with the key in X-API-Key, as the documents' admin_key scheme
// says) and prints one line per
// call, "<client> <call>: <status and key fields>", which the test compares
// with what it expects. It exits 1 if a call fails outright.
//
// It lives in testdata, so the repository's go commands ignore it: it
// imports packages that only exist once the test has generated them.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"example.com/clients/oapiclient"
	"example.com/clients/ogenclient"
	"github.com/go-faster/jx"
)

// adminKey is the admin API key, the program's second argument.
var adminKey string

// The calls' arguments.
const (
	getID  = 123
	postID = 9007199254740993 // 2^53+1: not exact in a float64
	rest   = "a/b"            // the echo route's {rest...}, holding a '/'
)

// postBody is the JSON object posted; the handler, as the seed's, does not
// read it.
var postBody = map[string]any{"name": "pen", "price": 1.5, "tags": []string{"a", "b"}}

// bigBody is over the handler's 1 MiB body limit, so it is answered 413:
// the operation's default response.
var bigBody = map[string]any{"pad": strings.Repeat("x", 1<<20)}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: clients <server URL> <admin API key>")
		os.Exit(2)
	}
	adminKey = os.Args[2]
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	failed := false
	for _, run := range []func(context.Context, string, *printer) error{runOapi, runOgen} {
		if err := run(ctx, os.Args[1], &printer{}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// runOapi calls every route through the client oapi-codegen generated.
func runOapi(ctx context.Context, url string, p *printer) error {
	p.client = "oapi"
	c, err := oapiclient.NewClientWithResponses(url)
	if err != nil {
		return err
	}

	users, err := c.DynamicUsersWithResponse(ctx)
	if err != nil {
		return fmt.Errorf("oapi users: %w", err)
	}
	p.users("users", users.StatusCode(), users.Body)

	get, err := c.DynamicProductsGetWithResponse(ctx, getID)
	if err != nil {
		return fmt.Errorf("oapi products get: %w", err)
	}
	p.product(fmt.Sprintf("products get %d", getID), get.StatusCode(), oapiProduct(get.JSON200), get.Body)

	post, err := c.DynamicProductsPostWithResponse(ctx, postID, postBody)
	if err != nil {
		return fmt.Errorf("oapi products post: %w", err)
	}
	p.product(fmt.Sprintf("products post %d", postID), post.StatusCode(), oapiProduct(post.JSON200), post.Body)

	// A nil map is sent as the JSON null: the body is optional.
	null, err := c.DynamicProductsPostWithResponse(ctx, postID, nil)
	if err != nil {
		return fmt.Errorf("oapi products post null: %w", err)
	}
	p.product("products post null", null.StatusCode(), oapiProduct(null.JSON200), null.Body)

	none, err := c.DynamicProductsPostWithBodyWithResponse(ctx, postID, "application/json", nil)
	if err != nil {
		return fmt.Errorf("oapi products post no body: %w", err)
	}
	p.product("products post no body", none.StatusCode(), oapiProduct(none.JSON200), none.Body)

	big, err := c.DynamicProductsPostWithResponse(ctx, postID, bigBody)
	if err != nil {
		return fmt.Errorf("oapi products post too large: %w", err)
	}
	p.problem("products post too large", big.StatusCode(), oapiDefault(big.ApplicationproblemJSONDefault), big.Body)

	admin, err := c.AdminOnlyWithResponse(ctx, func(_ context.Context, req *http.Request) error {
		req.Header.Set("X-API-Key", adminKey)
		return nil
	})
	if err != nil {
		return fmt.Errorf("oapi admin: %w", err)
	}
	p.message("admin", admin.StatusCode(), admin.Body)

	// Each echo call returns the status and body of its response.
	echoes := []struct {
		method string
		call   func() (int, []byte, error)
	}{
		{"GET", func() (int, []byte, error) {
			res, err := c.EchoGetWithResponse(ctx, rest)
			if err != nil {
				return 0, nil, err
			}
			return res.StatusCode(), res.Body, nil
		}},
		{"POST", func() (int, []byte, error) {
			res, err := c.EchoPostWithResponse(ctx, rest)
			if err != nil {
				return 0, nil, err
			}
			return res.StatusCode(), res.Body, nil
		}},
		{"PUT", func() (int, []byte, error) {
			res, err := c.EchoPutWithResponse(ctx, rest)
			if err != nil {
				return 0, nil, err
			}
			return res.StatusCode(), res.Body, nil
		}},
		{"PATCH", func() (int, []byte, error) {
			res, err := c.EchoPatchWithResponse(ctx, rest)
			if err != nil {
				return 0, nil, err
			}
			return res.StatusCode(), res.Body, nil
		}},
		{"DELETE", func() (int, []byte, error) {
			res, err := c.EchoDeleteWithResponse(ctx, rest)
			if err != nil {
				return 0, nil, err
			}
			return res.StatusCode(), res.Body, nil
		}},
	}
	for _, e := range echoes {
		status, b, err := e.call()
		if err != nil {
			return fmt.Errorf("oapi echo %s: %w", e.method, err)
		}
		p.echo("echo "+strings.ToLower(e.method)+" "+rest, status, b)
	}

	static, err := c.StaticRouteWithResponse(ctx)
	if err != nil {
		return fmt.Errorf("oapi static: %w", err)
	}
	p.message("static", static.StatusCode(), static.Body)
	return nil
}

// keySource gives ogen's client the admin API key for the operations that
// require admin_key.
type keySource struct{}

func (keySource) AdminKey(context.Context, ogenclient.OperationName) (ogenclient.AdminKey, error) {
	return ogenclient.AdminKey{APIKey: adminKey}, nil
}

// runOgen calls every route through the client ogen generated. Its methods
// return typed results, or nothing for routes whose documented responses
// have no content; a recorder under it keeps each response's status and
// body so that those can be printed too.
func runOgen(ctx context.Context, url string, p *printer) error {
	p.client = "ogen"
	rec := &recorder{next: http.DefaultTransport}
	c, err := ogenclient.NewClient(url, keySource{}, ogenclient.WithClient(&http.Client{Transport: rec}))
	if err != nil {
		return err
	}

	if _, err := c.DynamicUsers(ctx); err != nil {
		return fmt.Errorf("ogen users: %w", err)
	}
	p.users("users", rec.status, rec.body)

	get, err := c.DynamicProductsGet(ctx, ogenclient.DynamicProductsGetParams{ProductID: getID})
	if err != nil {
		return fmt.Errorf("ogen products get: %w", err)
	}
	p.product(fmt.Sprintf("products get %d", getID), rec.status, ogenProduct(get), rec.body)

	data := make(ogenclient.DynamicProductsPostReq, len(postBody))
	for k, v := range postBody {
		data[k] = jx.Raw(mustJSON(v))
	}
	post, err := c.DynamicProductsPost(ctx, ogenclient.NewOptNilDynamicProductsPostReq(data),
		ogenclient.DynamicProductsPostParams{ProductID: postID})
	if err != nil {
		return fmt.Errorf("ogen products post: %w", err)
	}
	p.product(fmt.Sprintf("products post %d", postID), rec.status, ogenProduct(post), rec.body)

	var null ogenclient.OptNilDynamicProductsPostReq
	null.SetToNull()
	res, err := c.DynamicProductsPost(ctx, null, ogenclient.DynamicProductsPostParams{ProductID: postID})
	if err != nil {
		return fmt.Errorf("ogen products post null: %w", err)
	}
	p.product("products post null", rec.status, ogenProduct(res), rec.body)

	res, err = c.DynamicProductsPost(ctx, ogenclient.OptNilDynamicProductsPostReq{},
		ogenclient.DynamicProductsPostParams{ProductID: postID})
	if err != nil {
		return fmt.Errorf("ogen products post no body: %w", err)
	}
	p.product("products post no body", rec.status, ogenProduct(res), rec.body)

	big := make(ogenclient.DynamicProductsPostReq, len(bigBody))
	for k, v := range bigBody {
		big[k] = jx.Raw(mustJSON(v))
	}
	res, err = c.DynamicProductsPost(ctx, ogenclient.NewOptNilDynamicProductsPostReq(big),
		ogenclient.DynamicProductsPostParams{ProductID: postID})
	if err != nil {
		return fmt.Errorf("ogen products post too large: %w", err)
	}
	p.problem("products post too large", rec.status, ogenProblem(res), rec.body)

	if _, err := c.AdminOnly(ctx); err != nil {
		return fmt.Errorf("ogen admin: %w", err)
	}
	p.message("admin", rec.status, rec.body)

	echoes := []struct {
		method string
		call   func(context.Context) error
	}{
		{"GET", func(ctx context.Context) error {
			_, err := c.EchoGet(ctx, ogenclient.EchoGetParams{Rest: rest})
			return err
		}},
		{"POST", func(ctx context.Context) error {
			_, err := c.EchoPost(ctx, ogenclient.EchoPostParams{Rest: rest})
			return err
		}},
		{"PUT", func(ctx context.Context) error {
			_, err := c.EchoPut(ctx, ogenclient.EchoPutParams{Rest: rest})
			return err
		}},
		{"PATCH", func(ctx context.Context) error {
			_, err := c.EchoPatch(ctx, ogenclient.EchoPatchParams{Rest: rest})
			return err
		}},
		{"DELETE", func(ctx context.Context) error {
			_, err := c.EchoDelete(ctx, ogenclient.EchoDeleteParams{Rest: rest})
			return err
		}},
	}
	for _, e := range echoes {
		if err := e.call(ctx); err != nil {
			return fmt.Errorf("ogen echo %s: %w", e.method, err)
		}
		p.echo("echo "+strings.ToLower(e.method)+" "+rest, rec.status, rec.body)
	}

	if _, err := c.StaticRoute(ctx); err != nil {
		return fmt.Errorf("ogen static: %w", err)
	}
	p.message("static", rec.status, rec.body)
	return nil
}

// recorder is an http.RoundTripper that keeps the status and body of the
// last response; the calls are made one at a time.
type recorder struct {
	next   http.RoundTripper
	status int
	body   []byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.status, r.body = 0, nil
	res, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	r.status, r.body = res.StatusCode, b
	res.Body = io.NopCloser(bytes.NewReader(b))
	return res, nil
}

// What both clients' results are turned into before printing.

type product struct {
	ID      int64
	Message string
}

type problem struct {
	Status        int64
	Title, Detail string
	Errors        []fieldError
}

type fieldError struct {
	Loc       []json.RawMessage
	Type, Msg string
}

func oapiProduct(a *oapiclient.ProductAnswer) *product {
	if a == nil {
		return nil
	}
	return &product{ID: a.ProductId, Message: a.Message}
}

func oapiProblem(v *oapiclient.ValidationProblem) *problem {
	if v == nil {
		return nil
	}
	p := &problem{Status: v.Status, Title: v.Title}
	if v.Detail != nil {
		p.Detail = *v.Detail
	}
	if v.Errors != nil {
		for _, e := range *v.Errors {
			fe := fieldError{Type: e.Type, Msg: e.Msg}
			for _, l := range e.Loc {
				fe.Loc = append(fe.Loc, mustJSON(l))
			}
			p.Errors = append(p.Errors, fe)
		}
	}
	return p
}

func oapiDefault(v *oapiclient.Problem) *problem {
	if v == nil {
		return nil
	}
	p := &problem{Status: v.Status, Title: v.Title}
	if v.Detail != nil {
		p.Detail = *v.Detail
	}
	return p
}

// ogenProduct returns the product a result holds, or nil.
func ogenProduct[R any](res R) *product {
	a, ok := any(res).(*ogenclient.ProductAnswer)
	if !ok {
		return nil
	}
	return &product{ID: a.ProductID, Message: a.Message}
}

// ogenProblem returns the problem a result holds, or nil: a validation
// problem, or that of the default response.
func ogenProblem(res ogenclient.DynamicProductsPostRes) *problem {
	if d, ok := res.(*ogenclient.ProblemStatusCode); ok {
		v := d.Response
		return &problem{Status: v.Status, Title: v.Title, Detail: v.Detail.Or("")}
	}
	v, ok := res.(*ogenclient.ValidationProblem)
	if !ok {
		return nil
	}
	p := &problem{Status: v.Status, Title: v.Title, Detail: v.Detail.Or("")}
	for _, e := range v.Errors {
		fe := fieldError{Type: e.Type, Msg: e.Msg}
		for _, l := range e.Loc {
			fe.Loc = append(fe.Loc, json.RawMessage(l))
		}
		p.Errors = append(p.Errors, fe)
	}
	return p
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// printer prints one line per call. Where a client gave no typed result,
// the line says so and shows the body.
type printer struct{ client string }

func (p *printer) printf(call, format string, args ...any) {
	fmt.Printf("%s %s: %s\n", p.client, call, fmt.Sprintf(format, args...))
}

func (p *printer) untyped(call string, status int, body []byte) {
	p.printf(call, "status=%d untyped body=%s", status, bytes.TrimSpace(body))
}

func (p *printer) product(call string, status int, v *product, body []byte) {
	if v == nil {
		p.untyped(call, status, body)
		return
	}
	p.printf(call, "status=%d product_id=%d message=%q", status, v.ID, v.Message)
}

func (p *printer) problem(call string, status int, v *problem, body []byte) {
	if v == nil {
		p.untyped(call, status, body)
		return
	}
	var errs []string
	for _, e := range v.Errors {
		errs = append(errs, fmt.Sprintf("loc=%s type=%s msg=%q", mustJSON(e.Loc), e.Type, e.Msg))
	}
	p.printf(call, "status=%d problem.status=%d title=%q detail=%q errors=[%s]",
		status, v.Status, v.Title, v.Detail, strings.Join(errs, "; "))
}

// The answers below are printed from their bodies, the same way for both
// clients.

func (p *printer) users(call string, status int, body []byte) {
	var a struct {
		Message *string
		Users   []struct {
			ID          int
			Name, Email string
		}
	}
	if err := json.Unmarshal(body, &a); err != nil || a.Message == nil || a.Users == nil {
		p.untyped(call, status, body)
		return
	}
	var us []string
	for _, u := range a.Users {
		us = append(us, fmt.Sprintf("%d %s <%s>", u.ID, u.Name, u.Email))
	}
	p.printf(call, "status=%d message=%q users=[%s]", status, *a.Message, strings.Join(us, "; "))
}

func (p *printer) message(call string, status int, body []byte) {
	var m struct{ Message *string }
	if err := json.Unmarshal(body, &m); err != nil || m.Message == nil {
		p.untyped(call, status, body)
		return
	}
	p.printf(call, "status=%d message=%q", status, *m.Message)
}

func (p *printer) echo(call string, status int, body []byte) {
	var e struct {
		Route, Method, Pattern string
		Params                 map[string]string
	}
	if err := json.Unmarshal(body, &e); err != nil {
		p.untyped(call, status, body)
		return
	}
	p.printf(call, "status=%d route=%s method=%s pattern=%s params=%s", status, e.Route, e.Method, e.Pattern, mustJSON(e.Params))
}
