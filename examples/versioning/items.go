package main

import (
	"context"
	"net/http"

	"github.com/dynroute/dynroute/typed"
)

// The two versions of an item. Version 2 gives the price as an amount of
// cents with its currency where version 1 gave a number of euros.

// ItemV1 is an item in the version 1 shape.
type ItemV1 struct {
	ID    int64   `json:"id"`
	Name  string  `json:"name"`
	Price float64 `json:"price" doc:"the price in euros"`
}

// ItemV2 is an item in the version 2 shape.
type ItemV2 struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Price Money  `json:"price"`
}

// Money is an amount of a currency.
type Money struct {
	Amount   int64  `json:"amount" doc:"in the currency's minor unit (cents)"`
	Currency string `json:"currency" doc:"ISO 4217 code" example:"EUR"`
}

// ItemIn is what both versions take: the item's number from the path.
type ItemIn struct {
	ID int64 `path:"id" minimum:"1" doc:"the item's number"`
}

// stock is one item of the catalogue.
type stock struct {
	name  string
	cents int64
}

// catalogue holds the items by number; it is never written.
var catalogue = map[int64]stock{
	1: {"pen", 150},
	2: {"notebook", 499},
	3: {"stapler", 1250},
}

// find returns the item numbered id, or a 404 error for the client.
func find(id int64) (stock, error) {
	s, ok := catalogue[id]
	if !ok {
		return stock{}, typed.Errorf(http.StatusNotFound, "no item %d", id)
	}
	return s, nil
}

// GetItemV1 answers GET /items/{id} in the version 1 shape.
func GetItemV1(_ context.Context, in *ItemIn) (*ItemV1, error) {
	s, err := find(in.ID)
	if err != nil {
		return nil, err
	}
	return &ItemV1{ID: in.ID, Name: s.name, Price: float64(s.cents) / 100}, nil
}

// GetItemV2 answers GET /items/{id} in the version 2 shape.
func GetItemV2(_ context.Context, in *ItemIn) (*ItemV2, error) {
	s, err := find(in.ID)
	if err != nil {
		return nil, err
	}
	return &ItemV2{ID: in.ID, Name: s.name, Price: Money{Amount: s.cents, Currency: "EUR"}}, nil
}
