package dynroute

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadEnv(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		want    []RouteSpec
	}{
		{
			name: "every field, route names with underscores, sorted by route",
			environ: []string{
				"HOME=/root",
				"ROUTES_DYNAMIC_USERS_TAGS=Admin,Dynamic",
				"ROUTES_DYNAMIC_USERS_PATH=/dynamic/users",
				"ROUTES_ADMIN_AREA_HANDLER=get_admin_area",
				"ROUTES_DYNAMIC_USERS_METHODS=GET,POST",
				"ROUTES_DYNAMIC_USERS_HANDLER=get_dynamic_users",
				"ROUTES_DYNAMIC_USERS_SUMMARY=List users",
				"ROUTES_DYNAMIC_USERS_DESCRIPTION=All of them",
				"ROUTES_DYNAMIC_USERS_STATUS_CODE=200",
				"ROUTES_DYNAMIC_USERS_OPERATION_ID=listUsers",
				"ROUTES_DYNAMIC_USERS_DEPRECATED=true",
				"ROUTES_DYNAMIC_USERS_HIDDEN=1",
				"ROUTES_ADMIN_AREA_PATH=/dynamic/admin",
				"ROUTES_ADMIN_AREA_METHODS=GET",
			},
			want: []RouteSpec{
				{Name: "admin_area", Path: "/dynamic/admin", Methods: []string{"GET"}, Handler: "get_admin_area",
					Source: Source{Env: "ROUTES_ADMIN_AREA_PATH"}},
				{Name: "dynamic_users", Path: "/dynamic/users", Methods: []string{"GET", "POST"}, Handler: "get_dynamic_users",
					Tags: []string{"Admin", "Dynamic"}, Summary: "List users", Description: "All of them", StatusCode: 200,
					OperationID: "listUsers", Deprecated: true, Hidden: true, Source: Source{Env: "ROUTES_DYNAMIC_USERS_PATH"}},
			},
		},
		{
			name: "NAME overrides, HANDLER_NAME is an alias, values trimmed, empty is unset",
			environ: []string{
				"ROUTES_ORDERS_NAME=order_list",
				"ROUTES_ORDERS_HANDLER_NAME= get_orders ",
				"ROUTES_ORDERS_METHODS= get , POST ,",
				"ROUTES_ORDERS_STATUS_CODE=",
				"ROUTES_ORDERS_DEPRECATED=",
			},
			want: []RouteSpec{{Name: "order_list", Methods: []string{"get", "POST"}, Handler: "get_orders",
				Source: Source{Env: "ROUTES_ORDERS_DEPRECATED"}}},
		},
		{
			name: "HANDLER and HANDLER_NAME may agree",
			environ: []string{
				"ROUTES_A_HANDLER=h",
				"ROUTES_A_HANDLER_NAME=h",
			},
			want: []RouteSpec{{Name: "a", Handler: "h", Source: Source{Env: "ROUTES_A_HANDLER"}}},
		},
		{
			name: "the longest field wins: X_HANDLER_NAME is route X",
			environ: []string{
				"ROUTES_X_HANDLER_NAME=h",
				"ROUTES_X_STATUS_CODE=201",
			},
			want: []RouteSpec{{Name: "x", Handler: "h", StatusCode: 201, Source: Source{Env: "ROUTES_X_HANDLER_NAME"}}},
		},
		{
			name: "the prefix is exact and case-sensitive; the first of a repeated variable wins",
			environ: []string{
				"ROUTES_A_PATH=/a",
				"ROUTES_A_PATH=/second",
				"routes_B_PATH=/b",
				"ROUTESX_C_PATH=/c",
				"ROUTES=x",
				"ROUTES_D_PATH",
				"OTHER_ROUTES_E_PATH=/e",
			},
			want: []RouteSpec{{Name: "a", Path: "/a", Source: Source{Env: "ROUTES_A_PATH"}}},
		},
		{
			name:    "an env file's byte order mark does not hide its first variable",
			environ: []string{"\ufeffROUTES_A_PATH=/a", "ROUTES_A_HANDLER=h"},
			want:    []RouteSpec{{Name: "a", Path: "/a", Handler: "h", Source: Source{Env: "ROUTES_A_PATH"}}},
		},
		{
			name:    "a value may contain =",
			environ: []string{"ROUTES_Q_SUMMARY=a=b"},
			want:    []RouteSpec{{Name: "q", Summary: "a=b", Source: Source{Env: "ROUTES_Q_SUMMARY"}}},
		},
		{
			name:    "no variables, no specs",
			environ: []string{"PATH=/usr/bin"},
			want:    []RouteSpec{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadEnv("ROUTES", tt.environ)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)

			// The order of environ does not matter.
			reversed := slices.Clone(tt.environ)
			slices.Reverse(reversed)
			again, err := LoadEnv("ROUTES", reversed)
			require.NoError(t, err)
			assert.Equal(t, len(got), len(again))
			for i := range again {
				assert.Equal(t, got[i].Name, again[i].Name)
			}
		})
	}
}

