package auth

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/dynroute/dynroute"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAPIKeys(t *testing.T) {
	v, err := NewAPIKeys(APIKey{Key: "k1", Subject: "ci", Scopes: []string{"deploy"}}, APIKey{Key: "k2"})
	require.NoError(t, err)
	tests := []struct {
		key     string
		subject string // "": refused
		scopes  []string
	}{
		{"k1", "ci", []string{"deploy"}},
		{"k2", "api-key", nil},
		{"k3", "", nil},
		{"", "", nil},
		{"k1 ", "", nil},
		{"K1", "", nil},
	}
	for _, tt := range tests {
		p, err := v.Verify(context.Background(), dynroute.Credential{Value: tt.key})
		if tt.subject == "" {
			assert.ErrorIs(t, err, dynroute.ErrCredentials, "%q", tt.key)
			assert.Nil(t, p)
			if err != nil {
				assert.NotContains(t, err.Error(), tt.key+"\"", "the error never quotes the key")
			}
			continue
		}
		require.NoError(t, err, tt.key)
		assert.Equal(t, tt.subject, p.Subject)
		assert.Equal(t, tt.scopes, p.Scopes)
	}
	_, err = NewAPIKeys(APIKey{Key: ""})
	assert.ErrorContains(t, err, "API key 0 is empty")
	_, err = NewAPIKeys(APIKey{Key: "a"}, APIKey{Key: "a"})
	assert.ErrorContains(t, err, "API key 1 is given twice")
	var zero APIKeys
	_, err = zero.Verify(context.Background(), dynroute.Credential{Value: "anything"})
	assert.ErrorIs(t, err, dynroute.ErrCredentials, "the zero value accepts nothing")
}

func TestAPIKeysFromEnv(t *testing.T) {
	for _, tt := range []struct {
		env  string
		keys int
	}{{"", 0}, {" , ", 0}, {"k", 1}, {"old, new", 2}} {
		t.Setenv("TEST_API_KEYS", tt.env)
		v, err := APIKeysFromEnv("TEST_API_KEYS")
		require.NotNil(t, v, "a verifier even on error: it refuses everything")
		assert.Equal(t, tt.keys, v.Len(), "%q", tt.env)
		if tt.keys == 0 {
			assert.ErrorIs(t, err, ErrNoKeys)
			assert.ErrorContains(t, err, "TEST_API_KEYS")
			continue
		}
		require.NoError(t, err)
	}
	t.Setenv("TEST_API_KEYS", "old, new")
	v, _ := APIKeysFromEnv("TEST_API_KEYS")
	for _, k := range []string{"old", "new"} {
		_, err := v.Verify(context.Background(), dynroute.Credential{Value: k})
		assert.NoError(t, err, "both keys work while one is rotated")
	}
	t.Setenv("TEST_API_KEYS", "dup,dup")
	v, err := APIKeysFromEnv("TEST_API_KEYS")
	assert.ErrorContains(t, err, "given twice")
	assert.NotContains(t, err.Error(), "dup")
	assert.Zero(t, v.Len())
}

func TestAPIKeysFromFile(t *testing.T) {
	fsys := fstest.MapFS{
		"keys.txt":  {Data: []byte("# deploy keys\n\nk1 ci deploy read\nk2 ops\nk3\n")},
		"empty.txt": {Data: []byte("# nothing yet\n")},
		"dup.txt":   {Data: []byte("k1\nk1 other\n")},
	}
	v, err := APIKeysFromFile(fsys, "keys.txt")
	require.NoError(t, err)
	assert.Equal(t, 3, v.Len())
	p, err := v.Verify(context.Background(), dynroute.Credential{Value: "k1"})
	require.NoError(t, err)
	assert.Equal(t, "ci", p.Subject)
	assert.Equal(t, []string{"deploy", "read"}, p.Scopes)

	_, err = APIKeysFromFile(fsys, "empty.txt")
	assert.ErrorIs(t, err, ErrNoKeys)
	_, err = APIKeysFromFile(fsys, "dup.txt")
	assert.ErrorContains(t, err, "dup.txt:2: the key is given twice")
	assert.NotContains(t, err.Error(), "k1")
	_, err = APIKeysFromFile(fsys, "missing.txt")
	assert.Error(t, err)
}
