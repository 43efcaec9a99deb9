//! `GET /records`, one page or all of them by cursor.

use std::sync::Arc;

use futures::Stream;

use crate::NangoError;
use crate::client::paging::paged;
use crate::client::transport::Call;
use crate::client::{NangoClient, RecordsQuery};
use crate::models::{Record, RecordsPage};

impl NangoClient {
    /// One page of records, starting after `query.cursor`. `next_cursor` is `None` on the last
    /// page; a page may hold fewer than `limit` records and still not be the last.
    pub async fn records_page(&self, query: &RecordsQuery) -> Result<RecordsPage, NangoError> {
        self.records_page_at(query, query.cursor.as_deref()).await
    }

    /// Every record matching `query`, following `next_cursor` lazily; memory holds one page.
    pub fn records(
        &self,
        query: RecordsQuery,
    ) -> impl Stream<Item = Result<Record, NangoError>> + Send + 'static {
        let client = self.clone();
        let first = query.cursor.clone();
        let query = Arc::new(query);
        paged(first, move |cursor: Option<String>| {
            let client = client.clone();
            let query = Arc::clone(&query);
            async move {
                let page = client.records_page_at(&query, cursor.as_deref()).await?;
                match page.next_cursor {
                    Some(next) if cursor.as_deref() == Some(next.as_str()) => {
                        Err(NangoError::InvalidBody {
                            status: 200,
                            reason: "next_cursor repeats the cursor just sent; stopping instead \
                                     of looping forever"
                                .to_owned(),
                        })
                    }
                    Some(next) => Ok((page.records, Some(Some(next)))),
                    None => Ok((page.records, None)),
                }
            }
        })
    }

    async fn records_page_at(
        &self,
        query: &RecordsQuery,
        cursor: Option<&str>,
    ) -> Result<RecordsPage, NangoError> {
        let mut call = Call::new("/records");
        call.headers = query.headers()?;
        query.write(&mut call.query, cursor);
        self.transport.get(&call, true).await?.decode()
    }
}
