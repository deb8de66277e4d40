package dynroute

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// regtBody serves GET target with h and returns the body.
func regtBody(h http.Handler, target string) string {
	return testkit.Serve(h, http.MethodGet, target).Body.String()
}

// regtLine returns the line it is called from.
func regtLine() int {
	_, _, line, _ := runtime.Caller(1)
	return line
}

func TestRegistryRegisterErrors(t *testing.T) {
	tests := []struct {
		name     string
		regName  string
		h        http.Handler
		wantErr  error
		wantMsgs []string
	}{
		{"empty name", "", testkit.Text("x"), ErrInvalidHandler, []string{`dynroute: register handler ""`, "name must be non-empty"}},
		{"padded name", " padded ", testkit.Text("x"), ErrInvalidHandler, []string{`register handler " padded "`, "without surrounding spaces"}},
		{"leading space", " a", testkit.Text("x"), ErrInvalidHandler, []string{`register handler " a"`}},
		{"trailing tab", "a\t", testkit.Text("x"), ErrInvalidHandler, []string{`register handler "a\t"`}},
		{"only spaces", "   ", testkit.Text("x"), ErrInvalidHandler, []string{`register handler "   "`}},
		{"nil handler", "h", nil, ErrInvalidHandler, []string{`register handler "h"`, "nil handler"}},
		{"duplicate", "taken", testkit.Text("x"), ErrDuplicateHandler, []string{`dynroute: register handler "taken": duplicate handler name`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewRegistry()
			require.NoError(t, g.Register("taken", testkit.Text("first")))
			err := g.Register(tt.regName, tt.h)
			require.Error(t, err)
			assert.True(t, errors.Is(err, tt.wantErr), "errors.Is(%v, %v)", err, tt.wantErr)
			for _, want := range tt.wantMsgs {
				assert.Contains(t, err.Error(), want)
			}
			assert.Equal(t, []string{"taken"}, g.Names(), "nothing registered on error")
			h, ok := g.Lookup("taken")
			require.True(t, ok)
			assert.Equal(t, "first", regtBody(h, "/"), "the first handler stays")
		})
	}
}

func TestRegistryRegisterValidNames(t *testing.T) {
	g := NewRegistry()
	for _, name := range []string{"a", "get_user", "users.get", "Users-Get", "a b", "日本", "x/y"} {
		assert.NoError(t, g.Register(name, testkit.Text(name)), "%q", name)
	}
	for _, name := range g.Names() {
		h, ok := g.Lookup(name)
		require.True(t, ok, name)
		assert.Equal(t, name, regtBody(h, "/"))
	}
	// Names are case-sensitive.
	assert.NoError(t, g.Register("A", testkit.Text("A")))
}

func TestRegistryLookup(t *testing.T) {
	g := NewRegistry()
	require.NoError(t, g.Register("one", testkit.Text("1")))
	require.NoError(t, g.Register("two", testkit.Text("2")))

	tests := []struct {
		name   string
		in     string
		wantOK bool
		want   string
	}{
		{"first", "one", true, "1"},
		{"second", "two", true, "2"},
		{"unknown", "three", false, ""},
		{"empty", "", false, ""},
		{"case matters", "One", false, ""},
		{"no trimming", " one", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ok := g.Lookup(tt.in)
			assert.Equal(t, tt.wantOK, ok)
			if !tt.wantOK {
				assert.Nil(t, h)
				return
			}
			require.NotNil(t, h)
			assert.Equal(t, tt.want, regtBody(h, "/"))
		})
	}
}

func TestRegistryNames(t *testing.T) {
	g := NewRegistry()
	assert.Empty(t, g.Names())
	for _, n := range []string{"zeta", "alpha", "Beta", "mid", "alpha2"} {
		require.NoError(t, g.Register(n, testkit.Text(n)))
	}
	names := g.Names()
	assert.Equal(t, []string{"Beta", "alpha", "alpha2", "mid", "zeta"}, names)
	// The result is a copy.
	names[0] = "changed"
	assert.Equal(t, "Beta", g.Names()[0])
}