func TestLoadEnvProblems(t *testing.T) {
	tests := []struct {
		name      string
		environ   []string
		wantNames []string // the specs still read
		wantErrs  []string // one substring per problem, in order
		wantEnv   []string // Source.Env of each problem
	}{
		{
			name: "misspelt fields suggest the variable meant",
			environ: []string{
				"ROUTES_USERS_PATH=/users",
				"ROUTES_USERS_METHOD=GET",
				"ROUTES_USERS_STATUS=200",
				"ROUTES_USERS_handler=h",
			},
			wantNames: []string{"users"},
			wantErrs: []string{
				`route "users" /users (env ROUTES_USERS_METHOD): invalid route config: ROUTES_USERS_METHOD does not end in a known field; did you mean ROUTES_USERS_METHODS?`,
				`route "users" /users (env ROUTES_USERS_STATUS): invalid route config: ROUTES_USERS_STATUS does not end in a known field; did you mean ROUTES_USERS_STATUS_CODE?`,
				`did you mean ROUTES_USERS_HANDLER?`,
			},
			wantEnv: []string{"ROUTES_USERS_METHOD", "ROUTES_USERS_STATUS", "ROUTES_USERS_handler"},
		},
		{
			name:      "a misspelt field of a route with no other variable",
			environ:   []string{"ROUTES_ORDERS_PATHS=/orders"},
			wantNames: nil,
			wantErrs:  []string{`route "orders" (env ROUTES_ORDERS_PATHS): invalid route config: ROUTES_ORDERS_PATHS does not end in a known field; did you mean ROUTES_ORDERS_PATH?`},
			wantEnv:   []string{"ROUTES_ORDERS_PATHS"},
		},
		{
			name:      "nothing close: the fields are listed",
			environ:   []string{"ROUTES_ORDERS_COLOUR=blue"},
			wantNames: nil,
			wantErrs:  []string{`env ROUTES_ORDERS_COLOUR: invalid route config: ROUTES_ORDERS_COLOUR does not end in a known field (PATH, METHODS, HANDLER,`},
			wantEnv:   []string{"ROUTES_ORDERS_COLOUR"},
		},
		{
			name: "values that do not parse name their variable",
			environ: []string{
				"ROUTES_USERS_PATH=/users",
				"ROUTES_USERS_METHODS=GET",
				"ROUTES_USERS_STATUS_CODE=abc",
				"ROUTES_USERS_DEPRECATED=maybe",
				"ROUTES_USERS_HIDDEN=yes",
			},
			wantNames: []string{"users"},
			wantErrs: []string{
				`route "users" GET /users (env ROUTES_USERS_STATUS_CODE): invalid route config: ROUTES_USERS_STATUS_CODE="abc" is not an integer status code`,
				`(env ROUTES_USERS_DEPRECATED): invalid route config: ROUTES_USERS_DEPRECATED="maybe" is not a boolean`,
				`(env ROUTES_USERS_HIDDEN): invalid route config: ROUTES_USERS_HIDDEN="yes" is not a boolean`,
			},
			wantEnv: []string{"ROUTES_USERS_STATUS_CODE", "ROUTES_USERS_DEPRECATED", "ROUTES_USERS_HIDDEN"},
		},
		{
			name: "HANDLER and HANDLER_NAME disagree",
			environ: []string{
				"ROUTES_A_HANDLER=one",
				"ROUTES_A_HANDLER_NAME=two",
			},
			wantNames: []string{"a"},
			wantErrs:  []string{`ROUTES_A_HANDLER_NAME="two" disagrees with ROUTES_A_HANDLER="one"; set one of them`},
			wantEnv:   []string{"ROUTES_A_HANDLER_NAME"},
		},
		{
			name:      "no route between prefix and field",
			environ:   []string{"ROUTES_PATH=/x", "ROUTES__METHODS=GET"},
			wantNames: nil,
			wantErrs: []string{
				`ROUTES_PATH has no route name: write ROUTES_<ROUTE>_PATH`,
				`ROUTES__METHODS has no route name: write ROUTES_<ROUTE>_METHODS`,
			},
			wantEnv: []string{"ROUTES_PATH", "ROUTES__METHODS"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			specs, err := LoadEnv("ROUTES", tt.environ)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidConfig)
			var names []string
			for _, s := range specs {
				names = append(names, s.Name)
			}
			assert.Equal(t, tt.wantNames, names)

			problems := splitJoinedErrs(t, err)
			require.Len(t, problems, len(tt.wantErrs), "one error per problem:\n%v", err)
			for i, p := range problems {
				assert.Contains(t, p.Error(), tt.wantErrs[i])
				assert.ErrorIs(t, p, ErrInvalidConfig)
				var re *RouteError
				require.ErrorAs(t, p, &re)
				assert.Equal(t, Source{Env: tt.wantEnv[i]}, re.Source)
			}
		})
	}
}

// splitJoinedErrs returns the errors that err joins, or err alone.
func splitJoinedErrs(t *testing.T, err error) []error {
	t.Helper()
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestLoadEnvPrefix(t *testing.T) {
	tests := []struct {
		prefix  string
		wantErr string
	}{
		{"", "empty prefix"},
		{"ROUTES_", `prefix "ROUTES_" ends in "_"; pass "ROUTES"`},
		{"A=B", `prefix "A=B" contains "="`},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			specs, err := LoadEnv(tt.prefix, []string{"ROUTES_A_PATH=/a"})
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidConfig)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Nil(t, specs)
		})
	}
}

