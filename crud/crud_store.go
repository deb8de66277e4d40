package crud

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/dynroute/dynroute/jsonschema"
)

// Errors a Store returns, wrapped or not, and CRUD routes answer.
var (
	// ErrNotFound: the store has no item with the key. Answered 404.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a create or change clashes with an item the store
	// has, such as a duplicate key or unique value. Answered 409. (The
	// router's dynroute.ErrConflict is about routes, not items.)
	ErrConflict = errors.New("item conflict")
)

// ErrInvalidOptions: the options of Register, NewSQLStore or FromSchema are
// out of range, contradict each other or name what does not exist.
var ErrInvalidOptions = errors.New("invalid CRUD options")

// Store keeps items of type T under keys of type K for the routes Register
// registers. Field names in ListQuery are the JSON member names of T, and
// only ever names that T's schema declares: a Store may map them to columns
// without further checks. Implementations must be safe for concurrent use.
type Store[T any, K comparable] interface {
	// List returns the items q selects, and how many items match q's
	// filters in all (for pagination).
	List(ctx context.Context, q ListQuery) (items []T, total int, err error)
	// Get returns the item with key id, or ErrNotFound.
	Get(ctx context.Context, id K) (T, error)
	// Create stores a new item and returns it as stored: with its key
	// assigned, when the store assigns keys.
	Create(ctx context.Context, item T) (T, error)
	// Replace stores item under id, which must exist (else ErrNotFound),
	// and returns it as stored.
	Replace(ctx context.Context, id K, item T) (T, error)
	// Patch changes the item with key id in one step: it calls apply with
	// the stored item, stores what apply leaves in it unless apply fails,
	// and returns it. Nothing else may change the item in between.
	Patch(ctx context.Context, id K, apply func(item *T) error) (T, error)
	// Delete removes the item with key id, or returns ErrNotFound.
	Delete(ctx context.Context, id K) error
}

// ListQuery selects items: those that match every filter, in the order of
// Sort (then by key), the page of Limit items from Offset.
type ListQuery struct {
	Limit   int // > 0
	Offset  int // >= 0
	Sort    []SortKey
	Filters []Filter
}

// SortKey orders by one field.
type SortKey struct {
	Field string
	Desc  bool
}

// Filter keeps the items whose Field equals Value. Value has the Go type of
// the field's JSON type: string, int64 (integers), float64, bool.
type Filter struct {
	Field string
	Value any
}

// MemoryStore is a Store that keeps items in memory, for tests, examples
// and prototypes. The store assigns keys when NewMemoryStore was given a
// nextKey function and a created item's key is the zero value. It is safe
// for concurrent use.
type MemoryStore[T any, K comparable] struct {
	mu    sync.RWMutex
	items map[K]T
	order []K // keys in the order created

	key     func(*T) *K // the key field of an item
	nextKey func() K
	fields  map[string]func(*T) any // JSON member -> value, for filters and sorting
}

// NewMemoryStore returns an empty store. key returns a pointer to an item's
// key field; nextKey, if not nil, makes the key of an item created with a
// zero key (say, a counter).
func NewMemoryStore[T any, K comparable](key func(item *T) *K, nextKey func() K) *MemoryStore[T, K] {
	return &MemoryStore[T, K]{items: make(map[K]T), key: key, nextKey: nextKey, fields: jsonFieldGetters[T]()}
}

// jsonFieldGetters maps the JSON member names of a struct type T to
// functions that read them, for filtering and sorting. Types other than
// structs have none.
func jsonFieldGetters[T any]() map[string]func(*T) any {
	t := reflect.TypeFor[T]()
	out := make(map[string]func(*T) any)
	if t.Kind() != reflect.Struct {
		return out
	}
	for _, f := range jsonschema.Fields(t) {
		index := f.Index
		out[f.Name] = func(item *T) any {
			v, err := reflect.ValueOf(item).Elem().FieldByIndexErr(index)
			if err != nil {
				return nil // in a nil embedded struct
			}
			return comparableValue(v)
		}
	}
	return out
}

