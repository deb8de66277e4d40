package auth

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/dynroute/dynroute"
)

// APIKey is one key an APIKeys verifier accepts, with the Principal a
// request that presents it gets.
type APIKey struct {
	// Key is the secret. It is kept only as its SHA-256 digest.
	Key string
	// Subject names the key's holder in the Principal ("ci", "admin"); ""
	// means "api-key".
	Subject string
	// Scopes are the scopes the key grants.
	Scopes []string
}

// APIKeys verifies API keys against a fixed set. It compares the digest of
// a presented key with every stored digest in constant time, so neither the
// answer nor its timing says how close a wrong key was. The zero value
// accepts no key.
type APIKeys struct {
	keys []storedKey
}

type storedKey struct {
	digest  [sha256.Size]byte
	subject string
	scopes  []string
}

// ErrNoKeys is wrapped by APIKeysFromEnv and APIKeysFromFile when they find
// no key: a verifier without keys refuses every request, which is safe, but
// usually a deployment mistake worth saying at startup.
var ErrNoKeys = errors.New("no API keys")

// NewAPIKeys returns a verifier that accepts keys. An empty key is an
// error, as is the same key twice.
func NewAPIKeys(keys ...APIKey) (*APIKeys, error) {
	v := &APIKeys{}
	for i, k := range keys {
		if k.Key == "" {
			return nil, fmt.Errorf("auth: API key %d is empty", i)
		}
		d := sha256.Sum256([]byte(k.Key))
		for _, s := range v.keys {
			if s.digest == d {
				return nil, fmt.Errorf("auth: API key %d is given twice", i)
			}
		}
		subject := k.Subject
		if subject == "" {
			subject = "api-key"
		}
		v.keys = append(v.keys, storedKey{digest: d, subject: subject, scopes: append([]string(nil), k.Scopes...)})
	}
	return v, nil
}

// APIKeysFromEnv returns a verifier of the keys in the environment
// variable name, separated by commas (so a key can be rotated by listing
// the old and the new one for a while). An unset or empty variable gives
// a verifier that accepts nothing and an error wrapping ErrNoKeys, which a
// program may log and go on with: the routes it protects answer 401 to
// everyone.
func APIKeysFromEnv(name string) (*APIKeys, error) {
	var keys []APIKey
	for _, k := range strings.Split(os.Getenv(name), ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, APIKey{Key: k})
		}
	}
	if len(keys) == 0 {
		return &APIKeys{}, fmt.Errorf("auth: %w in the environment variable %s", ErrNoKeys, name)
	}
	v, err := NewAPIKeys(keys...)
	if err != nil {
		return &APIKeys{}, fmt.Errorf("auth: the environment variable %s: %w", name, err)
	}
	return v, nil
}

// APIKeysFromFile reads keys from a file of fsys, one per line: the key,
// then optionally white space and a subject, then optionally scopes
// separated by white space. Blank lines and lines starting with # are
// skipped. A file without keys gives an error wrapping ErrNoKeys. Errors
// name the file and line, never the key.
func APIKeysFromFile(fsys fs.FS, name string) (*APIKeys, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return &APIKeys{}, fmt.Errorf("auth: %w", err)
	}
	defer f.Close()
	var keys []APIKey
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		k := APIKey{Key: fields[0]}
		if len(fields) > 1 {
			k.Subject, k.Scopes = fields[1], fields[2:]
		}
		keys = append(keys, k)
		if _, err := NewAPIKeys(keys...); err != nil {
			return &APIKeys{}, fmt.Errorf("auth: %s:%d: the key is given twice", name, line)
		}
	}
	if err := sc.Err(); err != nil {
		return &APIKeys{}, fmt.Errorf("auth: %s: %w", name, err)
	}
	if len(keys) == 0 {
		return &APIKeys{}, fmt.Errorf("auth: %w in %s", ErrNoKeys, name)
	}
	return NewAPIKeys(keys...)
}

// Len returns the number of keys the verifier accepts.
func (v *APIKeys) Len() int { return len(v.keys) }

// Verify accepts c.Value if it is one of the keys.
func (v *APIKeys) Verify(_ context.Context, c dynroute.Credential) (*dynroute.Principal, error) {
	d := sha256.Sum256([]byte(c.Value))
	found := -1
	for i := range v.keys {
		// Every digest is compared, whatever matched before.
		if subtle.ConstantTimeCompare(d[:], v.keys[i].digest[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return nil, fmt.Errorf("auth: %w: unknown API key", dynroute.ErrCredentials)
	}
	k := &v.keys[found]
	return &dynroute.Principal{Subject: k.subject, Scopes: append([]string(nil), k.scopes...)}, nil
}

var _ dynroute.Verifier = (*APIKeys)(nil)
