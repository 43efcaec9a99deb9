//! Lazy streams over paged endpoints: a page is fetched only when the consumer has used up the
//! previous one, so stopping early costs no further requests and memory stays at one page.

use std::collections::VecDeque;
use std::future::Future;

use futures::Stream;
use futures::stream;

use crate::NangoError;

/// Streams items page by page. `fetch(state)` returns one page and the state for the next page,
/// or `None` when this was the last. The stream ends after the first error.
pub(crate) fn paged<S, T, F, Fut>(
    initial: S,
    fetch: F,
) -> impl Stream<Item = Result<T, NangoError>> + Send + 'static
where
    S: Send + 'static,
    T: Send + 'static,
    F: FnMut(S) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(Vec<T>, Option<S>), NangoError>> + Send + 'static,
{
    let start = (Some(initial), VecDeque::new(), fetch);
    stream::unfold(start, |(mut next, mut buffer, mut fetch)| async move {
        loop {
            if let Some(item) = buffer.pop_front() {
                return Some((Ok(item), (next, buffer, fetch)));
            }
            let state = next.take()?;
            match fetch(state).await {
                Ok((items, following)) => {
                    buffer = VecDeque::from(items);
                    next = following;
                }
                Err(error) => return Some((Err(error), (None, buffer, fetch))),
            }
        }
    })
}