func TestLoadEnvAddRoutes(t *testing.T) {
	for k, v := range map[string]string{
		"DYNROUTE_TEST_ROUTES_DYNAMIC_USERS_PATH":          "/dynamic/users",
		"DYNROUTE_TEST_ROUTES_DYNAMIC_USERS_METHODS":       "GET,POST",
		"DYNROUTE_TEST_ROUTES_DYNAMIC_USERS_HANDLER":       "get_dynamic_users",
		"DYNROUTE_TEST_ROUTES_DYNAMIC_USERS_TAGS":          "Admin,Dynamic",
		"DYNROUTE_TEST_ROUTES_DYNAMIC_PRODUCT_PATH":        "/dynamic/products/{product_id}",
		"DYNROUTE_TEST_ROUTES_DYNAMIC_PRODUCT_METHODS":     "GET",
		"DYNROUTE_TEST_ROUTES_DYNAMIC_PRODUCT_HANDLER":     "handle_dynamic_product",
		"DYNROUTE_TEST_ROUTES_DYNAMIC_PRODUCT_STATUS_CODE": "200",
	} {
		t.Setenv(k, v)
	}
	specs, err := LoadEnv("DYNROUTE_TEST_ROUTES", os.Environ())
	require.NoError(t, err)
	require.Len(t, specs, 2)

	rt := specRouter(t, true)
	_, err = rt.AddRoutes(specs, nil)
	require.NoError(t, err)
	routes := rt.Routes()
	require.Len(t, routes, 2)
	assert.Equal(t, "dynamic_product", routes[0].Name)
	assert.Equal(t, Source{Env: "DYNROUTE_TEST_ROUTES_DYNAMIC_PRODUCT_PATH"}, routes[0].Source)
	assert.Equal(t, []string{"Admin", "Dynamic"}, routes[1].Tags)

	tests := []struct{ method, path, want string }{
		{"GET", "/dynamic/users", "get_dynamic_users /dynamic/users"},
		{"POST", "/dynamic/users", "get_dynamic_users /dynamic/users"},
		{"GET", "/dynamic/products/7", "handle_dynamic_product /dynamic/products/{product_id}"},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
		assert.Equal(t, http.StatusOK, w.Code, "%s %s", tt.method, tt.path)
		assert.Equal(t, tt.want, w.Body.String(), "%s %s", tt.method, tt.path)
	}

	// A path no loader accepts is refused from the environment too, naming
	// the variable.
	specs, err = LoadEnv("ROUTES", []string{"ROUTES_NUL_PATH=/a\x00b", "ROUTES_NUL_METHODS=GET", "ROUTES_NUL_HANDLER=get_dynamic_users"})
	require.NoError(t, err)
	_, err = rt.AddRoutes(specs, nil)
	require.ErrorIs(t, err, ErrInvalidPath)
	assert.Contains(t, err.Error(), "control character U+0000")
	assert.Contains(t, err.Error(), "(env ROUTES_NUL_PATH)")
	assert.Len(t, rt.Routes(), 2, "nothing was added")

	// A problem AddRoutes finds names the variable the route came from.
	_, err = rt.AddRoutes([]RouteSpec{{Name: "x", Path: "/x", Methods: []string{"GET"}, Handler: "nope", Source: Source{Env: "ROUTES_X_PATH"}}}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "(env ROUTES_X_PATH)")
}

func FuzzLoadEnv(f *testing.F) {
	f.Add("ROUTES", "ROUTES_DYNAMIC_USERS_PATH=/dynamic/users\nROUTES_DYNAMIC_USERS_METHODS=GET,POST\nROUTES_DYNAMIC_USERS_HANDLER=h")
	f.Add("ROUTES", "ROUTES_A_STATUS_CODE=abc\nROUTES_A_METHOD=GET\nROUTES_PATH=/\nROUTES__HANDLER_NAME=x")
	f.Add("R", "R_X_HANDLER_NAME=a\nR_X_HANDLER=b\nR_X_DEPRECATED=maybe\nR___=\n=\nR_")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, prefix, env string) {
		environ := strings.Split(env, "\n")
		specs, err := LoadEnv(prefix, environ)
		if err != nil && !errors.Is(err, ErrInvalidConfig) {
			t.Fatalf("error does not wrap ErrInvalidConfig: %v", err)
		}
		for i, s := range specs {
			if s.Name == "" && s.Source.Env == "" {
				t.Fatalf("spec %d has neither name nor source: %+v", i, s)
			}
			if !strings.HasPrefix(s.Source.Env, prefix+"_") {
				t.Fatalf("spec %d from %q, outside prefix %q", i, s.Source.Env, prefix)
			}
		}
		// Deterministic: the same input gives the same specs.
		again, err2 := LoadEnv(prefix, environ)
		if len(again) != len(specs) || (err == nil) != (err2 == nil) {
			t.Fatalf("LoadEnv is not deterministic")
		}
	})
}
