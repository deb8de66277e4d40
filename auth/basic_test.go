package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/dynroute/dynroute"
)

// hash is a bcrypt hash of password at the least cost, to keep the tests
// fast.
func hash(t testing.TB, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	require.NoError(t, err)
	return string(h)
}

func TestBasic(t *testing.T) {
	long := strings.Repeat("p", 72)
	v, err := NewBasic(
		BasicUser{Name: "ada", Hash: hash(t, "lovelace"), Scopes: []string{"items:write"}},
		BasicUser{Name: "bob", Hash: "$2y$" + strings.TrimPrefix(hash(t, "builder"), "$2a$")},
		BasicUser{Name: "cy", Hash: hash(t, long)},
	)
	require.NoError(t, err)
	assert.Equal(t, 3, v.Len())
	tests := []struct {
		user, password string
		ok             bool
		scopes         []string
	}{
		{"ada", "lovelace", true, []string{"items:write"}},
		{"bob", "builder", true, nil},
		{"cy", long, true, nil},
		{"cy", long + "more", false, nil}, // bcrypt would read only the first 72 bytes
		{"ada", "builder", false, nil},
		{"ada", "", false, nil},
		{"ada", "Lovelace", false, nil},
		{"Ada", "lovelace", false, nil},
		{"eve", "lovelace", false, nil},
		{"", "", false, nil},
	}
	for _, tt := range tests {
		p, err := v.Verify(context.Background(), dynroute.Credential{User: tt.user, Value: tt.password})
		if !tt.ok {
			assert.ErrorIs(t, err, dynroute.ErrCredentials, "%s:%s", tt.user, tt.password)
			assert.Nil(t, p)
			if err != nil && tt.password != "" {
				assert.NotContains(t, err.Error(), tt.password)
			}
			continue
		}
		require.NoError(t, err, tt.user)
		assert.Equal(t, tt.user, p.Subject)
		assert.Equal(t, tt.scopes, p.Scopes)
	}
	// An unknown user is compared with a dummy hash of the users' cost.
	cost, err := bcrypt.Cost(v.dummy)
	require.NoError(t, err)
	assert.Equal(t, bcrypt.MinCost, cost)

	var zero Basic
	_, err = zero.Verify(context.Background(), dynroute.Credential{User: "ada", Value: "lovelace"})
	assert.ErrorIs(t, err, dynroute.ErrCredentials, "the zero value accepts no one")
}

func TestNewBasicErrors(t *testing.T) {
	good := hash(t, "pw")
	tests := []struct {
		name  string
		users []BasicUser
		want  string
	}{
		{"no name", []BasicUser{{Hash: good}}, "user 0 has no name"},
		{"colon", []BasicUser{{Name: "a:b", Hash: good}}, "no colon"},
		{"twice", []BasicUser{{Name: "a", Hash: good}, {Name: "a", Hash: good}}, `user "a" is given twice`},
		{"plain text", []BasicUser{{Name: "a", Hash: "hunter2"}}, "not bcrypt"},
		{"MD5", []BasicUser{{Name: "a", Hash: "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/"}}, "not bcrypt"},
		{"$2x$", []BasicUser{{Name: "a", Hash: "$2x$" + good[4:]}}, "not bcrypt"},
		{"cut", []BasicUser{{Name: "a", Hash: good[:40]}}, "malformed"},
		{"bad cost", []BasicUser{{Name: "a", Hash: "$2a$99$" + good[7:]}}, "malformed"},
	}
	for _, tt := range tests {
		v, err := NewBasic(tt.users...)
		assert.ErrorContains(t, err, tt.want, tt.name)
		assert.Nil(t, v)
		if err != nil {
			for _, u := range tt.users {
				assert.NotContains(t, err.Error(), u.Hash, "%s: the error never shows a hash", tt.name)
			}
		}
	}
	// No users: a verifier that refuses everyone.
	v, err := NewBasic()
	require.NoError(t, err)
	_, err = v.Verify(context.Background(), dynroute.Credential{User: "a", Value: "b"})
	assert.ErrorIs(t, err, dynroute.ErrCredentials)
}

