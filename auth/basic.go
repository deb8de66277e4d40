package auth

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/dynroute/dynroute"
)

// BasicUser is one user a Basic verifier accepts.
type BasicUser struct {
	// Name is the user name, the Principal's Subject.
	Name string
	// Hash is the bcrypt hash of the user's password ($2a$, $2b$ or $2y$),
	// as htpasswd -B and bcrypt.GenerateFromPassword write it.
	Hash string
	// Scopes are the scopes the user has.
	Scopes []string
}

// Basic verifies HTTP basic auth (a scheme {Type: "http", Scheme:
// "basic"}) against bcrypt password hashes. A request for an unknown user
// is compared with a dummy hash of the users' highest cost, so that it
// takes as long as a wrong password and the timing does not tell which
// users exist. The zero value accepts no one.
//
// Every check costs a bcrypt comparison, tens of milliseconds of CPU at
// the default cost: put a rate limit in front of routes that take basic
// auth from the open internet.
type Basic struct {
	users map[string]basicUser
	dummy []byte // a bcrypt hash of a random password, nil in the zero value
}

type basicUser struct {
	hash   []byte
	scopes []string
}

// ErrNoUsers is wrapped by BasicFromFile when the file has no user: a
// verifier without users refuses every request, which is safe, but
// usually a deployment mistake worth saying at startup.
var ErrNoUsers = errors.New("no users")

// bcryptMaxPassword is the longest password bcrypt reads; it ignores the
// bytes after it, so a longer password is refused rather than cut.
const bcryptMaxPassword = 72

// NewBasic returns a verifier that accepts users. An empty name, a name
// with a colon (basic auth could not send it), the same name twice and a
// hash that is not bcrypt are errors; they name the user, never the hash.
func NewBasic(users ...BasicUser) (*Basic, error) {
	v := &Basic{users: make(map[string]basicUser, len(users))}
	maxCost := 0
	for i, u := range users {
		switch {
		case u.Name == "":
			return nil, fmt.Errorf("auth: user %d has no name", i)
		case strings.Contains(u.Name, ":"):
			return nil, fmt.Errorf("auth: user %d: a user name has no colon", i)
		}
		if _, ok := v.users[u.Name]; ok {
			return nil, fmt.Errorf("auth: user %q is given twice", u.Name)
		}
		cost, err := bcryptCost(u.Hash)
		if err != nil {
			return nil, fmt.Errorf("auth: user %q: %w", u.Name, err)
		}
		maxCost = max(maxCost, cost)
		v.users[u.Name] = basicUser{hash: []byte(u.Hash), scopes: append([]string(nil), u.Scopes...)}
	}
	if maxCost == 0 {
		maxCost = bcrypt.DefaultCost
	}
	dummy, err := dummyHash(maxCost)
	if err != nil {
		return nil, err
	}
	v.dummy = dummy
	return v, nil
}

// bcryptCost checks that hash is a bcrypt hash of a kind the verifier
// takes and returns its cost. The error never quotes the hash.
func bcryptCost(hash string) (int, error) {
	if !strings.HasPrefix(hash, "$2a$") && !strings.HasPrefix(hash, "$2b$") && !strings.HasPrefix(hash, "$2y$") {
		return 0, errors.New("the password hash is not bcrypt ($2a$, $2b$ or $2y$)")
	}
	cost, err := bcrypt.Cost([]byte(hash))
	if err != nil || len(hash) != 60 {
		return 0, errors.New("the bcrypt password hash is malformed")
	}
	return cost, nil
}

// dummyHash hashes a random password at cost, for the comparisons of
// unknown users.
func dummyHash(cost int) ([]byte, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(rand.Text()), cost)
	if err != nil {
		return nil, fmt.Errorf("auth: the dummy hash: %w", err)
	}
	return h, nil
}

// BasicFromFile reads users from a file of fsys in htpasswd's format, one
// name:hash per line, as htpasswd -B writes it. Blank lines and lines
// starting with # are skipped. Only bcrypt hashes are taken; another kind
// (htpasswd's default MD5 $apr1$, {SHA}, crypt) is an error, as is a line
// without a colon or the same user twice. A file without users gives an
// error wrapping ErrNoUsers. Errors name the file and line, never a hash;
// on error the verifier returned refuses everyone.
func BasicFromFile(fsys fs.FS, name string) (*Basic, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return &Basic{}, fmt.Errorf("auth: %w", err)
	}
	defer f.Close()
	var users []BasicUser
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		user, hash, ok := strings.Cut(text, ":")
		switch {
		case !ok:
			return &Basic{}, fmt.Errorf("auth: %s:%d: a line is name:hash", name, line)
		case user == "":
			return &Basic{}, fmt.Errorf("auth: %s:%d: the user name is empty", name, line)
		case seen[user]:
			return &Basic{}, fmt.Errorf("auth: %s:%d: user %q is given twice", name, line, user)
		}
		if _, err := bcryptCost(hash); err != nil {
			return &Basic{}, fmt.Errorf("auth: %s:%d: user %q: %w", name, line, user, err)
		}
		seen[user] = true
		users = append(users, BasicUser{Name: user, Hash: hash})
	}
	if err := sc.Err(); err != nil {
		return &Basic{}, fmt.Errorf("auth: %s: %w", name, err)
	}
	if len(users) == 0 {
		return &Basic{}, fmt.Errorf("auth: %w in %s", ErrNoUsers, name)
	}
	v, err := NewBasic(users...)
	if err != nil {
		return &Basic{}, err
	}
	return v, nil
}

// Len returns the number of users the verifier accepts.
func (v *Basic) Len() int { return len(v.users) }

// Verify accepts c.User with the password c.Value if the password matches
// the user's hash.
func (v *Basic) Verify(_ context.Context, c dynroute.Credential) (*dynroute.Principal, error) {
	if v.dummy == nil {
		return nil, fmt.Errorf("auth: %w: no users", dynroute.ErrCredentials)
	}
	u, known := v.users[c.User]
	hash := u.hash
	if !known {
		hash = v.dummy
	}
	// The comparison runs whatever is wrong, so that every refusal takes
	// as long as a wrong password.
	err := bcrypt.CompareHashAndPassword(hash, []byte(c.Value))
	if !known || err != nil || len(c.Value) > bcryptMaxPassword {
		return nil, fmt.Errorf("auth: %w: unknown user or wrong password", dynroute.ErrCredentials)
	}
	return &dynroute.Principal{Subject: c.User, Scopes: append([]string(nil), u.scopes...)}, nil
}

var _ dynroute.Verifier = (*Basic)(nil)
