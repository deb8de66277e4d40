package typed

import (
	"context"
	"errors"
	"testing"

	"github.com/dynroute/dynroute"
	"github.com/stretchr/testify/require"
)

// chkIn binds {id}; a route without it must be refused when added.
type chkIn struct {
	ID int `path:"id"`
}
type chkOut struct {
	ID int `json:"id"`
}

func TestCheckRouteAtRegistration(t *testing.T) {
	h := Must(func(_ context.Context, in *chkIn) (*chkOut, error) { return &chkOut{in.ID}, nil }, nil)
	rt := dynroute.New(nil)
	err := rt.AddAPIRoute("/items/{other}", []string{"GET"}, h, nil)
	require.Error(t, err)
	require.True(t, errors.Is(err, dynroute.ErrInvalidHandler), err.Error())
	require.Contains(t, err.Error(), "/items/{other}")
	require.NoError(t, rt.AddAPIRoute("/items/{id}", []string{"GET"}, h, nil))
	require.Empty(t, rt.Routes()[1:])
}
