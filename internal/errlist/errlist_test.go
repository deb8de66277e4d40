package errlist

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFlatten(t *testing.T) {
	a, b, c := errors.New("a"), errors.New("b"), errors.New("c")
	tests := []struct {
		name string
		err  error
		want []error
	}{
		{"single", a, []error{a}},
		{"joined", errors.Join(a, b), []error{a, b}},
		{"nested", errors.Join(a, errors.Join(b, c)), []error{a, b, c}},
		{"wrapped join stays whole", fmt.Errorf("x: %w", errors.Join(a, b)), nil},
		{"multiple %w", fmt.Errorf("%w; %w", a, b), []error{a, b}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if want == nil {
				want = []error{tt.err}
			}
			assert.Equal(t, want, Flatten(tt.err))
		})
	}
}

func TestSummary(t *testing.T) {
	assert.Equal(t, "routes.yaml: 1 problem", Summary("routes.yaml", 1))
	assert.Equal(t, "source db: 3 problems", Summary("source db", 3))
	assert.Equal(t, "x: 0 problems", Summary("x", 0))
}
