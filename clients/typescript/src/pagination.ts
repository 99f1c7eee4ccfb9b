import { type CallResult, unwrap } from "./client.js";

/** What to add to a list call's query for the next page: nothing for the first, then `cursor`. */
export interface PageQuery {
  cursor?: string;
}

/** A page of any Keel list: `{data, next_cursor}`. */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/**
 * Every row of a keyset-paginated list, fetching pages as the loop needs them:
 * `for await (const key of paginate((page) => keel.GET("/v1/keys", { params: { query: { limit: 50, ...page } } })))`.
 * A refused page throws KeelError.
 */
export async function* paginate<T, E>(fetchPage: (page: PageQuery) => Promise<CallResult<Page<T>, E>>): AsyncGenerator<T, void, undefined> {
  let page: PageQuery = {};
  for (;;) {
    const { data, next_cursor: next } = await unwrap(fetchPage(page));
    yield* data;
    if (next === null) {
      return;
    }
    page = { cursor: next };
  }
}
