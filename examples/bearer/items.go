package main

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/typed"
)

// Item is an item of the list.
type Item struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	CreatedBy string `json:"created_by" doc:"the sub claim of the token that created it"`
}

// NewItem is what POST /items takes.
type NewItem struct {
	Name string `json:"name" minLength:"1" maxLength:"100" example:"fountain pen"`
}

// ItemList is what GET /items answers.
type ItemList struct {
	Items []Item `json:"items"`
}

// Created is what POST /items answers: the item, and its URL in Location.
type Created struct {
	Item
	Location string `json:"-" header:"Location"`
}

// ItemIn names an item by its number.
type ItemIn struct {
	ID int64 `path:"id" minimum:"1" doc:"the item's number"`
}

// CreateIn is the body of POST /items.
type CreateIn struct {
	Body NewItem
}

// store holds the items in memory.
type store struct {
	mu    sync.Mutex
	items []Item // by ID
	next  int64
}

// newStore returns a store with two items.
func newStore() *store {
	return &store{items: []Item{{1, "pen", "seed"}, {2, "notebook", "seed"}}, next: 3}
}

func (s *store) list(context.Context, *struct{}) (*ItemList, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &ItemList{Items: slices.Clone(s.items)}, nil
}

func (s *store) get(_ context.Context, in *ItemIn) (*Item, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.find(in.ID)
	if !ok {
		return nil, typed.Errorf(http.StatusNotFound, "no item %d", in.ID)
	}
	it := s.items[i]
	return &it, nil
}

// create adds an item, recording the token's subject as its creator.
func (s *store) create(ctx context.Context, in *CreateIn) (*Created, error) {
	p, _ := dynroute.PrincipalFrom(ctx) // the route requires a token: never absent
	s.mu.Lock()
	defer s.mu.Unlock()
	it := Item{ID: s.next, Name: in.Body.Name, CreatedBy: p.Subject}
	s.next++
	s.items = append(s.items, it)
	return &Created{Item: it, Location: fmt.Sprintf("/items/%d", it.ID)}, nil
}

func (s *store) delete(_ context.Context, in *ItemIn) (*struct{}, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.find(in.ID)
	if !ok {
		return nil, typed.Errorf(http.StatusNotFound, "no item %d", in.ID)
	}
	s.items = slices.Delete(s.items, i, i+1)
	return nil, nil
}

// find returns the index of the item numbered id; callers hold s.mu.
func (s *store) find(id int64) (int, bool) {
	return slices.BinarySearchFunc(s.items, id, func(it Item, id int64) int { return cmp.Compare(it.ID, id) })
}