func TestBasicFromFile(t *testing.T) {
	ada, bob := hash(t, "lovelace"), hash(t, "builder")
	bob2y := "$2y$" + bob[4:]
	fsys := fstest.MapFS{
		"users":     {Data: []byte("# htpasswd -B\n\nada:" + ada + "\n  bob:" + bob2y + "  \n")},
		"empty":     {Data: []byte("# nobody yet\n")},
		"md5":       {Data: []byte("ada:" + ada + "\nbob:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/\n")},
		"sha":       {Data: []byte("bob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n")},
		"crypt":     {Data: []byte("bob:rqXexS6ZhobKA\n")},
		"plain":     {Data: []byte("\n\nbob:builder\n")},
		"no colon":  {Data: []byte("ada " + ada + "\n")},
		"no name":   {Data: []byte(":" + ada + "\n")},
		"twice":     {Data: []byte("ada:" + ada + "\nada:" + bob + "\n")},
		"malformed": {Data: []byte("ada:" + ada[:30] + "\n")},
	}
	v, err := BasicFromFile(fsys, "users")
	require.NoError(t, err)
	assert.Equal(t, 2, v.Len())
	for user, pw := range map[string]string{"ada": "lovelace", "bob": "builder"} {
		p, err := v.Verify(context.Background(), dynroute.Credential{User: user, Value: pw})
		require.NoError(t, err, user)
		assert.Equal(t, user, p.Subject)
	}

	tests := []struct {
		file   string
		want   string
		secret string // what the error never shows
	}{
		{"md5", `md5:2: user "bob": the password hash is not bcrypt`, "$apr1$r31"},
		{"sha", "sha:1: user \"bob\": the password hash is not bcrypt", "W6ph5Mm5"},
		{"crypt", "crypt:1:", "rqXexS6ZhobKA"},
		{"plain", "plain:3:", "builder"},
		{"no colon", "no colon:1: a line is name:hash", ada},
		{"no name", "no name:1: the user name is empty", ada},
		{"twice", `twice:2: user "ada" is given twice`, bob},
		{"malformed", "malformed:1: user \"ada\": the bcrypt password hash is malformed", ada[:30]},
		{"empty", "no users in empty", ""},
		{"missing", "missing", ""},
	}
	for _, tt := range tests {
		v, err := BasicFromFile(fsys, tt.file)
		require.NotNil(t, v, "a verifier even on error: it refuses everyone")
		assert.Zero(t, v.Len())
		assert.ErrorContains(t, err, tt.want, tt.file)
		if tt.secret != "" && err != nil {
			assert.NotContains(t, err.Error(), tt.secret, tt.file)
		}
	}
	_, err = BasicFromFile(fsys, "empty")
	assert.ErrorIs(t, err, ErrNoUsers)
}

// okHandler answers 200 with the Principal's subject.
func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := dynroute.PrincipalFrom(r.Context())
		w.Write([]byte(p.Subject))
	})
}

// serve serves one request on h with the bearer token, if any, and
// returns the status.
func serve(h http.Handler, method, target, token string) int {
	r := httptest.NewRequest(method, target, nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

func TestBasicRouter(t *testing.T) {
	v, err := NewBasic(BasicUser{Name: "ada", Hash: hash(t, "lovelace")})
	require.NoError(t, err)
	rt := dynroute.New(&dynroute.Options{Title: "Shop", Security: &dynroute.SecurityOptions{
		Schemes: map[string]dynroute.SecurityScheme{"basic": {Type: "http", Scheme: "basic"}},
		Default: []dynroute.SecurityRequirement{{"basic": {}}},
	}})
	require.NoError(t, rt.Registry().RegisterVerifier("basic", v))
	err = rt.AddAPIRoute("/me", []string{"GET"}, okHandler(), nil)
	require.NoError(t, err)
	for _, tt := range []struct {
		user, password string
		status         int
	}{{"ada", "lovelace", 200}, {"ada", "wrong", 401}, {"eve", "lovelace", 401}} {
		r := httptest.NewRequest("GET", "/me", nil)
		r.SetBasicAuth(tt.user, tt.password)
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		assert.Equal(t, tt.status, w.Code, tt.user)
		if tt.status == 401 {
			assert.Equal(t, `Basic realm="Shop", charset="UTF-8"`, w.Header().Get("WWW-Authenticate"))
		}
	}
}
