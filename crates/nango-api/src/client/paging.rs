//! Streams over paged endpoints. Cursor pages ([`paged`]) are fetched only when the consumer has
//! used up the previous one, so stopping early costs no further requests and memory stays at one
//! page. Numbered pages ([`numbered_pages`]) may keep one page in flight ahead of the consumer.

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

/// Streams numbered pages 0, 1, 2… until one is not full (`fetch` returns its items and whether
/// it was full). With `prefetch`, the next page is requested while the current one is still in
/// flight, so a listing of k full pages waits about k/2 round trips instead of k+1, and one
/// full page (exactly 2,000 connections) plus the empty page after it take one round trip. A
/// page is only requested on speculation while the page before it is unanswered, so a listing
/// costs at most one request more than it needs: the page after its last, short, page. The
/// prefetched page runs on its own task: it progresses while the consumer works, and a page
/// nobody needs still completes, which keeps its pooled connection reusable instead of cutting
/// it mid-answer. Without a tokio runtime the pages are fetched one at a time.
pub(crate) fn numbered_pages<T, F, Fut>(
    prefetch: bool,
    fetch: F,
) -> impl Stream<Item = Result<T, NangoError>> + Send + 'static
where
    T: Send + 'static,
    F: Fn(u32) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(Vec<T>, bool), NangoError>> + Send + 'static,
{
    let start = Pages {
        next: Some(0),
        ahead: None,
        buffer: VecDeque::new(),
        prefetch,
        fetch,
    };
    stream::unfold(start, |mut pages| async move {
        loop {
            if let Some(item) = pages.buffer.pop_front() {
                return Some((Ok(item), pages));
            }
            let page = pages.next.take()?;
            match pages.fetch_page(page).await {
                Ok((items, full)) => {
                    pages.buffer = VecDeque::from(items);
                    pages.next = full.then(|| page.saturating_add(1));
                }
                Err(error) => {
                    pages.ahead = None;
                    return Some((Err(error), pages));
                }
            }
        }
    })
}

type PageResult<T> = Result<(Vec<T>, bool), NangoError>;

struct Pages<T, F> {
    next: Option<u32>,
    /// The prefetched page and its task.
    ahead: Option<(u32, tokio::task::JoinHandle<PageResult<T>>)>,
    buffer: VecDeque<T>,
    prefetch: bool,
    fetch: F,
}

impl<T, F, Fut> Pages<T, F>
where
    T: Send + 'static,
    F: Fn(u32) -> Fut,
    Fut: Future<Output = PageResult<T>> + Send + 'static,
{
    /// Page `page`: from its prefetch task when there is one, else fetched here.
    async fn fetch_page(&mut self, page: u32) -> PageResult<T> {
        let next = page.saturating_add(1);
        // A prefetch of another page is left to finish on its own (dropping detaches it).
        let task = match self.ahead.take() {
            Some((ahead, task)) if ahead == page => task,
            _ => {
                self.start_prefetch(next);
                return (self.fetch)(page).await;
            }
        };
        if !task.is_finished() {
            self.start_prefetch(next);
            return self.join(task, page).await;
        }
        // Already answered, so whether a next page exists is known: nothing on speculation.
        let result = self.join(task, page).await;
        if matches!(result, Ok((_, true))) {
            self.start_prefetch(next);
        }
        result
    }

    fn start_prefetch(&mut self, page: u32) {
        if self.prefetch
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            self.ahead = Some((page, runtime.spawn((self.fetch)(page))));
        }
    }

    // `&mut`: a shared borrow held across the await would need `F: Sync`.
    async fn join(
        &mut self,
        task: tokio::task::JoinHandle<PageResult<T>>,
        page: u32,
    ) -> PageResult<T> {
        match task.await {
            Ok(result) => result,
            // The task panicked or was cancelled: ask again here.
            Err(_) => (self.fetch)(page).await,
        }
    }
}