// comparableValue returns v as a filter value would be: int64, float64,
// string or bool; anything else as its JSON text.
func comparableValue(v reflect.Value) any {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(v.Uint())
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	}
	b, _ := json.Marshal(v.Interface())
	return string(b)
}

// compareValues orders two filter values of one field; nil first.
func compareValues(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	switch x := a.(type) {
	case int64:
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y)
		}
	case float64:
		if y, ok := b.(float64); ok {
			return cmp.Compare(x, y)
		}
	case string:
		if y, ok := b.(string); ok {
			return cmp.Compare(x, y)
		}
	case bool:
		if y, ok := b.(bool); ok {
			return cmp.Compare(fmt.Sprint(x), fmt.Sprint(y))
		}
	}
	return cmp.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

// List implements Store.
func (s *MemoryStore[T, K]) List(_ context.Context, q ListQuery) ([]T, int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	matched := make([]T, 0, len(s.order))
	for _, k := range s.order {
		item := s.items[k]
		ok := true
		for _, f := range q.Filters {
			get := s.fields[f.Field]
			if get == nil {
				return nil, 0, fmt.Errorf("dynroute: MemoryStore: no field %q", f.Field)
			}
			if compareValues(get(&item), f.Value) != 0 {
				ok = false
				break
			}
		}
		if ok {
			matched = append(matched, item)
		}
	}
	for _, k := range q.Sort {
		if s.fields[k.Field] == nil {
			return nil, 0, fmt.Errorf("dynroute: MemoryStore: no field %q", k.Field)
		}
	}
	if len(q.Sort) > 0 {
		slices.SortStableFunc(matched, func(a, b T) int {
			for _, k := range q.Sort {
				get := s.fields[k.Field]
				c := compareValues(get(&a), get(&b))
				if k.Desc {
					c = -c
				}
				if c != 0 {
					return c
				}
			}
			return 0
		})
	}
	total := len(matched)
	start := min(q.Offset, total)
	end := total
	if q.Limit > 0 {
		end = min(start+q.Limit, total)
	}
	return slices.Clone(matched[start:end]), total, nil
}

// Get implements Store.
func (s *MemoryStore[T, K]) Get(_ context.Context, id K) (T, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	item, ok := s.items[id]
	if !ok {
		return item, ErrNotFound
	}
	return item, nil
}

// Create implements Store.
func (s *MemoryStore[T, K]) Create(_ context.Context, item T) (T, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.key(&item)
	var zero K
	if *k == zero && s.nextKey != nil {
		for {
			*k = s.nextKey()
			if _, taken := s.items[*k]; !taken {
				break
			}
		}
	}
	if _, taken := s.items[*k]; taken {
		return item, fmt.Errorf("%w: key %v exists", ErrConflict, *k)
	}
	s.items[*k] = item
	s.order = append(s.order, *k)
	return item, nil
}

// Replace implements Store.
func (s *MemoryStore[T, K]) Replace(_ context.Context, id K, item T) (T, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.items[id]; !ok {
		return item, ErrNotFound
	}
	*s.key(&item) = id
	s.items[id] = item
	return item, nil
}

// Patch implements Store.
func (s *MemoryStore[T, K]) Patch(_ context.Context, id K, apply func(*T) error) (T, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	item, ok := s.items[id]
	if !ok {
		return item, ErrNotFound
	}
	if err := apply(&item); err != nil {
		return item, err
	}
	*s.key(&item) = id
	s.items[id] = item
	return item, nil
}

// Delete implements Store.
func (s *MemoryStore[T, K]) Delete(_ context.Context, id K) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.items[id]; !ok {
		return ErrNotFound
	}
	delete(s.items, id)
	s.order = slices.DeleteFunc(s.order, func(k K) bool { return k == id })
	return nil
}
