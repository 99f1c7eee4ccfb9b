package keel

import (
	"context"
	"fmt"
)

// Pager walks a list one item at a time, fetching the next page, as its next_cursor says, when the
// current one is used up. The generated XxxPager methods make one for every list that takes a cursor:
//
//	keys := client.ListKeysPager(ctx, &keel.ListKeysParams{Limit: 100})
//	for keys.Next() {
//		key := keys.Item()
//	}
//	if err := keys.Err(); err != nil { ... }
type Pager[T any] struct {
	ctx    context.Context
	fetch  func(ctx context.Context, cursor string) ([]T, *string, error)
	cursor string
	page   []T
	item   T
	last   bool
	pages  int
	err    error
}

func newPager[T any](ctx context.Context, cursor string, fetch func(ctx context.Context, cursor string) ([]T, *string, error)) *Pager[T] {
	return &Pager[T]{ctx: ctx, fetch: fetch, cursor: cursor}
}

// Next moves to the next item and tells whether there is one; false at the end of the list or after
// an error, which Err then returns.
func (p *Pager[T]) Next() bool {
	for len(p.page) == 0 {
		if p.last || p.err != nil {
			return false
		}
		items, next, err := p.fetch(p.ctx, p.cursor)
		if err != nil {
			p.err = err
			return false
		}
		p.pages++
		p.page = items
		switch {
		case next == nil || *next == "":
			p.last = true
		case *next == p.cursor:
			// The same cursor again would fetch the same page forever.
			p.err = fmt.Errorf("keel: the list answered its own cursor %q as next_cursor", *next)
			return false
		default:
			p.cursor = *next
		}
	}
	p.item, p.page = p.page[0], p.page[1:]
	return true
}

// Item is the item Next moved to.
func (p *Pager[T]) Item() T {
	return p.item
}

// Err is the error that ended the walk, or nil.
func (p *Pager[T]) Err() error {
	return p.err
}

// Pages is how many pages have been fetched so far.
func (p *Pager[T]) Pages() int {
	return p.pages
}

// All walks the rest of the list and returns its items.
func (p *Pager[T]) All() ([]T, error) {
	var items []T
	for p.Next() {
		items = append(items, p.Item())
	}
	return items, p.Err()
}