func TestRegistrySetDescription(t *testing.T) {
	g := NewRegistry()
	require.NoError(t, g.Register("get_user", testkit.Text("u")))
	assert.Equal(t, "", g.Description("get_user"), "no description yet")

	require.NoError(t, g.SetDescription("get_user", "Fetch one user."))
	assert.Equal(t, "Fetch one user.", g.Description("get_user"))
	require.NoError(t, g.SetDescription("get_user", "Replaced."))
	assert.Equal(t, "Replaced.", g.Description("get_user"))
	require.NoError(t, g.SetDescription("get_user", ""))
	assert.Equal(t, "", g.Description("get_user"))

	// Describing keeps the handler.
	h, ok := g.Lookup("get_user")
	require.True(t, ok)
	assert.Equal(t, "u", regtBody(h, "/"))

	assert.Equal(t, "", g.Description("unknown"))
	err := g.SetDescription("get_usr", "x")
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnknownHandler)
	assert.Contains(t, err.Error(), `unknown handler "get_usr"; did you mean "get_user"?`)
	assert.Equal(t, []string{"get_user"}, g.Names(), "SetDescription does not register")

	err = NewRegistry().SetDescription("x", "y")
	assert.ErrorIs(t, err, ErrUnknownHandler)
	assert.Contains(t, err.Error(), "the registry has no handlers")
}

func TestRegistryMustRegister(t *testing.T) {
	g := NewRegistry()
	assert.NotPanics(t, func() { g.MustRegister("a", testkit.Text("a")) })
	tests := []struct {
		name    string
		regName string
		h       http.Handler
		wantErr error
	}{
		{"duplicate", "a", testkit.Text("again"), ErrDuplicateHandler},
		{"empty name", "", testkit.Text("x"), ErrInvalidHandler},
		{"nil handler", "b", nil, ErrInvalidHandler},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			func() {
				defer func() { v = recover() }()
				g.MustRegister(tt.regName, tt.h)
			}()
			require.NotNil(t, v, "MustRegister did not panic")
			err, ok := v.(error)
			require.True(t, ok, "panic value %T is not an error", v)
			assert.ErrorIs(t, err, tt.wantErr)
		})
	}
	assert.Equal(t, []string{"a"}, g.Names())
}

func TestAddAPIRouteByNameUnknownHandler(t *testing.T) {
	many := make([]string, 11)
	for i := range many {
		many[i] = fmt.Sprintf("handler_%02d", i)
	}
	tests := []struct {
		name       string
		registered []string
		handler    string
		wantMsg    string
		notInMsg   []string
	}{
		{
			name:       "closest name",
			registered: []string{"get_dynamic_users", "create_dynamic_users", "list_products", "delete_product"},
			handler:    "get_dynamic_user",
			wantMsg:    `unknown handler "get_dynamic_user"; did you mean "get_dynamic_users"?`,
			notInMsg:   []string{"create_dynamic_users", "list_products"},
		},
		{
			name:       "case-insensitive",
			registered: []string{"get_dynamic_users", "list_products"},
			handler:    "Get_Dynamic_Users",
			wantMsg:    `did you mean "get_dynamic_users"?`,
		},
		{
			name:       "nearest first, ties by name, at most three",
			registered: []string{"handle_d", "handle_c", "handle_b", "handle_a", "handle_xy"},
			handler:    "handle_x",
			wantMsg:    `unknown handler "handle_x"; did you mean "handle_a" or "handle_b" or "handle_c"?`,
			notInMsg:   []string{"handle_d"},
		},
		{
			name:       "two suggestions by distance",
			registered: []string{"users", "userz", "products"},
			handler:    "user",
			wantMsg:    `did you mean "users" or "userz"?`,
			notInMsg:   []string{"products"},
		},
		{
			name:       "few names none close",
			registered: []string{"beta", "alpha", "gamma"},
			handler:    "completely_different",
			wantMsg:    `unknown handler "completely_different"; registered: "alpha", "beta", "gamma"`,
		},
		{
			name:       "many names none close",
			registered: many,
			handler:    "zzzzzzzzzzzzzzzz",
			wantMsg:    `unknown handler "zzzzzzzzzzzzzzzz" (11 handlers registered, none with a similar name)`,
			notInMsg:   []string{"handler_00"},
		},
		{
			name:    "empty registry",
			handler: "get_user",
			wantMsg: `unknown handler "get_user": the registry has no handlers`,
		},
		{
			name:       "empty handler name",
			registered: []string{"alpha"},
			handler:    "",
			wantMsg:    `unknown handler ""`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := New(nil)
			for _, n := range tt.registered {
				require.NoError(t, rt.Registry().Register(n, testkit.Text(n)))
			}
			rt.Get("/existing", testkit.Text("existing"))
			before := len(rt.Routes())

			err, line := rt.AddAPIRouteByName("/dynamic/users/{id}", []string{"GET"}, tt.handler, &RouteOptions{Name: "dyn"}), regtLine()
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrUnknownHandler)
			var re *RouteError
			require.True(t, errors.As(err, &re), "%T is not a *RouteError", err)
			assert.Equal(t, Source{File: "registry_test.go", Line: line}, re.Source)
			assert.Equal(t, "dyn", re.Name)
			assert.Equal(t, "/dynamic/users/{id}", re.Path)
			msg := err.Error()
			assert.Contains(t, msg, fmt.Sprintf(`dynroute: route "dyn" GET /dynamic/users/{id} (registry_test.go:%d): `, line))
			assert.Contains(t, msg, tt.wantMsg)
			for _, not := range tt.notInMsg {
				assert.NotContains(t, msg, not)
			}
			assert.Len(t, rt.Routes(), before, "nothing added")
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, httptest.NewRequest("GET", "/dynamic/users/1", nil))
			assert.Equal(t, http.StatusNotFound, w.Code)
		})
	}
}

func TestAddAPIRouteByNameRecordsHandlerName(t *testing.T) {
	rt := New(nil)
	require.NoError(t, rt.Registry().Register("get_user", testkit.Text("from registry")))
	require.NoError(t, rt.AddAPIRouteByName("/users/{id}", []string{"get"}, "get_user", &RouteOptions{Name: "user"}))
	require.NoError(t, rt.AddAPIRoute("/plain", []string{"GET"}, testkit.Text("plain"), nil))

	routes := rt.Routes()
	require.Len(t, routes, 2)
	assert.Equal(t, "get_user", routes[0].HandlerName)
	assert.Equal(t, []string{"GET"}, routes[0].Methods)
	assert.NotNil(t, routes[0].Handler)
	assert.Equal(t, "", routes[1].HandlerName)
	assert.Equal(t, "from registry", regtBody(rt, "/users/7"))

	// Other route errors still apply to routes added by name.
	err := rt.AddAPIRouteByName("/users/{name}", []string{"GET"}, "get_user", nil)
	assert.ErrorIs(t, err, ErrDuplicateRoute)
	err = rt.AddAPIRouteByName("users", []string{"GET"}, "get_user", nil)
	assert.ErrorIs(t, err, ErrInvalidPath)
	assert.Len(t, rt.Routes(), 2)
}

func TestOptionsRegistry(t *testing.T) {
	reg := NewRegistry()
	require.NoError(t, reg.Register("shared", testkit.Text("shared")))
	a := New(&Options{Registry: reg})
	b := New(&Options{Registry: reg, StrictConflicts: true})
	assert.Same(t, reg, a.Registry())
	assert.Same(t, reg, b.Registry())

	require.NoError(t, a.AddAPIRouteByName("/a", []string{"GET"}, "shared", nil))
	// Registered after the routers were made, seen by both.
	require.NoError(t, reg.Register("late", testkit.Text("late")))
	require.NoError(t, b.AddAPIRouteByName("/b", []string{"GET"}, "late", nil))
	require.NoError(t, a.Registry().Register("via_router", testkit.Text("via")))
	_, ok := reg.Lookup("via_router")
	assert.True(t, ok)

	assert.Equal(t, "shared", regtBody(a, "/a"))
	assert.Equal(t, "late", regtBody(b, "/b"))

	// Without Options.Registry each router gets its own, empty one.
	c, d := New(nil), New(&Options{})
	require.NotNil(t, c.Registry())
	require.NotNil(t, d.Registry())
	assert.NotSame(t, c.Registry(), d.Registry())
	assert.Empty(t, c.Registry().Names())
	err := c.AddAPIRouteByName("/a", []string{"GET"}, "shared", nil)
	assert.ErrorIs(t, err, ErrUnknownHandler)
	assert.Contains(t, err.Error(), "the registry has no handlers")
}

func TestRegistryConcurrent(t *testing.T) {
	g := NewRegistry()
	rt := New(&Options{Registry: g})
	const workers, per = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, workers*per*2)
	for w := range workers {
		wg.Add(3)
		go func() {
			defer wg.Done()
			for i := range per {
				name := fmt.Sprintf("h_%d_%d", w, i)
				if err := g.Register(name, testkit.Text(name)); err != nil {
					errs <- err
				}
				if err := g.SetDescription(name, "d"); err != nil {
					errs <- err
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := range per {
				g.Lookup(fmt.Sprintf("h_%d_%d", (w+1)%workers, i))
				g.Description(fmt.Sprintf("h_%d_%d", w, i))
				_ = g.Names()
				// Racing registrations of one name: exactly one wins.
				_ = g.Register(fmt.Sprintf("contended_%d", i), testkit.Text("c"))
			}
		}()
		go func() {
			defer wg.Done()
			for i := range per {
				name := fmt.Sprintf("h_%d_%d", w, i)
				// The handler may not be registered yet; either outcome is fine.
				err := rt.AddAPIRouteByName(fmt.Sprintf("/w%d/r%d", w, i), []string{"GET"}, name, nil)
				if err != nil && !errors.Is(err, ErrUnknownHandler) {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	names := g.Names()
	assert.Len(t, names, workers*per+per)
	for w := range workers {
		for i := range per {
			name := fmt.Sprintf("h_%d_%d", w, i)
			h, ok := g.Lookup(name)
			require.True(t, ok, name)
			assert.Equal(t, name, regtBody(h, "/"))
			assert.Equal(t, "d", g.Description(name))
		}
	}
	for _, r := range rt.Routes() {
		assert.True(t, strings.HasPrefix(r.HandlerName, "h_"), r.HandlerName)
		assert.Equal(t, r.HandlerName, regtBody(rt, r.Path))
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"abc", "abc", 0},
		{"kitten", "sitting", 3},
		{"flaw", "lawn", 2},
		{"get_dynamic_user", "get_dynamic_users", 1},
		{"ab", "ba", 2},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, editDistance(tt.a, tt.b), "editDistance(%q, %q)", tt.a, tt.b)
		assert.Equal(t, tt.want, editDistance(tt.b, tt.a), "editDistance(%q, %q)", tt.b, tt.a)
	}
}

func TestClosestNames(t *testing.T) {
	names := []string{"get_user", "get_users", "put_user", "list_products", "x"}
	tests := []struct {
		name string
		in   string
		max  int
		want []string
	}{
		{"exact first", "get_user", 3, []string{"get_user", "get_users", "put_user"}},
		{"limited", "get_user", 1, []string{"get_user"}},
		{"typo", "get_usr", 3, []string{"get_user", "get_users", "put_user"}},
		{"case-insensitive", "LIST_PRODUCTS", 3, []string{"list_products"}},
		{"none", "completely_unrelated", 3, []string{}},
		{"short names have a small limit", "y", 3, []string{"x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, closestNames(tt.in, names, tt.max))
		})
	}
}
